// A burst of buyers against a running server, as an on-sale opening looks: buyers sign up,
// hold places, most pay (local payment provider), some leave their hold to expire, a few pay
// and then get their money back at the provider. Doubles as a demo for the live dashboard.
//
//   node scripts/burst.mjs [origin] [event_id]     (defaults: http://localhost:8787, the demo event)
//   BUYERS=300 CONCURRENCY=12 node scripts/burst.mjs
//
// Needs the local payment provider (no STRIPE_SECRET_KEY): it pays through the test gateway.

/** Runs the burst; resolves with what happened. `onProgress` gets the counts as they change. */
export async function burst({ origin, eventId, buyers = 200, concurrency = 10, paceMs = 0, onProgress = () => {} }) {
  const counts = { paid: 0, abandoned: 0, refunded: 0, refused: 0 };
  const call = async (method, path, { token, body, headers = {} } = {}) => {
    const res = await fetch(origin + path, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };
  const event = (await call("GET", `/api/v1/events/${eventId}`)).body;
  const sections = (event.sections ?? []).filter((s) => s.kind === "ga");
  if (sections.length === 0) throw new Error("the burst buys general admission places: the event needs a GA section");

  let next = 0;
  const one = async (i) => {
    const signup = await call("POST", "/api/v1/auth/signup", {
      body: { email: `burst-${crypto.randomUUID()}@example.test`, password: "burst-password-1", name: `Buyer ${i}` },
    });
    if (signup.status !== 201) return void counts.refused++;
    const token = signup.body.token;
    const section = sections[i % sections.length];
    const hold = await call("POST", `/api/v1/events/${eventId}/holds`, { token, body: { section: section.key, quantity: 1 + (i % 3) } });
    if (hold.status !== 201) return void counts.refused++;
    // One in eight leaves the hold to expire: those are the holds in flight on the dashboard.
    if (i % 8 === 7) return void counts.abandoned++;
    const order = await call("POST", "/api/v1/orders", { token, body: { hold_id: hold.body.hold_id }, headers: { "Idempotency-Key": crypto.randomUUID() } });
    if (order.status !== 201) return void counts.refused++;
    const pay = await call("POST", `/api/v1/test-gateway/payments/${order.body.payment.payment_id}/succeed`);
    if (pay.status !== 200) return void counts.refused++;
    counts.paid++;
    // One in twenty is refunded at the provider afterwards: revenue goes down again.
    if (i % 20 === 19) {
      const r = await call("POST", `/api/v1/test-gateway/payments/${order.body.payment.payment_id}/refund`);
      if (r.status === 200) counts.refunded++;
    }
  };
  const worker = async () => {
    for (let i = next++; i < buyers; i = next++) {
      await one(i).catch(() => counts.refused++);
      onProgress({ ...counts, done: next });
      if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const origin = process.argv[2] ?? `http://localhost:${process.env.PORT ?? 8787}`;
  let eventId = process.argv[3];
  if (!eventId) {
    const found = await (await fetch(`${origin}/api/v1/events?q=demo`)).json();
    eventId = found.events?.[0]?.event_id;
    if (!eventId) throw new Error(`no event given and no demo event found at ${origin}`);
  }
  const t0 = Date.now();
  const counts = await burst({
    origin,
    eventId,
    buyers: Number(process.env.BUYERS ?? 200),
    concurrency: Number(process.env.CONCURRENCY ?? 10),
    onProgress: (c) => process.stdout.write(`\r${c.done} buyers: ${c.paid} paid, ${c.abandoned} left their hold, ${c.refunded} refunded, ${c.refused} refused`),
  });
  console.log(`\nburst on ${eventId} done in ${((Date.now() - t0) / 1000).toFixed(1)} s:`, counts);
}
