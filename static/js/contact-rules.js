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
   then sends the SOS without it (kiosk-queue.js). Phone: printable characters, 6 to 15
   digits once spaces, dots, dashes and brackets go ("+" or "00" for the country), and
   then the intake's own reading (hub/phones.py `international`, ported below onto Google's
   numbering data in libphonenumber-js, static/vendor/): with its country ("+", "00") a
   possible number there; without, a valid number of the business's country (`region`,
   from the kiosk's configuration) or a valid international number without its "+". So
   "600 111 22" or "+123456" is told while the guest is there, not dropped when the kept
   SOS is sent. Exposed as window.sosContact. */
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

  /* ---- hub/phones.py `international`: the number as E.164, or null (no SMS reaches it). */
  var TRUNK_ZERO = /\(\s*0\s*\)/;  // "+34 (0) 612 …": the zero dialled at home only
  var TRUNK_ZEROS = /\(\s*0\s*\)/g;

  function parsed(text, region) {
    var lib = window.libphonenumber;
    try {
      return (region ? lib.parsePhoneNumberFromString(text, region)
                     : lib.parsePhoneNumberFromString(text)) || null;
    } catch (e) {
      return null;
    }
  }
  function possible(text) {
    var n = parsed(text);
    return n && n.isPossible() ? n.number : null;
  }
  function valid(text, region) {
    var n = parsed(text, region);
    return n && n.isValid() ? n.number : null;
  }
  /* Dialled abroad from `region` with its own exit code (Australia's 0011, not only 00). */
  function withExitCode(digits, region) {
    if (!region) return null;
    var idd;
    try {
      var metadata = new window.libphonenumber.Metadata();
      metadata.selectNumberingPlan(region);
      idd = metadata.numberingPlan.IDDPrefix();
    } catch (e) {
      return null;
    }
    var found = idd && new RegExp("^(?:" + idd + ")").exec(digits);
    var rest = found ? digits.slice(found[0].length) : "";
    return rest && rest[0] !== "0" ? possible("+" + rest) : null;
  }
  function read(text, region) {
    var digits = text.replace(/\D/g, "");
    if (text[0] === "+") return possible("+" + digits);
    if (text.slice(0, 2) === "00") {
      var found = withExitCode(digits, region) || possible("+" + digits.slice(2));
      if (!found && digits.slice(0, 4) === "0011") found = valid("+" + digits.slice(4));
      return found;
    }
    return (region ? valid(digits, region) : null) || valid("+" + digits);
  }
  function international(raw, region) {
    var text = String(raw).trim();
    if (!(text[0] === "+" || text.slice(0, 2) === "00") || !TRUNK_ZERO.test(text)) {
      return read(text, region);
    }
    var asTyped = read(text, region);
    if (asTyped && valid(asTyped)) return asTyped;
    var without = read(text.replace(TRUNK_ZEROS, " "), region);
    if (without && valid(without)) return without;
    return without || asTyped;
  }

  /* True when the hub would take `value` as contact.phone (blank: no phone given) from a
     business in `region` (ISO country, e.g. "ES"; null: none, as the hub reads UTC). */
  function phoneOk(value, region) {
    var phone = String(value || "");
    if (!phone.trim()) return true;
    if (UNPRINTABLE.test(phone)) return false;
    var compact = phone.replace(/[ ().-]/g, "");
    if (compact.slice(0, 2) === "00") compact = "+" + compact.slice(2);
    if (!/^\+?[0-9]{6,15}$/.test(compact)) return false;
    if (!window.libphonenumber) return true;  // the numbering data did not load: the hub judges
    return international(phone.replace(/\s+/g, " "), region || null) !== null;
  }

  /* The fields of `contact` ({name, email, phone}) the hub would refuse, in screen order. */
  function refused(contact, region) {
    var out = [];
    if (Array.from(String(contact.name || "")).length > 120) out.push("name");  // code points
    if (!emailOk(contact.email)) out.push("email");
    if (!phoneOk(contact.phone, region)) out.push("phone");
    return out;
  }

  window.sosContact = { emailOk: emailOk, phoneOk: phoneOk, refused: refused };
})();
