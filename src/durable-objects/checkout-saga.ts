import { DurableObject } from "cloudflare:workers";
import { ALARM, type CallContext } from "../shared/call-context";
import { getOrder } from "./checkout/order-rows";
import { endOrder, expireUnpaid, failPayment, fulfil, settle, UNPAID_GRACE_MS, type EndReason, type EndResult } from "./checkout/steps";
import { errorText, objectLog } from "./object-log";
import { migrate } from "./sql-migrations";

/**
 * One object per order (named by order id) that drives the order's steps one at a time and
 * retries whatever did not finish. Work is rows (`goal`, `due_at`); the single alarm is set
 * to the earliest row. Before a goal runs inline, the alarm is armed as a safety net, so a
 * crash half-way (seats confirmed, tickets not written) is picked up and finished by the
 * alarm; steps are idempotent, so running one twice changes nothing.
 *
 * Each step run is one JSON line (`saga_step`) with the request id of the call that ran it
 * (`trigger: "alarm"` and `request_id: null` when the alarm did) and `queued_by`, the request
 * that queued the goal, kept with its row so a retry hours later still names it.
 */
export type SagaGoal = "fulfil" | "fail" | "expire" | "settle";

const MIGRATIONS = [
  `CREATE TABLE work (
     goal TEXT PRIMARY KEY,
     order_id TEXT NOT NULL,
     due_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   )`,
  // The request that queued the goal (its X-Request-Id), for the log lines of later retries.
  `ALTER TABLE work ADD COLUMN queued_by TEXT`,
] as const;

/** A goal still failing after this many attempts stays recorded but is no longer retried. */
const MAX_ATTEMPTS = 25;
/** Safety net before inline work: if this object dies mid-step, the alarm resumes it. */
const SAFETY_NET_MS = 10_000;
const backoff = (attempts: number) => Math.min(1_000 * 2 ** attempts, 5 * 60_000);

export interface SagaWork {
  goal: SagaGoal;
  orderId: string;
  dueAt: number;
  attempts: number;
  lastError: string | null;
}

