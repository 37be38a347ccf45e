/* The kiosk's outbox: a guest's SOS survives the hotel's Wi-Fi.

   Every submission gets an Idempotency-Key when the guest presses Send. When the network
   is down (navigator.onLine false, a fetch that fails or hangs, a 5xx/409/429 answer), it
   is kept in IndexedDB (so a reload keeps it) and sent again, in order, one at a time,
   when the network returns ("online", the socket's reconnect, a timer). The hub stores
   the key with the ticket, so a retry after a lost answer gets the same ticket back:
   exactly one ticket per submission. At most LIMIT wait here; past that the screen asks
   the guest to go to the reception (the text stays in the form, nothing is dropped).
   Each item is tagged with the pairing that kept it (a hash of the device token, never the
   token): a device unpaired and paired again to another business must never send the
   first business's guests' words to the second. Items of another pairing (or from before
   tags) are deleted unsent, and kiosk.js deletes the whole queue on unpair and re-pair.
   A kept SOS the hub refuses for a contact field or its department (400 naming them) is
   sent again without them: the guest who could correct it is gone, their words must not
   be lost (kiosk.js checks contact fields before keeping, contact-rules.js).
   The same module sends the kiosk's heartbeat and registers its service worker (the
   page itself opens again offline). Exposed as window.KioskQueue. */
