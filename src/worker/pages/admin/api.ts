import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../errors";
import { callApi, type ApiAnswer, type ApiFetch } from "../api-call";

/** The body of a successful API answer; a failed one becomes the page's error (same status and sentence). */
export function must<T>(res: ApiAnswer<T>): T {
  if (res.ok) return res.body;
  throw new ApiError(res.status as ContentfulStatusCode, res.error.code, res.error.message, res.error.details);
}

/** GET through the JSON API as the signed-in organizer, failing the page like the API failed. */
export async function apiGet<T = any>(c: Context<AppEnv>, api: ApiFetch, path: string): Promise<T> {
  return must(await callApi<T>(c, api, "GET", path));
}

/** A form's text fields (files are not used by the console). */
export async function formFields(c: Context<AppEnv>): Promise<(k: string) => string> {
  const form = await c.req.parseBody();
  return (k) => (typeof form[k] === "string" ? (form[k] as string).trim() : "");
}

/** A failed API answer as one sentence for a form (validation issues listed). */
export function problem(res: Extract<ApiAnswer<unknown>, { ok: false }>): string {
  const issues = (res.error.details?.issues as { path?: string; message: string }[] | undefined) ?? [];
  return issues.length ? issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join(" ") : res.error.message;
}

/** `datetime-local` values are read as UTC (the console shows and takes times in UTC). */
export const fromLocalInput = (v: string) => (v ? `${v.length === 16 ? `${v}:00` : v}Z` : "");
export const toLocalInput = (iso: string | null | undefined) => (iso ? iso.slice(0, 16) : "");

/** Where a form goes after it was handled, with a one-line notice for the next page. */
export const backWith = (path: string, notice: string, kind: "success" | "error" = "success") =>
  `${path}${path.includes("?") ? "&" : "?"}${kind}=${encodeURIComponent(notice)}`;
