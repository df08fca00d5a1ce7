// Starts Swagger UI on /schema from a file, not an inline script: the page's Content-Security-Policy
// runs scripts from this service's /assets only (service/api/headers.py, service/api/openapi.py).
(function () {
  const container = document.getElementById("swagger-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.spec,
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // no badge fetched from validator.swagger.io
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  });
})();
