"""DATABASE_URL as the contract writes it, turned into SQLAlchemy's URL with a driver."""

from sqlalchemy.engine import URL, make_url

SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg_async"}


def sqlalchemy_url(database_url: str, *, asynchronous: bool = False) -> URL:
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    drivers = ASYNC_DRIVERS if asynchronous else SYNC_DRIVERS
    return url.set(drivername=drivers[url.get_backend_name()])
