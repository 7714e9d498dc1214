/* Back-office frame: the side navigation collapses behind a "Menu" button on narrow screens.
   Without JavaScript the navigation simply stays open above the page. */
(function () {
  "use strict";
  var toggle = document.querySelector("[data-nav-toggle]");
  var nav = document.querySelector("[data-nav]");
  if (!toggle || !nav) return;
  var narrow = window.matchMedia("(max-width: 900px)");
  document.documentElement.classList.add("bo-js");

  function set(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-collapsed", !open);
  }
  function follow() { set(!narrow.matches); }

  toggle.addEventListener("click", function () {
    set(toggle.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches) { set(false); toggle.focus(); }
  });
  if (narrow.addEventListener) narrow.addEventListener("change", follow);
  follow();
})();
