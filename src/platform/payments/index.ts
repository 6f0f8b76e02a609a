import { LocalProvider } from "./local";
import type { PaymentProvider } from "./provider";
import { StripeProvider } from "./stripe";

export type * from "./provider";

/**
 * `STRIPE_SECRET_KEY` is an optional secret, so `wrangler types` (which lists `[secrets]
 * required`) does not put it on `Env`; this is the one typed place that reads it.
 */
export function stripeSecretKey(env: Env): string | undefined {
  const value = (env as Env & { STRIPE_SECRET_KEY?: unknown }).STRIPE_SECRET_KEY;
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** The configured provider: Stripe when its secret key is set, the local provider otherwise. */
export function paymentProvider(env: Env): PaymentProvider {
  const secretKey = stripeSecretKey(env);
  if (secretKey) return new StripeProvider({ secretKey, webhookSecret: env.PAYMENT_WEBHOOK_SECRET });
  return new LocalProvider(env);
}
