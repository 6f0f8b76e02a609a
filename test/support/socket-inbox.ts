/**
 * Accepts a WebSocket from a test fetch and queues its JSON messages, so a test awaits them in
 * order: `next()` resolves with the oldest message not yet taken, waiting if none has arrived.
 */
export function socketInbox<M = any>(ws: WebSocket) {
  const inbox: M[] = [];
  const waiters: ((m: M) => void)[] = [];
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(e.data as string) as M;
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  ws.accept();
  const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<M>((r) => waiters.push(r)));
  return { next, pending: () => inbox.length };
}
