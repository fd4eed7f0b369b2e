// The micro-credential form's skill picker from the keyboard: Enter in the skill search box
// presses "Search skills" (the form's default button would save the whole form instead).
// Without JavaScript the server does the same for a query not searched yet.
(function () {
  "use strict";
  var box = document.getElementById("skill-q");
  var search = document.getElementById("search-skills");
  if (!box || !search) { return; }
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      search.click();
    }
  });
})();
