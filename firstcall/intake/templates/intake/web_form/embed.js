{% autoescape off %}/* FirstCall lead form {{ source.pk }}: inserts the form in an iframe that grows with its content. */
(function () {
  "use strict";
  var script = document.currentScript;
  // The origin the browser really loaded this script from (behind a proxy the server may not know it).
  var formOrigin = script && script.src ? new URL(script.src, window.location.href).origin : "{{ origin|escapejs }}";
  var formUrl = formOrigin + "{{ form_path|escapejs }}";
  var here = new URLSearchParams(window.location.search);
  // The page the borrower is on is part of the consent proof; campaign tags keep the attribution.
  var query = new URLSearchParams({ embed: "1", page_url: window.location.href.slice(0, 1000) });
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid"].forEach(function (name) {
    if (here.get(name)) query.set(name, here.get(name).slice(0, 200));
  });
  var frame = document.createElement("iframe");
  frame.src = formUrl + "?" + query.toString();
  frame.title = "{{ source.form_title|escapejs }}";
  frame.style.cssText = "display:block;width:100%;min-height:720px;border:0;";
  var targetId = script && script.getAttribute("data-target");
  var target = targetId ? document.getElementById(targetId) : null;
  if (target) target.appendChild(frame);
  else if (script && script.parentNode) script.parentNode.insertBefore(frame, script.nextSibling);
  else document.body.appendChild(frame);
  window.addEventListener("message", function (event) {
    if (event.origin !== formOrigin || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.firstcall === "resize" && typeof data.height === "number" && data.height > 0 && data.height < 20000) {
      frame.style.minHeight = "0";
      frame.style.height = Math.ceil(data.height) + "px";
    }
    if (data.firstcall === "show" && frame.getBoundingClientRect().top < 0) {
      frame.scrollIntoView({ block: "start" });
    }
  });
})();
{% endautoescape %}
