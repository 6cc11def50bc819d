"""Readiness probe: can the database be reached right now? (The cache answers its own
ping: app/cache.)"""

import structlog
from django.db import connection

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
