/**
 * Delivery of the local payment provider's webhooks, until our webhook acknowledges them.
 *
 * Each event is written to `local_payment_webhooks` in the same D1 batch as the payment change
 * it reports (see `local.ts`), so once the change is committed its event exists. It is then
 * delivered at once; a delivery that fails (or never happens, because the isolate died
 * between the change and the delivery) is picked up by the sweep: a message on the
 * LOCAL_PAYMENT_WEBHOOKS queue, sent *before* the change, that delivers whatever of the
 * payment is still unacknowledged and retries itself with growing delays until nothing is
 * left. Every delivery carries the same event id, so the webhook's dedup makes it harmless
 * to deliver twice; each is signed afresh, as Stripe does, so a late retry is never stale.
 */
import { stripeSignature } from "./stripe-signature";
import type { OutboxWebhook } from "./provider";

/** What the outbox delivers to: our webhook handler. It throws unless it acknowledged (2xx). */
export type WebhookReceiver<T> = (rawBody: string, signature: string) => Promise<T>;

/** Messages on LOCAL_PAYMENT_WEBHOOKS. */
export type OutboxSweep = { kind: "local_payment_webhooks"; payment_id: string };

/** The queue the sweeps run on (its consumer is picked by this name in `index.ts`). */
export const OUTBOX_QUEUE = "local-payment-webhooks";

/** The first sweep comes this long after a change: the inline delivery usually got there first. */
export const FIRST_SWEEP_SECONDS = 5;

/** Delay before the sweep's n-th retry (n from 1): 10 s doubling to an hour, like Stripe's schedule. */
export const sweepBackoffSeconds = (attempts: number) => Math.min(10 * 2 ** Math.max(0, attempts - 1), 3600);

export type OutboxEnv = Pick<Env, "DB" | "PAYMENT_WEBHOOK_SECRET" | "LOCAL_PAYMENT_WEBHOOKS">;

/** Schedules the sweep of a payment's events; call before the change that writes them. */
export async function scheduleSweep(env: OutboxEnv, paymentId: string): Promise<void> {
  const sweep: OutboxSweep = { kind: "local_payment_webhooks", payment_id: paymentId };
  await env.LOCAL_PAYMENT_WEBHOOKS.send(sweep, { delaySeconds: FIRST_SWEEP_SECONDS });
}

/** Signs a stored event for delivery now. */
export async function signed(env: OutboxEnv, id: string, rawBody: string): Promise<OutboxWebhook> {
  return { id, rawBody, signature: await stripeSignature(rawBody, env.PAYMENT_WEBHOOK_SECRET) };
}

export type Delivery<T> = { ok: true; answer: T } | { ok: false; error: string };

/**
 * Delivers one event and records the outcome: acknowledged (first time only) or the attempt
 * and its error. Never throws: a failed delivery is the sweep's to retry.
 */
export async function deliver<T>(env: OutboxEnv, webhook: OutboxWebhook, receive: WebhookReceiver<T>): Promise<Delivery<T>> {
  let result: Delivery<T>;
  try {
    result = { ok: true, answer: await receive(webhook.rawBody, webhook.signature) };
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  await env.DB.prepare(
    `UPDATE local_payment_webhooks SET attempts = attempts + 1, last_error = ?,
       delivered_at = CASE WHEN ? THEN coalesce(delivered_at, strftime('%Y-%m-%dT%H:%M:%fZ','now')) END
     WHERE id = ?`,
  )
    .bind(result.ok ? null : result.error, result.ok ? 1 : 0, webhook.id)
    .run();
  console.log(
    JSON.stringify({
      msg: "local_webhook_delivery",
      event_id: webhook.id,
      acknowledged: result.ok,
      ...(result.ok ? {} : { error: result.error }),
    }),
  );
  return result;
}

/** Delivers every unacknowledged event of a payment, oldest first; true when none is left. */
export async function deliverPending<T>(env: OutboxEnv, paymentId: string, receive: WebhookReceiver<T>): Promise<boolean> {
  const { results } = await env.DB.prepare(
    "SELECT id, body FROM local_payment_webhooks WHERE payment_id = ? AND delivered_at IS NULL ORDER BY created_at, rowid",
  )
    .bind(paymentId)
    .all<{ id: string; body: string }>();
  let all = true;
  for (const row of results) {
    const outcome = await deliver(env, await signed(env, row.id, row.body), receive);
    // Keep the order: a later event about the payment waits for the earlier one.
    if (!outcome.ok) {
      all = false;
      break;
    }
  }
  return all;
}

/** The LOCAL_PAYMENT_WEBHOOKS consumer: each sweep retries, with backoff, until its payment has nothing pending. */
export async function handleOutboxBatch<T>(batch: MessageBatch<unknown>, env: OutboxEnv, receive: WebhookReceiver<T>): Promise<void> {
  for (const msg of batch.messages) {
    const sweep = msg.body as Partial<OutboxSweep> | null;
    if (sweep?.kind !== "local_payment_webhooks" || typeof sweep.payment_id !== "string") {
      console.error(JSON.stringify({ msg: "dropping malformed outbox sweep", id: msg.id }));
      msg.ack();
      continue;
    }
    let done = false;
    try {
      done = await deliverPending(env, sweep.payment_id, receive);
    } catch (err) {
      console.error(JSON.stringify({ msg: "outbox sweep failed", payment_id: sweep.payment_id, error: String(err) }));
    }
    if (done) msg.ack();
    else msg.retry({ delaySeconds: sweepBackoffSeconds(msg.attempts) });
  }
}
