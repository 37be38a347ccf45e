// The staff nav on a phone (web/staff/_nav.html): the links fold behind one "Menu" button.
// Without this script (or on a wider screen, admin.css) every link shows, as on a desktop.
const nav = document.querySelector(".staff-nav[data-folding]");
const toggle = nav?.querySelector(".nav-toggle");
const links = nav?.querySelector(".nav-links");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
}

if (nav && toggle && links) {
  nav.classList.add("folds");
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  // Escape closes the open menu and gives the focus back to its button.
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  // A click elsewhere on the page closes it, as menus do.
  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target)) setOpen(false);
  });
}
