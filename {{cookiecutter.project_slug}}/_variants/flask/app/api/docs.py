"""The docs page: flask-smorest's Swagger UI page, with Swagger UI's files from the pinned
flask-swagger-ui package served by the service itself. templates/swagger_ui.html replaces
flask-smorest's page, whose inline script the Content-Security-Policy refuses, with one
that loads static/swagger-initializer.js."""

from importlib.resources import files

from flask import Blueprint, Flask, Response, request

from app.core.http import API_PREFIX, CONTENT_SECURITY_POLICY

DOCS_PATH = "docs"
# The app's own static files (the initializer), under the docs page's path.
STATIC_PATH = f"{API_PREFIX}/{DOCS_PATH}/static"
SWAGGER_UI_PATH = f"{API_PREFIX}/{DOCS_PATH}/swagger-ui"
# flask-smorest's OPENAPI_SWAGGER_UI_URL: where the page finds Swagger UI's files.
SWAGGER_UI_URL = f"{SWAGGER_UI_PATH}/"
# flask-smorest's endpoint for the page.
PAGE_ENDPOINT = "api-docs.openapi_swagger_ui"

swagger_ui = Blueprint(
    "swagger_ui",
    __name__,
    static_folder=str(files("flask_swagger_ui") / "dist"),
    static_url_path=SWAGGER_UI_PATH,
)


def init_docs(app: Flask) -> None:
    """Serves Swagger UI's files, and the page's policy."""
    app.register_blueprint(swagger_ui)
    app.after_request(_page_policy)


def _page_policy(response: Response) -> Response:
    """The page carries the Content-Security-Policy in every environment."""
    if request.endpoint == PAGE_ENDPOINT:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
