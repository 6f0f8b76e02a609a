import { createMiddleware } from "hono/factory";
import { ApiError } from "../errors";

/**
 * Refuses request bodies over `maxBytes` with 413 `payload_too_large` before any handler
 * reads or parses them. Unlike hono's `bodyLimit`, a `Content-Length` under the cap is not
 * taken on trust: the bytes that actually arrive are counted, and reading stops at the cap.
 */
export function bodyCap(maxBytes: number) {
  const tooLarge = () => new ApiError(413, "payload_too_large", `Request body exceeds ${maxBytes} bytes.`);
  return createMiddleware(async function bodyCapMiddleware(c, next) {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = Number(c.req.header("Content-Length") ?? "0");
    if (declared > maxBytes) throw tooLarge();
    const reader = body.getReader();
    // Chunks as they arrive, not a buffer of `maxBytes` per request: most bodies are tiny.
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
      size += value.byteLength;
    }
    // A small body is one chunk: no copy then.
    const bytes: Uint8Array = chunks.length === 1 ? chunks[0]! : new Uint8Array(size);
    if (chunks.length !== 1) {
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.byteLength;
      }
    }
    // The headers are copied (a Headers per request) only when Content-Length must change.
    if (c.req.header("Content-Length") === String(size)) c.req.raw = new Request(c.req.raw, { body: bytes });
    else {
      const headers = new Headers(c.req.raw.headers);
      headers.set("Content-Length", String(size));
      c.req.raw = new Request(c.req.raw, { headers, body: bytes });
    }
    await next();
  });
}
