// The staff console: loads the board, keeps it live over /staff, wires the ticket view and shortcuts.
//
// Start-up without losing an SOS: (1) read the tenant's latest event seq L from
// GET /api/v1/events, (2) load the ticket list (it reflects at least everything up to L),
// (3) connect the socket and `resume` from L. Anything created between (1) and the connect is
// replayed; anything both listed and replayed is applied once (the snapshot with the higher
// seq wins). A reload in the same tab resumes from the seq the previous page had reached, so
// SOS that arrived while it reloaded still count as new.

import { api, showError } from "./console-api.js";
import { Alerts } from "./console-alerts.js";
import { Board, placeOf } from "./console-board.js";
import { t } from "./console-i18n.js";
import { installShortcuts } from "./console-keys.js";
import { watchFloods } from "./console-floods.js";
import { watchKiosks } from "./console-kiosks.js";
import { EVENTS, connectLive } from "./console-live.js";
import { Panel } from "./console-panel.js";
import { SeqTracker, TicketStore, UnreadSet } from "./console-state.js";

const PAGE = 100;
const REPLAY_LIMIT = 500; // a longer gap than this: start from now rather than replay it all
const NO_EVENTS = "9007199254740991"; // asks /api/v1/events for `latest` only

const main = document.getElementById("main");
const userId = main.dataset.userId;
const transitions = JSON.parse(main.dataset.transitions || "{}");
const filtersForm = document.getElementById("filters");
const summary = document.getElementById("board-summary");
const loadOlder = document.getElementById("load-older");
const loadError = document.getElementById("load-error");
const connection = document.getElementById("connection");

const seq = new SeqTracker(`sos.console.seq.${userId}`);
const store = new TicketStore();
const unread = new UnreadSet(`sos.console.unread.${userId}`);
const heardMessages = new Set(); // customer messages already announced (a replay is not news)
const FILTER_KEYS = ["q", "status", "point", "department", "establishment"];
const asked = new URLSearchParams(window.location.search); // a link or a reload: filters, ticket
fillFiltersFrom(asked);
let filter = readFilter();
let cursor = null;
let listToken = 0;

const board = new Board(document.getElementById("board"), {
  store, unread, onOpen: (id) => openTicket(id),
});
const panel = new Panel(document.getElementById("ticket-panel"), {
  store,
  transitions,
  onChanged: (doc) => {
    store.put(doc, seq.max); // the write's own event may come later; it carries the same state
    render();
    panel.touched(doc.id);
  },
  onClose: (id) => {
    board.setOpen(null);
    keepInUrl();
    const button = id && board.buttonOf(id);
    if (button) button.focus();
  },
});
const alerts = new Alerts({
  soundToggle: document.getElementById("pref-sound"),
  notifyToggle: document.getElementById("pref-notify"),
  errorEl: document.getElementById("pref-error"),
  announcer: document.getElementById("announcer"),
  onNotificationClick: (id) => openTicket(id),
});

/** Put the URL's filters into the form (a select gets the asked value even before its choices load). */
function fillFiltersFrom(params) {
  for (const key of FILTER_KEYS) {
    const value = (params.get(key) || "").trim().slice(0, 200);
    const field = filtersForm.elements.namedItem(key);
    if (!value || !field) continue;
    if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) {
      if (key === "status") continue; // not a status of the board
      field.add(new Option(value, value));
    }
    field.value = value;
  }
}

/** The filters and the open ticket in the address bar, so a reload or a copied link keeps them. */
function keepInUrl() {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filter[key]) params.set(key, filter[key]);
  if (panel.isOpen && panel.id) params.set("ticket", panel.id);
  const query = params.toString();
  const next = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (next !== `${window.location.pathname}${window.location.search}`) {
    window.history.replaceState(window.history.state, "", next);
  }
}

function readFilter() {
  const data = new FormData(filtersForm);
  const value = (name) => String(data.get(name) || "").trim();
  return {
    q: value("q"),
    status: value("status"),
    point: value("point"),
    department: value("department"),
    establishment: value("establishment"),
  };
}

function render() {
  const count = board.render(filter);
  summary.textContent = t("summary", { count });
  alerts.setUnread(unread.size);
}

function markRead(id) {
  if (unread.delete(id)) {
    board.refreshCard(id);
    alerts.setUnread(unread.size);
  }
}

