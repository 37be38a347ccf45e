// The operator's businesses page: open a business (its first admin's one-time set-password
// link is shown once, after the reload that lists it), suspend or resume one. All through the API.
import { api } from "./lib/api.js";
import {
  clearFieldErrors, fieldInput, showError, showFieldError, showStatus, whileBusy,
} from "./lib/forms.js";
import { has, t, when } from "./lib/i18n.js";

const OPENED_KEY = "sos-hub.opened-business"; // survives the reload, in this tab only
const STATUS_KEY = "sos-hub.operator-status";

/** Reload to list the change, at the top where the page then says what happened. */
function reloadAtTop() {
  history.scrollRestoration = "manual";
  location.reload();
}

/* ---- Open a business. ---- */

const form = document.getElementById("business-create");
const formError = form.querySelector("[data-error]");
const slug = form.elements.slug;
let slugEdited = false;

// A slug from the name until the operator types one: "Hotel Sol y Mar" → "hotel-sol-y-mar".
form.elements.name.addEventListener("input", () => {
  if (slugEdited) return;
  slug.value = form.elements.name.value
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
});
slug.addEventListener("input", () => { slugEdited = slug.value !== ""; });

function read() {
  const value = (name) => form.elements[name].value.trim();
  const body = {
    name: value("name"),
    slug: value("slug"),
    language: value("language"),
    timezone: value("timezone"),
    admin_email: value("admin_email"),
  };
  if (value("admin_name")) body.admin_name = value("admin_name");
  return body;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(formError, "");
  clearFieldErrors(form);
  await whileBusy(form, async () => {
    try {
      const opened = await api("POST", "/api/v1/operator/tenants", read());
      sessionStorage.setItem(OPENED_KEY, JSON.stringify({
        name: opened.tenant.name,
        login: opened.login_url,
        email: opened.admin.email,
        link: opened.set_password_url,
        until: opened.expires_at,
        emailed: opened.emailed,
      }));
      reloadAtTop();
    } catch (err) {
      explain(err);
    }
  });
});

/** The server's error in the page's words, next to the field it names (else under the form). */
function explain(err) {
  const input = fieldInput(form, err.field);
  const key = [`error.${err.field}.${err.status}`, `error.${err.field}`].find((k) => has(k));
  const message = key ? t(key) : err.message;
  if (!input) {
    showError(formError, message);
    return;
  }
  showFieldError(input, message);
  input.focus();
}

const opened = sessionStorage.getItem(OPENED_KEY);
if (opened) {
  sessionStorage.removeItem(OPENED_KEY);
  const o = JSON.parse(opened);
  document.getElementById("opened-name").textContent = o.name;
  document.getElementById("opened-login").textContent = o.login;
  document.getElementById("opened-email").textContent = o.email;
  document.getElementById("opened-mailed").textContent = t(o.emailed ? "mailed" : "not-mailed", { email: o.email });
  document.getElementById("opened-until").textContent = t("until", { when: when(o.until) });
  const link = document.getElementById("opened-link");
  link.value = o.link;
  const box = document.getElementById("opened");
  box.hidden = false;
  // as many rows as the link needs: shown whole, it wraps over several on a phone
  const fit = () => {
    link.rows = 1;
    while (link.scrollHeight > link.clientHeight && link.rows < 6) link.rows += 1;
  };
  fit();
  window.addEventListener("resize", fit);
  box.focus();
  document.getElementById("opened-copy").addEventListener("click", async () => {
    const said = document.getElementById("opened-copied");
    link.select();
    try {
      await navigator.clipboard.writeText(link.value);
      said.textContent = t("copied");
    } catch {
      // no clipboard API (plain http on another host): the selected text copies the old way
      said.textContent = document.execCommand && document.execCommand("copy") ? t("copied") : t("copy-failed");
    }
  });
}

/* ---- Suspend, resume. ---- */

const listStatus = document.getElementById("list-status");
const listError = document.getElementById("list-error");
const said = sessionStorage.getItem(STATUS_KEY);
if (said) {
  sessionStorage.removeItem(STATUS_KEY);
  showStatus(listStatus, said);
}

async function setSuspended(button, suspended) {
  const name = button.dataset.name;
  if (!window.confirm(t(suspended ? "confirm-suspend" : "confirm-resume", { name }))) return;
  showError(listError, "");
  button.disabled = true;
  try {
    const slugOf = suspended ? button.dataset.suspend : button.dataset.resume;
    await api("PATCH", `/api/v1/operator/tenants/${encodeURIComponent(slugOf)}`, { suspended });
    sessionStorage.setItem(STATUS_KEY, t(suspended ? "suspended" : "resumed", { name }));
    reloadAtTop();
  } catch (err) {
    showError(listError, err.message);
    button.disabled = false;
  }
}

for (const button of document.querySelectorAll("[data-suspend]")) {
  button.addEventListener("click", () => setSuspended(button, true));
}
for (const button of document.querySelectorAll("[data-resume]")) {
  button.addEventListener("click", () => setSuspended(button, false));
}
