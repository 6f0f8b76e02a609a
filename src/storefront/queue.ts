// The waiting room page: position and ETA live over the queue socket (polling if it drops);
// on admission the token is kept for the event page, which sends it with holds.
import { saveAdmission } from "./lib/admission";
import { api } from "./lib/api";

const box = document.getElementById("queue") as HTMLElement | null;
const status = document.getElementById("queue-status") as HTMLElement | null;

type Place =
  | { status: "waiting"; position: number; eta_seconds: number }
  | { status: "admitted"; admission_token?: string; expires_at: string }
  | { status: "expired" };

function eta(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  const m = Math.round(seconds / 60);
  return m < 90 ? `about ${m} minute${m === 1 ? "" : "s"}` : `about ${Math.round(m / 60)} hours`;
}

if (box && status) {
  const eventId = box.dataset.eventId!;
  const queueId = box.dataset.queueId!;
  const statusPath = `/api/v1/events/${encodeURIComponent(eventId)}/queue/${encodeURIComponent(queueId)}`;
  let done = false;
  let pollTimer = 0;

  const admitted = (token: string, expiresAt: string) => {
    done = true;
    saveAdmission(eventId, token, expiresAt);
    status.textContent = "It is your turn. Taking you to the seats…";
    location.replace(`/events/${encodeURIComponent(eventId)}`);
  };

  const show = async (p: Place) => {
    if (done) return;
    if (p.status === "waiting") status.textContent = `You are number ${p.position} in line. Estimated wait: ${eta(p.eta_seconds)}.`;
    else if (p.status === "admitted") {
      // The socket says "admitted"; the token itself comes from the authenticated status call.
      if (p.admission_token) return admitted(p.admission_token, p.expires_at);
      const res = await api<Place>("GET", statusPath);
      if (res.ok && res.body.status === "admitted" && res.body.admission_token) admitted(res.body.admission_token, res.body.expires_at);
      else poll(2);
    } else {
      done = true;
      status.textContent = "Your turn came and went. Reload this page to queue again.";
    }
  };

  const poll = (seconds: number) => {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(async () => {
      if (done) return;
      const res = await api<Place>("GET", statusPath);
      if (res.ok) await show(res.body);
      if (!done) poll(res.ok ? 3 : (res.retryAfter ?? 5));
    }, seconds * 1000);
  };

  if (box.dataset.status === "admitted" && box.dataset.admissionToken) admitted(box.dataset.admissionToken, box.dataset.expiresAt!);
  else if (box.dataset.wsUrl) {
    const ws = new WebSocket(box.dataset.wsUrl);
    ws.onmessage = (e) => {
      try {
        void show(JSON.parse(String(e.data)) as Place);
      } catch {
        // Not a position message.
      }
    };
    ws.onclose = () => poll(1);
    // Belt and braces: a slow poll even while the socket is open.
    poll(10);
  }
}
document.body.dataset.ready = "true";
