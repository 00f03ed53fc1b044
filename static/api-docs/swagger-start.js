// Starts Swagger UI on /schema/swagger (a file, not an inline script, so the page's CSP allows it).
(function () {
  var root = document.getElementById("swagger-ui");
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : null;
  }
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // A signed-in browser session must send its CSRF token, as the app's own pages do.
    requestInterceptor: function (request) {
      var token = csrfToken();
      if (token) request.headers["X-CSRFToken"] = token;
      return request;
    },
  });
})();
