import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import type { Principal } from "../auth/tokens";
import type { EventJson } from "../catalog/event-json";
import { parseHoldId } from "../../shared/inventory/hold-id";
import { cookiePrincipal } from "../middleware/session";
import { holdErrorSentence } from "../../shared/hold-error-text";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney } from "./format";
import { Layout, Notice } from "./layout";
import { TicketCard, type TicketJson } from "./tickets";

interface HoldJson {
  hold_id: string;
  event_id: string;
  status: "held" | "sold";
  seats: string[];
  quantity: number;
  expires_at: string;
  total_cents: number;
  currency?: string;
  items: { section: string; kind: string; seats: string[]; quantity: number; total_cents: number }[];
}

interface OrderJson {
  order_id: string;
  event_id: string;
  status: "pending_payment" | "paid" | "failed" | "cancelled" | "refunded";
  failure_reason: string | null;
  subtotal_cents: number;
  discount_cents: number;
  amount_cents: number;
  currency: string;
  payment: { provider: string; payment_id: string | null; client_secret?: string | null };
  tickets: TicketJson[];
}

/** Optional configuration beside the generated `Env`: Stripe.js needs the account's publishable key. */
type StripeEnv = Env & { STRIPE_PUBLISHABLE_KEY?: string };

const enc = encodeURIComponent;

/** The signed-in buyer, or a redirect to log in and come back. */
async function viewerOr(c: Context<AppEnv>): Promise<Principal | Response> {
  const viewer = await cookiePrincipal(c);
  return viewer ?? c.redirect(`/login?next=${enc(c.req.path)}`, 303);
}

/** The buyer's own order (the API answers 404 for anyone else's), or null. */
async function orderOf(c: Context<AppEnv>, api: ApiFetch, orderId: string) {
  const res = await callApi<OrderJson>(c, api, "GET", `/api/v1/orders/${enc(orderId)}`);
  return res.ok ? res.body : null;
}

async function eventOf(c: Context<AppEnv>, api: ApiFetch, eventId: string) {
  const res = await callApi<EventJson>(c, api, "GET", `/api/v1/events/${enc(eventId)}`, { auth: false });
  return res.ok ? res.body : null;
}

function HoldGone({ viewer, eventId }: { viewer: Principal; eventId?: string }) {
  return (
    <Layout title="Hold expired" viewer={viewer}>
      <h1>Your hold has ended</h1>
      <Notice kind="error">
        Your hold expired or was released, and the seats went back on sale.{" "}
        {eventId ? <a href={`/events/${enc(eventId)}`}>Pick again</a> : <a href="/">Find your event</a>}
      </Notice>
    </Layout>
  );
}

function CheckoutView(p: { viewer: Principal; hold: HoldJson; event: EventJson | null; error?: string; promo?: string }) {
  const { hold, event } = p;
  const currency = hold.currency ?? event?.currency ?? "usd";
  const eventPath = `/events/${enc(hold.event_id)}`;
  return (
    <Layout title="Checkout" viewer={p.viewer} scripts={["checkout"]}>
      <h1>Checkout</h1>
      {event ? (
        <p class="meta">
          <a href={eventPath}>{event.name}</a> · <time datetime={event.starts_at}>{formatDateTime(event.starts_at)}</time> · {event.city}
        </p>
      ) : null}
      <div class="notice" id="hold-timer-box">
        Your seats are held for you. Time left to pay:{" "}
        <strong role="timer" aria-live="off" id="hold-timer" data-expires-at={hold.expires_at} data-event-path={eventPath}>
          until {formatDateTime(hold.expires_at)}
        </strong>
      </div>
      {p.error ? <Notice kind="error">{p.error}</Notice> : null}
      <h2>Your tickets</h2>
      <ul class="hold-items">
        {hold.items.map((i) => (
          <li>
            {i.kind === "ga" ? `${i.quantity} × ${i.section} (standing)` : i.seats.join(", ")} · {formatMoney(i.total_cents, currency)}
          </li>
        ))}
      </ul>
      <p class="total">
        Total <strong>{formatMoney(hold.total_cents, currency)}</strong>
      </p>
      <form method="post" action={`/checkout/${enc(hold.hold_id)}`} class="stack narrow" id="checkout-form">
        <input type="hidden" name="idempotency_key" value={crypto.randomUUID()} />
        <label>
          Promo code (optional)
          <input name="promo_code" autocomplete="off" maxlength={64} value={p.promo ?? ""} />
        </label>
        <button type="submit" class="primary">
          Continue to payment
        </button>
      </form>
      <form method="post" action={`/checkout/${enc(hold.hold_id)}/cancel`} class="cancel-form">
        <button type="submit" class="danger">
          Cancel and release these seats
        </button>
      </form>
    </Layout>
  );
}

