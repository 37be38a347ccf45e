// The server's errors in the page's language: a page's string table may word an error by the
// field it names, `error.<field>` or, for one status only, `error.<status>.<field>` (the
// field without its indexes and keys: "opening_hours.1.to" → "opening_hours.to",
// "labels.de" → "labels"). An error the page has no words for keeps the server's message.

import { has, t } from "./i18n.js";

/** "opening_hours.1.to" → "opening_hours.to"; "labels.de" → "labels". */
export function fieldKey(field) {
  const parts = String(field || "").split(".").filter((p) => !/^\d+$/.test(p));
  if (parts[0] === "labels" || parts[0] === "names") return parts[0];
  return parts.join(".");
}

/** The error's message in the page's words when it has some; the error itself, reworded. */
export function localized(error) {
  const key = fieldKey(error && error.field);
  if (key) {
    for (const name of [`error.${error.status}.${key}`, `error.${key}`]) {
      if (has(name)) {
        error.message = t(name);
        break;
      }
    }
  }
  return error;
}
