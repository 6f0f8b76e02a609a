import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { clearSessionCookie, cookiePrincipal, setSessionCookie } from "../middleware/session";
import { callApi, type ApiFetch } from "./api-call";
import { Layout, Notice } from "./layout";
import { safeNext } from "./safe-next";

type Mode = "login" | "signup";

interface FormProps {
  mode: Mode;
  next: string;
  email?: string;
  name?: string;
  error?: string;
}

function AccountForm(props: FormProps) {
  const login = props.mode === "login";
  const title = login ? "Log in" : "Create an account";
  const other = login ? "/signup" : "/login";
  return (
    <Layout title={title} viewer={null}>
      <h1>{title}</h1>
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action={`/${props.mode}`} class="stack narrow">
        <input type="hidden" name="next" value={props.next} />
        {login ? null : (
          <label>
            Your name
            <input name="name" autocomplete="name" required maxlength={100} value={props.name ?? ""} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autocomplete="email" required value={props.email ?? ""} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={login ? "current-password" : "new-password"}
            required
            minlength={login ? undefined : 8}
          />
        </label>
        <button type="submit" class="primary">
          {login ? "Log in" : "Sign up"}
        </button>
      </form>
      <p>
        {login ? "New here? " : "Have an account? "}
        <a href={`${other}?next=${encodeURIComponent(props.next)}`}>{login ? "Create an account" : "Log in"}</a>
      </p>
    </Layout>
  );
}

/** A rate-limit or validation answer as one sentence for the form. */
function formError(status: number, error: { message: string; details?: Record<string, unknown> }, retryAfter?: number): string {
  if (status === 429) return `Too many attempts. Try again in ${retryAfter ?? 60} seconds.`;
  const issues = (error.details?.issues as { message: string }[] | undefined) ?? [];
  return issues.length ? issues.map((i) => i.message).join(" ") : error.message;
}

/** Log in, sign up and log out: the pages' session cookie is set and cleared only here. */
export function accountPages(api: ApiFetch) {
  const pages = new Hono<AppEnv>();

  for (const mode of ["login", "signup"] as const) {
    pages.get(`/${mode}`, async (c) => {
      const next = safeNext(c.req.query("next"));
      if (await cookiePrincipal(c)) return c.redirect(next, 303);
      return c.html(<AccountForm mode={mode} next={next} />);
    });

    pages.post(`/${mode}`, async (c) => {
      const form = await c.req.parseBody();
      const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : "");
      const next = safeNext(field("next"));
      const body =
        mode === "login"
          ? { email: field("email"), password: field("password") }
          : { email: field("email"), password: field("password"), name: field("name") };
      const res = await callApi<{ token: string }>(c, api, "POST", `/api/v1/auth/${mode}`, { body, auth: false });
      if (!res.ok) {
        const error = formError(res.status, res.error, res.retryAfter);
        return c.html(<AccountForm mode={mode} next={next} email={field("email")} name={field("name")} error={error} />, res.status === 429 ? 429 : 400);
      }
      setSessionCookie(c, res.body.token);
      return c.redirect(next, 303);
    });
  }

  pages.post("/logout", (c) => {
    clearSessionCookie(c);
    return c.redirect("/", 303);
  });

  return pages;
}
