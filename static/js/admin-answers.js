// Canned answers admin page: list, edit, delete; placeholders inserted with a click and a
// live preview with sample values. The server checks everything again (and names the field).
import { api } from "./lib/api.js";
import { clearFieldErrors, showApiError, showError, showFieldError, whileBusy } from "./lib/forms.js";
import { has, t as L } from "./lib/i18n.js";

const form = document.getElementById("answer-form");
const list = document.getElementById("answer-list");
const empty = document.getElementById("answers-empty");
const errorBox = document.getElementById("answer-error");
const statusBox = document.getElementById("answer-status");
const text = document.getElementById("answer-text");
const count = document.getElementById("answer-count");
const preview = document.getElementById("answer-preview");
const deleteButton = document.getElementById("delete-answer");
const PLACEHOLDERS = [...document.querySelectorAll("[data-placeholder]")].map((b) => b.dataset.placeholder);
const defaultLanguage = form.language.value;
let answers = [];

const categoryName = (value) => (value && has(`category.${value}`) ? L(`category.${value}`) : L("any-category"));
// The language as the manager reads it ("inglés"), not its code ("EN").
const languageName = (code) => (has(`language.${code}`) ? L(`language.${code}`) : code.toUpperCase());

function refresh() {
  count.textContent = L("count", { count: text.value.length });
  preview.textContent = text.value.replace(/\{(\w+)\}/g, (whole, name) =>
    (PLACEHOLDERS.includes(name) ? L(`sample.${name}`) : whole));
}

// A placeholder as the server reads one (hub/answers/model.py `_PLACEHOLDER`).
const PLACEHOLDER = /\{([^{}\s]{0,40})\}/g;

/** The first placeholder the text names that no answer can fill, or null. */
function unknownPlaceholder(value) {
  const found = [...value.matchAll(PLACEHOLDER)].find((m) => !PLACEHOLDERS.includes(m[1]));
  return found ? found[0] : null;
}

function render(selectedId) {
  list.replaceChildren();
  for (const answer of answers) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "rule-item";
    b.dataset.id = answer.id;
    if (answer.id === selectedId) b.setAttribute("aria-current", "true");
    const title = document.createElement("strong");
    title.textContent = answer.title;
    const meta = document.createElement("span");
    meta.textContent = `${categoryName(answer.category)} · ${languageName(answer.language)}`;
    b.append(title, meta);
    b.addEventListener("click", () => edit(answer));
    li.appendChild(b);
    list.appendChild(li);
  }
  empty.hidden = answers.length > 0;
}

function edit(answer, focus = true) {
  form.reset();
  clearFieldErrors(form);
  showError(errorBox, "");
  statusBox.textContent = "";
  form.id.value = answer ? answer.id : "";
  form.title.value = answer ? answer.title : "";
  form.category.value = answer ? answer.category || "" : "";
  form.language.value = answer ? answer.language : defaultLanguage;
  text.value = answer ? answer.text : "";
  deleteButton.hidden = !answer;
  render(answer && answer.id);
  refresh();
  if (focus) form.title.focus();
}

async function load(selectedId) {
  try {
    answers = (await api("GET", "/api/v1/answers")).items || [];
    render(selectedId);
  } catch (error) {
    showError(errorBox, error.message);
  }
}

for (const button of document.querySelectorAll("[data-placeholder]")) {
  button.addEventListener("click", () => {
    const start = text.selectionStart ?? text.value.length;
    text.setRangeText(`{${button.dataset.placeholder}}`, start, text.selectionEnd ?? start, "end");
    text.focus();
    refresh();
  });
}
text.addEventListener("input", refresh);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  showError(errorBox, "");
  statusBox.textContent = "";
  const body = {
    title: form.title.value.trim(),
    category: form.category.value || null,
    language: form.language.value,
    text: text.value,
  };
  // Checked here in the page's words (the server's check answers in English, for the API).
  const unknown = unknownPlaceholder(text.value);
  if (unknown) {
    const known = PLACEHOLDERS.map((name) => `{${name}}`).join(", ");
    const message = L("unknown-placeholder", { name: unknown, known });
    showError(errorBox, message);
    showFieldError(text, message);
    text.focus();
    return;
  }
  const id = form.id.value;
  await whileBusy(form, async () => {
    try {
      const saved = id
        ? await api("PUT", `/api/v1/answers/${encodeURIComponent(id)}`, body)
        : await api("POST", "/api/v1/answers", body);
      form.id.value = saved.id;
      deleteButton.hidden = false;
      await load(saved.id);
      statusBox.textContent = L("saved");
    } catch (error) {
      showApiError(form, error, errorBox);
    }
  });
});

deleteButton.addEventListener("click", async () => {
  const id = form.id.value;
  if (!id || !window.confirm(L("confirm-delete"))) return;
  try {
    await api("DELETE", `/api/v1/answers/${encodeURIComponent(id)}`);
    edit(null);
    await load();
    statusBox.textContent = L("deleted");
  } catch (error) {
    showError(errorBox, error.message);
  }
});

document.getElementById("new-answer").addEventListener("click", () => edit(null));
edit(null, false);
load();
