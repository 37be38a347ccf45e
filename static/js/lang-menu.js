/* The language menu (customer/_lang.html) is a <details>: without this script it opens and
   closes with its button only. With it, Escape closes it and gives the focus back to its
   button, and the focus leaving it (Tab past the last language, a tap elsewhere) closes it,
   so it never stays open over the message box. */
(function () {
  "use strict";

  var menus = document.querySelectorAll(".lang-switch details");
  Array.prototype.forEach.call(menus, function (menu) {
    var button = menu.querySelector("summary");
    menu.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !menu.open) return;
      event.preventDefault();
      menu.open = false;
      button.focus();
    });
    // A tap on a language in a browser that does not focus links (Safari) blurs the button
    // first: the menu must stay open until that tap's click has followed the link.
    var pressing = false;
    menu.addEventListener("pointerdown", function () { pressing = true; });
    document.addEventListener("pointerup", function () {
      window.setTimeout(function () { pressing = false; }, 0);
    });
    menu.addEventListener("focusout", function (event) {
      var next = event.relatedTarget;
      if (pressing || !menu.open || (next && menu.contains(next))) return;
      menu.open = false;
    });
  });
})();
