// Volunteer journey: CAPTCHA refresh ("重新產生") and the group-roster progress poll. Progressive
// enhancement only: every page works without it.
(function () {
  // A form sent back with errors: focus moves to the error summary at its top (its links lead to the fields).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".captcha-refresh");
    if (!button) return;
    var box = button.closest(".captcha-box");
    fetch(button.dataset.refreshUrl, {headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        box.querySelector("img.captcha-image").src = data.image_url;
        box.querySelector("input[type=hidden]").value = data.key;
        var audio = box.querySelector(".captcha-audio");
        if (audio && data.audio_url) audio.href = data.audio_url;
        var text = box.querySelector("input[type=text]");
        if (text) { text.value = ""; text.focus(); }
      });
  });
  var progress = document.getElementById("roster-progress");
  if (progress && !progress.dataset.finished) {
    var timer = setInterval(function () {
      fetch(progress.dataset.url).then(function (r) { return r.json(); }).then(function (data) {
        var bar = document.getElementById("roster-bar");
        if (bar) bar.value = data.percent;
        var count = progress.querySelector(".roster-count");
        if (count) count.textContent = data.processed + " / " + data.total;
        if (data.finished) { clearInterval(timer); window.location.reload(); }
      });
    }, 1000);
  }
})();
