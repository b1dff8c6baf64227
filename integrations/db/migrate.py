"""Apply the Alembic migrations to a database (used by `make run`, the tests and deployment)."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    from integrations.settings import Settings

    upgrade(sys.argv[1] if len(sys.argv) > 1 else Settings.from_env().database_url)
