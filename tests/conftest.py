"""Suite-wide guards and fixtures.

- No test reaches the internet: any socket connection to a non-loopback address fails the test
  (`responses` intercepts HTTP before sockets; an unmocked call lands here).
- `db_url` runs storage tests on SQLite and on the machine's PostgreSQL. Under CI the PostgreSQL
  variant must run: an unreachable server is an error there, a skip elsewhere.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("AUDITOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

_real_connect = socket.socket.connect


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"test tried to reach the network: {address!r} (mock it with responses)")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def _pg_available() -> str | None:
    from sqlalchemy import create_engine, text
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return str(exc).splitlines()[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    from sqlalchemy import create_engine, text
    name = f"auditor_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(directory: Path, db_url: str, extra: str = "") -> Path:
    """A settings file in `directory` with a fresh roster key beside it."""
    from auditor.roster_crypto import create_key_file
    create_key_file(directory / "auditor.key")
    cfg = directory / "auditor.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n[security]\nkey_file = "auditor.key"\n'
                   f'[checks]\npolicy_file = ""\n{extra}', encoding="utf-8")
    return cfg


@pytest.fixture
def runtime_factory(tmp_path, monkeypatch):
    """Build a Runtime on a given database URL (optionally with extra TOML)."""
    from auditor.config import load_settings
    from auditor.runtime import Runtime
    monkeypatch.delenv("AUDITOR_KEY", raising=False)
    monkeypatch.delenv("AUDITOR_DATABASE_URL", raising=False)
    made = []

    def make(url: str, extra: str = "") -> Runtime:
        cfg = write_config(tmp_path, url, extra)
        rt = Runtime(load_settings(cfg, env={}))
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()
