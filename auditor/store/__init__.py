"""Storage: typed SQLAlchemy models, the database session, and Alembic migrations."""
