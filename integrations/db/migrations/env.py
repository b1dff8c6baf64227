"""Alembic environment: the URL comes from the caller's config or from DATABASE_URL."""

from alembic import context
from sqlalchemy import create_engine, pool

from integrations.db.models import Base
from integrations.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