function markUnread(id) {
  if (panel.isOpen && panel.id === id && document.visibilityState === "visible") return;
  if (unread.add(id)) {
    board.refreshCard(id);
    alerts.setUnread(unread.size);
  }
}

function openTicket(id) {
  if (!store.has(id)) return;
  board.select(id);
  board.setOpen(id);
  markRead(id);
  const opening = panel.open(id);
  keepInUrl();
  return opening;
}

/** `?ticket=<id>` (an e-mail's link, a reload): open it, fetching it when the board lacks it. */
async function openAsked(id) {
  if (!id) return;
  if (!store.has(id)) {
    try {
      const detail = await api("GET", `/api/v1/tickets/${encodeURIComponent(id)}`);
      const { messages, notes, history, deliveries, ...doc } = detail;
      store.put(doc, 0); // the oldest label: any live event about it wins
      render();
    } catch (error) {
      showError(loadError, error.message);
      keepInUrl();
      return;
    }
  }
  await openTicket(id);
}

function setConnection(state) {
  main.dataset.connection = state;
  connection.dataset.state = state;
  document.getElementById("connection-text").textContent = t(`conn.${state}`);
}

/** Load the newest page of tickets for the current filter (or the next older page). */
async function loadTickets({ older = false, label = seq.max } = {}) {
  const token = ++listToken; // the list reflects at least every event up to `label`
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  if (older && cursor) params.set("cursor", String(cursor));
  showError(loadError, "");
  loadOlder.disabled = true;
  try {
    const page = await api("GET", `/api/v1/tickets?${params}`);
    if (token !== listToken) return;
    for (const doc of page.items || []) store.put(doc, label);
    cursor = page.next_cursor || null;
    render();
  } catch (error) {
    if (token === listToken) showError(loadError, error.message);
  } finally {
    if (token === listToken) {
      loadOlder.hidden = !cursor;
      loadOlder.disabled = false;
    }
  }
}

// --- live events -------------------------------------------------------------------------

function arrived(doc) {
  markUnread(doc.id);
  alerts.newTicket(doc, placeOf(doc));
}

const handlers = {
  [EVENTS.ticket_created]: (payload) => {
    store.put(payload, payload.seq);
    render();
    arrived(store.doc(payload.id) || payload);
  },
  [EVENTS.ticket_updated]: (payload) => {
    const known = store.has(payload.id);
    if (!store.put(payload, payload.seq)) return;
    render();
    if (!known && payload.status === "new") arrived(payload); // e.g. released from held-back
    panel.touched(payload.id);
  },
  [EVENTS.message_posted]: (payload) => {
    const message = payload.message || {};
    panel.addMessage(message);
    panel.touched(payload.ticket_id);
    if (message.author === "customer" && store.has(payload.ticket_id)) {
      markUnread(payload.ticket_id);
      // The open ticket's message list is a live region that reads the message itself;
      // announcing it as well would say it twice. A replayed message is not news.
      const shown = panel.isOpen && panel.id === payload.ticket_id;
      if (!shown && !heardMessages.has(message.id)) {
        heardMessages.add(message.id);
        alerts.announce(t("announce.message", { number: store.doc(payload.ticket_id).number }));
      }
    }
  },
  [EVENTS.attachment_added]: (payload) => {
    const photo = payload.attachment || {};
    panel.addAttachment(photo);
    panel.touched(payload.ticket_id);
    if (photo.author === "customer" && store.has(payload.ticket_id)) {
      markUnread(payload.ticket_id);
      alerts.announce(t("announce.photo", { number: store.doc(payload.ticket_id).number }));
    }
  },
  [EVENTS.note_added]: (payload) => {
    panel.addNote(payload.note);
    panel.touched(payload.ticket_id);
  },
};

// --- filters ------------------------------------------------------------------------------

let searchTimer = null;
function filtersChanged() {
  const next = readFilter();
  if (JSON.stringify(next) === JSON.stringify(filter)) return;
  filter = next;
  cursor = null;
  keepInUrl();
  render(); // what is already here, at once; the API fills in older matches
  loadTickets();
}
filtersForm.addEventListener("submit", (event) => {
  event.preventDefault();
  filtersChanged();
});
filtersForm.addEventListener("change", filtersChanged);
filtersForm.addEventListener("input", (event) => {
  if (event.target.name !== "q") return;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(filtersChanged, 300);
});
filtersForm.addEventListener("reset", () => setTimeout(filtersChanged, 0));
loadOlder.addEventListener("click", () => loadTickets({ older: true }));

