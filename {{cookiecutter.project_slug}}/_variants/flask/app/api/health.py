"""Liveness and readiness, for load balancers and orchestrators. Never rate-limited."""

from typing import Any

from flask import Response, jsonify

from app.api.extensions import Blueprint
from app.api.hooks import current_request_id
from app.api.schemas import HealthSchema, ReadinessSchema
from app.api.security import ANYONE
from app.core.errors import Unavailable, error_body
from app.wiring import components, db

blp = Blueprint("health", __name__, url_prefix="/health", description="Health checks")

OK = "ok"
ERROR = "error"


@blp.route("", methods=["GET"])
@blp.doc(security=ANYONE, summary="The process is alive")
@blp.response(200, HealthSchema)
def live() -> dict[str, Any]:
    return {"status": OK}


@blp.route("/ready", methods=["GET"])
@blp.doc(security=ANYONE, summary="The database and a configured Redis answer")
@blp.response(200, ReadinessSchema)
@blp.alt_response(503, schema=ReadinessSchema, description="A dependency is unreachable")
def ready() -> Response:
    checks = {
        "database": OK if db.is_reachable() else ERROR,
        "cache": OK if components().cache.ping() else ERROR,
    }
    if ERROR in checks.values():
        body = {
            "status": ERROR,
            "checks": checks,
            **error_body(Unavailable(), current_request_id()),
        }
        response = jsonify(body)
        response.status_code = Unavailable.status
        return response
    return jsonify({"status": OK, "checks": checks})
