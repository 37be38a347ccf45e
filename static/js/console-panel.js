// The ticket view: the SOS, its conversation, notes, details and history, with the actions.

import { api, showError } from "./console-api.js";
import { fillCategory, placeOf } from "./console-board.js";
import { ConsolePhotos } from "./console-photos.js";
import { t, has, languageName, setTime } from "./console-i18n.js";
import { ReplyHelper } from "./console-reply.js";

/** `box` marked as refused (or no longer): aria-invalid, and its error read with it. With no
 *  `errorEl`, every error id the box was given goes. */
function markInvalid(box, errorEl, on) {
  const ids = (box.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const errorIds = errorEl ? [errorEl.id] : ids.filter((x) => x.endsWith("-error"));
  const kept = ids.filter((x) => !errorIds.includes(x));
  if (on) kept.push(errorEl.id);
  if (kept.length) box.setAttribute("aria-describedby", kept.join(" "));
  else box.removeAttribute("aria-describedby");
  if (on) box.setAttribute("aria-invalid", "true");
  else box.removeAttribute("aria-invalid");
  if (!on && errorEl) showError(errorEl, "");
}

const REFRESH_MS = 250;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Customer text in any script: Arabic or Hebrew reads right to left in an English page. */
function autoDir(node) {
  node.dir = "auto";
  return node;
}

/** Where the customer reads a reply: the channels they left a contact for that this hub can
 * send on (`configured`: the page's "email sms", hub/notify/channels.py), else only their page. */
function replyHint(contact, configured) {
  const ready = new Set((configured || "").split(" ").filter(Boolean));
  const email = Boolean(contact && contact.email) && ready.has("email");
  const sms = Boolean(contact && contact.phone) && ready.has("sms");
  if (email && sms) return t("reply.contact");
  if (email) return t("reply.email");
  if (sms) return t("reply.sms");
  return contact && (contact.email || contact.phone) ? t("reply.unsent") : t("reply.link");
}

function byCreated(a, b) {
  return String(a.created_at).localeCompare(String(b.created_at));
}

export class Panel {
  constructor(root, { store, transitions, onChanged, onClose }) {
    this.root = root;
    this.store = store;
    this.departments = new Map();
    this.transitions = transitions;
    this.onChanged = onChanged; // (doc) => void: a write answered with the ticket
    this.onClose = onClose;
    this.id = null;
    this.detail = null;
    this.refreshTimer = null;
    this.loadToken = 0;
    this.detailsDirty = false;
    const q = (sel) => root.querySelector(sel);
    this.f = (name) => root.querySelector(`[data-f="${name}"]`);
    this.loading = q("#panel-loading");
    this.ackButton = q("#ack-button");
    this.moveButtons = [...root.querySelectorAll("[data-move]")];
    this.moveLabel = q("#move-label");
    this.statusError = q("#status-error");
    this.messages = q("#messages");
    this.notes = q("#notes");
    this.history = q("#history");
    this.replyForm = q("#reply-form");
    this.noteForm = q("#note-form");
    this.detailsForm = q("#details-form");
    this.replyText = q("#reply-text");
    this.noteText = q("#note-text");
    this.assignee = q("#d-assignee");
    this.reply = new ReplyHelper(this.replyForm, this.replyText);
    // Alt+1…9 inserts a canned answer while a ticket is open (console-keys.js leaves Alt alone).
    document.addEventListener("keydown", (event) => {
      if (!this.isOpen || event.defaultPrevented || document.querySelector("dialog[open]")) return;
      this.reply.handleKey(event);
    });
    q("#panel-close").addEventListener("click", () => this.close());
    this.ackButton.addEventListener("click", () => this.acknowledge());
    this.confirmButton = q("#confirm-category");
    this.confirmButton.addEventListener("click", () => this.confirmCategory());
    this.blockButton = q("#block-button");
    this.blockDone = q("#block-done");
    this.blockButton.addEventListener("click", () => this.blockSender());
    const byId = (id) => document.getElementById(id);
    this.blockDialog = byId("block-dialog");
    this.blockNetwork = byId("block-network");
    this.blockKiosk = byId("block-kiosk");
    this.blockKioskChoice = byId("block-kiosk-choice");
    this.blockKioskNote = byId("block-kiosk-note");
    for (const button of this.moveButtons) {
      button.addEventListener("click", () => this.move(button.dataset.move, button));
    }
    this.replyForm.addEventListener("submit", (e) => this._submitText(e, "replies", this.replyText));
    this.noteForm.addEventListener("submit", (e) => this._submitText(e, "notes", this.noteText));
    this.detailsForm.addEventListener("input", () => (this.detailsDirty = true));
    this.detailsForm.addEventListener("change", () => (this.detailsDirty = true));
    this.detailsForm.addEventListener("submit", (e) => this._saveDetails(e));
    this.photos = new ConsolePhotos(this, q("#reply-photos"));
  }

  get isOpen() {
    return !this.root.hidden && this.id !== null;
  }

  /** The assignee choices: every staff user of the tenant. */
  /** The departments' names in the page's language, by slug (the ticket carries the slug). */
  setDepartments(names) {
    this.departments = names;
    const doc = this.id && this.store.doc(this.id);
    if (doc) this.renderTicket(doc);
  }

  setUsers(users) {
    const keep = this.assignee.value;
    while (this.assignee.options.length > 1) this.assignee.remove(1);
    for (const user of users) this.assignee.add(new Option(user.name || user.email, user.id));
    this.assignee.value = keep;
  }

  async open(id) {
    const switching = this.id !== id;
    this.id = id;
    this.root.hidden = false;
    if (switching) {
      this.detail = null;
      this.detailsDirty = false;
      for (const list of [this.messages, this.notes, this.history]) list.replaceChildren();
      this._replyDeliveries([]);
      for (const form of [this.replyForm, this.noteForm, this.detailsForm]) {
        form.reset();
        for (const err of form.querySelectorAll(".error")) showError(err, "");
        for (const box of form.querySelectorAll("textarea[aria-invalid]")) markInvalid(box, null, false);
        for (const ok of form.querySelectorAll(".ok")) ok.hidden = true;
      }
      showError(this.statusError, "");
      this.reply.open(id);
      this.photos.reset();
      const doc = this.store.doc(id);
      if (doc) this.renderTicket(doc);
    }
    this.root.focus({ preventScroll: true });
    await this.refresh();
  }

  close() {
    if (this.root.hidden) return;
    const id = this.id;
    this.root.hidden = true;
    this.id = null;
    this.onClose(id);
  }

  /** Reload messages, notes and history (after any event touching the open ticket). */
  async refresh() {
    const id = this.id;
    if (!id) return;
    const token = ++this.loadToken;
    this.loading.hidden = this.detail !== null;
    try {
      const detail = await api("GET", `/api/v1/tickets/${encodeURIComponent(id)}`);
      if (token !== this.loadToken || id !== this.id) return;
      this.detail = detail;
      this.renderTicket(this.store.doc(id) || detail);
      this._sync(this.messages, detail.messages || [], (m) => this._message(m));
      this.photos.showAll(detail.attachments);
      this._sync(this.notes, detail.notes || [], (n) => this._note(n));
      this.history.replaceChildren(...this._historyItems(detail));
      this._replyDeliveries(detail.deliveries);
      showError(this.statusError, "");
    } catch (error) {
      if (token === this.loadToken) showError(this.statusError, error.message);
    } finally {
      if (token === this.loadToken) this.loading.hidden = true;
    }
    this._emptyHints();
  }

  /** A change arrived for `id`: show it now, then refresh history shortly after. */
  touched(id) {
    if (id !== this.id) return;
    const doc = this.store.doc(id);
    if (doc) this.renderTicket(doc);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  addMessage(message) {
    if (!message || message.ticket_id !== this.id) return;
    this._sync(this.messages, [message], (m) => this._message(m));
    this._emptyHints();
  }

  addAttachment(photo) {
    this.photos.show(photo);
    this._emptyHints();
  }

  addNote(note) {
    if (!note || note.ticket_id !== this.id) return;
    this._sync(this.notes, [note], (n) => this._note(n));
    this._emptyHints();
  }

  renderTicket(doc) {
    this.root.dataset.ticketId = doc.id;
    this.root.dataset.status = doc.status;
    this.f("number").textContent = `#${doc.number}`;
    const badge = this.f("status");
    badge.textContent = t(`status.${doc.status}`);
    badge.className = `status-badge status-${doc.status}`;
    this.f("place").textContent = placeOf(doc);
    setTime(this.f("created"), doc.created_at);
    const text = this.f("text");
    text.textContent = doc.text || "";
    text.lang = doc.language || "";
    this._translations(doc);
    const department = doc.department ? this.departments.get(doc.department) || doc.department : "";
    this.f("place-full").textContent = department ? `${placeOf(doc)} (${department})` : placeOf(doc);
    setTime(this.f("created-full"), doc.created_at, true);
    this._contact(doc);
    this.f("assignee").textContent = doc.assignee ? doc.assignee.name || "" : t("nobody");
    const category = this.f("category");
    fillCategory(category, doc, "suggested.panel");
    if (!category.textContent) category.textContent = t("no-category");
    this.confirmButton.hidden = Boolean(doc.category || !doc.suggested_category);
    this.f("language").textContent = doc.language ? languageName(doc.language) : "—";
    this._survey(doc.survey);
    const description = this.f("description");
    description.textContent = doc.description || "";
    description.hidden = !doc.description;
    const hint = this.replyText.parentElement.querySelector("#reply-hint");
    hint.textContent = doc.anonymous ? t("reply.anonymous") : replyHint(doc.contact, hint.dataset.channels);
    this._statusButtons(doc.status);
    this.reply.setTicket(doc);
    if (!this.detailsDirty && !this.detailsForm.contains(document.activeElement)) {
      this.detailsForm.elements.category.value = doc.category || "";
      this.assignee.value = doc.assignee ? doc.assignee.id : "";
      this.detailsForm.elements.description.value = doc.description || "";
    }
  }

  _survey(survey) {
    this.f("survey-row").hidden = !survey;
    const dd = this.f("survey");
    dd.replaceChildren();
    if (!survey) return;
    dd.append(el("strong", "survey-rating", t(`rating.${survey.rating}`)));
    if (survey.nps !== null && survey.nps !== undefined) {
      dd.append(" · ", el("span", "survey-nps", t("survey.nps", { score: survey.nps })));
    }
    if (survey.comment) dd.append(el("p", "survey-comment", survey.comment));
  }

  _translations(doc) {
    const box = this.f("translations");
    box.replaceChildren();
    for (const [lang, text] of Object.entries(doc.translations || {})) {
      if (!text || lang === doc.language) continue;
      const item = el("div", "sos-translation");
      item.append(el("p", "translation-tag", t("translation", { lang: languageName(lang) })));
      const body = autoDir(el("p", "translation-text", text));
      body.lang = lang;
      item.append(body);
      box.append(item);
    }
  }

  _contact(doc) {
    const dd = this.f("contact");
    dd.replaceChildren();
    if (doc.anonymous || !doc.contact) {
      dd.textContent = doc.anonymous ? t("anonymous") : t("no-contact");
      return;
    }
    const c = doc.contact;
    if (c.name) dd.append(el("span", "contact-name", c.name));
    if (c.email) {
      const a = el("a", "contact-email", c.email);
      a.href = `mailto:${c.email}`;
      dd.append(a);
    }
    if (c.phone) {
      const a = el("a", "contact-phone", c.phone);
      a.href = `tel:${c.phone.replace(/[^+0-9]/g, "")}`;
      dd.append(a);
    }
  }

  _statusButtons(status) {
    const allowed = this.transitions[status] || [];
    this.ackButton.hidden = status !== "new";
    let any = false;
    for (const button of this.moveButtons) {
      button.hidden = !allowed.includes(button.dataset.move);
      any = any || !button.hidden;
    }
    this.moveLabel.hidden = !any;
  }

  async acknowledge() {
    const id = this.id;
    if (!id) return;
    await this._write(this.ackButton, this.statusError, () =>
      api("POST", `/api/v1/tickets/${encodeURIComponent(id)}/acknowledge`));
  }

  /**
   * `c`: take the suggested category as the ticket's (one PATCH, as the details form would);
   * with no suggestion to confirm, the category list gets the focus to pick one.
   */
  async confirmCategory() {
    const id = this.id;
    if (!id) return;
    const doc = this.store.doc(id) || this.detail || {};
    if (!doc.category && doc.suggested_category) {
      await this._write(this.confirmButton, this.statusError, () =>
        api("PATCH", `/api/v1/tickets/${encodeURIComponent(id)}`, { category: doc.suggested_category }));
      return;
    }
    const select = this.detailsForm.elements.category;
    select.focus();
    select.scrollIntoView({ block: "nearest" });
  }

  /**
   * "Block this sender": their own e-mail, phone and device. A network address (every guest
   * on the hotel's Wi-Fi) or a kiosk (every guest at it) only when ticked in the dialog.
   */
  async blockSender() {
    const id = this.id;
    if (!id) return;
    // The board's copy knows the kiosk too: the dialog must not depend on the detail's load.
    const ticket = (this.detail && this.detail.id === id ? this.detail : this.store.doc(id)) || {};
    const choice = await this._askBlock(Boolean(ticket.kiosk));
    if (!choice || this.id !== id) return;
    this.blockDone.hidden = true;
    const ok = await this._write(this.blockButton, this.statusError, () =>
      api("POST", `/api/v1/tickets/${encodeURIComponent(id)}/block`,
        { expires_in_hours: 24 * 30, network: choice.network, kiosk: choice.kiosk }));
    if (ok && this.id === id) this.blockDone.hidden = false;
  }

  /** The block dialog, shared choices unticked each time: resolves to them, or null. */
  _askBlock(fromKiosk) {
    const dialog = this.blockDialog;
    this.blockNetwork.checked = false;
    this.blockKiosk.checked = false;
    this.blockKioskChoice.hidden = !fromKiosk;
    this.blockKioskNote.hidden = !fromKiosk;
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "block"
        ? { network: this.blockNetwork.checked, kiosk: fromKiosk && this.blockKiosk.checked }
        : null), { once: true });
      dialog.showModal();
    });
  }

  async move(status, button) {
    const id = this.id;
    if (!id) return;
    await this._write(button, this.statusError, () =>
      api("PATCH", `/api/v1/tickets/${encodeURIComponent(id)}`, { status }));
  }

  /**
   * `button` disabled while `work` runs, then the focus given back where the keyboard left
   * it: a disabled button drops the focus to the page's start, and the next Tab began again
   * at the skip link after every note, reply, move and block. A move button the new state
   * hides hands the focus to the panel, whose name says the new state.
   */
  async _busy(button, work) {
    const hadFocus = document.activeElement === button;
    button.disabled = true;
    try {
      return await work();
    } finally {
      button.disabled = false;
      const lost = !document.activeElement || document.activeElement === document.body;
      if (hadFocus && lost && this.isOpen) {
        const shown = button.isConnected && (typeof button.checkVisibility === "function"
          ? button.checkVisibility() : button.getClientRects().length > 0);
        (shown ? button : this.root).focus();
      }
    }
  }

  async _write(button, errorEl, call) {
    showError(errorEl, "");
    return this._busy(button, async () => {
      try {
        const doc = await call();
        if (doc && doc.id) this.onChanged(doc);
        return true;
      } catch (error) {
        showError(errorEl, error.message);
        return false;
      }
    });
  }

  async _submitText(event, kind, textarea) {
    event.preventDefault();
    const id = this.id;
    const form = event.target;
    const errorEl = form.querySelector(".error");
    const button = form.querySelector("button[type=submit]");
    const text = textarea.value.trim();
    const photos = kind === "replies" ? this.photos.pending : 0;
    if (!text && !photos) {
      showError(errorEl, t("error.empty"));
      markInvalid(textarea, errorEl, true);
      // typing clears it: the box is no longer empty
      textarea.addEventListener("input", () => markInvalid(textarea, errorEl, false), { once: true });
      textarea.focus();
      return;
    }
    showError(errorEl, "");
    markInvalid(textarea, errorEl, false);
    await this._busy(button, async () => {
      try {
        let item = null;
        if (text) {
          // A reply carries the etiquette steps its checklist shows covered (detected or ticked).
          const body = kind === "replies" ? { text, etiquette: this.reply.steps() } : { text };
          item = await api("POST", `/api/v1/tickets/${encodeURIComponent(id)}/${kind}`, body);
          if (kind === "replies") this.addMessage(item);
          else this.addNote(item);
          if (id === this.id) {
            textarea.value = "";
            if (kind === "replies") this.reply.sent();
          }
        }
        // Photos go with the reply just sent (or on their own); a failed one stays to retry.
        if (photos) await this.photos.send(id, item ? item.id : null);
      } catch (error) {
        showError(errorEl, error.message);
      }
    });
  }

  async _saveDetails(event) {
    event.preventDefault();
    const id = this.id;
    const doc = this.store.doc(id) || {};
    const form = this.detailsForm;
    const patch = {};
    const category = form.elements.category.value || null;
    const assignee = this.assignee.value || null;
    const description = form.elements.description.value.trim() || null;
    if (category !== (doc.category || null)) patch.category = category;
    if (assignee !== ((doc.assignee && doc.assignee.id) || null)) patch.assignee = assignee;
    if (description !== (doc.description || null)) patch.description = description;
    const ok = form.querySelector(".ok");
    ok.hidden = true;
    const button = form.querySelector("button[type=submit]");
    const saved = Object.keys(patch).length === 0
      || await this._write(button, form.querySelector(".error"), () =>
        api("PATCH", `/api/v1/tickets/${encodeURIComponent(id)}`, patch));
    if (saved) {
      this.detailsDirty = false;
      ok.hidden = false;
    }
  }

  /** Append the items of `list` that are not shown yet (by id), keeping time order. */
  _sync(list, items, make) {
    const present = new Set([...list.children].map((li) => li.dataset.id));
    for (const item of [...items].sort(byCreated)) {
      if (!item || !item.id || present.has(item.id)) continue;
      const li = make(item);
      li.dataset.id = item.id;
      li.dataset.created = item.created_at || "";
      const after = [...list.children].find((other) => other.dataset.created > li.dataset.created);
      list.insertBefore(li, after || null);
      present.add(item.id);
    }
  }

  _message(m) {
    const li = el("li", `entry ${m.author === "staff" ? "staff" : "customer"}`);
    const who = el("p", "who");
    const author = m.author === "staff" ? m.author_name || t("author.staff") : t("author.customer");
    who.append(el("span", "author", author), " · ");
    const time = el("time");
    setTime(time, m.created_at);
    who.append(time);
    li.append(who, autoDir(el("p", "body", m.text)));
    if (m.held_reason) {
      // held back by a filter or a block: never pushed live, and its customer was not told
      li.classList.add("held");
      const reason = has(`held.${m.held_reason}`) ? t(`held.${m.held_reason}`) : m.held_reason;
      li.append(el("p", "held-note", t("held.message", { reason })));
    }
    for (const [lang, text] of Object.entries(m.translations || {})) {
      if (!text) continue;
      const tr = autoDir(el("p", "translation-text", `${t("translation", { lang: languageName(lang) })}: ${text}`));
      li.append(tr);
    }
    return li;
  }

  _note(n) {
    const li = el("li", "entry note");
    const who = el("p", "who");
    who.append(el("span", "author", n.author_name || t("author.staff")), " · ");
    const time = el("time");
    setTime(time, n.created_at);
    who.append(time);
    li.append(who, autoDir(el("p", "body", n.text)));
    return li;
  }

  /** The history, with each merged repeat shown as who sent it again (and what they wrote). */
  _historyItems(detail) {
    const repeats = detail.repeats || [];
    const items = (detail.history || [])
      .filter((h) => h.action !== "repeated" || !repeats.length)
      .map((h) => [h.created_at, this._historyItem(h)]);
    for (const r of repeats) items.push([r.created_at, this._repeatItem(r)]);
    items.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    return items.map(([, li]) => li);
  }

  /** "The alert by SMS to Luis could not be sent": which delivery, by what, to whom. The entry
   * keeps the item's kind in `from` and "<channel> <name> <address>: <reason>" in `to`. */
  _failedDelivery(h) {
    const found = /^(email|sms) (.*?)\s*<[^>]*>/.exec(h.to || "");
    const channel = found ? t(`delivery.channel.${found[1]}`) : t("delivery.channel.email");
    if (h.from === "reply") return t("history.delivery_failed.reply", { channel });
    const kind = has(`delivery.kind.${h.from}`) ? t(`delivery.kind.${h.from}`) : t("delivery.kind.other");
    const name = (found && found[2].trim()) || t("delivery.recipient");
    return t("history.delivery_failed", { kind, channel, name });
  }

  /** Tell the agent which replies have not reached the customer yet (retrying) or failed. */
  _replyDeliveries(deliveries) {
    const list = this.root.querySelector("#reply-deliveries");
    const stuck = (deliveries || []).filter(
      (d) => d.kind === "reply" && (d.status === "failed" || (d.status === "pending" && d.attempts > 0)),
    );
    list.replaceChildren(
      ...stuck.map((d) => {
        const li = el("li", `reply-delivery ${d.status}`);
        const time = el("time");
        setTime(time, d.created_at);
        const channel = t(`delivery.channel.${d.channel === "sms" ? "sms" : "email"}`);
        const key = d.status === "failed" ? "delivery.failed" : "delivery.retrying";
        li.textContent = t(key, { time: time.textContent, channel });
        return li;
      }),
    );
    list.hidden = stuck.length === 0;
  }

  _repeatItem(r) {
    const c = r.contact || {};
    const who = [c.name, c.email, c.phone].filter(Boolean).join(" · ") || t("anonymous");
    const li = el("li", "history-item repeat");
    const time = el("time");
    setTime(time, r.created_at);
    li.append(time, el("span", "what", t("history.repeat", { who, text: r.text })));
    return li;
  }

  _historyItem(h) {
    const who = h.by === "customer" || !h.by ? t("the-customer") : h.by;
    const statusName = (s) => (s && has(`status.${s}`) ? t(`status.${s}`) : s || "—");
    let text;
    if (h.action === "status") text = t("history.status", { who, from: statusName(h.from), to: statusName(h.to) });
    else if (h.action === "category") text = t("history.category", { who, to: h.to ? t(`category.${h.to}`) : t("no-category") });
    else if (h.action === "assignee") text = h.to ? t("history.assignee", { who, to: h.to }) : t("history.unassigned", { who });
    else if (h.action === "survey") text = t("history.survey", { who, to: t(`rating.${h.to}`) });
    else if (h.action === "escalated") text = t("history.escalated", { to: h.to || "—", step: String(h.from || "").replace(/^step /, "") });
    else if (h.action === "delivery_failed") text = this._failedDelivery(h);
    else if (has(`history.${h.action}`)) text = t(`history.${h.action}`, { who });
    else text = t("history.other", { who, action: h.action });
    const li = el("li", "history-item");
    const time = el("time");
    setTime(time, h.created_at);
    li.append(time, el("span", "what", text));
    return li;
  }

  _emptyHints() {
    this.root.querySelector("#no-messages").hidden = this.messages.children.length > 0;
    this.root.querySelector("#no-notes").hidden = this.notes.children.length > 0;
  }

  focusReply() {
    this.replyText.focus();
    this.replyText.scrollIntoView({ block: "nearest" });
  }

  focusNote() {
    this.noteText.focus();
    this.noteText.scrollIntoView({ block: "nearest" });
  }
}
