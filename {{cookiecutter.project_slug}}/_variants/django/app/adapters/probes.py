"""Readiness probes: can the database and a configured Redis be reached right now?"""

import structlog
from django.db import connection

from app.core.settings import get_settings

logger = structlog.get_logger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("database_unavailable", error=type(exc).__name__)
        connection.close()
        return False
    return True


def cache_ok() -> bool:
    """An in-process cache is always there; Redis must answer PING."""
    if not get_settings().redis_url:
        return True
    from django_redis import get_redis_connection

    try:
        return bool(get_redis_connection("default").ping())
    except Exception as exc:
        logger.warning("cache_unavailable", operation="ping", error=type(exc).__name__)
        return False
