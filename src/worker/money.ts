/**
 * Currencies an event may be priced in, and how to show an amount to a person.
 * Amounts are integer minor units everywhere (`*_cents`); "minor unit" is the currency's:
 * a cent for usd/eur, but one whole yen for jpy (a zero-decimal currency, as in Stripe).
 */
import { z } from "zod";

/**
 * ISO 4217 code (lower case, as Stripe) -> number of decimals of its minor unit. Kept to
 * currencies whose Stripe decimals agree with ISO 4217 (Stripe treats huf, isk, twd and ugx
 * specially, so they are left out rather than half supported).
 */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  usd: 2, eur: 2, gbp: 2, cad: 2, aud: 2, nzd: 2, chf: 2, sek: 2, nok: 2, dkk: 2,
  pln: 2, czk: 2, ron: 2, bgn: 2, jpy: 0, krw: 0, sgd: 2, hkd: 2, inr: 2, mxn: 2,
  brl: 2, zar: 2, ils: 2, aed: 2,
};

export const SUPPORTED_CURRENCIES = Object.keys(CURRENCY_DECIMALS);
export const DEFAULT_CURRENCY = "usd";

/** Input: three letters in either case, stored and answered in lower case. */
export const CurrencyInput = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "Currency: a three-letter ISO 4217 code such as eur.")
  .toLowerCase()
  .refine((c) => Object.hasOwn(CURRENCY_DECIMALS, c), {
    message: `Unsupported currency; one of ${SUPPORTED_CURRENCIES.join(", ")}.`,
  });

/** `1234` eur -> "€12.34"; `1234` jpy -> "¥1,234" (one minor unit is one yen). */
export function formatMoney(minorUnits: number, currency: string, locale = "en"): string {
  const decimals = CURRENCY_DECIMALS[currency] ?? 2;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(minorUnits / 10 ** decimals);
}

/**
 * What a person types in major units ("12.5", "12,50", "1200" yen) -> integer minor units, or
 * null when it is not a positive amount with at most the currency's decimals. Parsed as text so
 * no float rounding turns 0.29 into 28 cents.
 */
export function parseMajorUnits(text: string, currency: string): number | null {
  const decimals = CURRENCY_DECIMALS[currency] ?? 2;
  const m = /^(\d{1,9})(?:[.,](\d*))?$/.exec(text.trim());
  if (!m || (m[2] ?? "").length > decimals) return null;
  const minor = Number(m[1]) * 10 ** decimals + Number((m[2] ?? "").padEnd(decimals, "0") || "0");
  return minor > 0 ? minor : null;
}
