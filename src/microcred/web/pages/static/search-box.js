// Enter in a form's search box presses its search button (the form's default button would
// submit the whole form instead). A box names its button: data-search-button="<button id>".
// Without JavaScript the server does the same for a query not searched yet.
(function () {
  "use strict";
  document.querySelectorAll("input[data-search-button]").forEach(function (box) {
    var button = document.getElementById(box.getAttribute("data-search-button"));
    if (!button) { return; }
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.isComposing) {
        event.preventDefault();
        button.click();
      }
    });
  });
})();
