// How a new SOS gets attention: a synthesized chime, a browser notification, the tab title, a live region.

import { t } from "./console-i18n.js";

const SOUND_KEY = "sos.console.sound";
const NOTIFY_KEY = "sos.console.notify";
const SOUND_GAP_MS = 1500; // a burst of SOS (a replay after reconnecting) chimes once

function getPref(key) {
  try {
    return window.localStorage.getItem(key) === "on";
  } catch {
    return false;
  }
}

function setPref(key, on) {
  try {
    window.localStorage.setItem(key, on ? "on" : "off");
  } catch {
    /* private mode: the toggle works for this page only */
  }
}

export class Alerts {
  constructor({ soundToggle, notifyToggle, errorEl, announcer, onNotificationClick }) {
    this.soundToggle = soundToggle;
    this.notifyToggle = notifyToggle;
    this.errorEl = errorEl;
    this.announcer = announcer;
    this.onNotificationClick = onNotificationClick;
    this.baseTitle = document.title;
    this.audio = null;
    this.lastSound = 0;
    this.alerted = new Set(); // ticket ids already announced: never twice, whatever replays
    soundToggle.checked = getPref(SOUND_KEY);
    notifyToggle.checked = getPref(NOTIFY_KEY) && "Notification" in window && Notification.permission === "granted";
    soundToggle.addEventListener("change", () => this._soundChanged());
    notifyToggle.addEventListener("change", () => this._notifyChanged());
    // Browsers start audio only after a gesture: wake the context on the first one.
    const wake = () => {
      if (this.soundToggle.checked) this._context();
      window.removeEventListener("pointerdown", wake);
      window.removeEventListener("keydown", wake);
    };
    window.addEventListener("pointerdown", wake);
    window.addEventListener("keydown", wake);
  }

  _showError(message) {
    this.errorEl.textContent = message || "";
    this.errorEl.hidden = !message;
  }

  _soundChanged() {
    setPref(SOUND_KEY, this.soundToggle.checked);
    if (this.soundToggle.checked) this.chime(true);
  }

  async _notifyChanged() {
    this._showError("");
    if (!this.notifyToggle.checked) {
      setPref(NOTIFY_KEY, false);
      return;
    }
    if (!("Notification" in window)) {
      this.notifyToggle.checked = false;
      this._showError(t("notify.unsupported"));
      return;
    }
    let permission = Notification.permission;
    if (permission === "default") {
      try {
        permission = await Notification.requestPermission();
      } catch {
        permission = "denied";
      }
    }
    const granted = permission === "granted";
    this.notifyToggle.checked = granted;
    setPref(NOTIFY_KEY, granted);
    if (!granted) this._showError(t("notify.blocked"));
  }

  _context() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!this.audio) this.audio = new Ctx();
    if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    return this.audio;
  }

  /** Two short rising tones (no audio file to fetch or cache). */
  chime(force = false) {
    if (!force && !this.soundToggle.checked) return;
    const now = Date.now();
    if (!force && now - this.lastSound < SOUND_GAP_MS) return;
    this.lastSound = now;
    const ctx = this._context();
    if (!ctx) return;
    const start = ctx.currentTime + 0.01;
    [[880, 0], [1320, 0.16]].forEach(([freq, offset]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.3);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.32);
    });
  }

  announce(text) {
    // Clear first so the same sentence twice is still spoken.
    this.announcer.textContent = "";
    window.setTimeout(() => (this.announcer.textContent = text), 50);
  }

  /** A new SOS reached the board: chime, notify and announce it, once per ticket. */
  newTicket(doc, place) {
    if (this.alerted.has(doc.id)) return;
    this.alerted.add(doc.id);
    const excerpt = (doc.text || "").slice(0, 140);
    this.announce(t("announce.new", { number: doc.number, place, text: excerpt }));
    this.chime();
    if (this.notifyToggle.checked && "Notification" in window && Notification.permission === "granted") {
      try {
        const note = new Notification(t("notify.title", { number: doc.number, place }), {
          body: excerpt, tag: `sos-${doc.id}`, lang: doc.language || undefined,
        });
        note.addEventListener("click", () => {
          window.focus();
          this.onNotificationClick(doc.id);
          note.close();
        });
      } catch {
        /* some platforms allow notifications only from a service worker */
      }
    }
  }

  /** "(3) Console · Hotel Mirador" while three tickets are unread. */
  setUnread(count) {
    document.title = count > 0 ? `(${count}) ${this.baseTitle}` : this.baseTitle;
  }
}
