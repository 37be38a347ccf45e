// "What customers say" and the export links on /admin/stats (web/admin/_stats_words.html,
// _stats_exports.html): the words come from /api/v1/stats/words for the dashboard's period,
// each a link to its SOS in the console; the CSV links follow the dashboard's form.

const section = document.getElementById("stats-words");
const FILTERS = ["from", "to", "status", "point", "category", "establishment", "department", "language"];

function countText(n) {
  return n === 1 ? section.dataset.countOne : section.dataset.countMany.replace("{n}", String(n));
}

function fill(list, items) {
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = item.url;
    a.append(document.createTextNode(item.text));
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(item.count);
    count.title = countText(item.count);
    a.append(count);
    a.setAttribute("aria-label", `${item.text}: ${countText(item.count)}`);
    li.append(a);
    list.append(li);
  }
}

async function loadWords(query) {
  if (!section) return;
  const words = document.getElementById("words-list");
  const phrases = document.getElementById("phrases-list");
  const note = document.getElementById("words-note");
  try {
    const r = await fetch(`/api/v1/stats/words?${query}`, { credentials: "same-origin" });
    if (!r.ok) throw new Error(String(r.status));
    const body = await r.json();
    fill(words, body.words || []);
    fill(phrases, body.phrases || []);
    if (!(body.words || []).length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = section.dataset.empty;
      words.append(li);
    }
    note.textContent = body.sampled ? section.dataset.sampled.replace("{n}", String(body.sample)) : "";
  } catch {
    words.replaceChildren();
    note.textContent = section.dataset.error;
  }
}

/** The dashboard form's current filters (when the dashboard has one). */
function formQuery() {
  const form = document.getElementById("stats-form");
  const params = new URLSearchParams();
  if (!form) return params;
  const data = new FormData(form);
  for (const key of FILTERS) {
    const value = String(data.get(key) || "").trim();
    if (value) params.set(key, value);
  }
  return params;
}

function followForm() {
  const params = formQuery();
  for (const id of ["export-tickets", "export-surveys"]) {
    const link = document.getElementById(id);
    if (link) link.href = `${link.dataset.base}${params.size ? `?${params}` : ""}`;
  }
}

async function fillEstablishments() {
  const select = document.getElementById("monthly-establishment");
  if (!select) return;
  try {
    const r = await fetch("/api/v1/establishments", { credentials: "same-origin" });
    if (!r.ok) return;
    const body = await r.json();
    for (const place of body.items || body || []) {
      if (!place || !place.slug) continue;
      select.add(new Option(place.name || place.slug, place.slug));
    }
    if (select.dataset.selected) select.value = select.dataset.selected;
  } catch {
    // the whole business stays available
  }
}

/** An empty month means "last month" to the hub: show which one it is. */
function prefillMonth() {
  const input = document.getElementById("monthly-month");
  if (!input || input.value) return;
  const now = new Date();
  const last = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  input.value = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, "0")}`;
}

prefillMonth();
if (section) loadWords(section.dataset.query || "");
const statsForm = document.getElementById("stats-form");
if (statsForm) statsForm.addEventListener("change", followForm);
fillEstablishments();
