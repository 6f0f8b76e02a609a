/** Builds state through the public API of a running system, as outside clients do. */
export interface Ticket {
  ticket_id: string;
  event_id: string;
  section: string;
  seat_label: string | null;
  status: string;
  jwt: string;
  qr_svg_url: string;
}

export function apiClient(origin: string) {
  async function call<T = any>(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(origin + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    const body = (res.headers.get("content-type") ?? "").includes("json") && text ? JSON.parse(text) : text;
    return { status: res.status, body: body as T };
  }
  async function ok<T = any>(status: number, method: string, path: string, opts: Parameters<typeof call>[2] = {}) {
    const res = await call<T>(method, path, opts);
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  async function signup(role: "buyer" | "organizer") {
    const email = `${role}-${crypto.randomUUID()}@example.test`;
    const body = await ok(201, "POST", "/api/v1/auth/signup", { body: { email, password: "e2e-password-123", name: role, role } });
    return { userId: body.user_id as string, token: body.token as string };
  }
  async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    call,
    ok,
    signup,
    until,
    /** An organizer with a published event whose reserved section `R` has row A of `seats` seats. */
    async publishedEvent(seats = 6) {
      const organizer = await signup("organizer");
      const venue = await ok(201, "POST", "/api/v1/admin/venues", {
        token: organizer.token,
        body: {
          name: "E2E Hall",
          city: "Testville",
          sections: [{ key: "R", name: "Stalls", kind: "reserved", rows: [{ label: "A", seats, price_tier: "standard" }] }],
        },
      });
      const startsAt = Date.now() + 2 * 3600_000;
      const event = await ok(201, "POST", "/api/v1/admin/events", {
        token: organizer.token,
        body: {
          venue_id: venue.venue_id,
          name: `Gate night ${crypto.randomUUID().slice(0, 6)}`,
          category: "concert",
          city: "Testville",
          starts_at: new Date(startsAt).toISOString(),
          ends_at: new Date(startsAt + 3 * 3600_000).toISOString(),
          on_sale_at: new Date(Date.now() - 3600_000).toISOString(),
          price_tiers: { standard: 4200 },
        },
      });
      await ok(200, "POST", `/api/v1/admin/events/${event.event_id}/publish`, { token: organizer.token });
      return { organizer, eventId: event.event_id as string, name: event.name as string };
    },
    /** Holds the seats, orders them, pays through the test gateway and waits for the tickets. */
    async buyTickets(buyerToken: string, eventId: string, seats: string[]) {
      const hold = await ok(201, "POST", `/api/v1/events/${eventId}/holds`, { token: buyerToken, body: { seats } });
      const order = await ok(201, "POST", "/api/v1/orders", {
        token: buyerToken,
        body: { hold_id: hold.hold_id },
        headers: { "Idempotency-Key": crypto.randomUUID() },
      });
      await ok(200, "POST", `/api/v1/test-gateway/payments/${order.payment.payment_id}/succeed`);
      const paid = await until("paid order with tickets", async () => {
        const o = await call("GET", `/api/v1/orders/${order.order_id}`, { token: buyerToken });
        return o.body?.status === "paid" && o.body.tickets?.length === seats.length ? o.body : undefined;
      });
      return { orderId: order.order_id as string, tickets: paid.tickets as Ticket[] };
    },
    async ticket(buyerToken: string, orderId: string, ticketId: string): Promise<Ticket> {
      const o = await ok(200, "GET", `/api/v1/orders/${orderId}`, { token: buyerToken });
      const t = (o.tickets as Ticket[]).find((x) => x.ticket_id === ticketId);
      if (!t) throw new Error(`ticket ${ticketId} not in order ${orderId}`);
      return t;
    },
    async qrSvg(buyerToken: string, ticketId: string): Promise<string> {
      const res = await fetch(`${origin}/api/v1/tickets/${ticketId}/qr.svg`, { headers: { Authorization: `Bearer ${buyerToken}` } });
      if (res.status !== 200) throw new Error(`qr.svg: ${res.status}`);
      return res.text();
    },
    async enrolGateDevice(organizerToken: string, eventId: string, name: string) {
      return (await ok(201, "POST", `/api/v1/admin/events/${eventId}/gate-devices`, { token: organizerToken, body: { name } })) as {
        device_id: string;
        token: string;
        enroll_url: string;
      };
    },
  };
}
