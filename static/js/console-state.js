// What the console knows: tickets by id, which event seqs it has applied, which tickets are unread.

// The board's statuses, from the model (hub/tickets/model.py BOARD_STATUSES) via the page.
export const COLUMNS = JSON.parse(document.getElementById("main")?.dataset.columns || "[]");
const SEEN_KEEP = 2000;

function readStorage(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null; // storage disabled: the console still works, it just forgets on reload
  }
}

function writeStorage(storage, key, value) {
  try {
    storage.setItem(key, value);
  } catch {
    /* quota or privacy mode: nothing to do */
  }
}

/**
 * The tenant event sequence as this console has seen it.
 *
 * Events may arrive out of order (a live event can overtake the replay of an older one), so
 * "already have" is a set of applied seqs above a floor, not just "<= highest".
 */
export class SeqTracker {
  constructor(key) {
    this.key = key;
    this.floor = 0;
    this.max = 0;
    this.seen = new Set();
  }

  /** The highest seq a previous page of this tab saw, or null. */
  stored() {
    const raw = readStorage(window.sessionStorage, this.key);
    const value = raw === null ? NaN : Number(raw);
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }

  /** Everything up to `floor` is already reflected in what the console shows. */
  start(floor) {
    this.floor = floor;
    this.max = floor;
    this.seen.clear();
    writeStorage(window.sessionStorage, this.key, String(floor));
  }

  /** True the first time `seq` is offered (apply the event); false for one already applied. */
  accept(seq) {
    if (!Number.isSafeInteger(seq)) return true; // no seq: cannot dedupe, apply (idempotent anyway)
    if (seq <= this.floor || this.seen.has(seq)) return false;
    this.seen.add(seq);
    if (seq > this.max) {
      this.max = seq;
      writeStorage(window.sessionStorage, this.key, String(seq));
    }
    if (this.seen.size > SEEN_KEEP) this._prune();
    return true;
  }

  _prune() {
    const sorted = [...this.seen].sort((a, b) => a - b);
    const drop = sorted.slice(0, sorted.length - SEEN_KEEP / 2);
    for (const s of drop) this.seen.delete(s);
    this.floor = drop[drop.length - 1];
  }
}

/** Ticket ids the staff member has not opened since they arrived (kept for the tab's life). */
export class UnreadSet {
  constructor(key) {
    this.key = key;
    let ids = [];
    try {
      ids = JSON.parse(readStorage(window.sessionStorage, key) || "[]");
    } catch {
      ids = [];
    }
    this.ids = new Set(Array.isArray(ids) ? ids.filter((x) => typeof x === "string") : []);
  }

  has(id) {
    return this.ids.has(id);
  }

  get size() {
    return this.ids.size;
  }

  add(id) {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    this._save();
    return true;
  }

  delete(id) {
    if (!this.ids.delete(id)) return false;
    this._save();
    return true;
  }

  _save() {
    writeStorage(window.sessionStorage, this.key, JSON.stringify([...this.ids]));
  }
}

/**
 * Tickets by id. Each remembers the seq of the snapshot it holds, so an older snapshot
 * (a replayed event, a slow page of the list) never overwrites a newer one.
 */
export class TicketStore {
  constructor() {
    this.byId = new Map();
  }

  get(id) {
    return this.byId.get(id);
  }

  has(id) {
    return this.byId.has(id);
  }

  /** Keep `doc` unless a newer snapshot is held; returns whether it was taken. */
  put(doc, seq) {
    if (!doc || typeof doc.id !== "string") return false;
    const held = this.byId.get(doc.id);
    if (held && held.seq > seq) return false;
    const clean = { ...doc };
    delete clean.seq;
    this.byId.set(doc.id, { doc: clean, seq });
    return true;
  }

  doc(id) {
    const held = this.byId.get(id);
    return held ? held.doc : undefined;
  }

  /** The tickets matching `filter`, newest first. */
  select(filter) {
    const out = [];
    for (const { doc } of this.byId.values()) if (matches(doc, filter)) out.push(doc);
    return out.sort((a, b) => (b.number || 0) - (a.number || 0));
  }
}

const SEARCH_FIELDS = [
  (d) => d.text,
  (d) => d.description,
  (d) => d.point && d.point.label,
  (d) => d.contact && d.contact.name,
  (d) => d.contact && d.contact.email,
];

/** The same test the API's filters make (status, point, department, establishment, q), on the client. */
export function matches(doc, filter) {
  if (!COLUMNS.includes(doc.status)) return false; // quarantined tickets never reach the board
  if (filter.status && doc.status !== filter.status) return false;
  if (filter.point && !(doc.point && doc.point.code === filter.point)) return false;
  if (filter.department && doc.department !== filter.department) return false;
  if (filter.establishment && doc.establishment !== filter.establishment) return false;
  if (filter.q) {
    const q = filter.q.toLowerCase();
    if (!SEARCH_FIELDS.some((get) => String(get(doc) || "").toLowerCase().includes(q))) return false;
  }
  return true;
}
