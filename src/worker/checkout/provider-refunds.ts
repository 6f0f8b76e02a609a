import { isoNow } from "../../durable-objects/checkout/order-rows";
import type { OrderStatus } from "../../shared/order-state";
import type { RefundReport } from "../../platform/payments";

/** Refund statuses that mean the money is on its way back (Stripe counts them in `amount_refunded`). */
const COUNTED = ["pending", "succeeded"] as const;

export interface RecordedRefund {
  status: OrderStatus;
  amountCents: number;
  refundedCents: number;
}

/**
 * Records what the provider says was refunded on an order's payment and answers the order's
 * status and refunded total afterwards. `orders.refunded_cents` is only ever raised, in the
 * same transaction as the refund row, so duplicate and reordered deliveries converge on the
 * largest total reported. A `charge.refunded` total is taken as it is; `refund.*` events are
 * kept per refund (newest event wins) and summed, so partial refunds add up either way.
 */
export async function recordProviderRefund(
  env: Pick<Env, "DB">,
  orderId: string,
  paymentId: string,
  report: RefundReport,
  eventCreated: number,
): Promise<RecordedRefund | null> {
  const now = isoNow();
  // `updated_at` moves only with the total: a report that tells nothing new leaves the row as it was.
  const raise = (total: string, ...params: unknown[]) =>
    env.DB.prepare(
      `UPDATE orders SET refunded_cents = max(refunded_cents, ${total}),
         updated_at = CASE WHEN ${total} > refunded_cents THEN ? ELSE updated_at END
       WHERE id = ? RETURNING status, amount_cents, refunded_cents`,
    ).bind(...params, ...params, now, orderId);
  let row: { status: OrderStatus; amount_cents: number; refunded_cents: number } | null;
  if (report.kind === "total") {
    row = await raise("?", report.refundedCents).first();
  } else {
    const counted = COUNTED.map(() => "?").join(", ");
    const [, raised] = await env.DB.batch<{ status: OrderStatus; amount_cents: number; refunded_cents: number }>([
      env.DB.prepare(
        `INSERT INTO payment_refunds (id, payment_id, amount_cents, status, event_created, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET amount_cents = excluded.amount_cents, status = excluded.status,
           event_created = excluded.event_created, updated_at = excluded.updated_at
         WHERE excluded.event_created >= payment_refunds.event_created`,
      ).bind(report.refundId, paymentId, report.amountCents, report.status, eventCreated, now),
      raise(
        `(SELECT coalesce(sum(amount_cents), 0) FROM payment_refunds WHERE payment_id = ? AND status IN (${counted}))`,
        paymentId,
        ...COUNTED,
      ),
    ]);
    row = raised?.results[0] ?? null;
  }
  return row ? { status: row.status, amountCents: row.amount_cents, refundedCents: row.refunded_cents } : null;
}
