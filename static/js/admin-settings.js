// Settings: the business's settings (one PATCH /api/v1/tenant), and its establishments and
// departments (add, rename, delete). After a change the page reloads with a "Saved." note, so
// every list and every per-language field shows what the hub now holds.
import { api } from "./lib/api.js";
import { clearFieldErrors, fieldInput, markField, showError, whileBusy } from "./lib/forms.js";
import { flashAfterReload as keepFlash, showFlash } from "./lib/flash.js";
import { t as L } from "./lib/i18n.js";
import { localized } from "./lib/messages.js";

const FLASH = "sos-hub.settings-flash";
const flashAfterReload = (message, focusId) => keepFlash(FLASH, message, focusId);

const shown = showFlash(FLASH);
if (shown) (shown.target || shown.flash).focus();

/* ---- Opening hours rows ---- */

const always = document.getElementById("b-always");
const rows = document.getElementById("hours-rows");
const addRow = document.getElementById("add-hours");
const rowTemplate = document.getElementById("hours-row");
let rowCount = rows.querySelectorAll("[data-row]").length;

function newRow() {
  rowCount += 1;
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  for (const el of row.querySelectorAll("[id]")) el.id = el.id.replace("hours-new-", `hours-n${rowCount}-`);
  for (const el of row.querySelectorAll("label[for]")) el.htmlFor = el.htmlFor.replace("hours-new-", `hours-n${rowCount}-`);
  rows.append(row);
  return row;
}

function showRows() {
  rows.hidden = always.checked;
  addRow.hidden = always.checked;
  if (!always.checked && !rows.querySelector("[data-row]")) newRow();
}

always.addEventListener("change", showRows);
addRow.addEventListener("click", () => {
  const row = newRow();
  row.querySelector("input").focus();
});
rows.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-row]");
  if (!button) return;
  button.closest("[data-row]").remove();
  if (!rows.querySelector("[data-row]")) {
    always.checked = true;
    showRows();
    always.focus();
  } else {
    addRow.focus();
  }
});

function openingHours() {
  if (always.checked) return null;
  return [...rows.querySelectorAll("[data-row]")].map((row) => {
    const to = row.querySelector('[name="to"]').value;
    return {
      weekdays: [...row.querySelectorAll('[name="weekdays"]:checked')].map((i) => Number(i.value)),
      from: row.querySelector('[name="from"]').value,
      to: to === "00:00" ? "24:00" : to, // an end at 00:00 is midnight, the end of the day
    };
  });
}

/* ---- The business ---- */

const business = document.getElementById("business-form");

function whole(name) {
  const raw = business.elements[name].value.trim();
  return /^-?\d+$/.test(raw) ? Number(raw) : raw; // anything else: the server names the field
}

function businessBody() {
  return {
    name: business.elements.name.value.trim(),
    languages: [...business.querySelectorAll('[name="languages"]:checked')].map((i) => i.value),
    language: business.elements.language.value,
    timezone: business.elements.timezone.value.trim(),
    sla_hours: whole("sla_hours"),
    onsite_minutes: whole("onsite_minutes"),
    sms_hourly_budget: whole("sms_hourly_budget"),
    sms_from: business.elements.sms_from.value.trim() || null,
    brand_color: business.elements.brand_color.value,
    privacy_retention_days: whole("privacy_retention_days"),
    opening_hours: openingHours(),
  };
}

// "opening_hours.1.to" → the second row's "to"; "languages" → its fieldset's first box.
function locateBusiness(form, field) {
  const parts = field.split(".");
  if (parts[0] === "opening_hours") {
    const row = parts.length > 1 ? rows.querySelectorAll("[data-row]")[Number(parts[1])] : null;
    if (row && parts[2]) return row.querySelector(`[name="${parts[2]}"]`);
    return row ? row.querySelector("input") : rows;
  }
  if (parts[0] === "languages") return document.getElementById("b-languages");
  return fieldInput(form, field);
}

business.addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = business.querySelector("[data-error]");
  showError(box, "");
  clearFieldErrors(business);
  await whileBusy(business, async () => {
    try {
      await api("PATCH", "/api/v1/tenant", businessBody());
      flashAfterReload(L("saved"), "flash");
    } catch (err) {
      localized(err);
      showError(box, err.message);
      markField(business, err, locateBusiness);
    }
  });
});

/* ---- Establishments and departments ---- */

function placeBody(form) {
  if (form.dataset.collection === "departments") {
    const names = {};
    for (const input of form.querySelectorAll('[name^="names."]')) names[input.name.slice(6)] = input.value.trim();
    return { names };
  }
  const body = { name: form.elements.name.value.trim(), address: form.elements.address.value.trim() || null };
  if (form.elements.brand_color) body.brand_color = form.elements.own_color.checked ? form.elements.brand_color.value : null;
  return body;
}

// A department's main name is its first language's box: "name" means that one.
function locatePlace(form, field) {
  if (field === "name" && form.dataset.collection === "departments") return form.querySelector('[name^="names."]');
  return fieldInput(form, field);
}

async function send(form, method, path, body, done) {
  const box = form.querySelector("[data-error]");
  showError(box, "");
  clearFieldErrors(form);
  await whileBusy(form, async () => {
    try {
      await api(method, path, body);
      done();
    } catch (err) {
      localized(err);
      showError(box, err.message);
      markField(form, err, locatePlace);
    }
  });
}

for (const form of document.querySelectorAll(".add-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const collection = form.dataset.collection;
    send(form, "POST", `/api/v1/${collection}`, placeBody(form), () => flashAfterReload(L("added"), collection === "departments" ? "dep-title" : "est-title"));
  });
}

for (const form of document.querySelectorAll(".place-edit")) {
  const path = `/api/v1/${form.dataset.collection}/${encodeURIComponent(form.dataset.slug)}`;
  const heading = form.dataset.collection === "departments" ? "dep-title" : "est-title";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(form, "PATCH", path, placeBody(form), () => flashAfterReload(L("saved"), heading));
  });
  form.querySelector("[data-delete]").addEventListener("click", () => {
    const name = form.closest("li").querySelector(".place-name").textContent;
    if (!window.confirm(L("confirm-delete", { name }))) return;
    send(form, "DELETE", path, undefined, () => flashAfterReload(L("deleted"), heading));
  });
}