function Amounts({ order }: { order: OrderJson }) {
  return (
    <dl class="amounts">
      <dt>Tickets</dt>
      <dd>{formatMoney(order.subtotal_cents, order.currency)}</dd>
      {order.discount_cents > 0 ? (
        <>
          <dt>Promo discount</dt>
          <dd data-discount>−{formatMoney(order.discount_cents, order.currency)}</dd>
        </>
      ) : null}
      <dt>Total</dt>
      <dd>
        <strong>{formatMoney(order.amount_cents, order.currency)}</strong>
      </dd>
    </dl>
  );
}

/** Checkout: the held seats with their countdown, promo code, payment, and the order until paid. */
export function checkoutPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();

  pages.get("/checkout/:holdId", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const holdId = c.req.param("holdId");
    const hold = await callApi<HoldJson>(c, api, "GET", `/api/v1/holds/${enc(holdId)}`);
    if (!hold.ok) return c.html(<HoldGone viewer={viewer} eventId={parseHoldId(holdId)?.eventId} />, 404);
    if (hold.body.status === "sold") return c.redirect("/me", 303);
    return c.html(<CheckoutView viewer={viewer} hold={hold.body} event={await eventOf(c, api, hold.body.event_id)} />);
  });

  pages.post("/checkout/:holdId", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const holdId = c.req.param("holdId");
    const form = await c.req.parseBody();
    const promo = typeof form.promo_code === "string" ? form.promo_code.trim() : "";
    const key = typeof form.idempotency_key === "string" && form.idempotency_key ? form.idempotency_key : crypto.randomUUID();
    const order = await callApi<OrderJson>(c, api, "POST", "/api/v1/orders", {
      body: promo ? { hold_id: holdId, promo_code: promo } : { hold_id: holdId },
      headers: { "Idempotency-Key": key },
    });
    if (order.ok) return c.redirect(`/orders/${enc(order.body.order_id)}${order.body.status === "paid" ? "" : "/pay"}`, 303);
    if (order.error.code === "hold_already_ordered" && typeof order.error.details?.order_id === "string")
      return c.redirect(`/orders/${enc(order.error.details.order_id)}/pay`, 303);
    const hold = await callApi<HoldJson>(c, api, "GET", `/api/v1/holds/${enc(holdId)}`);
    if (!hold.ok || order.error.code === "hold_expired") return c.html(<HoldGone viewer={viewer} eventId={parseHoldId(holdId)?.eventId} />, 409);
    const error = order.error.code === "promo_invalid" ? `${order.error.message} Your seats are still held; try another code or leave it empty.` : holdErrorSentence(order.error, order.retryAfter);
    return c.html(
      <CheckoutView viewer={viewer} hold={hold.body} event={await eventOf(c, api, hold.body.event_id)} error={error} promo={promo} />,
      order.status === 429 ? 429 : 422,
    );
  });

  pages.post("/checkout/:holdId/cancel", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const holdId = c.req.param("holdId");
    await callApi(c, api, "DELETE", `/api/v1/holds/${enc(holdId)}`);
    const eventId = parseHoldId(holdId)?.eventId;
    // The event page says so (its script reads the fragment; the page itself stays the same for everyone).
    return c.redirect(eventId ? `/events/${enc(eventId)}#released` : "/", 303);
  });

  pages.get("/orders/:orderId/pay", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const orderId = c.req.param("orderId");
    const order = await orderOf(c, api, orderId);
    if (!order) return c.notFound();
    if (order.status !== "pending_payment") return c.redirect(`/orders/${enc(orderId)}`, 303);
    const event = await eventOf(c, api, order.event_id);
    const stripe = order.payment.provider === "stripe";
    const publishableKey = (c.env as StripeEnv).STRIPE_PUBLISHABLE_KEY;
    return c.html(
      <Layout
        title="Payment"
        viewer={viewer}
        scripts={stripe ? ["stripe-pay"] : []}
        head={stripe ? <script src="https://js.stripe.com/v3/"></script> : undefined}
      >
        <h1>Payment</h1>
        {event ? <p class="meta">{event.name}</p> : null}
        <Amounts order={order} />
        {stripe ? (
          publishableKey ? (
            <form
              id="stripe-payment"
              class="stack narrow"
              data-client-secret={order.payment.client_secret ?? ""}
              data-publishable-key={publishableKey}
              data-return-url={new URL(`/orders/${enc(orderId)}`, c.req.url).toString()}
            >
              <div id="payment-element"></div>
              <div id="payment-message" class="notice notice-error" role="alert" hidden></div>
              <button type="submit" class="primary">
                Pay {formatMoney(order.amount_cents, order.currency)}
              </button>
            </form>
          ) : (
            <Notice kind="error">Card payments are not set up on this site yet (STRIPE_PUBLISHABLE_KEY is missing). Your seats stay held until the timer ends.</Notice>
          )
        ) : (
          <section class="test-gateway" aria-labelledby="test-gateway-title">
            <h2 id="test-gateway-title">Test payment</h2>
            <p>
              This site uses the local test payment provider: no card is charged. Choose what the bank answers; the
              provider then confirms it to us exactly as a real one would.
            </p>
            <form method="post" action={`/orders/${enc(orderId)}/pay`} class="pay-buttons">
              <button type="submit" name="outcome" value="succeed" class="primary">
                Pay {formatMoney(order.amount_cents, order.currency)}
              </button>
              <button type="submit" name="outcome" value="fail" class="danger">
                Decline
              </button>
            </form>
          </section>
        )}
      </Layout>,
    );
  });

  pages.post("/orders/:orderId/pay", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const orderId = c.req.param("orderId");
    const form = await c.req.parseBody();
    const outcome = form.outcome === "fail" ? "fail" : "succeed";
    const order = await orderOf(c, api, orderId);
    if (!order) return c.notFound();
    const paymentId = order.payment.payment_id;
    if (order.status === "pending_payment" && paymentId)
      await callApi(c, api, "POST", `/api/v1/test-gateway/payments/${enc(paymentId)}/${outcome}`, { auth: false });
    return c.redirect(`/orders/${enc(orderId)}`, 303);
  });

  pages.get("/orders/:orderId", async (c) => {
    const viewer = await viewerOr(c);
    if (viewer instanceof Response) return viewer;
    const orderId = c.req.param("orderId");
    const order = await orderOf(c, api, orderId);
    if (!order) return c.notFound();
    const event = await eventOf(c, api, order.event_id);
    const eventPath = `/events/${enc(order.event_id)}`;
    // Paid orders get their tickets in the same step; until both are visible, keep following.
    const settling = order.status === "pending_payment" || (order.status === "paid" && order.tickets.length === 0);
    return c.html(
      <Layout
        title="Your order"
        viewer={viewer}
        scripts={settling ? ["order"] : ["me"]}
        head={settling ? <meta http-equiv="refresh" content="5" /> : undefined}
      >
        <h1>Your order</h1>
        {event ? (
          <p class="meta">
            <a href={eventPath}>{event.name}</a> · <time datetime={event.starts_at}>{formatDateTime(event.starts_at)}</time>
          </p>
        ) : null}
        <Amounts order={order} />
        <div id="order-status" role="status" data-order-id={order.order_id} data-status={order.status} data-settling={settling ? "true" : "false"}>
          {settling ? (
            <Notice>Waiting for the payment to be confirmed. This page updates by itself.</Notice>
          ) : order.status === "paid" ? (
            <Notice kind="success">Paid. Your tickets are below and in <a href="/me">My tickets</a>; they work offline too.</Notice>
          ) : order.status === "failed" ? (
            <Notice kind="error">
              The payment was declined, and the seats were released. <a href={eventPath}>Pick again</a>
            </Notice>
          ) : order.status === "cancelled" ? (
            <Notice>
              This order was cancelled and its seats were released. <a href={eventPath}>Pick again</a>
            </Notice>
          ) : (
            <Notice>This order was refunded; its tickets are no longer valid.</Notice>
          )}
        </div>
        {order.tickets.length > 0 ? (
          <>
            <h2>Tickets</h2>
            <ul class="ticket-list">
              {order.tickets.map((t) => (
                <TicketCard t={t} event={event ?? undefined} />
              ))}
            </ul>
          </>
        ) : null}
      </Layout>,
    );
  });

  return pages;
}
