"""Liveness and readiness, for load balancers and orchestrators."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.deps import ResourcesDep
from app.api.errors import request_id_of
from app.api.openapi import errors
from app.api.schemas import CheckStatus, Health, Readiness, ReadinessFailure
from app.core.errors import Unavailable, error_body

router = APIRouter(tags=["health"], responses=errors(500))


def _status(ok: bool) -> CheckStatus:
    return "ok" if ok else "error"


@router.get("/health", summary="The process is alive")
async def health() -> Health:
    return Health(status="ok")


@router.get(
    "/health/ready",
    summary="The database and the cache answer",
    response_model=Readiness,
    responses={503: {"model": ReadinessFailure, "description": "`unavailable`: a check failed."}},
)
async def ready(request: Request, resources: ResourcesDep) -> Readiness | JSONResponse:
    checks = {
        "database": _status(await resources.database_ready()),
        "cache": _status(await resources.cache_ready()),
    }
    if "error" not in checks.values():
        return Readiness(status="ok", checks=checks)
    # The readiness body, with the error envelope beside it.
    failure = {"status": "error", "checks": checks}
    failure.update(error_body(Unavailable(), request_id_of(request.scope)))
    return JSONResponse(failure, status_code=503)
