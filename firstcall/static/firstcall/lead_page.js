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
