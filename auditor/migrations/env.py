"""Alembic environment: uses the connection handed over by auditor.store.db.upgrade when present."""

from alembic import context
from sqlalchemy import create_engine

from auditor.store.models import Base

config = context.config
target_metadata = Base.metadata
# Tables other libraries own in the same database: autogenerate must not propose dropping them.
FOREIGN_TABLES = {"apscheduler_jobs"}  # APScheduler's job store (auditor/scheduler.py)


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, include_object=include_object,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
