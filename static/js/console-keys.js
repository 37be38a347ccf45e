// Keyboard shortcuts: j/k, Enter, a, c, r, n, Escape, /, ? — never while typing in a field.

function typing(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  if (target.tagName !== "INPUT") return false;
  return !["checkbox", "radio", "button", "submit", "reset"].includes(target.type);
}

/** `actions` maps each shortcut to a function: next, prev, open, acknowledge, confirm, reply, note, escape, search, help.
 *  With `letters` false (turned off on /account, WCAG 2.1.4) only Escape and Enter act: no
 *  printable key does anything on the page. */
export function installShortcuts(actions, { letters = true } = {}) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // the help dialog handles its own keys
    const target = event.target;
    if (event.key === "Escape") {
      if (typing(target)) {
        target.blur(); // first Escape leaves the field, the next one closes the ticket
        actions.leaveField(target);
      } else {
        actions.escape();
      }
      event.preventDefault();
      return;
    }
    if (typing(target)) return;
    if (!letters && event.key !== "Enter") return;
    const onControl = target instanceof Element && target.closest("button, a, summary, input, label");
    let handled = true;
    switch (event.key) {
      case "j":
        actions.next();
        break;
      case "k":
        actions.prev();
        break;
      case "Enter":
        if (onControl) return; // a focused button or link does its own thing
        actions.open();
        break;
      case "a":
        actions.acknowledge();
        break;
      case "c":
        actions.confirm();
        break;
      case "r":
        actions.reply();
        break;
      case "n":
        actions.note();
        break;
      case "/":
        actions.search();
        break;
      case "?":
        actions.help();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault(); // e.g. "r" must not be typed into the reply box it focuses
  });
}
