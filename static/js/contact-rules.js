/* A guest's contact details checked in the browser by the hub's own rules, for a screen
   that may have to keep an SOS while the network is down (the kiosk): a contact field the
   hub would refuse must be told while the guest is still there, not found when the SOS is
   sent an hour later.

   The rules mirror hub/routes/schemas.py ContactIn. E-mail: pydantic's EmailStr
   (email-validator without DNS): dot-atom local part (letters beyond ASCII allowed), a
   domain of at least two labels, letters, digits and inner hyphens (or beyond ASCII), its
   last label ending with a letter, none of the special-use names (.test, .local …). The
   browser's own `type=email` check is not used: it takes "ana@hotel" and "a..b@x.es",
   which the hub refuses, and refuses "josé@x.es", which the hub takes. Where only the hub
   can judge (punycode that does not decode), the field passes here; the kiosk's queue
   then sends the SOS without it (kiosk-queue.js). Phone: hub/notify/sms.py phone_number
   (6 to 15 digits once spaces, dots, dashes and brackets go; "+" or "00" for the
   country) and printable characters only. Exposed as window.sosContact. */
(function () {
  "use strict";

  var ATEXT = "A-Za-z0-9_!#$%&'*+\\-/=?^`{|}~\\u0080-\\u{10FFFF}";
  var LOCAL = new RegExp("^[" + ATEXT + "]+(?:\\.[" + ATEXT + "]+)*$", "u");
  var ASCII_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  var SPECIAL_USE = ["arpa", "invalid", "local", "localhost", "onion", "test"];
  // Python's str.isprintable(): no control, format or unassigned character, no space but " "
  var UNPRINTABLE = /(?! )[\p{C}\p{Z}]/u;

  function label(part) {
    if (/^[\x00-\x7f]*$/.test(part)) {
      // "ab--c" is no valid name (IDNA keeps "--" there for "xn--" labels)
      return ASCII_LABEL.test(part) && (part.slice(2, 4) !== "--" || /^xn--/i.test(part));
    }
    return /^[^\s.@]+$/u.test(part);  // beyond ASCII: the hub's IDNA decides
  }

  /* True when the hub would take `value` as contact.email (empty: no e-mail given). */
  function emailOk(value) {
    var email = String(value || "").trim();
    if (!email) return true;
    if (email.length > 254 || UNPRINTABLE.test(email)) return false;
    var at = email.lastIndexOf("@");
    if (at < 1) return false;
    if (!LOCAL.test(email.slice(0, at))) return false;
    // IDNA reads the ideographic full stops as dots ("ana@hotel。es")
    var domain = email.slice(at + 1).replace(/[\u3002\uff0e\uff61]/g, ".").toLowerCase();
    var labels = domain.split(".");
    if (labels.length < 2 || !labels.every(label)) return false;
    var last = labels[labels.length - 1];
    if (/^[\x00-\x7f]*$/.test(last) && !/[a-z]$/.test(last)) return false;
    return !SPECIAL_USE.some(function (name) {
      return domain === name || domain.slice(-name.length - 1) === "." + name;
    });
  }

  /* True when the hub would take `value` as contact.phone (blank: no phone given). */
  function phoneOk(value) {
    var phone = String(value || "");
    if (!phone.trim()) return true;
    if (UNPRINTABLE.test(phone)) return false;
    var compact = phone.replace(/[ ().-]/g, "");
    if (compact.slice(0, 2) === "00") compact = "+" + compact.slice(2);
    return /^\+?[0-9]{6,15}$/.test(compact);
  }

  /* The fields of `contact` ({name, email, phone}) the hub would refuse, in screen order. */
  function refused(contact) {
    var out = [];
    if (Array.from(String(contact.name || "")).length > 120) out.push("name");  // code points
    if (!emailOk(contact.email)) out.push("email");
    if (!phoneOk(contact.phone)) out.push("phone");
    return out;
  }

  window.sosContact = { emailOk: emailOk, phoneOk: phoneOk, refused: refused };
})();
