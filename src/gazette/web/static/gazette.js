// Gazette's progressive enhancement: everything works without it.
// - images that fail to load are hidden (no broken boxes; CSP forbids onerror attributes)
// - relative times ("16 minutes ago") stay current while the page is open
// - the search page's filters submit on change
(function () {
  "use strict";

  function hideBroken(img) {
    var box = img.closest(".media, .favicon");
    (box || img).classList.add("broken");
  }

  document.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target.tagName === "IMG") { hideBroken(target); }
  }, true);

  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var format = typeof Intl !== "undefined" && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat("en", { numeric: "always" }) : null;

  function relative(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(seconds) < 45) { return "just now"; }
    for (var i = 0; i < units.length; i++) {
      var size = units[i][1];
      if (Math.abs(seconds) >= size * 0.95 || units[i][0] === "minute") {
        return format.format(Math.round(seconds / size), units[i][0]);
      }
    }
    return "";
  }

  function refreshTimes() {
    if (!format) { return; }
    var times = document.querySelectorAll("time[data-relative][datetime]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) { times[i].textContent = relative(when); }
    }
  }

  function ready() {
    var images = document.querySelectorAll("img");
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth === 0 && images[i].getAttribute("src")) { hideBroken(images[i]); }
    }
    var form = document.querySelector("form.search");
    if (form) {
      var controls = form.querySelectorAll("select, input[type=radio]");
      for (var j = 0; j < controls.length; j++) {
        controls[j].addEventListener("change", function () {
          if (form.querySelector("input[name=q]").value.trim()) { form.submit(); }
        });
      }
    }
    setInterval(refreshTimes, 60000);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());
