// Threshold alerts admin page: list (with when each last fired), edit, delete. The count and
// minutes are checked here first, in the page's words; the server checks everything again.
import { api } from "./lib/api.js";
import { clearFieldErrors, exampleFollows, fieldInput, showApiError, showError, showFieldError, whileBusy } from "./lib/forms.js";
import { localized } from "./lib/messages.js";
import { dateFormat, has, t as L } from "./lib/i18n.js";

const form = document.getElementById("alert-form");
const list = document.getElementById("alert-list");
const empty = document.getElementById("alerts-empty");
const errorBox = document.getElementById("alert-error");
const statusBox = document.getElementById("alert-status");
const recipients = document.getElementById("recipients");
const deleteButton = document.getElementById("delete-alert");
const zone = document.getElementById("main").dataset.timezone || "UTC";
let alerts = [];

const categoryName = (value) => (value && has(`category.${value}`) ? L(`category.${value}`) : L("any-category"));
const pointName = (code) => {
  const option = code && [...form.point.options].find((o) => o.value === code);
  return option ? option.textContent : code || L("any-point");
};

function addRecipient(value) {
  const row = document.getElementById("recipient-row").content.firstElementChild.cloneNode(true);
  for (const el of row.querySelectorAll("[data-k]")) {
    if (value && value[el.dataset.k] !== undefined && value[el.dataset.k] !== null) el.value = value[el.dataset.k];
  }
  exampleFollows(row.querySelector('[data-k="channel"]'), row.querySelector('[data-k="to"]'));
  row.querySelector("[data-remove]").addEventListener("click", () => row.remove());
  recipients.appendChild(row);
}

const readRecipients = () => [...recipients.querySelectorAll(":scope > .recipient-row")].map((row) => {
  const out = {};
  row.querySelectorAll("[data-k]").forEach((el) => { out[el.dataset.k] = el.value.trim(); });
  return out;
}).filter((r) => r.to);

function when(iso) {
  try {
    return dateFormat({ dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(new Date(iso));
  } catch {
    return iso;
  }
}

function render(selectedId) {
  list.replaceChildren();
  for (const alert of alerts) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = `rule-item${alert.active ? "" : " inactive"}`;
    if (alert.id === selectedId) b.setAttribute("aria-current", "true");
    const title = document.createElement("strong");
    title.textContent = alert.name || L("summary", { count: alert.count, minutes: alert.minutes });
    const what = document.createElement("span");
    what.textContent = [
      alert.name ? L("summary", { count: alert.count, minutes: alert.minutes }) : "",
      pointName(alert.point),
      categoryName(alert.category),
      alert.active ? "" : L("inactive"),
    ].filter(Boolean).join(" · ");
    const fired = document.createElement("span");
    fired.textContent = alert.fired_at ? L("fired", { when: when(alert.fired_at) }) : L("never");
    b.append(title, what, fired);
    b.addEventListener("click", () => edit(alert));
    li.appendChild(b);
    list.appendChild(li);
  }
  empty.hidden = alerts.length > 0;
}

function edit(alert, focus = true) {
  form.reset();
  clearFieldErrors(form);
  showError(errorBox, "");
  statusBox.textContent = "";
  form.id.value = alert ? alert.id : "";
  form.name.value = alert ? alert.name || "" : "";
  form.active.checked = alert ? alert.active : true;
  form.count.value = alert ? alert.count : 3;
  form.minutes.value = alert ? alert.minutes : 15;
  form.point.value = alert ? alert.point || "" : "";
  form.category.value = alert ? alert.category || "" : "";
  recipients.replaceChildren();
  ((alert && alert.recipients) || [{}]).forEach((r) => addRecipient(r));
  deleteButton.hidden = !alert;
  render(alert && alert.id);
  if (focus) form.name.focus();
}

async function load(selectedId) {
  try {
    alerts = (await api("GET", "/api/v1/alerts")).items || [];
    render(selectedId);
  } catch (error) {
    showError(errorBox, error.message);
  }
}

/** A whole number within the input's min and max, or null. */
function wholeIn(input) {
  const value = Number(input.value);
  if (input.value.trim() === "" || !Number.isInteger(value)) return null;
  return value >= Number(input.min) && value <= Number(input.max) ? value : null;
}

/** The input behind a field the server named: "recipients.0.to", "count". */
function locate(_form, field) {
  const [head, n, key] = field.split(".");
  if (head === "recipients") {
    const row = recipients.querySelectorAll(":scope > .recipient-row")[Number(n) || 0];
    return row ? row.querySelector(`[data-k="${/^\w+$/.test(key || "") ? key : "to"}"]`) : null;
  }
  return fieldInput(form, field);
}

function checkHere() {
  for (const name of ["count", "minutes"]) {
    if (wholeIn(form[name]) === null) {
      showError(errorBox, L(`error.${name}`));
      showFieldError(form[name], L(`error.${name}`));
      form[name].focus();
      return false;
    }
  }
  if (!readRecipients().length) {
    const first = recipients.querySelector('[data-k="to"]');
    showError(errorBox, L("no-recipient"));
    if (first) {
      showFieldError(first, L("no-recipient"));
      first.focus();
    }
    return false;
  }
  return true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  showError(errorBox, "");
  statusBox.textContent = "";
  if (!checkHere()) return;
  const body = {
    name: form.name.value.trim(),
    active: form.active.checked,
    count: Number(form.count.value),
    minutes: Number(form.minutes.value),
    point: form.point.value || null,
    category: form.category.value || null,
    recipients: readRecipients(),
  };
  const id = form.id.value;
  await whileBusy(form, async () => {
    try {
      const saved = id
        ? await api("PUT", `/api/v1/alerts/${encodeURIComponent(id)}`, body)
        : await api("POST", "/api/v1/alerts", body);
      form.id.value = saved.id;
      deleteButton.hidden = false;
      await load(saved.id);
      statusBox.textContent = L("saved");
    } catch (error) {
      showApiError(form, localized(error), errorBox, locate);
    }
  });
});

deleteButton.addEventListener("click", async () => {
  const id = form.id.value;
  if (!id || !window.confirm(L("confirm-delete"))) return;
  try {
    await api("DELETE", `/api/v1/alerts/${encodeURIComponent(id)}`);
    edit(null, false);
    await load();
    statusBox.textContent = L("deleted");
  } catch (error) {
    showError(errorBox, error.message);
  }
});

document.getElementById("new-alert").addEventListener("click", () => edit(null));
document.getElementById("add-recipient").addEventListener("click", () => addRecipient());
edit(null, false);
load();
