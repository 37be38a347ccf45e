/* Numbers and sentences in the page's language, for the customer pages and the kiosk
   (classic scripts, loaded before them): `window.sosWords.num(2000)` is "2.000" on a
   Spanish page and "2,000" on an English one; `fill("{n} left", {n: 3})` fills a
   translated template the page carries; `chars(text)` counts characters as the server
   does. */
(function () {
  "use strict";

  /* The locale for Intl: the page's, or a neighbour when this browser lacks its data. */
  function intlLang() {
    var lang = document.documentElement.lang;
    try {
      if (lang && Intl.DateTimeFormat.supportedLocalesOf([lang]).length) return lang;
    } catch (e) { /* an invalid tag */ }
    return { gl: "es", ca: "es" }[lang] || "en";
  }

  /* A date formatter in the page's language, as `new Intl.DateTimeFormat(lang, options)`;
     where the browser has no dates in it (Galician), the server's month and weekday names
     (lib/calendar.js, loaded before this script): "5 de decembro", not "5 de diciembre". */
  function dates(options) {
    var lang = document.documentElement.lang;
    if (window.sosCalendar) return window.sosCalendar.formatter(lang, options, intlLang());
    return new Intl.DateTimeFormat(intlLang(), options);
  }

  /* 2000 as the page's language writes it ("2.000", "2,000", "2 000"). */
  function num(n) {
    try { return new Intl.NumberFormat(intlLang()).format(n); }
    catch (e) { return String(n); }
  }

  /* `{name}` placeholders filled from `values`; unknown ones stay as they are. */
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  /* Characters as the server counts them (Python's len: code points), so an emoji is one,
     not the two UTF-16 units of String.length. */
  function chars(value) {
    return Array.from(String(value || "")).length;
  }

  window.sosWords = { intlLang: intlLang, dates: dates, num: num, fill: fill, chars: chars };
})();
