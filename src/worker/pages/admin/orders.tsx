import { Hono, type Context } from "hono";
import type { AppEnv } from "../../app-env";
import { ORDER_STATUSES } from "../../../shared/order-state";
import { callApi, type ApiFetch } from "../api-call";
import { formatDateTime, formatMoney } from "../format";
import { Notice } from "../layout";
import { apiGet, backWith, problem } from "./api";
import { Flash } from "./events";
import { AdminLayout } from "./layout";

type Buyer = { user_id: string; email: string | null; name: string | null };
type TicketJson = { ticket_id: string; section: string; seat_label: string | null; status: string; checked_in_at?: string | null; checked_in_gate?: string | null };
type OrderJson = {
  order_id: string;
  event_id: string;
  status: string;
  amount_cents: number;
  refunded_cents: number;
  currency: string;
  created_at: string;
  paid_at: string | null;
  failure_reason: string | null;
  buyer: Buyer | null;
  tickets: TicketJson[];
};

const STATUS_WORD: Record<string, string> = { pending_payment: "Awaiting payment", paid: "Paid", failed: "Failed", cancelled: "Cancelled", refunded: "Refunded" };

export function orderPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  const get = <T,>(c: Context<AppEnv>, path: string) => apiGet<T>(c, api, path);

  pages.get("/admin/events/:eventId/orders", async (c) => {
    const id = encodeURIComponent(c.req.param("eventId"));
    const status = c.req.query("status") ?? "";
    const email = c.req.query("email") ?? "";
    const q = c.req.query("q") ?? "";
    const cursor = c.req.query("cursor") ?? "";
    const query = new URLSearchParams({ limit: "50" });
    for (const [k, v] of Object.entries({ status, email, q, cursor })) if (v) query.set(k, v);
    const [event, page] = await Promise.all([
      get<{ event_id: string; name: string; currency: string }>(c, `/api/v1/admin/events/${id}`),
      get<{ orders: OrderJson[]; next_cursor: string | null }>(c, `/api/v1/admin/events/${id}/orders?${query}`),
    ]);
    const next = new URLSearchParams({ status, email, q, cursor: page.next_cursor ?? "" });
    return c.html(
      <AdminLayout title={`Orders · ${event.name}`} event={event}>
        <h1>Orders</h1>
        <p class="actions">
          <a class="button" href={`/api/v1/admin/events/${id}/exports/orders.csv`} download>
            Download orders (CSV)
          </a>{" "}
          <a class="button" href={`/api/v1/admin/events/${id}/exports/attendees.csv`} download>
            Download attendees (CSV)
          </a>
        </p>
        <form method="get" class="grid filters" role="search" aria-label="Find orders">
          <label for="f-status">
            Status
            <select id="f-status" name="status">
              <option value="">Any</option>
              {ORDER_STATUSES.map((s) => (
                <option value={s} selected={s === status}>
                  {STATUS_WORD[s]}
                </option>
              ))}
            </select>
          </label>
          <label for="f-email">
            Buyer email
            <input id="f-email" name="email" type="email" value={email} />
          </label>
          <label for="f-q">
            Search (order id, name, email)
            <input id="f-q" name="q" type="search" value={q} />
          </label>
          <button type="submit">Find</button>
        </form>
        {page.orders.length === 0 ? (
          <Notice>No orders match.</Notice>
        ) : (
          <table>
            <caption>Orders, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Buyer</th>
                <th scope="col">Status</th>
                <th scope="col">Tickets</th>
                <th scope="col">Amount</th>
                <th scope="col">Placed</th>
              </tr>
            </thead>
            <tbody>
              {page.orders.map((o) => (
                <tr>
                  <td>
                    <a href={`/admin/orders/${encodeURIComponent(o.order_id)}`}>{o.order_id}</a>
                  </td>
                  <td>{o.buyer ? `${o.buyer.name} <${o.buyer.email}>` : "unknown"}</td>
                  <td>{STATUS_WORD[o.status] ?? o.status}</td>
                  <td>{o.tickets.length}</td>
                  <td>{formatMoney(o.amount_cents, o.currency)}</td>
                  <td>
                    <time datetime={o.created_at}>{formatDateTime(o.created_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {page.next_cursor ? (
          <p>
            <a href={`?${next}`} rel="next">
              Older orders
            </a>
          </p>
        ) : null}
      </AdminLayout>,
    );
  });

  pages.get("/admin/orders/:orderId", async (c) => {
    const o = await get<OrderJson & { event_name: string; payment: any }>(c, `/api/v1/admin/orders/${encodeURIComponent(c.req.param("orderId"))}`);
    const event = { event_id: o.event_id, name: o.event_name };
    const refund = o.payment.refund as { state: string; refunded_cents: number; refunded_at: string | null };
    return c.html(
      <AdminLayout title={`Order ${o.order_id}`} event={event}>
        <h1>Order {o.order_id}</h1>
        <Flash c={c} />
        <dl class="facts">
          <dt>Status</dt>
          <dd id="order-status">{STATUS_WORD[o.status] ?? o.status}</dd>
          <dt>Buyer</dt>
          <dd>{o.buyer ? `${o.buyer.name} <${o.buyer.email}>` : "unknown"}</dd>
          <dt>Amount</dt>
          <dd>{formatMoney(o.amount_cents, o.currency)}</dd>
          <dt>Payment</dt>
          <dd>
            {o.payment.provider ?? "none"} {o.payment.payment_id ?? ""}
            {o.payment.captured_at ? `, captured ${formatDateTime(o.payment.captured_at)}` : ""}
          </dd>
          <dt>Refund</dt>
          <dd>
            {refund.state === "none"
              ? "none"
              : `${refund.state}: ${formatMoney(refund.refunded_cents, o.currency)}${refund.refunded_at ? `, ${formatDateTime(refund.refunded_at)}` : ""}`}
          </dd>
          {o.failure_reason ? (
            <>
              <dt>Reason</dt>
              <dd>{o.failure_reason}</dd>
            </>
          ) : null}
        </dl>
        <table>
          <caption>Tickets</caption>
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">Section</th>
              <th scope="col">Seat</th>
              <th scope="col">Status</th>
              <th scope="col">Checked in</th>
            </tr>
          </thead>
          <tbody>
            {o.tickets.map((t) => (
              <tr data-ticket-id={t.ticket_id}>
                <td>{t.ticket_id}</td>
                <td>{t.section}</td>
                <td>{t.seat_label ?? "general admission"}</td>
                <td class="ticket-status">{t.status}</td>
                <td>{t.checked_in_at ? `${formatDateTime(t.checked_in_at)}${t.checked_in_gate ? ` at ${t.checked_in_gate}` : ""}` : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {o.status === "paid" ? (
          <form method="post" action={`/admin/orders/${encodeURIComponent(o.order_id)}/refund`} class="stack narrow">
            <label class="check" for="confirm-refund">
              <input id="confirm-refund" name="confirm" type="checkbox" value="yes" required /> Refund {formatMoney(o.amount_cents - o.refunded_cents, o.currency)} and revoke{" "}
              {o.tickets.length === 1 ? "the ticket" : `all ${o.tickets.length} tickets`}
            </label>
            <button type="submit" class="danger">
              Refund order
            </button>
          </form>
        ) : null}
        <p>
          <a href={`/admin/events/${encodeURIComponent(o.event_id)}/orders`}>All orders of {o.event_name}</a>
        </p>
      </AdminLayout>,
    );
  });

  pages.post("/admin/orders/:orderId/refund", async (c) => {
    const id = c.req.param("orderId");
    const form = await c.req.parseBody();
    const back = `/admin/orders/${encodeURIComponent(id)}`;
    if (form.confirm !== "yes") return c.redirect(backWith(back, "Tick the box to confirm the refund.", "error"), 303);
    const res = await callApi(c, api, "POST", `/api/v1/admin/orders/${encodeURIComponent(id)}/refund`);
    return c.redirect(res.ok ? backWith(back, "Refunded; the tickets are revoked and the seats are back on sale.") : backWith(back, problem(res), "error"), 303);
  });

  return pages;
}
