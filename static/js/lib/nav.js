// The staff nav (web/staff/_nav.html). On a phone the links fold behind one "Menu" button, and
// "More" opens inside it, its links among the others. Wider (and in the console's bar), "More" is
// a list under its button that Escape or a click elsewhere closes. Without this script every
// link shows, as on a desktop (admin.css), and "More" still opens and closes by itself.
const nav = document.querySelector(".staff-nav");
const toggle = nav?.matches("[data-folding]") ? nav.querySelector(".nav-toggle") : null;
const links = nav?.querySelector(".nav-links");
const more = nav?.querySelector(".nav-more");
const phone = window.matchMedia("(max-width: 640px)");
const folds = Boolean(toggle && links);

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
}

/** In the phone's menu "More" stays open (its summary is hidden there); wider it starts closed. */
function fitMore() {
  if (more) more.open = folds && phone.matches;
}

if (folds) {
  nav.classList.add("folds");
  fitMore();
  phone.addEventListener("change", fitMore);
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
}

if (nav && (folds || more)) {
  const moreFolds = () => more && !(folds && phone.matches);
  // Escape closes what is open and gives the focus back to the button that opened it.
  nav.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (moreFolds() && more.open) {
      event.stopPropagation(); // the console's own Escape (close the ticket) waits its turn
      more.open = false;
      more.querySelector("summary").focus();
    } else if (folds && toggle.getAttribute("aria-expanded") === "true") {
      event.stopPropagation();
      setOpen(false);
      toggle.focus();
    }
  });
  // A click elsewhere on the page closes them, as menus do.
  document.addEventListener("click", (event) => {
    if (folds && !nav.contains(event.target)) setOpen(false);
    if (moreFolds() && !more.contains(event.target)) more.open = false;
  });
  // Tabbing out of "More" closes it: left open, its list covered what the focus moved to.
  more?.addEventListener("focusout", (event) => {
    if (moreFolds() && more.open && event.relatedTarget && !more.contains(event.relatedTarget)) {
      more.open = false;
    }
  });
}
