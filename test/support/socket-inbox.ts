/**
 * Accepts a WebSocket from a test fetch and queues its JSON messages, so a test awaits them in
 * order: `next()` resolves with the oldest message not yet taken, waiting if none has arrived.
 * With a time limit (per call, or `defaultTimeoutMs`), a wait that runs out rejects and gives
 * up its place, so a later message is not swallowed by a waiter nobody awaits any more.
 */
export function socketInbox<M = any>(ws: WebSocket, options: { defaultTimeoutMs?: number } = {}) {
  const inbox: M[] = [];
  const waiters: ((m: M) => void)[] = [];
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(e.data as string) as M;
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  ws.accept();
  const next = (ms = options.defaultTimeoutMs): Promise<M> => {
    if (inbox.length > 0) return Promise.resolve(inbox.shift()!);
    return new Promise<M>((resolve, reject) => {
      if (ms === undefined) return void waiters.push(resolve);
      const waiter = (m: M) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no socket message within ${ms} ms`));
      }, ms);
      waiters.push(waiter);
    });
  };
  return { next, pending: () => inbox.length };
}
