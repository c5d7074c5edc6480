from __future__ import annotations

import pytest

from auditor import users
from auditor.web import create_app
from tests.auditor.web.board import fast_hasher, platforms_toml, populate, web_toml


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch):
    monkeypatch.setattr(users, "HASHER", fast_hasher())
    monkeypatch.setattr(users, "_DUMMY_HASH", None)


@pytest.fixture
def console(db_url, runtime_factory):
    """(runtime, app) on a populated board, on SQLite and PostgreSQL."""
    rt = runtime_factory(db_url, platforms_toml() + web_toml())
    populate(rt)
    app = create_app(rt, secret_key=b"k" * 40)
    app.config["TESTING"] = True
    return rt, app


@pytest.fixture
def sqlite_console(tmp_path, runtime_factory):
    rt = runtime_factory(f"sqlite:///{tmp_path / 'web.db'}", platforms_toml() + web_toml())
    populate(rt)
    app = create_app(rt, secret_key=b"k" * 40)
    app.config["TESTING"] = True
    return rt, app
