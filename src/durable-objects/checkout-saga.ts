import { DurableObject } from "cloudflare:workers";
import { getOrder } from "./checkout/order-rows";
import { endOrder, expireUnpaid, failPayment, fulfil, settle, UNPAID_GRACE_MS, type EndReason, type EndResult } from "./checkout/steps";
import { migrate } from "./sql-migrations";

/**
 * One object per order (named by order id) that drives the order's steps one at a time and
 * retries whatever did not finish. Work is rows (`goal`, `due_at`); the single alarm is set
 * to the earliest row. Before a goal runs inline, the alarm is armed as a safety net, so a
 * crash half-way (seats confirmed, tickets not written) is picked up and finished by the
 * alarm; steps are idempotent, so running one twice changes nothing.
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
  async start(orderId: string, holdExpiresAt: number): Promise<void> {
    // Serialized so that re-arming never moves a running step's safety-net alarm away.
    await this.#serial(async () => {
      this.#add("expire", orderId, holdExpiresAt + UNPAID_GRACE_MS);
      await this.#rearm();
    });
  }

  /** A verified provider event for this order. Returns once handled (or queued for retry). */
  async paymentEvent(orderId: string, type: "authorized" | "failed"): Promise<void> {
    await this.#serial(async () => {
      this.#add(type === "authorized" ? "fulfil" : "fail", orderId, Date.now());
      await this.#drain();
    });
  }

  /**
   * Buyer cancel of an unpaid order, organizer refund of a paid one, or the event's cancel
   * (refund if paid, cancel if unpaid): see `END_MOVES`.
   */
  end(orderId: string, reason: EndReason): Promise<EndResult> {
    return this.#serial(async () => {
      const r = await endOrder(this.env, orderId, reason).catch((err) => this.#retryLater(orderId, err));
      await this.#drain();
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
  async resume(orderId: string): Promise<void> {
    await this.#serial(async () => {
      this.#add("settle", orderId, Date.now());
      await this.#drain();
    });
  }

  override async alarm(): Promise<void> {
    await this.#serial(() => this.#drain());
  }

  // ---- internals ----

  /** The first transition failed unexpectedly: let `settle` finish from whatever state it left. */
  #retryLater(orderId: string, err: unknown): EndResult {
    console.error("checkout saga step failed; will retry", orderId, err);
    this.#add("settle", orderId, Date.now() + backoff(0));
    return { ok: false, status: "pending_payment", reason: "retrying" };
  }

  #add(goal: SagaGoal, orderId: string, dueAt: number): void {
    // An already queued goal keeps its retry state; only an earlier due time wins.
    this.ctx.storage.sql.exec(
      `INSERT INTO work (goal, order_id, due_at) VALUES (?, ?, ?)
       ON CONFLICT (goal) DO UPDATE SET due_at = min(due_at, excluded.due_at)`,
      goal,
      orderId,
      dueAt,
    );
  }

  /** Steps of one order never interleave: each call waits for the previous one to finish. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #drain(): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (;;) {
      const now = Date.now();
      const due = sql
        .exec<{ goal: SagaGoal; order_id: string; attempts: number }>(
          "SELECT goal, order_id, attempts FROM work WHERE due_at <= ? AND attempts < ? ORDER BY due_at LIMIT 1",
          now,
          MAX_ATTEMPTS,
        )
        .toArray()[0];
      if (!due) break;
      await this.ctx.storage.setAlarm(now + SAFETY_NET_MS);
      try {
        await this.#run(due.goal, due.order_id);
        sql.exec("DELETE FROM work WHERE goal = ?", due.goal);
        // A handled payment outcome ends the order's unpaid phase: the expiry check has nothing left to do.
        if (due.goal === "fulfil" || due.goal === "fail") sql.exec("DELETE FROM work WHERE goal = 'expire'");
      } catch (err) {
        console.error("checkout saga", due.goal, due.order_id, "failed; retrying", err);
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

  async #run(goal: SagaGoal, orderId: string): Promise<void> {
    switch (goal) {
      case "fulfil":
        return fulfil(this.env, orderId);
      case "fail":
        return failPayment(this.env, orderId);
      case "expire":
        return expireUnpaid(this.env, orderId);
      case "settle": {
        const o = await getOrder(this.env, orderId);
        return o ? settle(this.env, o) : undefined;
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
