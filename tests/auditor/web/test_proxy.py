"""Behind a reverse proxy: X-Forwarded-* are believed only when [web] proxy_hops says a proxy is
there, and the waitress server started by `auditor web` serves the console."""

from __future__ import annotations

import threading

import requests
from sqlalchemy import select

from auditor.store import models as m
from auditor.web import create_app
from auditor.web.server import make_server
from tests.auditor.web.board import PEOPLE, csrf_of, platforms_toml, populate, web_toml


def _failed_sign_in(client, headers):
    tok = csrf_of(client.get("/login", headers=headers).get_data(as_text=True))
    return client.post("/login", headers=headers, data={"csrf_token": tok, "email": PEOPLE["viewer"][0],
                                                        "password": "not the password"})


def test_forwarded_headers_only_with_proxy_hops(tmp_path, runtime_factory):
    fwd = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "audit.board.example"}
    rt = runtime_factory(f"sqlite:///{tmp_path / 'p.db'}", platforms_toml() + web_toml(proxy_hops=1))
    populate(rt)
    proxied = create_app(rt, secret_key=b"p" * 40).test_client()
    resp = proxied.get("/login", headers=fwd)
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert _failed_sign_in(proxied, fwd).status_code == 401
    rt2 = runtime_factory(f"sqlite:///{tmp_path / 'd.db'}", platforms_toml() + web_toml())
    populate(rt2)
    direct = create_app(rt2, secret_key=b"d" * 40).test_client()
    assert "Strict-Transport-Security" not in direct.get("/login", headers=fwd).headers
    assert _failed_sign_in(direct, fwd).status_code == 401
    with rt.db.session() as s:
        assert s.scalars(select(m.LoginAttempt.ip)).all() == ["203.0.113.9"]
    with rt2.db.session() as s:
        assert s.scalars(select(m.LoginAttempt.ip)).all() == ["127.0.0.1"]


def test_waitress_server_serves_the_console(tmp_path, runtime_factory):
    rt = runtime_factory(f"sqlite:///{tmp_path / 'w.db'}", platforms_toml() + web_toml())
    populate(rt)
    server = make_server(rt, "127.0.0.1", 0)
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        resp = requests.get(f"{base}/", allow_redirects=False, timeout=10,
                            headers={"X-Forwarded-Proto": "https"})
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/login?next=/")
        assert "Strict-Transport-Security" not in resp.headers  # forged scheme ignored
        assert requests.get(f"{base}/login", timeout=10).status_code == 200
    finally:
        server.close()
        t.join(timeout=10)
