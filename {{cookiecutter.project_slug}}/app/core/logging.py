"""JSON logs, one object per line, through structlog and the standard library alike."""

import logging
import sys
from enum import StrEnum

import structlog


class LogEvent(StrEnum):
    """What every framework logs when something it depends on fails, under one name each,
    so that one alert or one query finds it whichever framework logged it."""

    DATABASE_UNAVAILABLE = "database_unavailable"
    CACHE_UNAVAILABLE = "cache_unavailable"
    RATE_LIMIT_UNAVAILABLE = "rate_limit_unavailable"
    UNHANDLED_EXCEPTION = "unhandled_exception"


SECRET_FIELDS = frozenset({"password", "token", "access_token", "refresh_token", "authorization"})


def _drop_secrets(
    _logger: object, _method: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    for field in SECRET_FIELDS & event.keys():
        event[field] = "[redacted]"
    return event


def configure_logging(level: str) -> None:
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