/** Add or rename a choice (one put there from the URL before the list came keeps its place). */
function putChoice(select, value, text) {
  const held = [...select.options].find((o) => o.value === value);
  if (held) held.text = text;
  else select.add(new Option(text, value));
}

/** A department's name in the page's language, else its default name, else its slug. */
function departmentName(dep) {
  const names = dep.names || {};
  return names[main.dataset.lang] || dep.name || dep.slug;
}

async function loadChoices() {
  try {
    const [points, users, deps] = await Promise.all([
      api("GET", "/api/v1/points"),
      api("GET", "/api/v1/users"),
      api("GET", "/api/v1/departments"),
    ]);
    const pointSelect = document.getElementById("f-point");
    const names = new Map((deps.items || []).map((d) => [d.slug, departmentName(d)]));
    const departments = new Set();
    for (const point of points.items || []) {
      const place = placeOf({ point, establishment: point.establishment }); // two "Barra": which
      putChoice(pointSelect, point.code, point.label === point.code ? place : `${place} (${point.code})`);
      if (point.department) departments.add(point.department);
    }
    const depSelect = document.getElementById("f-department");
    const named = [...departments].map((slug) => [slug, names.get(slug) || slug]);
    named.sort((a, b) => a[1].localeCompare(b[1], main.dataset.lang));
    for (const [slug, name] of named) putChoice(depSelect, slug, name);
    panel.setDepartments(names);
    panel.setUsers(users.items || []);
  } catch (error) {
    showError(loadError, error.message);
  }
}

// --- keyboard -----------------------------------------------------------------------------

function target() {
  return panel.isOpen ? panel.id : board.selectedId;
}

// One-key shortcuts, unless this user turned them off on /account (WCAG 2.1.4).
const shortcutsOn = main.dataset.shortcuts !== "off";
installShortcuts({
  next: () => board.move(1),
  prev: () => board.move(-1),
  open: () => board.selectedId && openTicket(board.selectedId),
  acknowledge: async () => {
    const id = target();
    if (!id) return;
    if (panel.id !== id) await openTicket(id);
    panel.acknowledge();
  },
  confirm: async () => {
    const id = target();
    if (!id) return;
    if (panel.id !== id) await openTicket(id);
    panel.confirmCategory();
  },
  reply: async () => {
    const id = target();
    if (!id) return;
    if (!panel.isOpen || panel.id !== id) openTicket(id);
    panel.focusReply();
  },
  note: async () => {
    const id = target();
    if (!id) return;
    if (!panel.isOpen || panel.id !== id) openTicket(id);
    panel.focusNote();
  },
  escape: () => panel.close(),
  leaveField: (field) => {
    if (panel.root.contains(field)) panel.root.focus();
  },
  search: () => {
    const q = document.getElementById("f-q");
    q.focus();
    q.select();
  },
  help: () => document.getElementById("help-dialog").showModal(),
}, { letters: shortcutsOn });
if (!shortcutsOn) {
  // no key of its own any more: nothing may announce one (Escape still closes)
  document.querySelectorAll("[aria-keyshortcuts]").forEach((el) => {
    if (el.getAttribute("aria-keyshortcuts") !== "Escape") el.removeAttribute("aria-keyshortcuts");
  });
  document.querySelectorAll(".kbd-hint, button > kbd").forEach((el) => {
    el.hidden = true;
  });
}
document.getElementById("help-button").addEventListener("click", () => {
  document.getElementById("help-dialog").showModal();
});

// --- start --------------------------------------------------------------------------------

async function start() {
  setConnection("connecting");
  let latest;
  try {
    latest = (await api("GET", `/api/v1/events?since=${NO_EVENTS}`)).latest || 0;
  } catch (error) {
    showError(loadError, error.message);
    latest = 0;
  }
  const stored = seq.stored();
  const reloaded = stored !== null && stored <= latest && latest - stored <= REPLAY_LIMIT;
  seq.start(reloaded ? stored : latest);
  // Labelled `latest` (not an older stored seq): a replayed older snapshot never regresses it.
  await loadTickets({ label: latest });
  openAsked(asked.get("ticket"));
  const socket = connectLive({ seq, handlers, onState: setConnection });
  watchKiosks(socket);
  watchFloods(socket);
  loadChoices();
}

start();
