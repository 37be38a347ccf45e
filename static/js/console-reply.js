// Beside the reply box: the canned answers that fit the open ticket (click, or Alt+1…9) and
// the etiquette checklist, ticked as the agent writes (or by hand), sent with the reply.

import { api, showError } from "./console-api.js";
import { t, languageName } from "./console-i18n.js";
import { detector } from "./console-etiquette.js";

const SHORTCUTS = 9;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** The answer's language as staff read it ("español", "inglés"), not a code: a screen reader
 * hears "Language: español" after the title. */
function languageTag(code) {
  const tag = el("span", "answer-lang");
  tag.append(el("span", "visually-hidden", `${t("answers.language")}: `), languageName(code));
  return tag;
}

/** Which canned answer Alt+<digit> asks for (by the key's place: any keyboard layout), or -1. */
function shortcutIndex(event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return -1;
  const found = /^(?:Digit|Numpad)([1-9])$/.exec(event.code || "");
  return found ? Number(found[1]) - 1 : -1;
}

export class ReplyHelper {
  constructor(form, textarea) {
    this.form = form;
    this.textarea = textarea;
    this.box = form.querySelector("#answer-suggestions");
    this.list = form.querySelector("#answer-list");
    this.status = form.querySelector("#answers-status");
    this.checks = [...form.querySelectorAll('#etiquette input[name="etiquette"]')];
    const lexicon = JSON.parse(form.dataset.etiquette || "{}");
    this.detect = detector(lexicon);
    this.ticketId = null;
    this.fetched = "";
    this.answers = [];
    this.loadToken = 0;
    this.manual = new Map(); // step -> checked, for steps the agent ticked or unticked by hand
    textarea.addEventListener("input", () => this.tick());
    for (const box of this.checks) {
      box.addEventListener("change", () => {
        this.manual.set(box.value, box.checked);
        this.tick();
      });
    }
  }

  /** A ticket was opened (or switched to): forget the last one's answers and ticks. */
  open(id) {
    this.ticketId = id;
    this.fetched = "";
    this.answers = [];
    this.manual.clear();
    this.list.replaceChildren();
    this.box.hidden = true;
    showError(this.status, "");
    this.tick();
  }

  /** The ticket's state: its earlier replies' steps; fresh answers when its category or
   * language changed (they decide which answers fit). */
  setTicket(doc) {
    if (!doc || doc.id !== this.ticketId) return;
    const earlier = new Set(doc.etiquette || []);
    for (const box of this.checks) {
      box.closest("label").classList.toggle("earlier", earlier.has(box.value));
    }
    const key = `${doc.category || ""}|${doc.suggested_category || ""}|${doc.language || ""}`;
    if (key !== this.fetched) {
      this.fetched = key;
      this.load(doc.id);
    }
  }

  async load(id) {
    const token = ++this.loadToken;
    try {
      const page = await api("GET", `/api/v1/tickets/${encodeURIComponent(id)}/answers`);
      if (token !== this.loadToken || id !== this.ticketId) return;
      this.answers = page.items || [];
      this.render();
    } catch (error) {
      if (token === this.loadToken) showError(this.status, error.message);
    }
  }

  render() {
    this.list.replaceChildren();
    this.answers.forEach((answer, index) => {
      const button = el("button", "answer-chip");
      button.type = "button";
      button.title = answer.text;
      button.dataset.answerId = answer.id;
      if (index < SHORTCUTS) {
        button.append(el("kbd", "", String(index + 1)));
        button.setAttribute("aria-keyshortcuts", `Alt+${index + 1}`);
      }
      button.append(el("span", "answer-title", answer.title));
      if (answer.language) button.append(languageTag(answer.language));
      button.addEventListener("click", () => this.insert(index));
      const li = el("li");
      li.append(button);
      this.list.append(li);
    });
    this.box.hidden = this.answers.length === 0;
  }

  /** Alt+1…9 anywhere in the ticket panel: true when it inserted an answer. */
  handleKey(event) {
    const index = shortcutIndex(event);
    if (index < 0 || index >= this.answers.length) return false;
    event.preventDefault();
    this.insert(index);
    return true;
  }

  /** Put answer `index` at the cursor (replacing a selection); the agent edits it before sending. */
  insert(index) {
    const answer = this.answers[index];
    if (!answer) return;
    const box = this.textarea;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    const before = box.value.slice(0, start);
    const gap = before && !/\s$/.test(before) ? "\n\n" : "";
    box.setRangeText(gap + answer.text, start, end, "end");
    box.focus();
    this.tick();
    showError(this.status, "");
    this.status.hidden = false;
    this.status.textContent = t("answers.inserted", { title: answer.title });
  }

  /** Tick what the text covers, unless the agent decided otherwise by hand. */
  tick() {
    const found = new Set(this.detect(this.textarea.value));
    for (const box of this.checks) {
      const auto = found.has(box.value);
      box.checked = this.manual.has(box.value) ? this.manual.get(box.value) : auto;
      box.closest("label").classList.toggle("auto", auto && !this.manual.has(box.value));
    }
  }

  /** The steps to send with the reply: what the checklist shows ticked. */
  steps() {
    return this.checks.filter((box) => box.checked).map((box) => box.value);
  }

  /** The reply went out: a fresh checklist for the next one. */
  sent() {
    this.manual.clear();
    this.status.textContent = "";
    this.tick();
  }
}
