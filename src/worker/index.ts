import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { onError, onNotFound } from "./errors";
import { bodyCap } from "./middleware/body-cap";
import { requestLog } from "./observability/request-log";
import { handleEmailBatch } from "./email/confirmation";
import { isApiPath, pageNotFound, pageRoutes } from "./pages";
import { adminCatalogRoutes } from "./routes/admin-catalog";
import { adminConsoleRoutes } from "./routes/admin-console";
import { adminOrdersRoutes } from "./routes/admin-orders";
import { authRoutes } from "./routes/auth";
import { eventsRoutes } from "./routes/events";
import { gateRoutes } from "./routes/gate";
import { holdsRoutes } from "./routes/holds";
import { ordersRoutes } from "./routes/orders";
import { handleLocalWebhookBatch, paymentsRoutes } from "./routes/payments";
import { OUTBOX_QUEUE } from "../platform/payments/local-outbox";
import { queueRoutes } from "./routes/queue";
import { seatsLiveRoutes } from "./routes/seats-live";
import { ticketsRoutes } from "./routes/tickets";
import { transfersRoutes } from "./routes/transfers";
import { resaleRoutes } from "./routes/resale";
import { waitlistRoutes } from "./routes/waitlist";

export { SectionInventory } from "../durable-objects/section-inventory";
export { BuyerLedger } from "../durable-objects/buyer-ledger";
export { WaitingRoom } from "../durable-objects/waiting-room";
export { RateLimiter } from "../durable-objects/rate-limiter";
export { CheckoutSaga } from "../durable-objects/checkout-saga";
export { LiveFeed } from "../durable-objects/live-feed";
export { Waitlist } from "../durable-objects/waitlist";
export { EventDashboard } from "./stats/live-dashboard";

export const app = new Hono<AppEnv>();
app.onError(onError);
// Unknown API paths keep the contract's JSON 404; anything else is a page.
app.notFound((c) => (isApiPath(c.req.path) ? onNotFound(c) : pageNotFound(c)));

// First, so that every answer (errors and 404s too) carries X-Request-Id and is logged once.
app.use("*", requestLog());
// Bodies are small JSON documents; anything larger is refused before it is read or parsed.
const MAX_BODY_BYTES = 64 * 1024;
app.use("/api/*", bodyCap(MAX_BODY_BYTES));

// Each router declares its full paths (e.g. "/api/v1/events/:eventId/holds").
app.route("/", authRoutes);
app.route("/", adminCatalogRoutes);
app.route("/", eventsRoutes);
app.route("/", seatsLiveRoutes);
app.route("/", holdsRoutes);
app.route("/", ordersRoutes);
app.route("/", paymentsRoutes);
app.route("/", ticketsRoutes);
app.route("/", transfersRoutes);
app.route("/", resaleRoutes);
app.route("/", adminOrdersRoutes);
app.route("/", adminConsoleRoutes);
app.route("/", queueRoutes);
app.route("/", gateRoutes);
app.route("/", waitlistRoutes);
// The storefront's pages call the API above in-process.
app.route("/", pageRoutes((req, env, ctx) => app.fetch(req, env, ctx)));

export default {
  fetch: app.fetch,
  queue: (batch, env) => (batch.queue === OUTBOX_QUEUE ? handleLocalWebhookBatch(batch, env) : handleEmailBatch(batch, env)),
} satisfies ExportedHandler<Env>;
