/* The SOS form behind a QR code, made nicer with JavaScript. Without it the page is a plain
   form that the server validates; with it: a live character counter, the contact fields
   hidden while "send anonymously" is ticked, a check before sending, links to this
   browser's previous messages to this business (kept in localStorage by thread.js), a
   draft kept in this tab (sessionStorage) so that switching language loses nothing, and
   sending in the page: the same form post, answered in JSON, so that with no signal the
   guest stays on the page with their text and is told. With photos, the SOS goes first and
   each photo then goes with it, so the text is never lost to a photo that fails. */
(function () {
  "use strict";

  var STORE_KEY = "sos-hub.threads";
  var form = document.getElementById("sos-form");
  if (!form) return;

  var text = form.querySelector("#text");
  var error = document.getElementById("text-error");
  var counter = document.getElementById("text-count");
  var count = counter && counter.querySelector("[data-count]");
  var anonymous = form.querySelector("#anonymous");
  var contact = document.getElementById("contact-fields");
  var submit = form.querySelector("button[type=submit]");
  var max = parseInt(form.dataset.max, 10) || 2000;
  var submitLabel = submit ? submit.textContent : "";

  var words = window.sosWords;
  var num = words.num;
  var fill = words.fill;
  var chars = words.chars;

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
    text.setAttribute("aria-invalid", "true");
    describedBy(text, "text-error", true);
  }

  function clearError() {
    if (error.hidden) return;
    error.hidden = true;
    error.textContent = "";
    text.removeAttribute("aria-invalid");
    describedBy(text, "text-error", false);
  }

  /* What the server will count: line breaks as one character, surrounding blanks trimmed. */
  function length() {
    return chars(text.value.trim());
  }

  function updateCounter() {
    if (!counter) return;
    var n = chars(text.value);
    count.textContent = String(n);
    counter.classList.toggle("near", n > max * 0.9 && n <= max);
    counter.classList.toggle("over", n > max);
  }

  if (counter) {
    counter.hidden = false;
    /* The counter shows the limit; the hint stays for screen readers (aria-describedby). */
    var hint = document.getElementById("text-hint");
    if (hint) hint.classList.add("visually-hidden");
    updateCounter();
    text.addEventListener("input", function () {
      updateCounter();
      if (chars(text.value) > max) {
        showError(fill(form.dataset.msgTooLong, { count: num(chars(text.value)) }));
      } else if (!error.hidden && length() > 0) {
        clearError();
      }
    });
  }

  /* ---- The draft: kept in this tab while it is written, so that the language links
     (?lang=xx, a new page) do not throw it away; removed once the SOS is sent. ---- */

  var DRAFT_KEY = "sos-hub.draft:" + form.getAttribute("action");
  var DRAFT_FIELDS = ["text", "name", "email", "phone"];

  /* The form's "served at" stamp (the bot check's clock): a restored draft keeps the first
     page's, or a guest who taps Send within two seconds of a language switch is held back
     as a bot ("too_fast") with the whole text typed before it. */
  var stamp = form.querySelector('input[name="t"]');

  function saveDraft() {
    var draft = { anonymous: !!(anonymous && anonymous.checked) };
    if (stamp) draft.t = stamp.value;
    DRAFT_FIELDS.forEach(function (name) {
      var input = form.querySelector("#" + name);
      if (input) draft[name] = input.value;
    });
    try {
      window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    } catch (e) { /* private mode or full: the draft is only a convenience */ }
  }

  function dropDraft() {
    try {
      window.sessionStorage.removeItem(DRAFT_KEY);
    } catch (e) { /* nothing kept */ }
  }

  /* Back on the page (another language): fill what the server left empty. */
  function restoreDraft() {
    var draft;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(DRAFT_KEY) || "null");
    } catch (e) {
      draft = null;
    }
    if (!draft || typeof draft !== "object") return;
    var contactBack = false;
    DRAFT_FIELDS.forEach(function (name) {
      var input = form.querySelector("#" + name);
      if (!input || input.value || typeof draft[name] !== "string" || !draft[name]) return;
      input.value = draft[name];
      if (name !== "text") contactBack = true;
    });
    if (anonymous && draft.anonymous === true) anonymous.checked = true;
    if (stamp && typeof draft.t === "string" && draft.t) stamp.value = draft.t;
    var more = document.getElementById("contact-more");
    if (contactBack && more) more.open = true;
  }

  restoreDraft();
  updateCounter();
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  /* Anonymous: hide and disable the contact fields, so nothing personal is even sent. */
  function syncAnonymous() {
    if (!anonymous || !contact) return;
    contact.hidden = anonymous.checked;
    contact.disabled = anonymous.checked;
  }
  if (anonymous) {
    anonymous.addEventListener("change", syncAnonymous);
    syncAnonymous();
  }

  form.addEventListener("submit", function (event) {
    var n = length();
    if (n === 0) {
      event.preventDefault();
      showError(form.dataset.msgEmpty);
      text.focus();
      return;
    }
    if (n > max) {
      event.preventDefault();
      showError(fill(form.dataset.msgTooLong, { count: num(n) }));
      text.focus();
      return;
    }
    if (submit) {
      /* One tap, one SOS: a second tap while the page is loading would send it twice. */
      if (submit.disabled) {
        event.preventDefault();
        return;
      }
      submit.disabled = true;
      submit.textContent = submit.dataset.labelSending || submitLabel;
    }
  });

  /* Coming back with the browser's Back button restores the page as it was: re-enable it. */
  window.addEventListener("pageshow", function () {
    if (submit) {
      submit.disabled = false;
      submit.textContent = submitLabel;
    }
  });

  /* "Your previous messages": threads this browser opened for this business. */
  function previousThreads() {
    try {
      var all = JSON.parse(window.localStorage.getItem(STORE_KEY) || "[]");
      return Array.isArray(all) ? all : [];
    } catch (e) {
      return [];
    }
  }

  function day(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) return "";
    try {
      return words.dates({ day: "numeric", month: "short" }).format(date);
    } catch (e) {
      return "";
    }
  }

  function showPrevious() {
    var section = document.getElementById("previous");
    var list = document.getElementById("previous-list");
    if (!section || !list) return;
    var business = form.dataset.business;
    var mine = previousThreads().filter(function (t) {
      return t && t.business === business && typeof t.path === "string" && /^\/t\/[\w-]+$/.test(t.path);
    });
    if (!mine.length) return;
    mine.slice(0, 5).forEach(function (t) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = t.path;
      var title = document.createElement("span");
      title.textContent = fill(form.dataset.labelNumber, { number: t.number });
      link.appendChild(title);
      var detail = [t.place, day(t.created)].filter(Boolean).join(" · ");
      if (detail) {
        var sub = document.createElement("span");
        sub.className = "help";
        sub.textContent = detail;
        link.appendChild(sub);
      }
      item.appendChild(link);
      list.appendChild(item);
    });
    section.hidden = false;
  }

  showPrevious();

  /* ---- Photos (static/js/photos.js) ---------------------------------------------------- */

  var pickerRoot = document.getElementById("photo-picker");
  var picker = pickerRoot && window.sosPhotos ? new window.sosPhotos.Picker(pickerRoot) : null;

  function formError(message) {
    var box = document.getElementById("form-error");
    if (!box) {
      box = document.createElement("p");
      box.id = "form-error";
      box.className = "error form-error";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = message;
    box.hidden = !message;
  }

  function fieldError(name, message) {
    if (name === "text") return showError(message);
    if (name === "form") return formError(message);
    var input = form.querySelector("#" + name);
    if (!input) return formError(message);
    var box = document.getElementById(name + "-error");
    if (!box) {
      box = document.createElement("p");
      box.id = name + "-error";
      box.className = "error";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    describedBy(input, box.id, true);
    var more = input.closest("details");
    if (more) more.open = true; /* the contact details fold: open it to show the error */
  }

  /* A new try: the previous answer's messages go (the server says again what is wrong). */
  function clearFieldErrors() {
    ["name", "email", "phone"].forEach(function (name) {
      var input = form.querySelector("#" + name);
      var box = document.getElementById(name + "-error");
      if (!input || !box) return;
      box.hidden = true;
      box.textContent = "";
      input.removeAttribute("aria-invalid");
      describedBy(input, box.id, false);
    });
  }

  function enable() {
    submit.disabled = false;
    submit.textContent = submitLabel;
  }

  /* The SOS is stored; some photo is not: say so, keep the failed ones to try again, and
     offer the conversation (the form itself is done: a second tap would send it twice). */
  function photosFailed(threadPath) {
    formError(form.dataset.msgPhotosFailed);
    picker.lock();
    text.readOnly = true;
    submit.hidden = true;
    var link = document.createElement("a");
    link.className = "button primary big go-on";
    link.href = threadPath;
    link.textContent = form.dataset.labelGoOn;
    submit.insertAdjacentElement("afterend", link);
  }

  function refused(status, body) {
    var errors = body && body.errors;
    if (errors && typeof errors === "object" && Object.keys(errors).length) {
      Object.keys(errors).forEach(function (name) {
        fieldError(name, String(errors[name]));
      });
    } else {
      formError(status === 429 ? form.dataset.msgBusy : form.dataset.msgFailed);
    }
    enable();
    /* Send was disabled while sending, so the focus fell to the page: put it on the first
       field to correct (in the form's order), where its message is read out with it. */
    var first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  /* The SOS through the same form post, answered in JSON; then its photos, if any. */
  var SEND_TIMEOUT_MS = 30000; /* a connection that hangs: say so rather than spin */

  function sendHere() {
    formError("");
    clearFieldErrors();
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    var timer = abort ? window.setTimeout(function () { abort.abort(); }, SEND_TIMEOUT_MS) : null;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort ? abort.signal : undefined,
    })
      .then(function (response) {
        return response.json().catch(function () {
          return null;
        }).then(function (body) {
          if (response.status !== 201 || !body || !body.thread_url) {
            if (response.status === 423 && !(picker && picker.pending().length)) {
              /* A suspended business answers a page of its own: let the browser post and
                 show it. Any other refusal stays here with the text and the draft (a
                 second post of a 429 or a 502 would count twice, or send it twice). */
              dropDraft();
              return form.submit();
            }
            return refused(response.status, body);
          }
          dropDraft(); /* sent: nothing of it stays in this browser */
          var token = encodeURIComponent(String(body.thread_url).split("/").pop());
          var threadPath = "/t/" + token + "?sent=1";
          if (!picker || !picker.pending().length) return window.location.assign(threadPath);
          return picker.sendAll("/api/v1/thread/" + token + "/attachments", body.id).then(function (result) {
            if (result.failed) photosFailed(threadPath);
            else window.location.assign(threadPath);
          });
        });
      })
      .catch(function () {
        refused(0, null); /* no signal: the page, the text and the draft stay */
      })
      .then(function () {
        if (timer) window.clearTimeout(timer);
      });
  }

  /* After the checks above (registered first): the page sends it itself. */
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    event.preventDefault();
    sendHere();
  });
})();
