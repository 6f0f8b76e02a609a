/** The scanner's calls to the gate API (contract: "Gate"). */
import type { SinceAnswer } from "./bundle-delta";
import type { GateBundle, Verdict } from "./verify";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadAnswer {
  accepted: number;
  duplicates: { ticket_id: string; first_scanned_at: string; first_device_id: string; first_device_name?: string }[];
  revoked?: string[];
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
  request<SinceAnswer>(
    token,
    "GET",
    `/api/v1/gate/events/${encodeURIComponent(eventId)}/bundle?since=${encodeURIComponent(cursor)}`,
  );

export const uploadScans = (
  token: string,
  eventId: string,
  deviceId: string,
  scans: { ticket_id: string; scanned_at: string; verdict: Verdict }[],
) =>
  request<UploadAnswer>(token, "POST", `/api/v1/gate/events/${encodeURIComponent(eventId)}/scans`, {
    device_id: deviceId,
    scans: scans.map((s) => ({ ...s, verdict: s.verdict.toLowerCase() })),
  });
