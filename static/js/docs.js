// /docs (API_DOCS=1): start the self-hosted Swagger UI on this origin's /openapi.json.
// A file, not an inline script, so the docs page's Content-Security-Policy needs no 'unsafe-inline' for scripts.
window.addEventListener("DOMContentLoaded", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
