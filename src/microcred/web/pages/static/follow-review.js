// Follows a submission under review: asks the server every few seconds and updates the status
// line (an aria-live region), then reloads once when a decision arrives so the feedback shows.
(function () {
  "use strict";
  var box = document.querySelector("[data-follow-submission]");
  if (!box) { return; }
  var url = "/learn/submissions/" + encodeURIComponent(box.getAttribute("data-follow-submission")) + "/status";
  var words = box.querySelector("[data-status-words]");
  var delay = 3000, tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (words && words.textContent !== s.words) { words.textContent = s.words; }
        if (!s.open) { window.location.reload(); return; }
        if (tries < 200) { window.setTimeout(poll, Math.min(delay * tries, 15000)); }
      })
      .catch(function () { if (tries < 200) { window.setTimeout(poll, 15000); } });
  }
  window.setTimeout(poll, delay);
})();
