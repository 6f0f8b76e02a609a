/** The scanner's calls to the gate API (contract: "Gate"). */
import type { GateBundle, GateBundleSince, ScanUpload, ScanUploadAnswer, ScanVerdict } from "../shared/gate";
import type { Verdict } from "./verify";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) throw new ApiFailure(res.status, json?.error?.code ?? "http_error", json?.error?.message ?? res.statusText);
  return json as T;
}

export const fetchBundle = (token: string, eventId: string) =>
  request<GateBundle>(token, "GET", `/api/v1/gate/events/${encodeURIComponent(eventId)}/bundle`);

/** What changed since `cursor`; a 400 means the server cannot serve that cursor (fetch the full bundle). */
export const fetchChanges = (token: string, eventId: string, cursor: string) =>
  request<GateBundleSince>(
    token,
    "GET",
    `/api/v1/gate/events/${encodeURIComponent(eventId)}/bundle?since=${encodeURIComponent(cursor)}`,
  );

const WIRE_VERDICT: Record<Verdict, ScanVerdict> = { VALID: "valid", DUPLICATE: "duplicate", REVOKED: "revoked", INVALID: "invalid" };

export const uploadScans = (
  token: string,
  eventId: string,
  deviceId: string,
  scans: { ticket_id: string; scanned_at: string; verdict: Verdict }[],
) =>
  request<ScanUploadAnswer>(token, "POST", `/api/v1/gate/events/${encodeURIComponent(eventId)}/scans`, {
    device_id: deviceId,
    scans: scans.map((s) => ({ ...s, verdict: WIRE_VERDICT[s.verdict] })),
  } satisfies ScanUpload);
