/* Recruitment and attendance pages: live refresh of figures, "select all" for bulk decisions. */
(function () {
  "use strict";
  document.querySelectorAll("[data-live-url]").forEach(function (box) {
    var seconds = parseInt(box.getAttribute("data-live-seconds") || "30", 10);
    var status = document.getElementById("fill-updated");
    function refresh() {
      if (document.hidden) { return; }
      fetch(box.getAttribute("data-live-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { if (r.ok) { return r.text(); } throw new Error(r.status); })
        .then(function (html) {
          box.innerHTML = html;
          if (status) { status.textContent = " " + new Date().toLocaleTimeString(); }
        })
        .catch(function () { /* keep the figures shown; try again next time */ });
    }
    window.setInterval(refresh, seconds * 1000);
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      var name = all.getAttribute("data-select-all");
      document.querySelectorAll("input[name='" + name + "']").forEach(function (box) { box.checked = all.checked; });
    });
  });
}());
