// Labels come from the page (translated by the server with gettext); times use the tenant's zone.

import { dateFormat, intlLocale, strings } from "./lib/i18n.js";

/** The translated label for `key`, with {name} placeholders filled; whether the page has it. */
export const { t, has } = strings("console-strings");

/** A language's name in the reader's language ("español", "Spanish"), for an SOS's language
    code; the page names every language an SOS can have, the code stands in for another. */
export function languageName(code) {
  if (!code) return "";
  return has(`language.${code}`) ? t(`language.${code}`) : code.toUpperCase();
}

const main = document.getElementById("main");
const pageLang = (main && main.dataset.lang) || document.documentElement.lang || "es";
const lang = intlLocale(pageLang);
let timeZone = (main && main.dataset.timezone) || "UTC";
try {
  new Intl.DateTimeFormat(lang, { timeZone });
} catch {
  timeZone = undefined; // an unknown zone: fall back to the browser's own
}

const dayFmt = new Intl.DateTimeFormat(lang, { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
// 24-hour clock: shift work across midnight reads better without a.m./p.m.
const timeFmt = new Intl.DateTimeFormat(lang, { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
// Month and weekday names: the page's own words where the browser lacks them (Galician).
const shortFmt = dateFormat({
  timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
}, pageLang);
const fullFmt = dateFormat({ timeZone, dateStyle: "full", timeStyle: "short", hourCycle: "h23" }, pageLang);

/** "18:07" today, "29 nov, 18:07" on other days. */
export function shortTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return dayFmt.format(d) === dayFmt.format(new Date()) ? timeFmt.format(d) : shortFmt.format(d);
}

export function fullTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : fullFmt.format(d);
}

/** Fill a <time> element: short text, machine-readable datetime, full date as tooltip. */
export function setTime(el, iso, full = false) {
  el.dateTime = iso || "";
  el.textContent = iso ? (full ? fullTime(iso) : shortTime(iso)) : "";
  el.title = iso ? fullTime(iso) : "";
}
