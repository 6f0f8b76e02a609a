// Checkout: the hold's time left counts down; at zero the seats are gone and the page says so.
import { countdown } from "./lib/countdown";

const timer = document.getElementById("hold-timer") as HTMLElement;
const until = Date.parse(timer.dataset.expiresAt ?? "");
const eventPath = timer.dataset.eventPath ?? "/";

countdown(timer, until, "", () => {
  const box = document.getElementById("hold-timer-box")!;
  box.className = "notice notice-error";
  box.setAttribute("role", "alert");
  box.replaceChildren("Your hold expired and the seats went back on sale. ");
  const a = document.createElement("a");
  a.href = eventPath;
  a.textContent = "Pick again";
  box.append(a);
  for (const b of document.querySelectorAll<HTMLButtonElement>("#checkout-form button, .cancel-form button")) b.disabled = true;
});
document.body.dataset.ready = "true";
