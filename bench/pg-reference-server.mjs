// The reference a team would otherwise write, for bench/event-holds.bench.mjs: Node's HTTP
// server in front of PostgreSQL, answering the same hold request as the Worker
// (`POST /api/v1/events/{id}/holds {seats}` with a bearer session token, HS256). One
// transaction per hold: the buyer's count goes up only while it stays within the limit, and
// each seat is taken by a conditional `UPDATE ... WHERE status = 'AVAILABLE'`; anything short
// rolls the whole hold back. Run as a child process so that its CPU is measured on its own.
//   node bench/pg-reference-server.mjs <port> <pg socket dir> <pg port> <session secret> <max per user>
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { jwtVerify } from "jose";
import pg from "pg";

const [port, pgHost, pgPort, secret, maxPerUser] = process.argv.slice(2);
const key = new TextEncoder().encode(secret);
const MAX = Number(maxPerUser);
const TTL_SECONDS = 600;
const pool = new pg.Pool({ host: pgHost, port: Number(pgPort), user: "postgres", database: "postgres", max: 16 });

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function hold(userId, eventId, seats) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const counted = await client.query(
      `INSERT INTO buyer_counts (event_id, user_id, held) VALUES ($1, $2, $3)
       ON CONFLICT (event_id, user_id) DO UPDATE SET held = buyer_counts.held + EXCLUDED.held
       WHERE buyer_counts.held + EXCLUDED.held <= $4 RETURNING held`,
      [eventId, userId, seats.length, MAX],
    );
    if (counted.rowCount !== 1) {
      await client.query("ROLLBACK");
      return [422, { error: { code: "limit_exceeded", message: "Over the per-user limit." } }];
    }
    const holdId = `hld_${randomUUID()}`;
    const taken = await client.query(
      `UPDATE seats SET status = 'HELD', hold_id = $1, user_id = $2, expires_at = now() + make_interval(secs => $5)
       WHERE event_id = $3 AND seat_id = ANY($4::text[]) AND status = 'AVAILABLE' RETURNING seat_id, price_cents`,
      [holdId, userId, eventId, seats, TTL_SECONDS],
    );
    if (taken.rowCount !== seats.length) {
      await client.query("ROLLBACK");
      const got = new Set(taken.rows.map((r) => r.seat_id));
      return [409, { error: { code: "seat_unavailable", message: "Seats are taken.", details: { unavailable: seats.filter((s) => !got.has(s)) } } }];
    }
    await client.query("COMMIT");
    const expires = new Date(Date.now() + TTL_SECONDS * 1000).toISOString();
    const total = taken.rows.reduce((a, r) => a + r.price_cents, 0);
    return [201, { hold_id: holdId, event_id: eventId, seats, quantity: seats.length, expires_at: expires, total_cents: total }];
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

const HOLDS = /^\/api\/v1\/events\/([A-Za-z0-9_]+)\/holds$/;
createServer(async (req, res) => {
  try {
    const m = req.method === "POST" ? HOLDS.exec(req.url ?? "") : null;
    if (!m) return send(res, 404, { error: { code: "not_found", message: "No such route." } });
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    let userId;
    try {
      userId = auth && (await jwtVerify(auth[1], key, { audience: "session", algorithms: ["HS256"] })).payload.sub;
    } catch {}
    if (!userId) return send(res, 401, { error: { code: "unauthenticated", message: "Sign in." } });
    let raw = "";
    for await (const chunk of req) raw += chunk;
    let seats;
    try {
      seats = JSON.parse(raw).seats;
    } catch {}
    if (!Array.isArray(seats) || seats.length < 1 || seats.length > 8 || !seats.every((s) => typeof s === "string")) {
      return send(res, 400, { error: { code: "invalid_request", message: "Bad body." } });
    }
    const [status, body] = await hold(userId, m[1], seats);
    send(res, status, body);
  } catch (err) {
    send(res, 500, { error: { code: "internal", message: String(err) } });
  }
}).listen(Number(port), "127.0.0.1", () => process.send?.("ready"));
