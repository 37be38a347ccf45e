/* Photos, on every page that sends or shows them: the customer's form and thread, the console.

   `window.sosPhotos.Picker` turns a `.photo-picker` element (web/customer/_photo_picker.html,
   the console's reply box) into an "Add photo" control: the chosen photos are previewed (a
   small picture drawn here: the page's CSP allows images from itself and data: only), can be
   removed before sending, are checked (a photo, at most 8 MB, at most as many as the
   ticket takes), and are sent one by one with their progress; one that fails says so and
   can be sent again. `sosPhotos.show` puts a photo (its JSON from the hub) into a bubble of
   a conversation, once. Every string comes from the page, in its language. */
(function () {
  "use strict";

  var PREVIEW_SIDE = 160;
  var PHOTO_NAME = /\.(jpe?g|png|webp|heic|heif)$/i;

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  /* A photo's address as the API answers it is absolute (HUB_PUBLIC_URL); the page loads it
     from the origin it was opened at, whose cookie and CSP are its own (the hub may have
     two names: 127.0.0.1 and localhost). */
  function ownPath(url) {
    var u = new URL(url, window.location.href);
    return u.pathname + u.search;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* A small preview as a data: URL, or null when this browser cannot decode the file (HEIC
     outside Safari): the item then shows its name instead. */
  function preview(file) {
    if (typeof window.createImageBitmap !== "function") return Promise.resolve(null);
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PREVIEW_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return canvas.toDataURL("image/jpeg", 0.8);
    }).catch(function () {
      return null;
    });
  }

  /* POST one photo as multipart/form-data; resolves {status, body} (status 0: no network). */
  function upload(url, file, message, onProgress) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("file", file, file.name || "photo.jpg");
      if (message) data.append("message", message);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-Requested-With", "sos-hub");
      xhr.withCredentials = true;
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
      };
      xhr.onload = function () {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        resolve({ status: xhr.status, body: body });
      };
      xhr.onerror = function () {
        resolve({ status: 0, body: null });
      };
      xhr.send(data);
    });
  }

  /* `root` holds an input[type=file], a `.photo-list` and a `.photo-error`; its data-*
     attributes carry the strings and the limits (data-max, data-max-bytes). */
  function Picker(root) {
    var self = this;
    this.root = root;
    this.s = root.dataset;
    this.max = parseInt(this.s.max, 10) || 10;
    this.maxBytes = parseInt(this.s.maxBytes, 10) || 8 * 1024 * 1024;
    this.input = root.querySelector("input[type=file]");
    this.list = root.querySelector(".photo-list");
    this.error = root.querySelector(".photo-error");
    this.items = [];
    this.onChange = function () {};
    root.hidden = false;
    this.input.addEventListener("change", function () {
      self.add(Array.prototype.slice.call(self.input.files || []));
      self.input.value = ""; /* the same photo may be chosen again after removing it */
    });
  }

  Picker.prototype.say = function (text) {
    this.error.textContent = text || "";
    this.error.hidden = !text;
  };

  Picker.prototype.add = function (files) {
    var self = this;
    var refused = "";
    files.forEach(function (file) {
      if (self.items.length >= self.max) {
        refused = fill(self.s.msgTooMany, { max: self.max });
      } else if (!/^image\//.test(file.type || "") && !PHOTO_NAME.test(file.name || "")) {
        refused = self.s.msgNotPhoto;
      } else if (file.size > self.maxBytes) {
        refused = self.s.msgTooBig;
      } else {
        self._item(file);
      }
    });
    this.say(refused);
    this.onChange();
  };

  Picker.prototype._item = function (file) {
    var self = this;
    var item = { file: file, state: "ready", li: el("li", "photo-item") };
    var frame = el("span", "photo-frame");
    var number = this.items.length + 1;
    var label = fill(this.s.labelPhoto, { n: number });
    frame.appendChild(el("span", "photo-name", file.name || label));
    preview(file).then(function (url) {
      if (!url) return;
      var img = el("img");
      img.src = url;
      img.alt = label;
      frame.replaceChildren(img);
    });
    item.status = el("span", "photo-status");
    item.status.setAttribute("role", "status");
    item.remove = el("button", "photo-remove");
    item.remove.type = "button";
    item.remove.setAttribute("aria-label", fill(this.s.labelRemove, { n: number }));
    item.remove.appendChild(el("span", null, "×")).setAttribute("aria-hidden", "true");
    item.remove.addEventListener("click", function () {
      self.items = self.items.filter(function (other) {
        return other !== item;
      });
      item.li.remove();
      self.say("");
      self.onChange();
    });
    item.retry = el("button", "photo-retry", this.s.labelRetry);
    item.retry.type = "button";
    item.retry.hidden = true;
    item.retry.addEventListener("click", function () {
      if (self.retry) self.retry(item);
    });
    item.li.appendChild(frame);
    item.li.appendChild(item.status);
    item.li.appendChild(item.retry);
    item.li.appendChild(item.remove);
    this.list.appendChild(item.li);
    this.items.push(item);
  };

  /* The photos not sent yet (chosen, or failed). */
  Picker.prototype.pending = function () {
    return this.items.filter(function (item) {
      return item.state !== "sent";
    });
  };

  Picker.prototype._state = function (item, state, text) {
    item.state = state;
    item.li.dataset.state = state;
    item.status.textContent = text || "";
    item.retry.hidden = state !== "failed" || !item.retryable;
    item.remove.hidden = state === "sending" || state === "sent";
  };

  /* Why the hub refused a photo, in the page's words. */
  Picker.prototype.refusal = function (result) {
    var said = (result.body && result.body.error && result.body.error.message) || "";
    if (result.status === 413) return this.s.msgTooBig;
    if (result.status === 400 && /photos per conversation/.test(said)) {
      return fill(this.s.msgTooMany, { max: this.max });
    }
    if (result.status === 400 && /^file:/.test(said)) return this.s.msgNotPhoto;
    return this.s.msgFailed;
  };

  /* Send one photo; resolves with the hub's JSON of it, or null (the item says why). */
  Picker.prototype.send = function (item, url, message) {
    var self = this;
    self._state(item, "sending", fill(self.s.labelSending, { percent: 0 }));
    return upload(url, item.file, message, function (share) {
      item.status.textContent = fill(self.s.labelSending, { percent: Math.round(share * 100) });
    }).then(function (result) {
      if (result.status === 201 && result.body) {
        self._state(item, "sent", self.s.labelSent);
        return result.body;
      }
      /* Worth another try: no network, a busy or failing hub; not a refusal of the file. */
      item.retryable = result.status === 0 || result.status === 429 || result.status >= 500;
      self._state(item, "failed", self.refusal(result));
      return null;
    });
  };

  /* Send every pending photo in turn (to `message`, or each on its own when null); resolves
     with {sent: [photo JSON], failed: count}. `retry` then sends a failed one again. */
  Picker.prototype.sendAll = function (url, message, onSent) {
    var self = this;
    var sent = [];
    var failed = 0;
    this.retry = function (item) {
      self.send(item, url, message).then(function (photo) {
        if (photo && onSent) onSent(photo);
        if (photo) self._dropSent();
      });
    };
    return this.pending().reduce(function (chain, item) {
      return chain.then(function () {
        return self.send(item, url, message).then(function (photo) {
          if (photo) {
            sent.push(photo);
            if (onSent) onSent(photo);
          } else {
            failed += 1;
          }
        });
      });
    }, Promise.resolve()).then(function () {
      self._dropSent();
      return { sent: sent, failed: failed };
    });
  };

  /* Sent photos leave the list once they show in the conversation. */
  Picker.prototype._dropSent = function () {
    this.items = this.items.filter(function (item) {
      if (item.state === "sent") item.li.remove();
      return item.state !== "sent";
    });
    this.onChange();
  };

  /* No more photos can be added (the message they went with is sent and done). */
  Picker.prototype.lock = function () {
    this.input.disabled = true;
    var add = this.root.querySelector(".photo-add");
    if (add) add.hidden = true;
  };

  Picker.prototype.clear = function () {
    this.items.forEach(function (item) {
      item.li.remove();
    });
    this.items = [];
    this.say("");
    this.onChange();
  };

  /* Put `photo` into `bubble` (an element of the conversation), once, as a thumbnail that
     opens the photo full size. */
  function show(bubble, photo, alt) {
    if (!bubble || !photo || typeof photo.id !== "string") return;
    var list = bubble.querySelector(":scope > .photos");
    if (!list) {
      list = el("ul", "photos");
      var after = bubble.querySelector(":scope > .text, :scope > .body, :scope > .sos-text");
      if (after && after.nextSibling) bubble.insertBefore(list, after.nextSibling);
      else bubble.appendChild(list);
    }
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.photoId === photo.id) return;
    }
    var item = el("li");
    item.dataset.photoId = photo.id;
    var link = el("a");
    link.href = ownPath(photo.url);
    link.target = "_blank";
    link.rel = "noopener";
    var img = el("img");
    img.src = ownPath(photo.thumbnail_url);
    img.alt = alt || "";
    img.loading = "lazy";
    link.appendChild(img);
    item.appendChild(link);
    list.appendChild(item);
  }

  window.sosPhotos = { Picker: Picker, upload: upload, show: show };
})();
