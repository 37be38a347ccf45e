// Routing rules admin page: list, edit, delete, and the "who would get this?" dry run.
import { api } from "./lib/api.js";
import { clearFieldErrors, exampleFollows, fieldInput, showApiError, showError, whileBusy } from "./lib/forms.js";
import { localized } from "./lib/messages.js";
import { t as L } from "./lib/i18n.js";

const form = document.getElementById("rule-form");
const list = document.getElementById("rule-list");
const errorBox = document.getElementById("rule-error");
const statusBox = document.getElementById("rule-status");
let rules = [];

const lines = (text) => text.split(/\n|,/).map((s) => s.trim()).filter(Boolean);
const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
function setChecked(name, values) {
  form.querySelectorAll(`input[name="${name}"]`).forEach((i) => { i.checked = (values || []).map(String).includes(i.value); });
}

function addRecipient(container, value) {
  const row = document.getElementById("recipient-row").content.firstElementChild.cloneNode(true);
  for (const el of row.querySelectorAll("[data-k]")) { if (value && value[el.dataset.k] !== undefined) el.value = value[el.dataset.k]; }
  exampleFollows(row.querySelector('[data-k="channel"]'), row.querySelector('[data-k="to"]'));
  row.querySelector("[data-remove]").addEventListener("click", () => row.remove());
  container.appendChild(row);
}
const readRecipients = (container) => [...container.querySelectorAll(":scope > .recipient-row")].map((row) => {
  const out = {};
  row.querySelectorAll("[data-k]").forEach((el) => { out[el.dataset.k] = el.value.trim(); });
  return out;
});

function addStep(value) {
  const step = document.getElementById("step-row").content.firstElementChild.cloneNode(true);
  const rows = step.querySelector("[data-step-recipients]");
  if (value) step.querySelector('[data-k="after_minutes"]').value = value.after_minutes;
  (value ? value.recipients : [{}]).forEach((r) => addRecipient(rows, r));
  step.querySelector("[data-add-step-recipient]").addEventListener("click", () => addRecipient(rows));
  step.querySelector("[data-remove]").addEventListener("click", () => step.remove());
  document.getElementById("steps").appendChild(step);
}

function toggleSchedule() {
  document.getElementById("schedule-fields").hidden = form.always.checked;
}

// "New rule" while the form holds no saved rule, "Edit rule" once it does.
const setHeading = () => { document.getElementById("editor-heading").textContent = L(form.id.value ? "edit-rule" : "new-rule"); };

function fill(rule) {
  form.reset();
  showError(errorBox, "");
  clearFieldErrors(form);
  statusBox.textContent = "";
  form.id.value = rule ? rule.id : "";
  setHeading();
  form.name.value = rule ? rule.name : "";
  form.active.checked = rule ? rule.active : true;
  const m = (rule && rule.match) || {};
  ["points", "establishments", "departments", "categories", "languages"].forEach((k) => setChecked(k, m[k]));
  form.words.value = (m.words || []).join("\n");
  const s = rule && rule.schedule;
  form.always.checked = !s;
  setChecked("weekdays", s ? s.weekdays : []);
  form.from.value = (s && s.from) || "";
  form.to.value = (s && s.to) || "";
  form.dates.value = s ? (s.dates || []).map((d) => `${d.from}..${d.to}`).join("\n") : "";
  form.except.value = s ? (s.except || []).join("\n") : "";
  const recipients = document.getElementById("recipients");
  recipients.replaceChildren();
  ((rule && rule.recipients) || []).forEach((r) => addRecipient(recipients, r));
  if (!rule) addRecipient(recipients);
  document.getElementById("steps").replaceChildren();
  ((rule && rule.escalation) || []).forEach(addStep);
  document.getElementById("delete-rule").hidden = !rule;
  toggleSchedule();
  form.name.focus();
}

function read() {
  const schedule = form.always.checked ? null : {
    weekdays: checked("weekdays").map(Number),
    from: form.from.value || null,
    to: form.to.value || null,
    dates: lines(form.dates.value).map((l) => { const [from, to] = l.split(".."); return { from: from.trim(), to: (to || from).trim() }; }),
    except: lines(form.except.value),
  };
  return {
    name: form.name.value.trim(),
    active: form.active.checked,
    match: {
      points: checked("points"), establishments: checked("establishments"), departments: checked("departments"),
      categories: checked("categories"),
      languages: checked("languages"), words: lines(form.words.value),
    },
    schedule,
    recipients: readRecipients(document.getElementById("recipients")).filter((r) => r.to),
    escalation: [...document.querySelectorAll("#steps > .step")].map((step) => ({
      after_minutes: Number(step.querySelector('[data-k="after_minutes"]').value),
      recipients: readRecipients(step.querySelector("[data-step-recipients]")).filter((r) => r.to),
    })),
  };
}

function summary(rule) {
  const parts = [];
  if (!rule.active) parts.push(L("inactive"));
  const s = rule.schedule;
  parts.push(s ? [s.weekdays && s.weekdays.join(","), s.from && `${s.from}–${s.to || ""}`].filter(Boolean).join(" ") || "…" : L("always"));
  parts.push(rule.recipients.map((r) => r.name || r.to).join(", "));
  return parts.join(" · ");
}

function render() {
  list.replaceChildren();
  for (const rule of rules) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "rule-item" + (rule.active ? "" : " inactive");
    const strong = document.createElement("strong");
    strong.textContent = rule.name;
    const small = document.createElement("span");
    small.textContent = summary(rule);
    b.append(strong, small);
    b.addEventListener("click", () => fill(rule));
    li.appendChild(b);
    list.appendChild(li);
  }
}

