// My account: name and language, a new password (the current one proves it is you), a new
// API token shown once. Everything through the JSON API.
import { api } from "./lib/api.js";
import { clearFieldErrors, markField, showError, showStatus, whileBusy } from "./lib/forms.js";
import { t as L } from "./lib/i18n.js";

// The refusals met here, in the page's language (the API speaks English).
const KNOWN = { "400:current": "error.current", "400:new": "error.new", "400:name": "error.name" };
function worded(err) {
  const key = KNOWN[`${err.status}:${err.field}`];
  return key ? { status: err.status, field: err.field, message: L(key) } : err;
}

/** Run `work` for `form`'s submit, showing its status or the refusal next to the field. */
function handle(form, work) {
  const status = form.querySelector("[data-status]");
  const error = form.querySelector("[data-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showStatus(status, "");
    showError(error, "");
    clearFieldErrors(form);
    await whileBusy(form, async () => {
      try {
        showStatus(status, await work());
      } catch (err) {
        const shown = worded(err);
        showError(error, shown.message);
        markField(form, shown);
      }
    });
  });
}

const profile = document.getElementById("profile");
handle(profile, async () => {
  const language = profile.elements.language.value;
  const me = await api("PATCH", "/api/v1/me", { name: profile.elements.name.value.trim(), language });
  if (me.language !== document.documentElement.lang) {
    window.location.assign("/account"); // the page in its new language (the answer set the cookie)
  }
  return L("saved");
});

const shortcuts = document.getElementById("shortcuts");
handle(shortcuts, async () => {
  await api("PATCH", "/api/v1/me", { shortcuts: shortcuts.elements.shortcuts.checked });
  return L("saved");
});

const password = document.getElementById("password");
handle(password, async () => {
  const { current, new: fresh, again } = password.elements;
  if (fresh.value.length < fresh.minLength) {
    throw { status: 400, field: "new", message: L("error.new") };
  }
  if (fresh.value !== again.value) {
    throw { status: 400, field: "again", message: L("error.again") };
  }
  const answer = await api("POST", "/api/v1/me/password", { current: current.value, new: fresh.value });
  password.reset();
  return L("password-changed", { count: answer.sessions_ended });
});

const token = document.getElementById("token");
const shown = document.getElementById("token-shown");
const value = document.getElementById("token-value");
handle(token, async () => {
  if (!window.confirm(L("confirm-token"))) return "";
  const answer = await api("POST", "/api/v1/me/token");
  value.value = answer.api_token;
  document.getElementById("token-status").textContent = "";
  shown.hidden = false;
  value.rows = 1; // as many rows as the token needs
  while (value.scrollHeight > value.clientHeight && value.rows < 4) value.rows += 1;
  value.focus();
  value.select();
  return "";
});

document.getElementById("token-copy").addEventListener("click", async () => {
  const status = document.getElementById("token-status");
  value.select();
  try {
    await navigator.clipboard.writeText(value.value);
    status.textContent = L("copied");
  } catch {
    status.textContent = document.execCommand && document.execCommand("copy") ? L("copied") : L("copy-failed");
  }
});
