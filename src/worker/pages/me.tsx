import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { cookiePrincipal } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { formatDateTime, formatMoney } from "./format";
import { Layout, Notice } from "./layout";

interface OrderJson {
  order_id: string;
  event_id: string;
  status: string;
  amount_cents: number;
  currency: string;
  created_at: string;
}

/** `/me`: the buyer's orders and tickets; needs the session cookie, else goes to log in. */
export function mePages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.get("/me", async (c) => {
    const viewer = await cookiePrincipal(c);
    if (!viewer) return c.redirect(`/login?next=${encodeURIComponent("/me")}`, 303);
    const orders = await callApi<{ orders: OrderJson[] }>(c, api, "GET", "/api/v1/me/orders?limit=50");
    return c.html(
      <Layout title="My tickets" viewer={viewer}>
        <h1>My tickets</h1>
        {!orders.ok ? (
          <Notice kind="error">{orders.error.message}</Notice>
        ) : orders.body.orders.length === 0 ? (
          <Notice>
            No orders yet. <a href="/">Find an event</a>
          </Notice>
        ) : (
          <ul class="order-list">
            {orders.body.orders.map((o) => (
              <li>
                <a href={`/orders/${encodeURIComponent(o.order_id)}`}>Order {o.order_id}</a> · {o.status} ·{" "}
                {formatMoney(o.amount_cents, o.currency)} · <time datetime={o.created_at}>{formatDateTime(o.created_at)}</time>
              </li>
            ))}
          </ul>
        )}
      </Layout>,
    );
  });
  return pages;
}
