"""Runtime configuration, read once from the environment.

Every variable left unset means the local default that `make run` and the tests start
(ARCHITECTURE.md §6-§7). Nothing here starts a service; `devstack` does that.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_DIR = Path(os.environ.get("TRADEPACT_DEV_DIR", PROJECT_ROOT / ".dev"))


@dataclass(frozen=True)
class Settings:
    database_url: str
    temporal_address: str
    temporal_namespace: str
    task_queue: str
    stripe_secret_key: str
    stripe_api_base: str
    stripe_webhook_secret: str
    smtp_url: str
    secret_key: str
    port: int
    dispute_windows: str = ""  # TRADEPACT_DISPUTE_WINDOWS, e.g. "settlement=5,evidence=20": short demo windows

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL") or local_database_url(),
            temporal_address=env.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            temporal_namespace=env.get("TEMPORAL_NAMESPACE", "default"),
            task_queue=env.get("TEMPORAL_TASK_QUEUE", "tradepact"),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY", "sk_test_tradepact_local"),
            stripe_api_base=env.get("STRIPE_API_BASE", "http://127.0.0.1:8420"),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET", "whsec_tradepact_local"),
            smtp_url=env.get("SMTP_URL", "smtp://127.0.0.1:1025"),
            secret_key=env.get("SECRET_KEY") or local_secret_key(),
            port=int(env.get("PORT", "5000")),
            dispute_windows=env.get("TRADEPACT_DISPUTE_WINDOWS", ""),
        )


def local_database_url() -> str:
    """The embedded PostgreSQL under .dev/ listens on a Unix socket in its data directory."""
    datadir = DEV_DIR / "postgres"
    return f"postgresql+psycopg://postgres@/tradepact?host={datadir}"


def local_secret_key() -> str:
    """A per-checkout key kept in .dev/ so sessions survive restarts; never committed."""
    path = DEV_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
