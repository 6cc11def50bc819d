// Starts Swagger UI with the settings the docs page holds in its container's data-config.
// A file of its own: the Content-Security-Policy runs no inline script.
window.addEventListener("load", () => {
  const container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    ...JSON.parse(container.dataset.config),
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
