// The board: one column per state, cards newest first, a selection that j/k move.

import { t, setTime } from "./console-i18n.js";
import { COLUMNS } from "./console-state.js";
import { fillTimers } from "./console-timers.js";

const TIMER_REFRESH_MS = 30_000;
// slug → name when the business has several establishments (none: the page names none)
const ESTABLISHMENTS = JSON.parse(document.getElementById("main")?.dataset.establishments || "{}");

/** Where the SOS came from; with its establishment when there are several ("Barra · Sabores Playa"). */
export function placeOf(doc) {
  const name = doc.establishment && ESTABLISHMENTS[doc.establishment];
  const label = placeLabel(doc);
  return name && label !== "—" ? `${label} · ${name}` : label;
}

function placeLabel(doc) {
  if (doc.point && doc.point.label) return doc.point.label;
  if (doc.kiosk && (doc.kiosk.label || doc.kiosk.name)) return doc.kiosk.label || doc.kiosk.name;
  return "—";
}

/** The staff's category, or the suggested one marked as such until staff confirm it. */
export function fillCategory(el, doc, words = "suggested.card") {
  const suggested = !doc.category && doc.suggested_category;
  el.classList.toggle("suggested", Boolean(suggested));
  if (doc.category) el.textContent = t(`category.${doc.category}`);
  else if (suggested) el.textContent = t(words, { category: t(`category.${suggested}`) });
  else el.textContent = "";
  el.title = suggested ? t("suggested.hint", { category: t(`category.${suggested}`) }) : "";
}

export function contactOf(doc) {
  if (doc.anonymous) return t("anonymous");
  const c = doc.contact || {};
  return c.name || c.email || c.phone || t("no-contact");
}

export class Board {
  constructor(root, { store, unread, onOpen }) {
    this.root = root;
    this.store = store;
    this.unread = unread;
    this.onOpen = onOpen;
    this.template = document.getElementById("card-template");
    this.cards = new Map(); // ticket id -> <li>
    this.selectedId = null;
    this.openId = null;
    this.columns = new Map();
    for (const section of root.querySelectorAll(".column")) {
      this.columns.set(section.dataset.status, {
        section,
        list: section.querySelector("[data-cards]"),
        count: section.querySelector("[data-count]"),
        empty: section.querySelector("[data-empty]"),
      });
    }
    // Count the promises down without waiting for an event.
    setInterval(() => {
      for (const [id, li] of this.cards) {
        const doc = this.store.doc(id);
        if (doc) fillTimers(li, doc);
      }
    }, TIMER_REFRESH_MS);
  }

  /** Redraw from the store with `filter`, moving existing cards rather than rebuilding them. */
  render(filter) {
    const focusedId = this._focusedId();
    const shown = this.store.select(filter);
    const groups = new Map(COLUMNS.map((s) => [s, []]));
    for (const doc of shown) groups.get(doc.status).push(doc);
    const keep = new Set(shown.map((d) => d.id));
    for (const [id, li] of this.cards) {
      if (!keep.has(id)) {
        li.remove();
        this.cards.delete(id);
      }
    }
    let visibleColumns = 0;
    for (const [status, col] of this.columns) {
      const docs = groups.get(status) || [];
      let cursor = col.list.firstElementChild;
      for (const doc of docs) {
        const li = this._card(doc);
        if (li !== cursor) col.list.insertBefore(li, cursor);
        else cursor = cursor.nextElementSibling;
      }
      col.count.textContent = String(docs.length);
      col.empty.hidden = docs.length > 0;
      col.section.classList.toggle("has-items", docs.length > 0);
      col.section.hidden = Boolean(filter.status) && filter.status !== status;
      if (!col.section.hidden) visibleColumns += 1;
    }
    this.root.classList.toggle("single", visibleColumns === 1);
    if (this.selectedId && !this.cards.has(this.selectedId)) this.selectedId = null;
    this._markSelection();
    if (focusedId && this.cards.has(focusedId) && document.activeElement === document.body) {
      this.buttonOf(focusedId).focus({ preventScroll: true }); // moving a node drops its focus
    }
    return shown.length;
  }

  _focusedId() {
    const el = document.activeElement;
    const li = el && el.closest ? el.closest(".ticket") : null;
    return li && this.root.contains(li) ? li.dataset.ticketId : null;
  }

  _card(doc) {
    let li = this.cards.get(doc.id);
    if (!li) {
      li = this.template.content.firstElementChild.cloneNode(true);
      li.dataset.ticketId = doc.id;
      const button = li.querySelector(".ticket-card");
      button.addEventListener("click", () => {
        this.select(doc.id);
        this.onOpen(doc.id);
      });
      button.addEventListener("focus", () => this.select(doc.id, false));
      this.cards.set(doc.id, li);
    }
    this._fill(li, doc);
    return li;
  }

  _fill(li, doc) {
    const q = (sel) => li.querySelector(sel);
    li.dataset.number = String(doc.number);
    li.dataset.status = doc.status;
    q(".card-num").textContent = `#${doc.number}`;
    setTime(q(".card-time"), doc.created_at);
    q(".card-place").textContent = placeOf(doc);
    q(".card-text").textContent = doc.text || "";
    if (doc.language) q(".card-text").lang = doc.language;
    q(".card-who").textContent = contactOf(doc);
    q(".card-who").classList.toggle("anon", Boolean(doc.anonymous));
    q(".card-assignee").textContent = doc.assignee ? t("assigned", { name: doc.assignee.name || "" }) : "";
    q(".card-msgs").textContent = doc.message_count ? t("messages-count", { count: doc.message_count }) : "";
    fillCategory(q(".card-cat"), doc);
    fillTimers(li, doc);
    const unread = this.unread.has(doc.id);
    li.classList.toggle("unread", unread);
    q(".unread-dot").hidden = !unread;
  }

  /** Refresh one card's unread mark without a full render. */
  refreshCard(id) {
    const li = this.cards.get(id);
    const doc = this.store.doc(id);
    if (li && doc) this._fill(li, doc);
  }

  buttonOf(id) {
    const li = this.cards.get(id);
    return li ? li.querySelector(".ticket-card") : null;
  }

  /** Visible cards in reading order: column by column, top to bottom. */
  order() {
    return [...this.root.querySelectorAll(".column:not([hidden]) .ticket")].map((li) => li.dataset.ticketId);
  }

  select(id, focus = false) {
    this.selectedId = id;
    this._markSelection();
    if (focus && id) {
      const button = this.buttonOf(id);
      if (button) {
        button.focus();
        button.scrollIntoView({ block: "nearest" });
      }
    }
  }

  setOpen(id) {
    this.openId = id;
    this._markSelection();
  }

  /** j/k: the next or previous visible card becomes selected and focused. */
  move(delta) {
    const ids = this.order();
    if (!ids.length) return;
    const at = ids.indexOf(this.selectedId);
    const next = at === -1 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + delta));
    this.select(ids[next], true);
  }

  _markSelection() {
    for (const [id, li] of this.cards) {
      li.classList.toggle("selected", id === this.selectedId);
      const button = li.querySelector(".ticket-card");
      if (id === this.openId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }
}
