/* Dates in the page's language even where the browser has no date data for it.

   Debian's Chromium has no Galician: Intl wrote "sábado, 5 de diciembre" (Spanish) on a
   Galician page. The server puts the language's month and weekday names and date patterns
   (CLDR, from babel) on the page (`<body data-calendar>`, hub/calendar_names.py); when Intl
   lacks the page's language, `window.sosCalendar.formatter(lang, options, fallback)` writes
   the date with them ("sábado, 5 de decembro de 2026, 11:00"), else it is Intl's own
   formatter. A classic script (the customer pages load it before page-words.js) that the
   staff pages' modules import too (lib/i18n.js). */
(function () {
  "use strict";

  var calendar;

  function data() {
    if (calendar === undefined) {
      try {
        calendar = JSON.parse((document.body && document.body.getAttribute("data-calendar")) || "null");
      } catch (e) {
        calendar = null;
      }
    }
    return calendar;
  }

  function hasIntl(lang) {
    try {
      return Boolean(lang) && Intl.DateTimeFormat.supportedLocalesOf([lang]).length > 0;
    } catch (e) {
      return false; // an invalid tag
    }
  }

  function pad(n, width) {
    var s = String(n);
    while (s.length < width) s = "0" + s;
    return s;
  }

  /* The pattern for Intl-style options; null when no name is written (numbers only: Intl
     writes those alike in any language). */
  function patternFor(c, o) {
    var date = null;
    var join = c.datetime.medium;
    if (o.dateStyle) {
      date = c.date[o.dateStyle];
      join = c.datetime[o.dateStyle] || join;
      if (o.dateStyle === "short") return null;
    } else if (o.month === "short" || o.month === "long") {
      if (o.year) date = c.day_month_year;
      else date = o.month === "long" ? c.day_month_long : c.day_month;
      if (o.weekday) date = (o.weekday === "long" ? "EEEE" : "EEE") + ", " + date;
    }
    if (!date) return null;
    var time = null;
    if (o.timeStyle) {
      time = c.time;
      if (o.hourCycle === "h23" && /[hKa]/.test(time.replace(/'[^']*'/g, ""))) time = "HH:mm";
    } else if (o.hour) {
      time = (o.hour === "2-digit" ? "HH" : "H") + (o.minute ? ":mm" : "");
    }
    return time ? join.replace("{1}", date).replace("{0}", time) : date;
  }

  var TOKEN = /'(?:[^']|'')*'|([A-Za-z])\1*/g;

  function field(token, p, c) {
    var n = token.length;
    switch (token.charAt(0)) {
      case "y": return n === 2 ? pad(p.year % 100, 2) : pad(p.year, n);
      case "M":
      case "L":
        if (n >= 4) return (token.charAt(0) === "L" ? c.months_standalone : c.months)[p.month - 1];
        return n === 3 ? c.months_short[p.month - 1] : pad(p.month, n);
      case "d": return pad(p.day, n);
      case "E":
      case "c":
      case "e": return n >= 4 ? c.days[p.weekday] : c.days_short[p.weekday];
      case "H": return pad(p.hour, n);
      case "h": return pad(p.hour % 12 || 12, n);
      case "K": return pad(p.hour % 12, n);
      case "a": return p.hour < 12 ? c.am : c.pm;
      case "m": return pad(p.minute, n);
      case "s": return pad(p.second, n);
      default: return "";
    }
  }

  function render(pattern, p, c) {
    return pattern.replace(TOKEN, function (token) {
      if (token.charAt(0) !== "'") return field(token, p, c);
      return token === "''" ? "'" : token.slice(1, -1).replace(/''/g, "'");
    });
  }

  /* The date's numbers in the zone (the business's, or the browser's when none). */
  function numbers(reader, date) {
    var p = {};
    reader.formatToParts(date).forEach(function (part) {
      if (part.type !== "literal") p[part.type] = Number(part.value);
    });
    if (p.hour === 24) p.hour = 0;
    p.weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    return p;
  }

  /* Like `new Intl.DateTimeFormat(lang, options)` (throws as it does on a bad zone): Intl's
     own when the browser has `lang`; the page's calendar when it does not and the page
     carries one for `lang`; else Intl in `fallback`. */
  function formatter(lang, options, fallback) {
    var o = options || {};
    var c = data();
    if (!hasIntl(lang) && c && c.lang === lang) {
      var pattern = patternFor(c, o);
      if (pattern) {
        var reader = new Intl.DateTimeFormat("en-US", {
          timeZone: o.timeZone, year: "numeric", month: "numeric", day: "numeric",
          hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23",
        });
        return { format: function (date) { return render(pattern, numbers(reader, date), c); } };
      }
    }
    return new Intl.DateTimeFormat(hasIntl(lang) ? lang : fallback, o);
  }

  window.sosCalendar = { formatter: formatter };
})();
