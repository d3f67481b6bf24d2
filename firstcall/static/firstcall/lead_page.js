// The lead page's live response clock: every [data-countdown-to] counts down to its ISO time, once a second.
(function () {
  "use strict";
  function pad(number) { return String(number).padStart(2, "0"); }
  function describe(milliseconds) {
    var seconds = Math.round(Math.abs(milliseconds) / 1000);
    var hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60), rest = seconds % 60;
    var text = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(rest);
    return milliseconds > 0 ? text + " left" : "overdue by " + text;
  }
  function tick() {
    document.querySelectorAll("[data-countdown-to]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-countdown-to"));
      if (isNaN(due)) { return; }
      var left = due - Date.now();
      element.textContent = describe(left);
      var state = element.closest(".sla-state");
      if (state && left <= 0) { state.classList.remove("sla-pending"); state.classList.add("sla-breached"); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); window.setInterval(tick, 1000); });
})();

// The lead page's sections are <details> open in the HTML, so without JavaScript everything shows. On a phone the
// background sections (details, score and owner, the panels under the timeline) start closed so the summary and next action lead; a link to
// anything inside a closed section opens it first.
(function () {
  "use strict";
  function openAround(hash) {
    if (!hash || hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) { node.open = true; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
      document.querySelectorAll("details.lead-section[data-phone-closed]").forEach(function (section) {
        if (!(location.hash && section.querySelector(location.hash.replace(/[^#\w-]/g, "")))
            && "#" + section.id !== location.hash) {
          section.open = false;
        }
      });
    }
    openAround(location.hash);
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('a[href^="#"]');
      if (link) { openAround(link.getAttribute("href")); }
    });
    window.addEventListener("hashchange", function () { openAround(location.hash); });
  });
})();
