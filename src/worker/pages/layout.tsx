import type { Child } from "hono/jsx";
import type { Principal } from "../auth/tokens";

export interface LayoutProps {
  title: string;
  /**
   * Who is signed in, for personal pages only. Public pages (home, event) leave it out and
   * render the same for everyone, so they can be cached; their nav links to `/me`, which
   * asks for a log-in when needed.
   */
  viewer?: Principal | null;
  /** Client bundles under /store/ (e.g. "event"), loaded as modules after the page. */
  scripts?: string[];
  /** Extra `<head>` content (e.g. a third-party script a page needs). */
  head?: Child;
  children?: Child;
}

export const SITE_NAME = "Edge Tickets";

/** The page shell of every storefront page: head, skip link, nav, main, footer. */
export function Layout(props: LayoutProps) {
  const signedIn = props.viewer != null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${SITE_NAME}`}</title>
        <link rel="stylesheet" href="/store/store.css" />
        <link rel="icon" href="data:," />
        {props.head}
      </head>
      <body>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <nav aria-label="Main">
            <a class="brand" href="/">
              {SITE_NAME}
            </a>
            <ul>
              <li>
                <a href="/">Events</a>
              </li>
              <li>
                <a href="/me">My tickets</a>
              </li>
              {props.viewer === undefined ? null : signedIn ? (
                <li>
                  <form method="post" action="/logout" class="inline">
                    <button type="submit" class="link-button">
                      Log out
                    </button>
                  </form>
                </li>
              ) : (
                <li>
                  <a href="/login">Log in</a>
                </li>
              )}
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <p>Prices include all fees. Tickets are sent to your account and by email.</p>
        </footer>
        {["common", ...(props.scripts ?? [])].map((s) => (
          <script type="module" src={`/store/${s}.js`}></script>
        ))}
      </body>
    </html>
  );
}

/** A sentence about what went wrong, and where to go from here: never a dead end. */
export function Notice(props: { kind?: "error" | "info" | "success"; children?: Child }) {
  const kind = props.kind ?? "info";
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}
