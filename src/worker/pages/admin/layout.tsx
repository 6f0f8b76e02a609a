import type { Child } from "hono/jsx";
import { SITE_NAME } from "../layout";
import { LogoutButton, PageShell } from "../shell";

export interface AdminLayoutProps {
  title: string;
  /** Client bundles under /console/ (e.g. "dashboard"), loaded as modules after the page. */
  scripts?: string[];
  /** The event whose pages these are, for the event's own navigation. */
  event?: { event_id: string; name: string };
  children?: Child;
}

/** The shell of every console page: the storefront's styles plus the console's, its own nav. */
export function AdminLayout(props: AdminLayoutProps) {
  const e = props.event;
  const base = e ? `/admin/events/${encodeURIComponent(e.event_id)}` : "";
  return (
    <PageShell
      title={`${props.title} · Console · ${SITE_NAME}`}
      stylesheets={["/store/store.css", "/console/console.css"]}
      bodyClass="console"
      header={
        <>
          <nav aria-label="Console">
            <a class="brand" href="/admin/">
              {SITE_NAME} console
            </a>
            <ul>
              <li>
                <a href="/admin/">Events</a>
              </li>
              <li>
                <a href="/admin/venues">Venues</a>
              </li>
              <li>
                <LogoutButton />
              </li>
            </ul>
          </nav>
          {e ? (
            <nav aria-label="Event" class="event-nav">
              <ul>
                <li>
                  <a href={base}>Overview</a>
                </li>
                <li>
                  <a href={`${base}/dashboard`}>Live dashboard</a>
                </li>
                <li>
                  <a href={`${base}/orders`}>Orders</a>
                </li>
                <li>
                  <a href={`${base}/door`}>Door</a>
                </li>
              </ul>
            </nav>
          ) : null}
        </>
      }
      scripts={(props.scripts ?? []).map((s) => `/console/${s}.js`)}
    >
      {props.children}
    </PageShell>
  );
}
