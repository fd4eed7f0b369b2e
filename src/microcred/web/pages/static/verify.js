// The verify form: a file over the server's limit is refused here, with a message beside the
// field, instead of being sent only to be turned away. Without JavaScript the server refuses it.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  var input = document.getElementById("file");
  var message = document.getElementById("file-error");
  if (!form || !input || !message) { return; }
  var limit = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  function tooBig() {
    var file = input.files && input.files[0];
    return limit > 0 && file && file.size > limit;
  }
  function show() {
    var bad = tooBig();
    message.hidden = !bad;
    message.textContent = bad ? "That file is larger than " + limit.toLocaleString() +
      " bytes; a credential is much smaller. Choose the credential's own .json or .jwt file, or its badge image." : "";
    if (bad) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    return bad;
  }
  input.addEventListener("change", show);
  form.addEventListener("submit", function (event) {
    if (show()) { event.preventDefault(); input.focus(); }
  });
})();
