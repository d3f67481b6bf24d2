// Drag and drop files onto the documents panel: the dropped files go into its file input and are uploaded.
(function () {
  function wire(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    var input = form.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function () { form.classList.remove("dragging"); });
    });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      form.requestSubmit();
    });
  }
  function wireAll() { document.querySelectorAll("form[data-document-drop]").forEach(wire); }
  document.addEventListener("DOMContentLoaded", wireAll);
  document.addEventListener("htmx:afterSettle", wireAll);
  wireAll();
})();
