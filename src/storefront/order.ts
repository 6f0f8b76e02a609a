// The order page follows a pending order until it is paid (with tickets) or failed, then reloads.
import { api } from "./lib/api";

const box = document.getElementById("order-status") as HTMLElement;
const orderId = box.dataset.orderId!;
const before = box.dataset.status;

async function follow(): Promise<void> {
  const res = await api<{ status: string; tickets: unknown[] }>("GET", `/api/v1/orders/${encodeURIComponent(orderId)}`);
  if (res.ok && (res.body.status !== before || (res.body.status === "paid" && res.body.tickets.length > 0))) {
    location.reload();
    return;
  }
  window.setTimeout(follow, 1000);
}
window.setTimeout(follow, 700);
document.body.dataset.ready = "true";
