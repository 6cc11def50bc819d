"""Alembic environment: runs migrations with the synchronous driver of DATABASE_URL."""

from alembic import context
from sqlalchemy import create_engine

from app.core.settings import get_settings
from app.database_url import sqlalchemy_url
from app.models import Base


def run_migrations() -> None:
    url = context.config.attributes.get("database_url") or get_settings().database_url
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
