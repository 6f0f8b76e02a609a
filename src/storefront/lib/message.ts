import { formatLeft } from "./countdown";

export interface MessageOptions {
  link?: { href: string; text: string };
  /** Seconds until trying again makes sense: shown as a live countdown, then `onRetry`. */
  retryAfter?: number;
  onRetry?: () => void;
  kind?: "error" | "info";
}

let retryTimer = 0;

/** Shows a sentence (and a way on) in `el`, an element with role="alert" or "status". */
export function showMessage(el: HTMLElement, text: string, opts: MessageOptions = {}): void {
  window.clearInterval(retryTimer);
  el.hidden = false;
  el.classList.toggle("notice-error", (opts.kind ?? "error") === "error");
  el.replaceChildren(document.createTextNode(text));
  if (opts.link) {
    const a = document.createElement("a");
    a.href = opts.link.href;
    a.textContent = opts.link.text;
    el.append(" ", a);
  }
  if (opts.retryAfter) {
    const span = document.createElement("span");
    span.setAttribute("role", "timer");
    el.append(" ", span);
    const until = Date.now() + opts.retryAfter * 1000;
    const tick = () => {
      const left = until - Date.now();
      span.textContent = left > 0 ? `Retry in ${formatLeft(left)}.` : "You can try again now.";
      if (left <= 0) {
        window.clearInterval(retryTimer);
        opts.onRetry?.();
      }
    };
    tick();
    retryTimer = window.setInterval(tick, 1000);
  }
}

export function hideMessage(el: HTMLElement): void {
  window.clearInterval(retryTimer);
  el.hidden = true;
  el.replaceChildren();
}
