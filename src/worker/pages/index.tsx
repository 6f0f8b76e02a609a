import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { pageCsrf } from "../middleware/session";
import { accountPages } from "./account";
import { adminPages } from "./admin";
import type { ApiFetch } from "./api-call";
import { checkoutPages } from "./checkout";
import { eventPages } from "./event";
import { homePage } from "./home";
import { Layout, Notice } from "./layout";
import { mePages } from "./me";
import { queuePages } from "./queue";
import { resalePages } from "./resale";
import { waitlistPages } from "./waitlist";

/**
 * The storefront's server-rendered pages (hono/jsx). They read and write through the JSON API
 * (`api`, the app's own fetch), so the API's rules and errors stay in one place.
 */
export function pageRoutes(api: ApiFetch) {
  const pages = new Hono<AppEnv>();
  pages.onError(pageError);
  // Mounted at "/", these run for every path no earlier route answered, API paths included
  // (an unknown /api/ path must stay the API's JSON 404): they apply to pages only.
  pages.use("*", async function pageCsrfForPages(c, next) {
    return isApiPath(c.req.path) ? next() : pageCsrf(c, next);
  });
  // Pages are personal unless a route says otherwise (a shared cache must never keep one).
  pages.use("*", async function pageCacheControl(c, next) {
    await next();
    if (!isApiPath(c.req.path) && !c.res.headers.has("Cache-Control")) c.header("Cache-Control", "private, no-store");
  });
  pages.route("/", homePage(api));
  pages.route("/", eventPages(api));
  pages.route("/", queuePages(api));
  pages.route("/", checkoutPages(api));
  pages.route("/", accountPages(api));
  pages.route("/", mePages(api));
  pages.route("/", resalePages(api));
  pages.route("/", waitlistPages(api));
  pages.route("/", adminPages(api));
  return pages;
}

/** Paths of the JSON API and the well-known documents: never pages. */
export const isApiPath = (path: string) => /^\/(api|\.well-known)(\/|$)/.test(path);

/** A page's failure as a page: a sentence and a way on, never a JSON body or a dead end. */
export function pageError(err: Error, c: Context<AppEnv>) {
  const known = err instanceof ApiError;
  if (!known) console.error("page error", c.req.method, c.req.path, err);
  const status = known ? err.status : 500;
  const message = known ? err.message : "Something went wrong on our side. Please try again in a moment.";
  return c.html(
    <Layout title="Something went wrong">
      <h1>Something went wrong</h1>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href="/">Back to all events</a>
      </p>
    </Layout>,
    status,
  );
}

/** Unknown pages: a page with a way back (unknown API paths keep the JSON 404). */
export function pageNotFound(c: Context<AppEnv>) {
  return c.html(
    <Layout title="Page not found">
      <h1>Page not found</h1>
      <Notice>
        There is no page at <code>{c.req.path}</code>. <a href="/">See all events</a>
      </Notice>
    </Layout>,
    404,
  );
}
