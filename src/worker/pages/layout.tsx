import type { Child } from "hono/jsx";
import type { Principal } from "../auth/tokens";
import { LogoutButton, PageShell } from "./shell";

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
    <PageShell
      title={`${props.title} · ${SITE_NAME}`}
      stylesheets={["/store/store.css"]}
      head={props.head}
      header={
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
                <LogoutButton />
              </li>
            ) : (
              <li>
                <a href="/login">Log in</a>
              </li>
            )}
          </ul>
        </nav>
      }
      footer={
        <footer class="site-footer">
          <p>Prices include all fees. Tickets are sent to your account and by email.</p>
        </footer>
      }
      scripts={["common", ...(props.scripts ?? [])].map((s) => `/store/${s}.js`)}
    >
      {props.children}
    </PageShell>
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
