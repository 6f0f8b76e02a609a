import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { Email } from "../auth/accounts";
import { notFound } from "../errors";
import { requireAuth } from "../middleware/auth";
import { callerEmail } from "../resale/caller";
import { acceptTransfer, cancelTransfer, myTransfers, startTransfer } from "../resale/transfers";
import { idPattern } from "../../shared/ids";
import { validate } from "../validation";

/** Ticket transfers (contract "Ticket transfer"). Rules live in `resale/transfers.ts`. */
export const transfersRoutes = new Hono<AppEnv>();

const TransferBody = z.strictObject({ to_email: Email });
const TICKET_ID = idPattern("tkt");
const TRANSFER_ID = idPattern("trf");

const ticketParam = (id: string) => {
  if (!TICKET_ID.test(id)) throw notFound("Ticket");
  return id;
};
const transferParam = (id: string) => {
  if (!TRANSFER_ID.test(id)) throw notFound("Transfer");
  return id;
};

transfersRoutes.post("/api/v1/tickets/:ticketId/transfer", requireAuth("buyer", "organizer"), validate("json", TransferBody), async (c) => {
  const ticketId = ticketParam(c.req.param("ticketId"));
  const t = await startTransfer(c.env, c.get("principal").userId, ticketId, c.req.valid("json").to_email);
  return c.json(t, 201);
});

transfersRoutes.get("/api/v1/me/transfers", requireAuth("buyer", "organizer"), async (c) => {
  const userId = c.get("principal").userId;
  return c.json(await myTransfers(c.env, userId, await callerEmail(c.env, userId)));
});

transfersRoutes.post("/api/v1/transfers/:transferId/accept", requireAuth("buyer", "organizer"), async (c) => {
  const transferId = transferParam(c.req.param("transferId"));
  const userId = c.get("principal").userId;
  return c.json(await acceptTransfer(c.env, userId, await callerEmail(c.env, userId), transferId));
});

transfersRoutes.post("/api/v1/transfers/:transferId/cancel", requireAuth("buyer", "organizer"), async (c) => {
  const transferId = transferParam(c.req.param("transferId"));
  return c.json(await cancelTransfer(c.env, c.get("principal").userId, transferId));
});
