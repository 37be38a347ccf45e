// The two promises on every card: "customer still on site" (minutes, until acknowledged)
// and "reply by" (until the first reply): the ticket's `reply_due_at`, which the hub sets
// from the category's target (a basic question within minutes, a claim within the promise)
// and the opening hours; tickets from before it existed: the promise (sla_hours) from arrival.
// Breaches are flagged, not only coloured.

import { t } from "./console-i18n.js";

const main = document.getElementById("main");
const ONSITE_MS = Number(main.dataset.onsiteMinutes || 15) * 60_000;
const REPLY_MS = Number(main.dataset.slaHours || 48) * 3_600_000;
const DONE = new Set(["resolved", "closed", "quarantined"]);

function fill(el, key, leftMs, unitMs) {
  const over = leftMs < 0;
  // Time left rounds up ("1 min left" until it is gone), time over rounds down.
  const amount = Math.max(1, over ? Math.floor(-leftMs / unitMs) : Math.ceil(leftMs / unitMs));
  el.hidden = false;
  el.textContent = t(over ? `${key}-over` : key, { n: amount });
  el.classList.toggle("breach", over);
  el.classList.toggle("soon", !over && leftMs < unitMs * (unitMs === 60_000 ? 5 : 4));
}

/** Update a card's timers for `doc` at time `now` (ms). */
export function fillTimers(li, doc, now = Date.now()) {
  const onsite = li.querySelector(".timer-onsite");
  const reply = li.querySelector(".timer-reply");
  const created = Date.parse(doc.created_at);
  onsite.hidden = true;
  reply.hidden = true;
  li.classList.remove("breached");
  if (Number.isNaN(created) || DONE.has(doc.status)) return;
  if (doc.status === "new" && !doc.acknowledged_at) {
    fill(onsite, "timer.onsite", created + ONSITE_MS - now, 60_000);
  }
  if (!doc.first_response_at) {
    const due = Date.parse(doc.reply_due_at || "");
    const left = (Number.isNaN(due) ? created + REPLY_MS : due) - now;
    fill(reply, "timer.reply", left, left > -3_600_000 && left < 3_600_000 ? 60_000 : 3_600_000);
    if (reply.classList.contains("breach") && Math.abs(left) < 3_600_000) {
      reply.textContent = t("timer.reply-over-min", { n: Math.max(1, Math.floor(-left / 60_000)) });
    } else if (!reply.classList.contains("breach") && left < 3_600_000) {
      reply.textContent = t("timer.reply-min", { n: Math.max(1, Math.ceil(left / 60_000)) });
    }
  }
  li.classList.toggle("breached", onsite.classList.contains("breach") || reply.classList.contains("breach"));
}
