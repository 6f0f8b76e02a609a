import type { Child } from "hono/jsx";
import { SITE_NAME } from "../layout";

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
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Console · ${SITE_NAME}`}</title>
        <link rel="stylesheet" href="/store/store.css" />
        <link rel="stylesheet" href="/console/console.css" />
        <link rel="icon" href="data:," />
      </head>
      <body class="console">
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">
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
                <form method="post" action="/logout" class="inline">
                  <button type="submit" class="link-button">
                    Log out
                  </button>
                </form>
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
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        {(props.scripts ?? []).map((s) => (
          <script type="module" src={`/console/${s}.js`}></script>
        ))}
      </body>
    </html>
  );
}
