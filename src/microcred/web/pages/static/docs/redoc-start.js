// Starts Redoc on /redoc with the spec named by the page (no inline script: CSP).
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-spec"), { disableSearch: false, hideDownloadButton: false }, root);
})();