(function () {
  "use strict";

  var DB = "sos-hub-kiosk";
  var STORE = "pending";
  var LIMIT = 50;
  var TIMEOUT_MS = 15000;  // a hung request on bad Wi-Fi counts as lost: kept, sent again
  var RETRY_MS = [2000, 5000, 10000, 30000, 60000];
  var LOCK = "sos-hub-kiosk-queue";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /* The pairing's tag: cyrb53 of the device token (53 bits; a label kept beside the queue,
     compared with the current token's, not a secret: the token sits in localStorage). */
  function pairingOf(token) {
    var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (var i = 0; i < token.length; i++) {
      var ch = token.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return "p" + (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  }

  /* ---- Storage: IndexedDB, or memory where the browser refuses it. ---- */

  function openDb() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, { keyPath: "n", autoIncrement: true });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { resolve(null); };
    });
  }

  function Storage() {
    this.ready = openDb();
    this.memory = [];
    this.next = 1;
  }

  Storage.prototype.tx = function (mode, work) {
    return this.ready.then(function (db) {
      if (!db) return null;
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result.value); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  };

  Storage.prototype.all = function () {
    var self = this;
    return this.tx("readonly", function (store) {
      var out = { value: [] };
      store.openCursor().onsuccess = function (e) {
        var cursor = e.target.result;
        if (cursor) { out.value.push(cursor.value); cursor.continue(); }
      };
      return out;
    }).then(function (items) { return items || self.memory.slice(); });
  };

  Storage.prototype.add = function (item) {
    var self = this;
    return this.tx("readwrite", function (store) {
      store.add(item);
      return { value: true };
    }).then(function (done) {
      if (!done) { item.n = self.next++; self.memory.push(item); }
    });
  };

  /* The item in its place in line (same `n`), changed. */
  Storage.prototype.put = function (item) {
    var self = this;
    return this.tx("readwrite", function (store) {
      store.put(item);
      return { value: true };
    }).then(function (done) {
      if (!done) {
        self.memory = self.memory.map(function (m) { return m.n === item.n ? item : m; });
      }
    });
  };

  Storage.prototype.remove = function (item) {
    var self = this;
    return this.tx("readwrite", function (store) {
      store.delete(item.n);
      return { value: true };
    }).then(function (done) {
      if (!done) self.memory = self.memory.filter(function (m) { return m.n !== item.n; });
    });
  };

  Storage.prototype.clear = function () {
    this.memory = [];
    return this.tx("readwrite", function (store) {
      store.clear();
      return { value: true };
    });
  };

  /* ---- Sending one submission. ---- */

  function post(token, item) {
    var abort = window.AbortController ? new AbortController() : null;
    var timer = abort ? setTimeout(function () { abort.abort(); }, TIMEOUT_MS) : null;
    return fetch("/api/v1/kiosk/sos", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: "Bearer " + token,
        "Idempotency-Key": item.key
      },
      body: JSON.stringify(item.body),
      signal: abort ? abort.signal : undefined
    }).then(function (r) {
      clearTimeout(timer);
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { status: r.status, data: data, retryAfter: r.headers.get("Retry-After") };
      });
    }, function (err) {
      clearTimeout(timer);
      throw err;
    });
  }

  /* Answers after which the submission is worth keeping and sending again. */
  function transient(status) {
    return status === 409 || status === 429 || status >= 500;
  }

  /* What the hub may refuse in a kept SOS that the guest's words can go without: a contact
     field, the department (the kiosk no longer offers it), the language tag. The hub names
     each refused field first ("contact.email: …; contact.phone: …"). */
  var SPARE = /(?:^|; )(contact\.(?:name|email|phone)|department|language):/g;

  /* `item` without the fields a 400 names, under a new key (the hub stored nothing under
     the old one: it refused the body), or null when it names none of them (or none is
     left to take out: what it refuses then is the message itself). */
  function lightened(item, answer) {
    var reason = answer.status === 400 && answer.data && answer.data.error &&
      answer.data.error.message;
    var body = JSON.parse(JSON.stringify(item.body));
    var removed = [];
    String(reason || "").replace(SPARE, function (whole, field) {
      var path = field.split(".");
      var holder = path.length === 2 ? body[path[0]] : body;
      var name = path[path.length - 1];
      if (holder && holder[name] != null) { delete holder[name]; removed.push(field); }
      return whole;
    });
    if (!removed.length) return null;
    if (body.contact && !body.contact.name && !body.contact.email && !body.contact.phone) {
      delete body.contact;
    }
    return {
      n: item.n, key: newKey(), body: body, at: item.at, pairing: item.pairing,
      first_key: item.first_key || item.key,  // the guest's screen knows it by this one
      spared: (item.spared || []).concat(removed)
    };
  }

  function Queue(options) {
    this.token = options.token;
    this.pairing = pairingOf(options.token);
    // onChange(count, online), onSent(item, data), onUnpaired(), onDropped(item, answer); fresh
    this.on = options;
    this.storage = new Storage();
    this.count = 0;
    this.link = true;  // the socket's view of the network
    this.flushing = false;
    this.failures = 0;
    this.timer = null;
    var self = this;
    window.addEventListener("online", function () { self.flush(); });
    window.addEventListener("offline", function () { self.changed(); });
    // what a previous page left (a reload): counted before the first Send is judged
    // paired again just now (options.fresh): what the old pairing kept goes first
    var start = options.fresh ? this.storage.clear() : Promise.resolve();
    this.loaded = start.then(function () {
      return self.storage.all();
    }).then(function (items) {
      return self.mine(items);
    }).then(function (items) {
      self.count = items.length;
      self.changed();
      if (items.length) self.flush();
    });
  }

  /* This pairing's items; any other (another pairing's, or untagged) is deleted unsent. */
  Queue.prototype.mine = function (items) {
    var self = this;
    var theirs = items.filter(function (item) { return item.pairing !== self.pairing; });
    return Promise.all(theirs.map(function (item) { return self.storage.remove(item); }))
      .then(function () {
        return items.filter(function (item) { return item.pairing === self.pairing; });
      });
  };

  /* Unpaired, or paired again: every kept item goes, unsent (kiosk.js calls it). */
  Queue.prototype.forget = function () {
    var self = this;
    clearTimeout(this.timer);
    return this.storage.clear().catch(function (err) {
      console.warn("kiosk queue", err);
    }).then(function () {
      self.count = 0;
      self.changed();
    });
  };

  Queue.prototype.online = function () {
    return navigator.onLine !== false && this.link;
  };

  Queue.prototype.changed = function () {
    if (this.on.onChange) this.on.onChange(this.count, this.online());
  };

  /* The socket connected (true) or dropped (false). */
  Queue.prototype.setLink = function (up) {
    this.link = up;
    this.changed();
    if (up) this.flush();
  };

  Queue.prototype.keep = function (item) {
    var self = this;
    return this.storage.add(item).then(function () {
      self.count += 1;
      self.changed();
      self.later();
      return { kind: "saved", item: item };
    });
  };

  /* A guest pressed Send: {kind: "sent", data} | {kind: "saved", item} | {kind: "full"} |
     {kind: "refused", status, data, retryAfter}. */
  Queue.prototype.submit = function (body) {
    var self = this;
    return this.loaded.then(function () { return self.judge(body); });
  };

  Queue.prototype.judge = function (body) {
    var self = this;
    var item = { key: newKey(), body: body, at: Date.now(), pairing: this.pairing };
    if (this.count >= LIMIT) return Promise.resolve({ kind: "full" });
    if (this.count > 0 || navigator.onLine === false) {
      // others wait before it, or no network at all: in line, in order
      return this.keep(item).then(function (kept) { self.flush(); return kept; });
    }
    return post(this.token, item).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) return { kind: "sent", data: answer.data };
      if (answer.status === 401 && self.on.onUnpaired) self.on.onUnpaired();
      if (transient(answer.status) && answer.status !== 429) return self.keep(item);
      return { kind: "refused", status: answer.status, data: answer.data, retryAfter: answer.retryAfter };
    }, function () {
      return self.keep(item);  // no answer: perhaps stored, perhaps not; the key decides
    });
  };

  Queue.prototype.later = function () {
    var self = this;
    clearTimeout(this.timer);
    if (!this.count) return;
    var wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.timer = setTimeout(function () { self.flush(); }, wait);
  };

  /* Send what waits, oldest first, one at a time; stop at the first failure. */
  Queue.prototype.flush = function () {
    var self = this;
    if (this.flushing || !this.count || navigator.onLine === false) return Promise.resolve();
    this.flushing = true;
    var run = function () { return self.drain(); };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request(LOCK, run)  // two tabs of the kiosk never send one item twice
      : run();
    return locked.catch(function (err) {
      console.warn("kiosk queue", err);
    }).then(function () {
      self.flushing = false;
      self.changed();
      self.later();
    });
  };

  Queue.prototype.drain = function () {
    var self = this;
    return this.storage.all().then(function (all) {
      return self.mine(all);
    }).then(function (items) {
      self.count = items.length;
      if (!items.length) return null;
      var item = items[0];
      return post(self.token, item).then(function (answer) {
        if (answer.status === 200 || answer.status === 201) {
          return self.done(item).then(function () {
            self.failures = 0;
            if (self.on.onSent) self.on.onSent(item, answer.data);
            return self.drain();
          });
        }
        if (answer.status === 401) {
          if (self.on.onUnpaired) self.on.onUnpaired();
          return null;
        }
        if (transient(answer.status) || answer.status === 403 || answer.status === 423) {
          self.failures += 1;  // the hub is busy, the kiosk switched off: it waits
          return null;
        }
        // The hub refused a contact field (kept by an older page, or one only the hub can
        // judge), or the department: the guest is gone and cannot correct it, but their
        // words must not be lost. Sent again without what was refused, in the same place
        // in line (and so after a reload too).
        var lighter = lightened(item, answer);
        if (lighter) {
          return self.storage.put(lighter).then(function () { return self.drain(); });
        }
        // Refused for good (a body the hub cannot take at all): it would block every
        // message behind it. Dropped, and said so to whoever watches the kiosk.
        return self.done(item).then(function () {
          if (self.on.onDropped) self.on.onDropped(item, answer);
          return self.drain();
        });
      }, function () {
        self.failures += 1;
        return null;
      });
    });
  };

  Queue.prototype.done = function (item) {
    var self = this;
    return this.storage.remove(item).then(function () {
      self.count = Math.max(0, self.count - 1);
    });
  };

  /* ---- The heartbeat: the hub flags a kiosk silent for too long. ---- */

  function heartbeat(socket, seconds) {
    var timer = null;
    function beat() { if (socket.connected) socket.emit("heartbeat", {}); }
    return function (s) {
      clearInterval(timer);
      timer = setInterval(beat, Math.max(10, s || seconds || 30) * 1000);
    };
  }

  /* ---- The page opens again offline: a service worker keeps its copy. ---- */

  if (navigator.serviceWorker && window.isSecureContext) {
    navigator.serviceWorker.register("/kiosk-sw.js", { scope: "/kiosk" }).catch(function (err) {
      console.warn("kiosk service worker", err);
    });
  }

  window.KioskQueue = {
    LIMIT: LIMIT,
    create: function (options) { return new Queue(options); },
    /* Delete every kept item, whichever pairing kept it (before a new pairing's page). */
    forget: function () {
      return new Storage().clear().catch(function (err) { console.warn("kiosk queue", err); });
    },
    heartbeat: heartbeat
  };
})();
