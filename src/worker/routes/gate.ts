import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import type { Principal } from "../auth/tokens";
import { getEvent } from "../../platform/db/event-rows";
import { getOwnEvent } from "../catalog/event-repo";
import { badRequest, forbidden, notFound } from "../errors";
import { gateBundle, gateBundleSince } from "../gate/bundle";
import { CursorParam } from "../gate/changes";
import { enrolGateDevice, getGateDevice } from "../gate/devices";
import { recordScans } from "../gate/scans";
import { recordBundleSync } from "../console/gate-devices";
import { recordMetric } from "../../platform/metrics";
import { requireAuth } from "../middleware/auth";
import { validate } from "../validation";
import { SCAN_VERDICTS, type ScanUpload } from "../../shared/gate";

/** Upload batches stay well under the 64 KiB body cap (a scan is about 120 bytes of JSON). */
const MAX_SCANS_PER_BATCH = 200;

const EventParam = z.object({ eventId: z.string().min(1).max(64) });

/** `since`: the cursor of an earlier bundle answer, to get only what changed after it. */
const BundleQuery = z.object({ since: CursorParam.optional() });

const NewDevice = z.object({ name: z.string().trim().min(1).max(80) });

const ScanBatch = z.object({
  device_id: z.string().min(1).max(64),
  scans: z
    .array(
      z.object({
        ticket_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "ticket_id must be an id"),
        scanned_at: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()),
        verdict: z.preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(SCAN_VERDICTS)),
      }),
    )
    .max(MAX_SCANS_PER_BATCH),
}) satisfies z.ZodType<ScanUpload>;

/** A staff token is bound to one event and one device; it sees nothing else. */
async function deviceOf(env: Env, principal: Principal, eventId: string) {
  if (principal.role !== "staff" || principal.eventId !== eventId) throw forbidden("This device is enrolled for another event.");
  const [event, device] = await Promise.all([getEvent(env, eventId), getGateDevice(env, eventId, principal.deviceId)]);
  if (!event) throw notFound("Event");
  if (!device) throw forbidden("This gate device is not enrolled.");
  return { event, device };
}

/** Gate devices, bundles and scan reconciliation. */
export const gateRoutes = new Hono<AppEnv>();

gateRoutes.post(
  "/api/v1/admin/events/:eventId/gate-devices",
  requireAuth("organizer"),
  validate("param", EventParam),
  validate("json", NewDevice),
  async (c) => {
    const { eventId } = c.req.valid("param");
    const principal = c.get("principal");
    const event = await getOwnEvent(c.env, principal.userId, eventId);
    const device = await enrolGateDevice(c.env, event, c.req.valid("json").name, principal.userId);
    return c.json({ ...device, event_id: event.id }, 201);
  },
);

gateRoutes.get(
  "/api/v1/gate/events/:eventId/bundle",
  requireAuth("staff"),
  validate("param", EventParam),
  validate("query", BundleQuery),
  async (c) => {
    const { event, device } = await deviceOf(c.env, c.get("principal"), c.req.valid("param").eventId);
    c.header("Cache-Control", "no-store");
    // For the organizer's device list ("last sync"); a write of the device's own row.
    await recordBundleSync(c.env, event.id, device.id);
    const { since } = c.req.valid("query");
    if (!since) return c.json(await gateBundle(c.env, event, device));
    const delta = await gateBundleSince(c.env, event, since);
    if (!delta)
      throw badRequest("since is not a cursor of this event's bundle.", {
        issues: [{ path: "since", message: "not a cursor this server gave for this event", code: "custom" }],
      });
    return c.json(delta);
  },
);

gateRoutes.post(
  "/api/v1/gate/events/:eventId/scans",
  requireAuth("staff"),
  validate("param", EventParam),
  validate("json", ScanBatch),
  async (c) => {
    const body = c.req.valid("json");
    const { event, device } = await deviceOf(c.env, c.get("principal"), c.req.valid("param").eventId);
    if (body.device_id !== device.id) throw forbidden("device_id does not match this device's token.");
    recordMetric(c.env.METRICS, { kind: "scan", eventId: event.id, count: body.scans.length, detail: device.id });
    return c.json(await recordScans(c.env, event.id, device.id, body.scans));
  },
);
