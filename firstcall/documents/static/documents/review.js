// Review by keyboard: j/k move between fields, a accepts, c focuses the correction, r rejects; the focused field's
// box is highlighted on the page image.
(function () {
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".field-row")); }
  function highlight(row) {
    document.querySelectorAll(".field-box.active, .field-row.active").forEach(function (el) { el.classList.remove("active"); });
    if (!row) return;
    row.classList.add("active");
    var box = document.querySelector('.field-box[data-field="' + row.dataset.field + '"]');
    if (box) box.classList.add("active");
  }
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest(".field-row");
    if (row) highlight(row);
  });
  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "INPUT" || event.target.tagName === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) return;
    var list = rows();
    var current = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".field-row") : null;
    var index = list.indexOf(current);
    if (event.key === "j" || event.key === "k") {
      var next = list[Math.max(0, Math.min(list.length - 1, index + (event.key === "j" ? 1 : -1)))] || list[0];
      if (next) { next.focus(); next.scrollIntoView({block: "nearest"}); }
      event.preventDefault();
      return;
    }
    if (!current) return;
    if (event.key === "c") {
      var input = current.querySelector("input[name=value]");
      if (input) { input.focus(); input.select(); event.preventDefault(); }
      return;
    }
    var button = current.querySelector('button[data-key="' + event.key + '"]');
    if (button) { button.click(); event.preventDefault(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail.target && document.getElementById(event.detail.target.id);
    if (row && row.classList.contains("field-row")) {
      var list = rows();
      var next = list[list.indexOf(row) + 1];
      (next || row).focus();
    }
  });
})();
