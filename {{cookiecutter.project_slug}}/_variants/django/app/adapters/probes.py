"""Readiness probe: can the database be reached right now? (The cache answers its own
ping: app/cache.)"""

import structlog
from django.db import connection

from app.core.logging import LogEvent

logger = structlog.get_logger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning(LogEvent.DATABASE_UNAVAILABLE, error=type(exc).__name__)
        connection.close()
        return False
    return True
