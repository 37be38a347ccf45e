// Tables wider than their box scroll sideways (admin.css draws a shadow at each cut edge).
// While one is cut, a line above it says "scroll sideways" and its box is a focusable region
// named after the table (arrow keys scroll it); when it fits again both go. Words come from
// the page's string table (web/admin/layout.html).
import { t } from "./i18n.js";

function nameOf(box) {
  const caption = box.querySelector("caption");
  if (caption && caption.textContent.trim()) return caption.textContent.trim();
  const around = box.closest("section, figure");
  const heading = around && around.querySelector("h2, h3, figcaption");
  return heading ? heading.textContent.trim() : "";
}

function watch(box) {
  const hint = document.createElement("p");
  hint.className = "scroll-hint";
  hint.setAttribute("aria-hidden", "true"); // the region's name says it to screen readers
  hint.textContent = t("scroll-hint");
  hint.hidden = true;
  box.before(hint);
  const hadTabIndex = box.hasAttribute("tabindex");
  const update = () => {
    const cut = box.clientWidth > 0 && box.scrollWidth > box.clientWidth + 1;
    hint.hidden = !cut;
    box.toggleAttribute("data-cut", cut);
    if (cut) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", t("scroll-region", { table: nameOf(box) }));
    } else {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      if (!hadTabIndex) box.removeAttribute("tabindex");
    }
  };
  new ResizeObserver(update).observe(box); // also when a closed <details> around it opens
  const table = box.querySelector("table");
  if (table) new ResizeObserver(update).observe(table);
}

for (const box of document.querySelectorAll(".table-scroll")) watch(box);
