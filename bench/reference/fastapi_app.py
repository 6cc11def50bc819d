"""The least a FastAPI service does to answer the benchmark's two requests honestly."""

from typing import Annotated

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
from fastapi import FastAPI, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

URL = driver_url(asynchronous=True)
engine = (
    create_async_engine(URL)
    if URL.startswith("sqlite")
    else create_async_engine(URL, pool_size=10, max_overflow=10)
)
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.exception_handler(Refused)
async def refused(_request: object, exc: Refused) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status)


@app.get("/api/v1/users/{user_id}")
async def read_user(
    user_id: int, authorization: Annotated[str | None, Header()] = None
) -> JSONResponse:
    may_read(principal(authorization), user_id)
    async with engine.connect() as connection:
        row = (await connection.execute(text(ONE_USER), {"id": user_id})).first()
    if row is None:
        raise Refused(404, "not_found")
    return JSONResponse({"data": user(row)})


@app.get("/api/v1/users")
async def list_users(
    authorization: Annotated[str | None, Header()] = None,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    must_be_admin(principal(authorization))
    parameters = {"limit": limit, "offset": (page_number - 1) * limit}
    async with engine.connect() as connection:
        rows = list(await connection.execute(text(PAGE), parameters))
    return JSONResponse(page(rows, page_number, limit))
