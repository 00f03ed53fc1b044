// Starts Redoc on /schema/redoc (a file, not an inline script, so the page's CSP allows it).
(function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.specUrl, { hideDownloadButton: false }, root);
})();
