/** "1 d 2 h", "3 h 5 min", "4:07": time left as people read it. */
export function formatLeft(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m}:${String(sec).padStart(2, "0")}`;
}

/**
 * Ticks `el`'s text down to `until` once a second ("<prefix><time left>"), then calls `done`.
 * Returns a function that stops it.
 */
export function countdown(el: HTMLElement, until: number, prefix: string, done?: () => void): () => void {
  let timer = 0;
  const tick = () => {
    const left = until - Date.now();
    el.textContent = `${prefix}${formatLeft(left)}`;
    if (left <= 0) {
      window.clearInterval(timer);
      done?.();
    }
  };
  tick();
  timer = window.setInterval(tick, 1000);
  return () => window.clearInterval(timer);
}

/** Every `[data-countdown-to]` on the page counts down; at zero the page reloads (the sale opened). */
export function startPageCountdowns(): void {
  for (const el of document.querySelectorAll<HTMLElement>("[data-countdown-to]")) {
    const until = Date.parse(el.dataset.countdownTo ?? "");
    if (!Number.isFinite(until)) continue;
    countdown(el, until, el.dataset.countdownPrefix ?? "", () => window.setTimeout(() => location.reload(), 1000));
  }
}
