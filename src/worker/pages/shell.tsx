import type { Child } from "hono/jsx";

export interface PageShellProps {
  /** The whole `<title>`. */
  title: string;
  stylesheets: string[];
  /** Extra `<head>` content after the stylesheets. */
  head?: Child;
  bodyClass?: string;
  /** The site header's navigation. */
  header: Child;
  footer?: Child;
  /** Module scripts loaded after the page, as absolute paths. */
  scripts: string[];
  children?: Child;
}

/** The HTML shell the storefront and the console share: head, skip link, header, main, scripts. */
export function PageShell(props: PageShellProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {props.stylesheets.map((href) => (
          <link rel="stylesheet" href={href} />
        ))}
        <link rel="icon" href="data:," />
        {props.head}
      </head>
      <body class={props.bodyClass}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="site-header">{props.header}</header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        {props.footer}
        {props.scripts.map((src) => (
          <script type="module" src={src}></script>
        ))}
      </body>
    </html>
  );
}

/** Logging out is a POST (a link could be followed by a prefetch), styled as a link. */
export function LogoutButton() {
  return (
    <form method="post" action="/logout" class="inline">
      <button type="submit" class="link-button">
        Log out
      </button>
    </form>
  );
}