async function load() {
  rules = (await api("GET", "/api/v1/rules")).items;
  render();
}

/** The input behind a field the server named: "recipients.0.to", "escalation.1.recipients.0", "schedule.from", "match.points". */
function locate(_form, field) {
  const [head, n, ...rest] = field.split(".");
  const nth = (scope, selector, i) => (scope ? scope.querySelectorAll(selector)[Number(i)] : null);
  // The n-th recipient sent: blank rows are not sent (read()), so they are not counted.
  const nthFilled = (scope, selector, i) => (scope
    ? [...scope.querySelectorAll(selector)].filter((row) => row.querySelector('[data-k="to"]').value.trim())[Number(i)]
    : null);
  const recipientInput = (row, key) => row && row.querySelector(`[data-k="${/^\w+$/.test(key || "") ? key : "to"}"]`);
  if (head === "recipients") return recipientInput(nthFilled(document.getElementById("recipients"), ":scope > .recipient-row", n), rest[0]);
  if (head === "escalation") {
    const step = nth(document.getElementById("steps"), ":scope > .step", n);
    if (!step) return null;
    if (rest[0] === "recipients") return recipientInput(nthFilled(step, "[data-step-recipients] > .recipient-row", rest[1]), rest[2]);
    return step.querySelector('[data-k="after_minutes"]');
  }
  // a group of boxes ("match.departments"): its fieldset, as the settings page marks its languages
  const group = head === "match" && /^\w+$/.test(n || "") ? document.getElementById(`rule-${n}`) : null;
  if (group) return group;
  if ((head === "match" || head === "schedule") && n) return fieldInput(form, n);
  return fieldInput(form, field);
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError(errorBox, "");
  clearFieldErrors(form);
  const id = form.id.value;
  await whileBusy(form, async () => {
    try {
      const saved = await api(id ? "PUT" : "POST", id ? `/api/v1/rules/${encodeURIComponent(id)}` : "/api/v1/rules", read());
      form.id.value = saved.id;
      setHeading();
      document.getElementById("delete-rule").hidden = false;
      statusBox.textContent = L("saved");
      await load();
    } catch (err) {
      showApiError(form, localized(err), errorBox, locate);
    }
  });
});
document.getElementById("delete-rule").addEventListener("click", async () => {
  if (!form.id.value || !window.confirm(L("confirm-delete"))) return;
  try {
    await api("DELETE", `/api/v1/rules/${encodeURIComponent(form.id.value)}`);
    fill(null);
    statusBox.textContent = L("deleted");
    await load();
  } catch (err) { showError(errorBox, err.message); }
});
document.getElementById("new-rule").addEventListener("click", () => fill(null));
document.getElementById("add-step").addEventListener("click", () => addStep(null));
form.querySelector("[data-add-recipient]").addEventListener("click", () => addRecipient(document.getElementById("recipients")));
form.always.addEventListener("change", toggleSchedule);

// The dry run.
const tester = document.getElementById("tester");
const result = document.getElementById("test-result");
function nextSunday2300() {
  const d = new Date();
  d.setDate(d.getDate() + ((7 - d.getDay()) % 7));
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T23:00`;
}
// Channels the hub has no service for (the page says which): their recipients get nothing.
const unconfigured = new Set((result.dataset.unconfigured || "").split(" ").filter(Boolean));
function markUnsent(li, recipients) {
  const channels = [...new Set(recipients.map((r) => r.channel))].filter((c) => unconfigured.has(c));
  for (const channel of channels) {
    const note = document.createElement("span");
    note.className = "unsent";
    note.textContent = ` — ${L("unsent." + channel)}`;
    li.appendChild(note);
  }
}
async function runTest() {
  const body = { point: tester.point.value, text: tester.text.value };
  if (tester.language.value) body.language = tester.language.value;
  if (tester.category.value) body.category = tester.category.value;  // rules see staff's, not the suggestion
  if (tester.at.value) body.at = tester.at.value + ":00";  // local time of the business
  result.replaceChildren();
  try {
    const plan = await api("POST", "/api/v1/rules/test", body);
    const ul = document.createElement("ul");
    if (!plan.recipients.length) {
      const p = document.createElement("p");
      p.textContent = L("nobody");
      result.appendChild(p);
    }
    for (const r of plan.recipients) {
      const li = document.createElement("li");
      li.textContent = `${r.channel === "sms" ? "SMS" : "e-mail"} → ${r.name} <${r.to}> (${r.language})`;
      markUnsent(li, [r]);
      ul.appendChild(li);
    }
    for (const step of plan.escalation) {
      const li = document.createElement("li");
      li.textContent = L("after", { n: step.after_minutes }) + ": " + step.recipients.map((r) => r.name || r.to).join(", ");
      markUnsent(li, step.recipients);
      ul.appendChild(li);
    }
    result.appendChild(ul);
  } catch (err) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = localized(err).message;
    result.appendChild(p);
  }
}
tester.addEventListener("submit", (ev) => { ev.preventDefault(); runTest(); });
document.getElementById("test-sunday").addEventListener("click", () => { tester.at.value = nextSunday2300(); runTest(); });

// The page starts as a new rule: give it its first recipient row without wiping what a quick
// manager may already have typed while this script loaded (fill() resets the whole form).
addRecipient(document.getElementById("recipients"));
toggleSchedule();
load().catch((err) => showError(errorBox, err.message));
