"""Routes exactly as the contract writes them: no trailing slashes, no redirects."""

from django.urls import include, path
from drf_spectacular.renderers import OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularJSONAPIView

from app.api import errors, health
from app.api.docs import DocsView

urlpatterns = [
    path("health", health.LivenessView.as_view(), name="health"),
    path("health/ready", health.ReadinessView.as_view(), name="health-ready"),
    path("api/v1/", include("app.api.urls")),
    path(
        "api/v1/openapi.json",
        # Served as application/json, like every other body.
        SpectacularJSONAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2]),
        name="openapi",
    ),
    path("api/v1/docs", DocsView.as_view(url_name="openapi"), name="docs"),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
