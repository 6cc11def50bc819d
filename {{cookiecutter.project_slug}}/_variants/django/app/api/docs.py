"""The docs page: drf-spectacular's Swagger UI, its files from the pinned
drf-spectacular-sidecar package served by the service itself (WhiteNoise), and its
script served apart from the page (`?script`), as the Content-Security-Policy allows no
inline one. templates/swagger_ui.html leaves out the page's inline style."""

from typing import Any

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from app.core.http import CONTENT_SECURITY_POLICY


class DocsView(SpectacularSwaggerSplitView):
    template_name = "swagger_ui.html"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """The page carries the Content-Security-Policy in every environment; an error is
        the JSON envelope, as on every other path, not an HTML page."""
        if response.exception:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
