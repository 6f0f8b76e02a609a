import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { cookiePrincipal } from "../../middleware/session";
import type { ApiFetch } from "../api-call";
import { Notice } from "../layout";
import { AdminLayout } from "./layout";
import { dashboardPages } from "./dashboard";
import { eventPages } from "./events";
import { orderPages } from "./orders";
import { venuePages } from "./venues";

const guard = createMiddleware<AppEnv>(async function consoleGuard(c, next) {
  const viewer = await cookiePrincipal(c);
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
  if (viewer.role !== "organizer")
    return c.html(
      <AdminLayout title="Organizers only">
        <h1>Organizers only</h1>
        <Notice kind="error">This is the organizer console, and this account is not an organizer account.</Notice>
        <p>
          <a href="/">Back to the events</a>
        </p>
      </AdminLayout>,
      403,
    );
  c.set("principal", viewer);
  await next();
});

/**
 * The organizer console (`/admin/`). Every page checks the session cookie's role first: no
 * session goes to log in, a buyer gets a 403 page and no data. The pages then read and write
 * through the JSON API as the organizer, which checks ownership again (another organizer's
 * event is a 404 there, and so here).
 */
export function adminPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.use("/admin", guard);
  pages.use("/admin/*", guard);
  pages.route("/", eventPages(api));
  pages.route("/", venuePages(api));
  pages.route("/", orderPages(api));
  pages.route("/", dashboardPages(api));
  return pages;
}

