// Posts the signed deep linking response back to the platform at once (without JavaScript the
// visitor presses the button).
(function () {
  "use strict";
  var form = document.getElementById("lti-return");
  if (form && form.dataset.autosubmit === "true") {
    form.submit();
  }
})();
