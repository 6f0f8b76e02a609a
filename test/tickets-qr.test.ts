import { describe, it } from "vitest";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
// workerd imports .wasm files as WebAssembly.Module
import readerWasm from "../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm";
import { publishedEvent, signupBuyer } from "./support/fixtures";
import { call } from "./support/http";
import { paidOrder } from "./support/checkout";

prepareZXingModule({
  overrides: {
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(readerWasm as WebAssembly.Module, imports).then(done);
      return {};
    },
  },
});

/**
 * Rasterizes the SVG the way a screen would (every dark module's square filled) and returns
 * RGBA pixels: qrcode-svg draws each dark module as `M x,y V .. H .. V .. H .. Z`.
 */
function rasterize(svg: string) {
  const size = Number(/<svg[^>]*width="([\d.]+)"/.exec(svg)![1]);
  const squares = [...svg.matchAll(/M([\d.]+),([\d.]+) V([\d.]+) H([\d.]+)/g)].map((m) => m.slice(1, 5).map(Number) as [number, number, number, number]);
  const scale = 0.5; // decode a half-size image: modules are still 4 px
  const px = Math.round(size * scale);
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  for (const [x1, y1, y2, x2] of squares) {
    for (let y = Math.round(y1 * scale); y < Math.round(y2 * scale); y++) {
      for (let x = Math.round(x1 * scale); x < Math.round(x2 * scale); x++) {
        const i = (y * px + x) * 4;
        data[i] = data[i + 1] = data[i + 2] = 0;
      }
    }
  }
  const moduleSize = squares.length ? squares[0]![2] - squares[0]![1] : 0;
  return { image: { data, width: px, height: px, colorSpace: "srgb" } as unknown as Parameters<typeof readBarcodes>[0], moduleSize };
}

describe("ticket QR code", () => {
  it("decodes to exactly the ticket's JWT, with modules big enough for a phone camera", async ({ expect }) => {
    const ev = await publishedEvent();
    const buyer = await signupBuyer();
    const { paid } = await paidOrder(ev, buyer, { seats: ["R-A-3"] });
    const ticket = paid.tickets[0];
    const res = await call("GET", `/api/v1/tickets/${ticket.ticket_id}/qr.svg`, { token: buyer.token });
    expect(res.status).toBe(200);
    // Scalable: the viewBox spans exactly the drawn size, so apps can resize it without cropping.
    const width = /<svg[^>]*width="([\d.]+)"/.exec(res.body)![1];
    expect(res.body).toMatch(new RegExp(`<svg[^>]*viewBox="0 0 ${width} ${width}"`));
    const { image, moduleSize } = rasterize(res.body);
    expect(moduleSize).toBeGreaterThanOrEqual(8);
    const [found] = await readBarcodes(image, { formats: ["QRCode"], tryHarder: true });
    expect(found?.text).toBe(ticket.jwt);
    expect(found?.ecLevel).toMatch(/^[LM]$/);
  });
});
