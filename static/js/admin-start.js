// Get started: the checklist ticks itself from the business's data. The page is drawn by the
// server; this refreshes the ticks when the manager comes back to it (from a step's page or
// the test SOS tab) and every half minute while it is in view.
import { api } from "./lib/api.js";
import { t } from "./lib/i18n.js";

const REFRESH_MS = 30_000;
const list = document.getElementById("checklist");

function draw(checklist) {
  for (const step of checklist.steps) {
    const item = list.querySelector(`[data-key="${step.key}"]`);
    if (!item) continue;
    item.dataset.done = String(step.done);
    const mark = item.querySelector(".check-mark");
    mark.textContent = step.done ? "✓" : mark.dataset.number;
    item.querySelector("[data-state]").textContent = t(step.done ? "done" : "todo");
    const link = item.querySelector("[data-url]");
    if (!link || !step.url) continue; // a step for an admin, shown to a manager: no link
    link.href = step.url;
    const outside = step.url.includes("/q/"); // the test SOS: a guest's page, in a tab of its own
    if (outside) {
      link.target = "_blank";
      link.rel = "noopener";
    } else {
      link.removeAttribute("target");
    }
    const note = link.querySelector("[data-new-tab]");
    if (note) note.hidden = !outside;
    link.classList.toggle("primary", !step.done);
  }
  const progress = document.getElementById("start-progress");
  progress.value = checklist.done;
  progress.max = checklist.total;
  const count = t("count", { done: checklist.done, total: checklist.total });
  const said = document.getElementById("start-count");
  if (said.textContent !== count) said.textContent = count;
  // not "all set" while alerts would be dropped for want of an SMS or e-mail service
  document.getElementById("start-complete").hidden = !(checklist.live ?? checklist.complete);
}

async function refresh() {
  if (document.visibilityState !== "visible") return;
  try {
    draw(await api("GET", "/api/v1/setup/checklist"));
  } catch {
    // the page as drawn stays true enough; the next refresh tries again
  }
}

document.addEventListener("visibilitychange", refresh);
window.addEventListener("focus", refresh);
setInterval(refresh, REFRESH_MS);
