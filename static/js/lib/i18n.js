// A page's words: the server translates them (gettext) into a <template> string table,
//   <template id="strings"><span data-key="saved">Guardado.</span>…</template>
// and scripts look them up by key. Scripts never carry words of their own.

import "./calendar.js"; // window.sosCalendar: dates in languages the browser lacks

const PLACEHOLDER = /%\((\w+)\)s|\{(\w+)\}/g;

/** Put `params` into `text`: both `{name}` and `%(name)s` placeholders; unknown ones stay. */
export function fill(text, params = {}) {
  return String(text).replace(PLACEHOLDER, (whole, a, b) => {
    const name = a || b;
    return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
  });
}

/** Read the string table in `<template id=id>`: `{ t(key, params), has(key) }`. */
export function strings(id = "strings") {
  const table = new Map();
  const tpl = document.getElementById(id);
  if (tpl && tpl.content) {
    for (const el of tpl.content.querySelectorAll("[data-key]")) {
      table.set(el.dataset.key, el.textContent.trim());
    }
  }
  return {
    /** The translated words for `key` (the key itself when the page has none), filled. */
    t: (key, params) => fill(table.has(key) ? table.get(key) : key, params),
    has: (key) => table.has(key),
  };
}

/** The page's own table (`<template id="strings">`), for pages with one. */
export const { t, has } = strings();

/** The locale to hand to Intl for a page in `lang`: itself when the browser has its data,
    else a neighbour (some builds lack Galician: Spanish month names beat "M12" and English). */
export function intlLocale(lang = document.documentElement.lang) {
  try {
    if (lang && Intl.DateTimeFormat.supportedLocalesOf([lang]).length) return lang;
  } catch {
    // an invalid tag: fall through
  }
  return { gl: "es", ca: "es", eu: "es" }[lang] || "en";
}

/** A date formatter in the page's language, as `new Intl.DateTimeFormat(lang, options)`:
    where the browser has no dates in it (Galician), the server's month and weekday names
    (lib/calendar.js) instead of a neighbour's ("5 de decembro", not "5 de diciembre"). */
export function dateFormat(options = {}, lang = document.documentElement.lang) {
  return window.sosCalendar.formatter(lang, options, intlLocale(lang));
}

/* Times read in the business's time zone (the page's `data-timezone`), as the console shows
   them, not in the browser's: staff compare them with the clock on the wall. */
function businessZone() {
  const zone = document.getElementById("main")?.dataset.timezone;
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return zone;
  } catch {
    return undefined; // an unknown zone: the browser's own
  }
}

/** A date and time in the page's language ("3 Dec 2026, 14:05"); "" for a bad value. */
export function when(iso, options = { dateStyle: "medium", timeStyle: "short" }) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : dateFormat({ timeZone: businessZone(), ...options }).format(d);
}
