// Kiosks and logo: create a kiosk (its pairing link is shown once), change or unpair kiosks,
// upload or remove the business's logo. Everything goes through the JSON API.
import { api } from "./lib/api.js";
import { clearFieldErrors, markField, whileBusy } from "./lib/forms.js";
import { t as L } from "./lib/i18n.js";

const PAIRING_KEY = "sos-hub.new-kiosk";  // survives the reload after creating, in this tab only

function read(form, withActive) {
  const value = (name) => form.elements[name] ? form.elements[name].value.trim() : "";
  const out = {
    name: value("name"),
    point: value("point"),
    departments: [...form.querySelectorAll('input[name="departments"]:checked')].map((i) => i.value),
    welcome: value("welcome"),
    // {"fr": "Bienvenue"}: the welcome in the business's other languages (empty ones dropped)
    welcomes: Object.fromEntries([...form.querySelectorAll('input[name^="welcomes."]')]
      .map((i) => [i.name.slice(9), i.value.trim()])),
    idle_seconds: parseInt(value("idle_seconds"), 10) || 90,
    offline_minutes: parseInt(value("offline_minutes"), 10) || 10,
    allow_anonymous: form.elements.allow_anonymous.checked,
  };
  if (withActive) out.active = form.elements.active.checked;
  return out;
}

function say(form, error, status) {
  const e = form.querySelector("[data-error]");
  const s = form.querySelector("[data-status]");
  if (e) e.textContent = error || "";
  if (s) s.textContent = status || "";
}

/* ---- A new kiosk: its pairing link, once. ---- */

const create = document.getElementById("kiosk-create");
if (create) {
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(create, "");
    clearFieldErrors(create);
    await whileBusy(create, async () => {
      try {
        const kiosk = await api("POST", "/api/v1/kiosks", read(create, false));
        sessionStorage.setItem(
          PAIRING_KEY,
          JSON.stringify({ name: kiosk.name, url: kiosk.pair_url, qr: kiosk.pair_qr }),
        );
        location.reload();
      } catch (err) {
        say(create, err.message);
        markField(create, err);
      }
    });
  });
}
const pending = sessionStorage.getItem(PAIRING_KEY);
if (pending) {
  sessionStorage.removeItem(PAIRING_KEY);
  const { name, url, qr } = JSON.parse(pending);
  document.getElementById("pairing-name").textContent = name;
  document.getElementById("pair-link").textContent = url;
  // the link as a QR code, for the tablet's camera (the server drew it: an SVG data URI)
  const image = document.getElementById("pair-qr");
  if (qr && qr.startsWith("data:image/svg+xml")) image.src = qr;
  else image.hidden = true;
  document.getElementById("pairing").hidden = false;
}

const copy = document.getElementById("pair-copy");
if (copy) {
  copy.addEventListener("click", async () => {
    const link = document.getElementById("pair-link");
    const status = document.getElementById("pair-copy-status");
    const range = document.createRange();
    range.selectNodeContents(link);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    try {
      await navigator.clipboard.writeText(link.textContent);
      status.textContent = L("copied");
    } catch {
      // no clipboard API (plain http on another host): the selected text copies the old way
      status.textContent = document.execCommand && document.execCommand("copy") ? L("copied") : L("copy-failed");
    }
  });
}

/* ---- Existing kiosks: save, unpair. ---- */

for (const item of document.querySelectorAll("#kiosk-list > li")) {
  const form = item.querySelector("form");
  const id = item.dataset.id;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(form, "");
    clearFieldErrors(form);
    await whileBusy(form, async () => {
      try {
        const kiosk = await api("PATCH", `/api/v1/kiosks/${encodeURIComponent(id)}`, read(form, true));
        form.querySelector("h3").textContent = kiosk.name;
        say(form, "", L("saved"));
      } catch (err) {
        say(form, err.message);
        markField(form, err);
      }
    });
  });
  form.querySelector("[data-unpair]").addEventListener("click", async () => {
    if (!window.confirm(L("confirm-unpair"))) return;
    try {
      await api("DELETE", `/api/v1/kiosks/${encodeURIComponent(id)}`);
      item.remove();
      document.getElementById("kiosks-status").textContent = L("unpaired");
      document.getElementById("kiosks-title").focus();  // the button that had focus is gone
    } catch (err) {
      say(form, err.message);
    }
  });
}

/* ---- The logo. ---- */

const file = document.getElementById("logo-file");
const preview = document.getElementById("logo-preview");
const remove = document.getElementById("logo-remove");
const logoStatus = document.getElementById("logo-status");
const logoError = document.getElementById("logo-error");
file.addEventListener("change", async () => {
  const chosen = file.files && file.files[0];
  if (!chosen) return;
  logoStatus.textContent = "";
  logoError.textContent = "";
  try {
    const answer = await api("PUT", "/api/v1/logo", await chosen.arrayBuffer(), chosen.type || "application/octet-stream");
    // the answer's URL is absolute (HUB_PUBLIC_URL); the page loads it from its own origin
    const url = new URL(answer.logo_url, window.location.href);
    preview.src = url.pathname + url.search;
    preview.hidden = false;
    remove.hidden = false;
    logoStatus.textContent = L("logo-saved");
  } catch (err) {
    logoError.textContent = err.message;
  }
  file.value = "";
});
remove.addEventListener("click", async () => {
  logoError.textContent = "";
  try {
    await api("DELETE", "/api/v1/logo");
    preview.hidden = true;
    preview.removeAttribute("src");
    remove.hidden = true;
    logoStatus.textContent = L("logo-removed");
  } catch (err) {
    logoError.textContent = err.message;
  }
});
