(function () {
  "use strict";
  var embedded = window.parent !== window;
  // Tell an embedding page (embed.js) how tall this page is, so its iframe never needs a scroll bar.
  // The body's own height, not the document's: that is never less than the iframe, so it could not shrink.
  function reportHeight() {
    if (!embedded) return;
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    window.parent.postMessage({ firstcall: "resize", height: height }, "*");
  }
  var form = document.getElementById("fc-form");
  if (form) {
    // Show only the section that fits the chosen purpose. Hidden sections are disabled so they are not sent;
    // without this script both show and the server ignores answers that do not fit the purpose.
    var syncSections = function () {
      var chosen = form.querySelector("input[name=purpose]:checked");
      var purpose = chosen ? chosen.value : "";
      Array.prototype.forEach.call(form.querySelectorAll("[data-show-for]"), function (section) {
        var show = purpose !== "" && section.getAttribute("data-show-for").split(" ").indexOf(purpose) !== -1;
        section.hidden = !show;
        section.disabled = !show;
      });
      reportHeight();
    };
    form.addEventListener("change", function (event) {
      if (event.target.name === "purpose") syncSections();
    });
    syncSections();
  }
  var firstError = document.querySelector("[aria-invalid=true]");
  if (firstError && document.activeElement !== firstError) firstError.focus();
  // After a post the new page starts at its top: errors or the thank-you must be in view on the host page too.
  if (embedded && document.querySelector(".fc-error-summary, .fc-notice, .fc-thanks")) {
    window.parent.postMessage({ firstcall: "show" }, "*");
  }
  window.addEventListener("load", reportHeight);
  window.addEventListener("resize", reportHeight);
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
})();
