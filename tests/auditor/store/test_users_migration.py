"""The migrated schema matches the models, and Alembic 0003 (users, login_attempts) can be undone and redone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from auditor.store.db import Database, alembic_config
from auditor.store.models import Base


def test_users_migration_round_trip(db_url):
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {"users", "login_attempts"} <= set(inspect(db.engine).get_table_names())
        for target in ("0002", "head"):
            cfg = alembic_config(db.engine.url.render_as_string(hide_password=False))
            with db.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                (command.downgrade if target == "0002" else command.upgrade)(cfg, target)
            tables = set(inspect(db.engine).get_table_names())
            assert ({"users", "login_attempts"} <= tables) == (target == "head")
    finally:
        db.dispose()