export class CheckoutSaga extends DurableObject<Env> {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, MIGRATIONS));
  }

  /** A new order: fail it if neither payment nor cancel arrives by its hold's expiry. */
  async start(orderId: string, holdExpiresAt: number, ctx?: CallContext): Promise<void> {
    // Serialized so that re-arming never moves a running step's safety-net alarm away.
    await this.#serial(async () => {
      const dueAt = holdExpiresAt + UNPAID_GRACE_MS;
      this.#add("expire", orderId, dueAt, ctx);
      objectLog("saga_step", ctx, { order_id: orderId, goal: "expire", outcome: "queued", due_at: new Date(dueAt).toISOString() });
      await this.#rearm();
    });
  }

  /** A verified provider event for this order. Returns once handled (or queued for retry). */
  async paymentEvent(orderId: string, type: "authorized" | "failed", ctx?: CallContext): Promise<void> {
    await this.#serial(async () => {
      this.#add(type === "authorized" ? "fulfil" : "fail", orderId, Date.now(), ctx);
      await this.#drain(ctx);
    });
  }

  /**
   * Buyer cancel of an unpaid order, organizer refund of a paid one, or the event's cancel
   * (refund if paid, cancel if unpaid): see `END_MOVES`.
   */
  end(orderId: string, reason: EndReason, ctx?: CallContext): Promise<EndResult> {
    return this.#serial(async () => {
      const r = await endOrder(this.env, orderId, reason, ctx).catch((err) => this.#retryLater(orderId, err, ctx));
      objectLog("saga_step", ctx, { order_id: orderId, goal: "end", reason, outcome: r.ok ? "done" : r.reason, status: r.ok ? r.order.status : r.status });
      await this.#drain(ctx);
      return r;
    });
  }

  /** Outstanding work, for operators and tests. */
  async work(): Promise<SagaWork[]> {
    return this.ctx.storage.sql
      .exec<{ goal: SagaGoal; order_id: string; due_at: number; attempts: number; last_error: string | null }>(
        "SELECT * FROM work ORDER BY due_at",
      )
      .toArray()
      .map((r) => ({ goal: r.goal, orderId: r.order_id, dueAt: r.due_at, attempts: r.attempts, lastError: r.last_error }));
  }

  /** Re-queues a settle of whatever state the order reached (used to resume after a crash). */
  async resume(orderId: string, ctx?: CallContext): Promise<void> {
    await this.#serial(async () => {
      this.#add("settle", orderId, Date.now(), ctx);
      await this.#drain(ctx);
    });
  }

  override async alarm(): Promise<void> {
    await this.#serial(() => this.#drain(ALARM));
  }

  // ---- internals ----

  /** The first transition failed unexpectedly: let `settle` finish from whatever state it left. */
  #retryLater(orderId: string, err: unknown, ctx: CallContext | undefined): EndResult {
    objectLog("saga_step", ctx, { order_id: orderId, goal: "end", outcome: "retrying", error: errorText(err) }, "error");
    this.#add("settle", orderId, Date.now() + backoff(0), ctx);
    return { ok: false, status: "pending_payment", reason: "retrying" };
  }

  #add(goal: SagaGoal, orderId: string, dueAt: number, ctx: CallContext | undefined): void {
    // An already queued goal keeps its retry state and the request that first queued it; only
    // an earlier due time wins.
    this.ctx.storage.sql.exec(
      `INSERT INTO work (goal, order_id, due_at, queued_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (goal) DO UPDATE SET due_at = min(due_at, excluded.due_at), queued_by = coalesce(queued_by, excluded.queued_by)`,
      goal,
      orderId,
      dueAt,
      ctx?.requestId ?? null,
    );
  }

  /** Steps of one order never interleave: each call waits for the previous one to finish. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #drain(ctx: CallContext | undefined): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (;;) {
      const now = Date.now();
      const due = sql
        .exec<{ goal: SagaGoal; order_id: string; attempts: number; queued_by: string | null }>(
          "SELECT goal, order_id, attempts, queued_by FROM work WHERE due_at <= ? AND attempts < ? ORDER BY due_at LIMIT 1",
          now,
          MAX_ATTEMPTS,
        )
        .toArray()[0];
      if (!due) break;
      await this.ctx.storage.setAlarm(now + SAFETY_NET_MS);
      const step = { order_id: due.order_id, goal: due.goal, attempt: due.attempts + 1, queued_by: due.queued_by };
      try {
        // Onward calls (ledger, sections) name the request that ran the step; an alarm's retry
        // names the request that queued it.
        const onward: CallContext | undefined = ctx?.trigger === "alarm" ? { trigger: "alarm", ...(due.queued_by ? { requestId: due.queued_by } : {}) } : ctx;
        await this.#run(due.goal, due.order_id, onward);
        sql.exec("DELETE FROM work WHERE goal = ?", due.goal);
        // A handled payment outcome ends the order's unpaid phase: the expiry check has nothing left to do.
        if (due.goal === "fulfil" || due.goal === "fail") sql.exec("DELETE FROM work WHERE goal = 'expire'");
        objectLog("saga_step", ctx, { ...step, outcome: "done" });
      } catch (err) {
        const last = due.attempts + 1 >= MAX_ATTEMPTS;
        objectLog("saga_step", ctx, { ...step, outcome: last ? "gave_up" : "retrying", error: errorText(err) }, "error");
        sql.exec(
          "UPDATE work SET attempts = attempts + 1, due_at = ?, last_error = ? WHERE goal = ?",
          Date.now() + backoff(due.attempts),
          String(err),
          due.goal,
        );
      }
    }
    await this.#rearm();
  }

  async #run(goal: SagaGoal, orderId: string, ctx: CallContext | undefined): Promise<void> {
    switch (goal) {
      case "fulfil":
        return fulfil(this.env, orderId, ctx);
      case "fail":
        return failPayment(this.env, orderId, ctx);
      case "expire":
        return expireUnpaid(this.env, orderId, ctx);
      case "settle": {
        const o = await getOrder(this.env, orderId);
        return o ? settle(this.env, o, ctx) : undefined;
      }
    }
  }

  async #rearm(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>("SELECT min(due_at) AS at FROM work WHERE attempts < ?", MAX_ATTEMPTS)
      .one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
