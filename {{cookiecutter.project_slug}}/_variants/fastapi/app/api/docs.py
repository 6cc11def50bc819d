"""The docs page: Swagger UI from the pinned fastapi-offline package, served by the service
itself, and started by a served script, as the Content-Security-Policy allows no inline one
(FastAPI's own page inlines it)."""

import html
import json

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import swagger_ui_default_parameters
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.core.http import API_PREFIX, CONTENT_SECURITY_POLICY

DOCS_PATH = f"{API_PREFIX}/docs"
# Swagger UI's files and this service's initializer, under the docs page's own path.
STATIC_PATH = f"{DOCS_PATH}/static"
# Looked up by a route rather than mounted, so that routing answers a method other than
# GET with its 405 and Allow, as on every other path.
STATIC_FILES = StaticFiles(packages=[("fastapi_offline", "static"), ("app.api", "static")])

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{static}/swagger-ui.css">
<link rel="icon" href="{static}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-config="{config}"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script src="{static}/swagger-initializer.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH)
async def docs_page(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = request.scope.get("root_path", "")
    config = {
        **swagger_ui_default_parameters,
        **(app.swagger_ui_parameters or {}),
        "url": f"{root}{app.openapi_url}",
    }
    page = PAGE.format(
        title=html.escape(f"{app.title} - Swagger UI"),
        static=html.escape(f"{root}{STATIC_PATH}"),
        config=html.escape(json.dumps(config)),
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


@router.get(STATIC_PATH + "/{name}")
async def docs_file(name: str, request: Request) -> Response:
    return await STATIC_FILES.get_response(name, request.scope)
