/* The customer's private thread, live. Without JavaScript the page is complete and its form
   posts to /t/<token>; with it: staff replies and status changes arrive over socket.io
   (/thread), the page catches up from GET /api/v1/thread/<token> on every (re)connect and
   on `resync`, answers go through the JSON API, and the link is remembered in this browser.
   Messages are rendered by id, so the same message arriving twice shows once. All text goes
   in with textContent: customer and staff text is never parsed as HTML. */
(function () {
  "use strict";

  var STORE_KEY = "sos-hub.threads";
  var STEPS = ["received", "being_handled", "resolved"];
  var main = document.querySelector("main[data-thread-token]");
  if (!main) return;

  var d = main.dataset;
  var token = d.threadToken;
  var api = "/api/v1/thread/" + encodeURIComponent(token);
  var max = parseInt(d.max, 10) || 2000;
  var conversation = document.getElementById("conversation");
  var statusEl = document.getElementById("status");
  var liveState = document.getElementById("live-state");
  var resolvedNote = document.getElementById("resolved-note");
  var survey = document.getElementById("survey");
  var announcer = document.getElementById("announcer");

  /* Screen readers hear a staff reply as it arrives (the list itself is not a live region:
     a catch-up after a reconnect would read the whole conversation again). */
  function announce(message) {
    if (!announcer || message.from === "customer" || !message.text) return;
    var name = (message.author && message.author.name) || d.businessName;
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = fill(d.labelReply, { name: name, text: (message.text || "").slice(0, 200) });
    }, 50);
  }

  var words = window.sosWords;
  var num = words.num;
  var fill = words.fill;
  var chars = words.chars;

  /* ---- Times, in the business's time zone: "19:07" today, "29 nov, 19:07" before. ---- */

  function formatter(options) {
    try {
      return words.dates(Object.assign({ timeZone: d.timezone }, options));
    } catch (e) {
      return words.dates(options);
    }
  }
  var dayFmt = formatter({ year: "numeric", month: "2-digit", day: "2-digit" });
  /* The hour as the server writes it in this language ("4:30" in es and ca, "04:30" in fr). */
  var hour = d.hour === "numeric" ? "numeric" : "2-digit";
  var timeFmt = formatter({ hour: hour, minute: "2-digit", hourCycle: "h23" });
  var dateTimeFmt = formatter({ day: "numeric", month: "short", hour: hour, minute: "2-digit", hourCycle: "h23" });

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    var today = dayFmt.format(new Date()) === dayFmt.format(date);
    return (today ? timeFmt : dateTimeFmt).format(date);
  }

  /* ---- Messages ---------------------------------------------------------------------- */

  function findMessage(id) {
    var items = conversation.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.id === id) return items[i];
    }
    return null;
  }

  function setTranslation(item, message) {
    var translated = message.translations && message.translations[d.lang];
    var box = item.querySelector(".translation");
    if (!translated || translated === message.text) return;
    if (!box) {
      box = document.createElement("div");
      box.className = "translation";
      var tag = document.createElement("p");
      tag.className = "tag";
      tag.textContent = d.labelTranslation;
      var text = document.createElement("p");
      text.className = "text";
      text.dir = "auto";
      box.appendChild(tag);
      box.appendChild(text);
      item.appendChild(box);
    }
    box.querySelector(".text").textContent = translated;
  }

  function buildMessage(message) {
    var mine = message.from === "customer";
    var agent = !mine && message.author && message.author.name;
    var item = document.createElement("li");
    item.className = "msg " + (mine ? "from-customer" : "from-staff");
    item.dataset.id = message.id;
    item.dataset.created = message.created_at || "";
    var who = document.createElement("p");
    who.className = "who";
    var author = document.createElement("span");
    author.className = "author";
    author.textContent = mine ? d.labelYou : agent || d.businessName;
    var time = document.createElement("time");
    time.dateTime = message.created_at || "";
    time.textContent = when(message.created_at);
    who.appendChild(author);
    if (agent) {
      /* who answered, and for which business (CONTRACT.md: `author: {name}`) */
      var org = document.createElement("span");
      org.className = "org";
      org.textContent = "· " + d.businessName;
      who.appendChild(document.createTextNode(" "));
      who.appendChild(org);
    }
    who.appendChild(document.createTextNode(" "));
    who.appendChild(time);
    var text = document.createElement("p");
    text.className = "text";
    text.textContent = message.text;
    text.dir = "auto"; /* Arabic or Hebrew reads right to left, whatever the page's language */
    item.appendChild(who);
    item.appendChild(text);
    return item;
  }

  /* Insert or update one message, keeping the list in time order. */
  function renderMessage(message, fresh) {
    if (!message || typeof message.id !== "string") return;
    var item = findMessage(message.id);
    if (!item) {
      item = buildMessage(message);
      var created = item.dataset.created;
      var before = null;
      for (var i = conversation.children.length - 1; i >= 0; i--) {
        var other = conversation.children[i];
        if ((other.dataset.created || "") <= created) break;
        before = other;
      }
      if (fresh) {
        item.classList.add("fresh");
        announce(message);
      }
      conversation.insertBefore(item, before);
      showWaiting();
    }
    setTranslation(item, message);
  }

  /* "We open at 08:00 tomorrow" or "answers usually take…" stays while the customer waits:
     once staff have the last word it is answered (the server leaves it out on reload). */
  var waitingNote = document.getElementById("waiting-note");
  function showWaiting() {
    var last = conversation.lastElementChild;
    if (waitingNote) waitingNote.hidden = Boolean(last && last.classList.contains("from-staff"));
  }

  /* ---- Status ------------------------------------------------------------------------ */

  function setStatus(status) {
    var index = STEPS.indexOf(status);
    if (index < 0 || statusEl.dataset.status === status) return;
    statusEl.dataset.status = status;
    statusEl.className = "status status-" + status;
    statusEl.textContent = d["label" + status.charAt(0).toUpperCase() + status.slice(1)];
    var steps = document.querySelectorAll(".steps li");
    for (var i = 0; i < steps.length; i++) {
      steps[i].classList.toggle("done", i < index);
      steps[i].classList.toggle("current", i === index);
    }
    if (resolvedNote) resolvedNote.hidden = status !== "resolved";
    if (survey) {
      // the survey opens once resolved; a rating sent keeps its thanks (a poor one reopens)
      var open = status === "resolved";
      survey.hidden = !open && !survey.dataset.rated;
      var form = document.getElementById("survey-form");
      if (form) form.hidden = !open;
      var thanks = survey.querySelectorAll(".survey-thanks-open, .survey-thanks-closed");
      for (var t = 0; t < thanks.length; t++) {
        thanks[t].hidden = thanks[t].classList.contains("survey-thanks-open") !== open;
      }
    }
    remember(status);
  }

  /* ---- This browser's list of threads (read by sos-form.js) --------------------------- */

  function remember(status) {
    try {
      var all = JSON.parse(window.localStorage.getItem(STORE_KEY) || "[]");
      if (!Array.isArray(all)) all = [];
      all = all.filter(function (t) {
        return t && t.path !== d.threadPath;
      });
      all.push({
        path: d.threadPath,
        number: parseInt(d.number, 10),
        business: d.business,
        place: d.place,
        created: d.created,
        status: status || statusEl.dataset.status,
      });
      all.sort(function (a, b) {
        return String(b.created || "").localeCompare(String(a.created || ""));
      });
      window.localStorage.setItem(STORE_KEY, JSON.stringify(all.slice(0, 20)));
      return true;
    } catch (e) {
      return false; /* storage disabled or full: the link on the page is still there */
    }
  }

  /* ---- Catching up ------------------------------------------------------------------- */

  var loading = false;
  var loadAgain = false;
  /* Counts live status changes: a catch-up answer that left the server before one of them
     arrived must not put the older status back (it loads again instead). */
  var liveChanges = 0;

  function resync() {
    if (loading) {
      loadAgain = true;
      return;
    }
    loading = true;
    var changesBefore = liveChanges;
    fetch(api, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (liveChanges !== changesBefore) loadAgain = true;  // maybe older than the live news
        else if (data.ticket) setStatus(data.ticket.status);
        (data.messages || []).forEach(function (m) {
          renderMessage(m, false);
        });
        (data.attachments || []).forEach(function (photo) {
          renderPhoto(photo, false);
        });
      })
      .catch(function () {
        /* offline for now: the next reconnect tries again */
      })
      .then(function () {
        loading = false;
        if (loadAgain) {
          loadAgain = false;
          resync();
        }
      });
  }

  function setLive(text) {
    if (liveState.textContent !== text) liveState.textContent = text;
  }

  if (typeof window.io === "function") {
    var socket = window.io("/thread", {
      auth: { thread_token: token },
      transports: ["websocket", "polling"],
    });
    socket.on("connect", function () {
      main.dataset.connection = "live";
      setLive("");
      resync();
    });
    socket.on("disconnect", function (reason) {
      main.dataset.connection = "offline";
      if (reason !== "io client disconnect") setLive(d.labelOffline);
    });
    socket.on("connect_error", function () {
      setLive(d.labelOffline);
    });
    var names = JSON.parse(d.events || "{}");
    socket.on(names.message_posted, function (payload) {
      if (payload && payload.message) renderMessage(payload.message, true);
      renderWaiting();
    });
    socket.on(names.attachment_added, function (payload) {
      if (payload && payload.attachment) renderPhoto(payload.attachment, true);
    });
    /* A reply's machine translation into this page's language arrives a moment later. */
    socket.on(names.message_translated, function (payload) {
      if (payload && payload.message) renderMessage(payload.message, false);
    });
    socket.on(names.ticket_updated, function (ticket) {
      if (ticket && ticket.status) {
        liveChanges += 1;
        setStatus(ticket.status);
      }
    });
    socket.on("resync", resync);
    /* Phones freeze background tabs: catch up as soon as the page is looked at again. */
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible") return;
      if (socket.connected) resync();
      else socket.connect();
    });
  }

  /* ---- Answering --------------------------------------------------------------------- */

  var form = document.getElementById("answer-form");
  var textarea = form && form.querySelector("#text");
  var error = document.getElementById("text-error");
  var button = form && form.querySelector("button[type=submit]");
  var buttonLabel = button ? button.textContent : "";
  var sending = false;

  function describedBy(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    el.setAttribute("aria-describedby", ids.join(" "));
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
    describedBy(textarea, "text-error", true);
    textarea.focus();
  }

  function clearError() {
    error.hidden = true;
    error.textContent = "";
    textarea.removeAttribute("aria-invalid");
    describedBy(textarea, "text-error", false);
  }

  function refusal(status, body) {
    var n = chars(textarea.value.trim());
    if (status === 400 || status === 413) {
      if (n === 0) return d.msgEmpty;
      if (n > max) return fill(d.msgTooLong, { count: num(n) });
      return (body && body.error && body.error.message) || d.msgFailed;
    }
    if (status === 429) return d.msgBusy;
    if (status === 503) return d.msgUnavailable || d.msgFailed; /* not stored: the text stays */
    return d.msgFailed;
  }

  if (form && textarea && error && button) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      if (photos && photos.pending().length && !textarea.value.trim()) {
        sendPhotos(null); /* photos on their own */
        return;
      }
      sending = true;
      button.disabled = true;
      button.textContent = button.dataset.labelSending || buttonLabel;
      fetch(api + "/messages", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-Requested-With": "sos-hub",
        },
        credentials: "same-origin",
        body: JSON.stringify({ text: textarea.value }),
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return null;
            })
            .then(function (body) {
              if (response.status === 201 && body) {
                renderMessage(body, true);
                textarea.value = "";
                clearError();
                if (photos && photos.pending().length) return sendPhotos(body.id);
              } else {
                showError(refusal(response.status, body));
              }
            });
        })
        .catch(function () {
          showError(d.msgFailed); /* the text stays in the box */
        })
        .then(function () {
          if (photosSending) return;
          sending = false;
          button.disabled = false;
          button.textContent = buttonLabel;
        });
    });
    textarea.addEventListener("input", function () {
      if (!error.hidden && textarea.value.trim().length > 0 && chars(textarea.value) <= max) clearError();
    });
  }

  /* ---- Photos (static/js/photos.js): each in the bubble it goes with -------------------- */

  var pickerRoot = document.getElementById("photo-picker");
  var photos = pickerRoot && window.sosPhotos && form ? new window.sosPhotos.Picker(pickerRoot) : null;
  var ticketId = pickerRoot ? pickerRoot.dataset.ticket : "";
  var photoAlt = pickerRoot ? pickerRoot.dataset.labelAlt : "";
  var waiting = []; /* photos whose message has not arrived yet */
  var photosSending = false;

  /* A photo of this thread (from the hub's JSON, an event or an upload), shown once. */
  function renderPhoto(photo, fresh) {
    if (!photo || typeof photo.id !== "string" || !window.sosPhotos) return;
    var owner = photo.message_id;
    var bubble = owner ? findMessage(owner === ticketId ? "ticket" : owner) : null;
    if (owner && !bubble) {
      waiting.push(photo);
      return;
    }
    if (!bubble) {
      renderMessage({ id: photo.id, from: photo.from, author: photo.author, created_at: photo.created_at, text: "" }, fresh);
      bubble = findMessage(photo.id);
    }
    window.sosPhotos.show(bubble, photo, photoAlt);
  }

  function renderWaiting() {
    var again = waiting;
    waiting = [];
    again.forEach(function (photo) {
      renderPhoto(photo, false);
    });
  }

  function sendPhotos(message) {
    photosSending = sending = true;
    button.disabled = true;
    button.textContent = button.dataset.labelSending || buttonLabel;
    return photos.sendAll(api + "/attachments", message, function (photo) {
      renderPhoto(photo, true);
    }).then(function () {
      photosSending = sending = false;
      button.disabled = false;
      button.textContent = buttonLabel;
    });
  }

  /* ---- After sending: copy and keep the private link ---------------------------------- */

  var link = document.getElementById("thread-link");
  var copy = document.getElementById("copy-link");
  var copyState = document.getElementById("copy-state");
  if (link && copy && navigator.clipboard && window.isSecureContext) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(function () {
        copyState.textContent = d.labelCopied;
      });
    });
  }

  var saved = remember(statusEl.dataset.status);
  var savedNote = document.getElementById("saved-note");
  if (saved && savedNote) savedNote.hidden = false;

  /* Drop ?sent=1 so a bookmark or a reload opens the plain conversation. */
  if (window.history && window.history.replaceState && /[?&]sent=1/.test(window.location.search)) {
    window.history.replaceState(null, "", d.threadPath + window.location.hash);
  }

})();
