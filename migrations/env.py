"""Alembic environment: URL from bot.config (or the caller), schema from bot.models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot import models  # noqa: F401  (registers every table on Base.metadata)
from bot.config import load_settings
from bot.db import Base, UTCDateTime, make_engine

# Any fixed number works; it only has to be the same for every Opsbot instance.
MIGRATION_LOCK_ID = 4_242_001


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write UTCDateTime as a plain DateTime so that migrations never import bot code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations() -> None:
    config = context.config
    url = config.attributes.get("database_url") or load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Several instances may start together: only one migrates at a time.
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                render_item=render_item,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
                connection.commit()
    engine.dispose()


run_migrations()
