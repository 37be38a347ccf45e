// Triage admin page: the business's own words per language and category (with the built-in
// ones to read), "try a message", and the reply targets. Customer text goes in as textContent.
import { api } from "./lib/api.js";
import { clearFieldErrors, showApiError, showError as show, whileBusy } from "./lib/forms.js";
import { t as label } from "./lib/i18n.js";

const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

// Words ------------------------------------------------------------------------------------
const form = document.getElementById("keywords-form");
const formError = document.getElementById("keywords-error");
const formStatus = document.getElementById("keywords-status");
const language = document.getElementById("kw-language");

function showLanguage(lang) {
  language.value = lang;
  for (const set of form.querySelectorAll("fieldset[data-lang]")) set.hidden = set.dataset.lang !== lang;
}
language.addEventListener("change", () => showLanguage(language.value));

function fill(data) {
  for (const box of form.querySelectorAll("textarea[data-category]")) {
    const own = (data.keywords[box.dataset.lang] || {})[box.dataset.category] || [];
    box.value = own.join("\n");
  }
  for (const box of form.querySelectorAll('textarea[name^="ignore."]')) {
    box.value = (data.ignore[box.dataset.lang] || []).join("\n");
  }
  for (const details of form.querySelectorAll("details[data-built-in]")) {
    const [lang, category] = details.dataset.builtIn.split(".");
    const words = (data.defaults[lang] || {})[category] || [];
    details.hidden = words.length === 0;
    details.querySelector("p").textContent = words.join(", ");
  }
}

/** The input an error names ("keywords.en.claim_new", "ignore.fr"), its language shown first. */
function locate(formEl, field) {
  const [kind, lang, category] = field.split(".");
  if (!["keywords", "ignore"].includes(kind) || !lang) return null;
  if ([...language.options].some((o) => o.value === lang)) showLanguage(lang);
  const name = category ? `${kind}.${lang}.${category}` : `${kind}.${lang}`;
  return formEl.elements.namedItem(name);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  show(formError, "");
  clearFieldErrors(form);
  formStatus.textContent = "";
  const keywords = {};
  for (const box of form.querySelectorAll("textarea[data-category]")) {
    const words = lines(box.value);
    if (!words.length) continue;
    (keywords[box.dataset.lang] ||= {})[box.dataset.category] = words;
  }
  const ignore = {};
  for (const box of form.querySelectorAll('textarea[name^="ignore."]')) {
    const words = lines(box.value);
    if (words.length) ignore[box.dataset.lang] = words;
  }
  await whileBusy(form, async () => {
    try {
      fill(await api("PUT", "/api/v1/triage/keywords", { keywords, ignore }));
      formStatus.textContent = label("saved");
    } catch (err) {
      showApiError(form, err, formError, locate);
    }
  });
});

// Try a message -----------------------------------------------------------------------------
const tryForm = document.getElementById("try-form");
const tryResult = document.getElementById("try-result");

tryForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  tryResult.replaceChildren();
  const text = tryForm.elements.namedItem("text").value.trim();
  if (!text) return;
  try {
    const result = await api("POST", "/api/v1/triage/test", { text });
    const verdict = document.createElement("p");
    verdict.className = "status-msg try-verdict";
    verdict.textContent = result.suggested_category
      ? label("suggested", { category: label(`category.${result.suggested_category}`) })
      : label("nothing");
    tryResult.appendChild(verdict);
    if (result.matches.length) {
      const intro = document.createElement("p");
      intro.textContent = label("found");
      const list = document.createElement("ul");
      for (const match of result.matches) {
        const item = document.createElement("li");
        item.textContent = `“${match.phrase}”: ${label(`category.${match.category}`)}`;
        list.appendChild(item);
      }
      tryResult.append(intro, list);
    }
  } catch (err) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = err.message;
    tryResult.appendChild(p);
  }
});

// Reply targets -----------------------------------------------------------------------------
const targets = document.getElementById("targets-form");
const targetsError = document.getElementById("targets-error");
const targetsStatus = document.getElementById("targets-status");

/** "15 min", "4 h", "2 d": the same shapes as the page's own (and the statistics page's). */
function minutes(value) {
  if (value < 60) return `${value} min`;
  if (value < 2880) return value % 60 ? `${Math.floor(value / 60)} h ${value % 60} min` : `${value / 60} h`;
  return value % 1440 ? `${Math.round(value / 60)} h` : `${value / 1440} d`;
}

function fillTargets(data) {
  for (const input of targets.querySelectorAll("input[data-category]")) {
    const own = data.reply_targets[input.dataset.category];
    input.value = own ? String(own) : "";
    const now = document.getElementById(`${input.id}-now`);
    if (now) now.textContent = label("now", { time: minutes(data.effective[input.dataset.category]) });
  }
}

targets.addEventListener("submit", async (event) => {
  event.preventDefault();
  show(targetsError, "");
  clearFieldErrors(targets);
  targetsStatus.textContent = "";
  const body = {};
  for (const input of targets.querySelectorAll("input[data-category]")) {
    const raw = input.value.trim();
    if (!raw) {
      body[input.dataset.category] = null;
      continue;
    }
    if (!/^\d+$/.test(raw)) {
      const err = { message: label("not-a-number"), field: input.name };
      showApiError(targets, err, targetsError);
      return;
    }
    body[input.dataset.category] = parseInt(raw, 10);
  }
  await whileBusy(targets, async () => {
    try {
      fillTargets(await api("PUT", "/api/v1/triage/targets", { reply_targets: body }));
      targetsStatus.textContent = label("saved");
    } catch (err) {
      showApiError(targets, err, targetsError);
    }
  });
});

api("GET", "/api/v1/triage/keywords").then(fill).catch((err) => show(formError, err.message));
