"""The least a Django service does to answer the benchmark's two requests honestly:
one module, no apps, no middleware, a raw query on Django's own connection."""

import json
from typing import Any

import dj_database_url
import django
from common import (
    DATABASE_URL,
    ONE_USER,
    PAGE,
    Refused,
    may_read,
    must_be_admin,
    page,
    principal,
    user,
)
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={
        "default": dj_database_url.parse(DATABASE_URL)
        if DATABASE_URL.startswith("sqlite")
        else dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    },
)
django.setup()


def as_json(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def pyformat(sql: str) -> str:
    """Django's cursor takes %(name)s where the shared queries say :name."""
    for name in ("id", "limit", "offset"):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


def refusing(view: Any) -> Any:
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, **kwargs)
        except Refused as exc:
            return as_json(exc.body, exc.status)

    return wrapped


@refusing
def read_user(request: HttpRequest, user_id: int) -> HttpResponse:
    may_read(principal(request.headers.get("Authorization")), user_id)
    with connection.cursor() as cursor:
        cursor.execute(pyformat(ONE_USER), {"id": user_id})
        row = cursor.fetchone()
    if row is None:
        raise Refused(404, "not_found")
    return as_json({"data": user(row)})


@refusing
def list_users(request: HttpRequest) -> HttpResponse:
    must_be_admin(principal(request.headers.get("Authorization")))
    try:
        page_number = int(request.GET.get("page", 1))
        limit = int(request.GET.get("limit", 20))
    except ValueError:
        raise Refused(400, "validation_error") from None
    if page_number < 1 or not 1 <= limit <= 100:
        raise Refused(400, "validation_error")
    with connection.cursor() as cursor:
        cursor.execute(pyformat(PAGE), {"limit": limit, "offset": (page_number - 1) * limit})
        rows = cursor.fetchall()
    return as_json(page(rows, page_number, limit))


urlpatterns = [
    path("api/v1/users/<int:user_id>", read_user),
    path("api/v1/users", list_users),
]
application = get_wsgi_application()
