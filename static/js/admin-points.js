// Access points: create one, edit its labels, kind and place, deactivate or reactivate it, and
// build the "print selected" link. Writes go through the JSON API; after each the page reloads
// with a note, so the QR previews and the list show what the hub now holds.
import { api } from "./lib/api.js";
import { clearFieldErrors, fieldInput, markField, showError, whileBusy } from "./lib/forms.js";
import { flashAfterReload as keepFlash, showFlash } from "./lib/flash.js";
import { t as L } from "./lib/i18n.js";
import { localized } from "./lib/messages.js";

const FLASH = "sos-hub.points-flash";
const flashAfterReload = (message, focusId) => keepFlash(FLASH, message, focusId);

const shown = showFlash(FLASH);
if (shown) {
  const card = shown.target;
  if (card) {
    card.classList.add("just-changed");
    card.scrollIntoView({ block: "center" });
  }
  shown.flash.focus({ preventScroll: Boolean(card) });
}

function body(form, withCode) {
  const labels = {};
  for (const input of form.querySelectorAll('[name^="labels."]')) labels[input.name.slice(7)] = input.value.trim();
  const out = {
    labels,
    kind: form.elements.kind.value,
    department: form.elements.department.value || null,
    establishment: form.elements.establishment.value || null,
  };
  if (withCode) out.code = form.elements.code.value.trim();
  return out;
}

// The main label is the first language's box: "label" means that one.
function locate(form, field) {
  if (field === "label") return form.querySelector('[name^="labels."]');
  return fieldInput(form, field);
}

async function send(form, method, path, payload, done) {
  const box = form.querySelector("[data-error]");
  showError(box, "");
  clearFieldErrors(form);
  await whileBusy(form, async () => {
    try {
      done(await api(method, path, payload));
    } catch (err) {
      localized(err);
      showError(box, err.message);
      markField(form, err, locate);
    }
  });
}

const create = document.getElementById("point-create");
create.addEventListener("submit", (event) => {
  event.preventDefault();
  send(create, "POST", "/api/v1/points", body(create, true), (point) => flashAfterReload(L("created"), `point-${point.code}`));
});

for (const card of document.querySelectorAll(".point-card")) {
  const code = card.dataset.code;
  const path = `/api/v1/points/${encodeURIComponent(code)}`;
  const form = card.querySelector(".point-edit form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(form, "PATCH", path, body(form, false), () => flashAfterReload(L("saved"), card.id));
  });
  const toggle = card.querySelector("button[data-active]");
  toggle.addEventListener("click", async () => {
    const activate = toggle.dataset.active === "true";
    if (!activate && !window.confirm(L("confirm-deactivate", { name: card.dataset.label }))) return;
    const box = form.querySelector("[data-error]");
    try {
      if (activate) await api("PATCH", path, { active: true });
      else await api("DELETE", path);
      flashAfterReload(L(activate ? "reactivated" : "deactivated"), card.id);
    } catch (err) {
      card.querySelector(".point-edit").open = true;
      showError(box, localized(err).message);
    }
  });
}

/* ---- Print selected: one PDF with the ticked points (all shown active ones when none is ticked). ---- */

const printButton = document.getElementById("print-selected");
const printPoints = document.getElementById("print-points");
if (printButton && printPoints) {
  const all = printPoints.dataset.all;
  const update = () => {
    const picked = [...document.querySelectorAll('input[name="print"]:checked')].map((i) => i.value);
    printPoints.value = picked.length ? picked.join(",") : all;
    printButton.textContent = picked.length ? L("print-selected", { count: picked.length }) : L("print-all");
  };
  document.getElementById("points").addEventListener("change", (event) => {
    if (event.target.name === "print") update();
  });
  update();
}
