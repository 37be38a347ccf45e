// Staff: invite a colleague (their one-time set-password link is shown here once), change
// roles, deactivate or reactivate, make a new password link. Everything through the JSON API.
import { api } from "./lib/api.js";
import { clearFieldErrors, markField, showError, showStatus, whileBusy } from "./lib/forms.js";
import { t as L, when } from "./lib/i18n.js";

const people = document.getElementById("people");
const peopleStatus = document.getElementById("people-status");
const peopleError = document.getElementById("people-error");

function say(message, isError) {
  showStatus(peopleStatus, isError ? "" : message);
  showError(peopleError, isError ? message : "");
}

// The refusals an admin meets here, in the page's language (the API speaks English).
const KNOWN = {
  "400:email": "error.email",
  "409:email": "error.email-taken",
  "400:role": "error.role",
  "403:role": "error.role",
  "409:role": "error.last-admin",
  "400:name": "error.name",
};
function worded(err) {
  const key = KNOWN[`${err.status}:${err.field}`];
  return key ? { status: err.status, field: err.field, message: L(key) } : err;
}

const userPath = (id, rest = "") => `/api/v1/users/${encodeURIComponent(id)}${rest}`;

/* ---- The link panel: shown once, after an invitation or a reset. ---- */

const panel = document.getElementById("link-panel");
const linkInput = document.getElementById("link-url");
const copyStatus = document.getElementById("copy-status");

/** As many rows as the text needs: a link shown whole wraps over several on a phone. */
function fit(area) {
  area.rows = 1;
  while (area.scrollHeight > area.clientHeight && area.rows < 6) area.rows += 1;
}
window.addEventListener("resize", () => { if (!panel.hidden) fit(linkInput); });

function showLink(answer, titleKey) {
  document.getElementById("link-title").textContent = L(titleKey, { name: answer.name || answer.email });
  document.getElementById("link-mailed").textContent = L(answer.emailed ? "mailed" : "not-mailed", { email: answer.email });
  document.getElementById("link-until").textContent = L("until", { when: when(answer.expires_at) });
  linkInput.value = answer.set_password_url;
  copyStatus.textContent = "";
  panel.hidden = false;
  fit(linkInput);
  document.getElementById("link-title").focus();
}

document.getElementById("link-copy").addEventListener("click", async () => {
  linkInput.select();
  try {
    await navigator.clipboard.writeText(linkInput.value);
    copyStatus.textContent = L("copied");
  } catch {
    // no clipboard API (plain http on another host): the selected text copies the old way
    copyStatus.textContent = document.execCommand && document.execCommand("copy") ? L("copied") : L("copy-failed");
  }
});

/* ---- One row per colleague. ---- */

const STATE = (p) => (!p.active ? "state-inactive" : p.password_set ? "state-active" : "state-pending");

function fill(row, p) {
  row.dataset.id = p.id;
  row.dataset.name = p.name || p.email;
  row.dataset.active = String(p.active);
  row.querySelector('[data-field="name"]').textContent = p.name || "";
  row.querySelector('[data-field="email"]').textContent = p.email;
  row.querySelector('[data-field="state"]').textContent = L(STATE(p));
  const select = row.querySelector("[data-role]");
  select.value = p.role;
  select.dataset.was = p.role;
  select.setAttribute("aria-label", L("role-of", { name: row.dataset.name }));
  row.querySelector("[data-toggle]").textContent = L(p.active ? "deactivate" : "reactivate");
}

function wire(row) {
  const select = row.querySelector("[data-role]");
  select.addEventListener("change", async () => {
    say("");
    try {
      const p = await api("PATCH", userPath(row.dataset.id), { role: select.value });
      fill(row, p);
      say(L("role-changed", { name: row.dataset.name, role: L(`role.${p.role}`) }));
    } catch (err) {
      select.value = select.dataset.was; // refused: show what is still true
      say(worded(err).message, true);
    }
  });
  row.querySelector("[data-toggle]").addEventListener("click", async () => {
    const name = row.dataset.name;
    const active = row.dataset.active === "true";
    if (active && !window.confirm(L("confirm-deactivate", { name }))) return;
    say("");
    try {
      const p = active
        ? await api("DELETE", userPath(row.dataset.id))
        : await api("PATCH", userPath(row.dataset.id), { active: true });
      fill(row, p);
      say(L(p.active ? "reactivated" : "deactivated", { name }));
    } catch (err) {
      say(err.message, true);
    }
  });
  row.querySelector("[data-reset]").addEventListener("click", async () => {
    const name = row.dataset.name;
    if (!window.confirm(L("confirm-reset", { name }))) return;
    say("");
    try {
      const answer = await api("POST", userPath(row.dataset.id, "/password-reset"));
      fill(row, answer);
      showLink(answer, "reset-title");
    } catch (err) {
      say(err.message, true);
    }
  });
}

for (const row of people.querySelectorAll("tr[data-id]")) wire(row);

/* ---- Invite. ---- */

const invite = document.getElementById("invite");
const inviteError = invite.querySelector("[data-error]");
invite.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(inviteError, "");
  clearFieldErrors(invite);
  const value = (name) => invite.elements[name].value.trim();
  const body = { email: value("email"), role: value("role"), language: value("language") };
  if (value("name")) body.name = value("name");
  await whileBusy(invite, async () => {
    try {
      const answer = await api("POST", "/api/v1/users", body);
      const row = document.getElementById("row-template").content.firstElementChild.cloneNode(true);
      fill(row, answer);
      wire(row);
      people.append(row);
      invite.reset();
      showLink(answer, "invited-title");
    } catch (err) {
      const shown = worded(err);
      showError(inviteError, shown.message);
      markField(invite, shown);
    }
  });
});
