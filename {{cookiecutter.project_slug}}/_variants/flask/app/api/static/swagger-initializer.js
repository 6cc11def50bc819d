// Starts Swagger UI as flask-smorest's page does: the OpenAPI document of data-url, then
// OPENAPI_SWAGGER_UI_CONFIG from data-config. A file of its own: the
// Content-Security-Policy runs no inline script.
window.addEventListener("load", () => {
  const container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.url,
    dom_id: "#swagger-ui",
    ...JSON.parse(container.dataset.config),
  });
});
