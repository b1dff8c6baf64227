"""Every table's model, imported in one place so Alembic and the tests see the whole schema."""

from integrations.db import (
    app_models,  # noqa: F401
    dispute_models,  # noqa: F401
    finance_models,  # noqa: F401
    ledger_models,  # noqa: F401
    matching_models,  # noqa: F401
    message_models,  # noqa: F401
    notification_models,  # noqa: F401
    plan_models,  # noqa: F401
    reconciliation,  # noqa: F401
    reputation_models,  # noqa: F401
    stripe_records,  # noqa: F401
    verification_models,  # noqa: F401
)
from integrations.db.base import Base

__all__ = ["Base"]
