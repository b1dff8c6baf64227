"""PostgreSQL adapters: models, sessions, the ledger, the read model, migrations."""
