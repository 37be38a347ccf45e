/* The kiosk screen ("Puesto SOS"). Paired once by opening /kiosk#device_token=… on it: the
   token moves to localStorage and leaves the address bar. Then it connects to /kiosk with
   the token, shows the configuration it is sent (on connect and after every change, while
   keeping what a guest is typing), posts SOS to /api/v1/kiosk/sos, shows the number and a
   QR code of the private link, and resets itself after `idle_seconds` without a touch.
   Everything from the server goes in with textContent. Unpaired or paired again (another
   token), the messages this kiosk kept for sending are deleted unsent: a device moved to
   another business never hands it the first one's guests' words. */
(function () {
  "use strict";

  var TOKEN_KEY = "sos-hub.kiosk-token";
  var CONFIG_KEY = "sos-hub.kiosk-config";  // the last one: the screen works offline after a reload
  var main = document.getElementById("main");
  var d = main.dataset;
  var $ = function (id) { return document.getElementById(id); };
  var panels = ["unpaired", "off", "connecting", "ready", "sent", "saved"];
  var config = null;
  var department = null;

  function show(name) {
    panels.forEach(function (p) { $(p).hidden = p !== name; });
  }

  /* The config's addresses are absolute (HUB_PUBLIC_URL); the screen loads them from the
     origin it was opened at (its CSP allows no other, and the hub may have two names). */
  function ownPath(url) {
    var u = new URL(url, window.location.href);
    return u.pathname + u.search;
  }

  var words = window.sosWords;
  var intlLang = words.intlLang;
  var num = words.num;
  var fill = words.fill;

  /* ---- Pairing: the token arrives in the fragment, once. ---- */

  var match = /(?:^#|&)device_token=([A-Za-z0-9_-]{8,200})/.exec(location.hash);
  var repaired = false;  // another token than the one this screen had: its queue goes
  if (match) {
    repaired = localStorage.getItem(TOKEN_KEY) !== match[1];
    localStorage.removeItem(CONFIG_KEY);  // a new pairing: the old screen's settings go
    localStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, "", location.pathname + location.search);
  }
  // The link opened on a screen already showing /kiosk (only its fragment changes, so the
  // page does not load again): take the token and start over with it.
  window.addEventListener("hashchange", function () {
    var again = /(?:^#|&)device_token=([A-Za-z0-9_-]{8,200})/.exec(location.hash);
    if (!again) return;
    var other = localStorage.getItem(TOKEN_KEY) !== again[1];
    localStorage.removeItem(CONFIG_KEY);
    localStorage.setItem(TOKEN_KEY, again[1]);
    history.replaceState(null, "", location.pathname + location.search);
    var forgotten = other ? window.KioskQueue.forget() : Promise.resolve();
    forgotten.catch(function () { /* the new page's queue drops them anyway */ }).then(function () {
      location.reload();
    });
  });
  var token = localStorage.getItem(TOKEN_KEY);
  if (!token) {
    window.KioskQueue.forget();  // unpaired (and told so): nothing kept may wait here
    show("unpaired");
    return;
  }

  /* ---- The form. ---- */

  var form = $("kiosk-form");
  var text = $("kiosk-text");
  var error = $("kiosk-error");
  var anonymous = $("kiosk-anonymous");
  var contact = $("kiosk-contact");
  var send = $("kiosk-send");

  function say(message) {
    error.textContent = message || "";
    error.hidden = !message;
    text.setAttribute("aria-invalid", message ? "true" : "false");
  }

  /* A contact field the hub refused: its own message next to it, in the page's language
     (the QR form's words), the field marked; the guest's text stays for them to correct. */
  var CONTACT = ["name", "email", "phone"];
  function markContact(field, message) {
    var input = $("kiosk-" + field);
    var note = $("kiosk-" + field + "-error");
    note.textContent = message || "";
    note.hidden = !message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  function contactMessage(field) {
    return d["msg" + field.charAt(0).toUpperCase() + field.slice(1)];
  }
  function clearContact() {
    CONTACT.forEach(function (field) { markContact(field, ""); });
  }
  CONTACT.forEach(function (field) {
    $("kiosk-" + field).addEventListener("input", function () { markContact(field, ""); });
  });

  /* The hub names each refused field first ("contact.email: value is not …; contact.phone:
     …"). Contact fields are marked; anything else is returned for the general message. */
  function refusedContact(reason) {
    var rest = [];
    var marked = false;
    String(reason || "").split("; ").forEach(function (part) {
      var named = /^contact\.(name|email|phone):/.exec(part);
      if (!named) { if (part) rest.push(part); return; }
      markContact(named[1], contactMessage(named[1]));
      marked = true;
    });
    var shown = CONTACT.filter(function (f) { return !$("kiosk-" + f + "-error").hidden; });
    if (shown.length) $("kiosk-" + shown[0]).focus();  // the first on screen
    return { marked: marked, rest: rest.join("; ") };
  }

  function count() {
    var max = config ? config.max_chars : 2000;
    text.parentNode.querySelector("[data-count]").textContent = String(words.chars(text.value));
    text.parentNode.querySelector("[data-max]").textContent = num(max);
  }

  function syncContact() {
    contact.hidden = anonymous.checked;
  }

  function chooseDepartment(slug) {
    department = slug;
    $("department-buttons").querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.slug === slug ? "true" : "false");
    });
  }

  /* The business's text in the language this screen shows (`texts` {lang: text}), else its
     main one: a guest who picked French reads "Réception", not "Recepción". */
  function inLanguage(texts, main) {
    return (texts && texts[d.lang]) || main || "";
  }

  /* `node` shows inLanguage(texts, main): when that fell back to the business's own text,
     it says which language it is in (WCAG 3.1.2), so a screen reader reads it in that. */
  function showIn(node, texts, main, c) {
    node.textContent = inLanguage(texts, main);
    var fellBack = !(texts && texts[d.lang]) && main && c.language && c.language !== d.lang;
    if (fellBack) node.lang = c.language;
    else node.removeAttribute("lang");
  }

  function render(c) {
    config = c;
    try { localStorage.setItem(CONFIG_KEY, JSON.stringify(c)); } catch (e) { /* full */ }
    if (!c.active) { show("off"); return; }
    $("brand-name").textContent = c.business.name || "";
    showIn($("brand-place"), c.place_labels, c.place, c);
    var logo = $("brand-logo");
    if (c.business.logo_url) { logo.src = ownPath(c.business.logo_url); logo.hidden = false; }
    else { logo.hidden = true; logo.removeAttribute("src"); }
    var welcome = inLanguage(c.welcomes, c.welcome);
    showIn($("welcome"), c.welcomes, c.welcome, c);
    $("welcome").hidden = !welcome;
    var buttons = $("department-buttons");
    buttons.textContent = "";
    c.departments.forEach(function (dep) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "choice-button";
      b.dataset.slug = dep.slug;
      showIn(b, dep.names, dep.name, c);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        chooseDepartment(department === dep.slug ? null : dep.slug);
      });
      buttons.appendChild(b);
    });
    $("departments").hidden = c.departments.length === 0;
    if (!c.departments.some(function (dep) { return dep.slug === department; })) department = null;
    chooseDepartment(department);
    $("anonymous-choice").hidden = !c.allow_anonymous;
    if (!c.allow_anonymous) anonymous.checked = false;
    syncContact();
    count();
    surveyLink(c);
    if ($("sent").hidden && $("saved").hidden) show("ready");
  }

  /* "Rate your visit": the survey without an SOS, at this kiosk's point (/s/<code>). */
  function surveyLink(c) {
    var link = $("kiosk-survey");
    if (!link || !c.point) return;
    link.href = "/s/" + encodeURIComponent(c.point) + "?via=kiosk&lang=" +
      encodeURIComponent(document.documentElement.lang || "");
    link.hidden = false;
  }

  function reset() {
    form.reset();
    department = null;
    say("");
    clearContact();
    if (config) render(config);
    if (config && config.active) show("ready");
    if (/[?&]lang=/.test(location.search)) {
      location.href = "/kiosk";  // a guest picked a language: the next one starts in the screen's own
    }
  }

  var SENT_SECONDS = 30;  // the private link's QR code stays up this long at most
  var WARN_SECONDS = 20;  // told this long before the screen clears what a guest left on it
  var warnTimer = null;
  var countdown = null;
  var warning = $("idle-warning");
  var focusedBefore = null;

  /* Something of a guest's is on the screen: a message begun, or the number of one sent. */
  function guestsOwn() {
    var started = text.value || anonymous.checked || department || $("kiosk-name").value ||
      $("kiosk-email").value || $("kiosk-phone").value || /[?&]lang=/.test(location.search);
    return !$("sent").hidden || !$("saved").hidden || Boolean(started);
  }

  function hideWarning(giveFocusBack) {
    clearInterval(countdown);
    if (warning.hidden) return;
    warning.hidden = true;
    if (giveFocusBack && focusedBefore && document.contains(focusedBefore)) focusedBefore.focus();
  }

  /* "Are you still there?" with the seconds left, then the reset. An untouched screen
     (only the language the guest picked) goes back without asking. */
  function warn() {
    if (!guestsOwn()) return;
    var onlyLanguage = $("sent").hidden && $("saved").hidden && !text.value && !anonymous.checked &&
      !department && !$("kiosk-name").value && !$("kiosk-email").value && !$("kiosk-phone").value;
    if (onlyLanguage) { reset(); return; }
    var left = WARN_SECONDS;
    var wording = $("sent").hidden && $("saved").hidden ? warning.dataset.msgForm : warning.dataset.msgSent;
    var tell = function () { $("idle-text").textContent = fill(wording, { seconds: num(left) }); };
    tell();
    focusedBefore = document.activeElement;
    warning.hidden = false;
    $("idle-stay").focus();
    countdown = setInterval(function () {
      left -= 1;
      if (left > 0) { tell(); return; }
      hideWarning(false);
      reset();
    }, 1000);
  }

  function touched(event) {
    clearTimeout(warnTimer);
    // a touch on the warning itself is its button's to answer (focus goes back there)
    if (!(event && event.target && warning.contains(event.target))) hideWarning(false);
    var seconds = config ? config.idle_seconds : 90;
    if (!$("sent").hidden || !$("saved").hidden) seconds = Math.min(seconds, SENT_SECONDS);
    warnTimer = setTimeout(warn, Math.max(seconds - WARN_SECONDS, 10) * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, touched, true);
  });
  $("idle-stay").addEventListener("click", function () {
    hideWarning(true);
    touched();
  });

  touched();  // a guest's language choice, too, goes back after the idle time
  text.addEventListener("input", function () { count(); if (text.value.trim()) say(""); });
  anonymous.addEventListener("change", syncContact);
  $("kiosk-again").addEventListener("click", reset);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = text.value.trim();
    var max = config ? config.max_chars : 2000;
    if (!value) { say(d.msgEmpty); text.focus(); return; }
    if (words.chars(value) > max) {
      say(fill(d.msgTooLong, { count: num(words.chars(value)), max: num(max) }));
      text.focus();
      return;
    }
    var body = { text: value, anonymous: anonymous.checked, language: d.lang || null };
    if (department) body.department = department;
    say("");
    clearContact();
    if (!anonymous.checked) {
      var c = { name: $("kiosk-name").value, email: $("kiosk-email").value, phone: $("kiosk-phone").value };
      // Checked here by the hub's rules: offline, the SOS waits on this kiosk and the hub
      // would refuse the field when the guest is long gone (static/js/contact-rules.js).
      var wrong = window.sosContact.refused(c, config ? config.region : null);
      if (wrong.length) {
        wrong.forEach(function (field) { markContact(field, contactMessage(field)); });
        $("kiosk-" + wrong[0]).focus();
        return;
      }
      if (c.name || c.email || c.phone) body.contact = c;
    }
    send.disabled = true;
    outbox.submit(body).then(function (outcome) {
      if (outcome.kind === "sent") {
        showSent(outcome.data);
      } else if (outcome.kind === "saved") {
        savedKey = outcome.item.key;  // if it is sent while this screen is up, say so
        form.reset();
        department = null;
        show("saved");
        $("kiosk-again-saved").focus();
        touched();
      } else if (outcome.kind === "full") {
        say(d.msgFull);
      } else if (outcome.status === 401) {
        localStorage.removeItem(TOKEN_KEY);
        show("unpaired");
      } else if (outcome.status === 423) {  // the business is suspended by the operator
        say(d.msgSuspended);
      } else if (outcome.status === 429) {
        say(fill(d.msgBusy, { seconds: outcome.retryAfter || "60" }));
      } else {
        var reason = (outcome.data.error && outcome.data.error.message) || String(outcome.status);
        var refused = refusedContact(reason);
        if (!refused.marked) say(fill(d.msgFailed, { reason: reason }));
        else if (refused.rest) say(fill(d.msgFailed, { reason: refused.rest }));
      }
    }).catch(function () {
      say(d.msgOffline);  // not even the browser's storage would keep it: the text stays here
    }).then(function () {
      send.disabled = false;
    });
  });

  function showSent(data) {
    $("sent-number").textContent = "#" + data.number;
    $("sent-qr").src = data.thread_qr;  // the link itself is never shown: others pass by
    // When they will be answered, worded by the hub in this screen's language.
    $("sent-waiting").textContent = data.waiting_text || "";
    $("sent-waiting").hidden = !data.waiting_text;
    $("sent-waiting").setAttribute("data-kind", data.expected_reply_by ? "closed" : "usual");
    form.reset();
    department = null;
    show("sent");
    $("kiosk-again").focus();
    touched();
  }

  /* ---- Offline: submissions wait on this kiosk (static/js/kiosk-queue.js). ---- */

  var savedKey = null;
  var paired = true;  // false once the hub says this token is no longer a kiosk's
  var outbox = window.KioskQueue.create({
    token: token,
    fresh: repaired,
    onChange: function (waiting, online) {
      var banner = $("offline-banner");
      // unpaired: nothing is kept nor written here any more, whatever the network does
      banner.hidden = !paired || (online && waiting === 0);
      $("offline-waiting").textContent = waiting ? fill(d.msgWaiting, { count: num(waiting) }) : "";
      $("offline-waiting").hidden = !waiting;
    },
    onSent: function (item, data) {
      // the guest is still here (an item sent again without a refused field has a new key)
      if ((item.first_key || item.key) === savedKey && !$("saved").hidden) showSent(data);
    },
    onUnpaired: function () {
      paired = false;
      localStorage.removeItem(TOKEN_KEY);
      outbox.forget();
      show("unpaired");
    },
    onDropped: function (item, answer) {
      console.warn("a kept message was refused by the hub", answer.status, answer.data);
    }
  });
  $("kiosk-again-saved").addEventListener("click", reset);

  /* ---- Live configuration (the last one first: the network may be down). ---- */

  try {
    var cached = JSON.parse(localStorage.getItem(CONFIG_KEY) || "null");
    if (cached) render(cached);
  } catch (e) { /* a broken copy: wait for the hub's */ }

  var socket = io("/kiosk", { auth: { device_token: token }, transports: ["websocket"] });
  var beat = window.KioskQueue.heartbeat(socket, 30);
  socket.on("config", function (c) { render(c); beat(c.heartbeat_seconds); });
  socket.on("connect", function () { outbox.setLink(true); });
  socket.on("disconnect", function () { outbox.setLink(false); });
  function unpaired() {
    paired = false;
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(CONFIG_KEY);
    socket.disconnect();
    outbox.forget();
    show("unpaired");
  }
  socket.on("unpaired", unpaired);
  socket.on("connect_error", function (err) {
    if (err && err.message === "unknown kiosk") unpaired();
  });
})();
