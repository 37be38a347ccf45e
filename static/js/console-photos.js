// Photos in the ticket view: thumbnails with the SOS, the messages they came with, or on
// their own (each opens full size), and "Add photo" in the reply box. The picking and the
// thumbnails are static/js/photos.js's (shared with the customer's pages).

import { t } from "./console-i18n.js";

export class ConsolePhotos {
  /** `panel` is the ticket view (console-panel.js); `pickerRoot` the reply box's picker. */
  constructor(panel, pickerRoot) {
    this.panel = panel;
    this.sos = panel.root.querySelector("section.sos");
    this.picker = pickerRoot && window.sosPhotos ? new window.sosPhotos.Picker(pickerRoot) : null;
    this.waiting = [];
  }

  /** Photos chosen for the reply and not sent yet. */
  get pending() {
    return this.picker ? this.picker.pending().length : 0;
  }

  /** Another ticket: no photos of the last one, none chosen. */
  reset() {
    for (const list of this.sos.querySelectorAll(":scope > .photos")) list.remove();
    this.waiting = [];
    if (this.picker) this.picker.clear();
  }

  /** Every photo of the open ticket (from its detail). */
  showAll(photos) {
    for (const photo of photos || []) this.show(photo);
    const again = this.waiting;
    this.waiting = [];
    for (const photo of again) this.show(photo, false);
  }

  /** One photo: in the bubble of its message (or the SOS), or an entry of its own. */
  show(photo, wait = true) {
    const id = this.panel.id;
    if (!photo || photo.ticket_id !== id || !window.sosPhotos) return;
    let bubble;
    if (photo.message_id === id) bubble = this.sos;
    else if (photo.message_id) bubble = this.panel.messages.querySelector(`[data-id="${CSS.escape(photo.message_id)}"]`);
    if (photo.message_id && !bubble) {
      if (wait) this.waiting.push(photo); // its message comes with the next refresh
      return;
    }
    if (!bubble) {
      const { author, author_name: authorName, created_at: createdAt } = photo;
      this.panel.addMessage({ id: photo.id, ticket_id: id, author, author_name: authorName, created_at: createdAt, text: "" });
      bubble = this.panel.messages.querySelector(`[data-id="${CSS.escape(photo.id)}"]`);
    }
    window.sosPhotos.show(bubble, photo, t("photo"));
  }

  /** Send the chosen photos with a reply (`messageId`), or on their own (null). */
  async send(ticketId, messageId) {
    if (!this.pending) return { sent: [], failed: 0 };
    const url = `/api/v1/tickets/${encodeURIComponent(ticketId)}/attachments`;
    return this.picker.sendAll(url, messageId, (photo) => this.show(photo));
  }
}
