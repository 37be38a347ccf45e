// The staff nav (web/staff/_nav.html). On a phone the links fold behind one "Menu" button, and
// "More" opens inside it, its links among the others. Wider, "More" is a list under its button
// that Escape or a click elsewhere closes. Without this script every link shows, as on a desktop
// (admin.css), and "More" still opens and closes by itself (a <details>).
const nav = document.querySelector(".staff-nav[data-folding]");
const toggle = nav?.querySelector(".nav-toggle");
const links = nav?.querySelector(".nav-links");
const more = nav?.querySelector(".nav-more");
const phone = window.matchMedia("(max-width: 640px)");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
}

/** On a phone "More" stays open (its summary is hidden there); wider it starts closed. */
function fitMore() {
  if (more) more.open = phone.matches;
}

if (nav && toggle && links) {
  nav.classList.add("folds");
  fitMore();
  phone.addEventListener("change", fitMore);
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  // Escape closes what is open and gives the focus back to the button that opened it.
  nav.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    if (more?.open && !phone.matches) {
      more.open = false;
      more.querySelector("summary").focus();
    } else if (toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  // A click elsewhere on the page closes them, as menus do.
  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target)) setOpen(false);
    if (more && !phone.matches && !more.contains(event.target)) more.open = false;
  });
}
