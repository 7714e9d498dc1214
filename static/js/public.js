/* Public site: tabs, the mobile menu, the venue-map dialogs and click-to-play videos.
   Everything works without JavaScript too (tab panels stack, the menu stays open, the
   venue lists are in the page). */
(function () {
  "use strict";

  // --- Tabs (WAI-ARIA tabs pattern, automatic activation) ---
  document.querySelectorAll("[data-tabs]").forEach(function (root) {
    var list = root.querySelector("[role=tablist]");
    var tabs = Array.prototype.slice.call(root.querySelectorAll("[role=tab]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });
    if (!list || !tabs.length) return;
    list.hidden = false;
    root.classList.add("tabs-ready");
    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        panels[i].hidden = !on;
      });
      if (focus) tabs[index].focus();
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = (i + 1) % tabs.length;
        else if (event.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
        else if (event.key === "Home") next = 0;
        else if (event.key === "End") next = tabs.length - 1;
        if (next !== null) { event.preventDefault(); select(next, true); }
      });
    });
    select(0, false);
  });

  // --- Main menu toggle on small screens ---
  var nav = document.querySelector("[data-main-nav]");
  if (nav) {
    var toggle = nav.querySelector(".menu-toggle");
    var menu = nav.querySelector(".main-menu");
    toggle.hidden = false;
    nav.classList.add("js-menu");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      menu.classList.toggle("open", !open);
    });
  }

  // --- Venue map: a city opens its dialog; Escape or Close shuts it and focus returns ---
  var opener = null;
  function openCity(code, trigger) {
    var dialog = document.querySelector('[data-city-dialog="' + code + '"]');
    if (!dialog || dialog.open) return;
    opener = trigger;
    dialog.showModal();
    var close = dialog.querySelector("[data-dialog-close]");
    if (close) close.focus();
  }
  document.querySelectorAll("[data-city-dialog]").forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) opener.focus();
      opener = null;
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a click on the backdrop
    });
  });
  document.querySelectorAll("[data-city-open]").forEach(function (trigger) {
    trigger.addEventListener("click", function () { openCity(trigger.getAttribute("data-city-open"), trigger); });
    if (trigger.tagName.toLowerCase() !== "button") {
      trigger.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          openCity(trigger.getAttribute("data-city-open"), trigger);
        }
      });
    }
  });

  // --- Videos from video sites: nothing loads from them until the visitor presses play ---
  document.querySelectorAll("[data-video-play]").forEach(function (button) {
    button.addEventListener("click", function () {
      var facade = button.closest("[data-embed-src]");
      var frame = document.createElement("iframe");
      frame.src = facade.getAttribute("data-embed-src");
      frame.title = facade.getAttribute("data-embed-title") || "";
      frame.width = 640;
      frame.height = 360;
      frame.allow = "autoplay; fullscreen; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      facade.replaceChildren(frame);
      frame.focus();
    });
  });

  // --- Home log-in box: the cached page has no CSRF token or CAPTCHA; fetch the form (never cached) ---
  document.querySelectorAll("[data-login-box]").forEach(function (slot) {
    fetch(slot.dataset.loginBox, {credentials: "same-origin", cache: "no-store",
                                  headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (r) { return r.status === 200 ? r.text() : null; })
      .then(function (html) {
        if (!html) return;  // keep the link to the log-in page
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var form = holder.querySelector("form.login-box-form");
        if (form) slot.replaceWith(form);
      })
      .catch(function () { /* keep the link to the log-in page */ });
  });
})();
