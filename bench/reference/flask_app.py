"""The least a Flask service does to answer the benchmark's two requests honestly."""

from typing import Any

from common import (
    ONE_USER,
    PAGE,
    Refused,
    driver_url,
    may_read,
    must_be_admin,
    page,
    principal,
    user,
)
from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

engine = create_engine(driver_url(asynchronous=False))
app = Flask(__name__)


@app.errorhandler(Refused)
def refused(exc: Refused) -> Any:
    return jsonify(exc.body), exc.status


@app.get("/api/v1/users/<int:user_id>")
def read_user(user_id: int) -> Any:
    may_read(principal(request.headers.get("Authorization")), user_id)
    with engine.connect() as connection:
        row = connection.execute(text(ONE_USER), {"id": user_id}).first()
    if row is None:
        raise Refused(404, "not_found")
    return jsonify({"data": user(row)})


@app.get("/api/v1/users")
def list_users() -> Any:
    must_be_admin(principal(request.headers.get("Authorization")))
    page_number = request.args.get("page", 1, type=int)
    limit = request.args.get("limit", 20, type=int)
    if page_number < 1 or not 1 <= limit <= 100:
        raise Refused(400, "validation_error")
    parameters = {"limit": limit, "offset": (page_number - 1) * limit}
    with engine.connect() as connection:
        rows = list(connection.execute(text(PAGE), parameters))
    return jsonify(page(rows, page_number, limit))
