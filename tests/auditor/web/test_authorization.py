"""The authorization matrix: every route × every role × own/other school, with tampered ids and
with missing CSRF tokens. A principal or viewer is bound to MCSS; FHPS is the other school."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from auditor import users
from auditor.config import load_settings
from auditor.runtime import Runtime
from auditor.store import models as m
from auditor.web import audits, create_app
from tests.auditor.web.board import (account_ids, fast_hasher, finding_ids, platforms_toml, populate, sign_in, token,
                                     web_toml)
from tests.conftest import write_config

ROLES = ("anonymous", "admin", "principal", "viewer")

# name, method, path, form (without the CSRF token), expected status per role
GET_CASES = [
    ("dashboard", "/", {"admin": 200, "principal": 200, "viewer": 200}),
    ("dashboard, other school", "/?school=FHPS", {"admin": 200, "principal": 404, "viewer": 404}),
    ("dashboard, unknown school", "/?school=NOPE", {"admin": 404, "principal": 404, "viewer": 404}),
    ("findings", "/findings", {"admin": 200, "principal": 200, "viewer": 200}),
    ("findings, filters", "/findings?severity=high&status=all&category=student-name",
     {"admin": 200, "principal": 200, "viewer": 200}),
    ("findings, own account", "/findings?account={own_acc}", {"admin": 200, "principal": 200, "viewer": 200}),
    ("findings, other school's account", "/findings?account={other_acc}",
     {"admin": 200, "principal": 404, "viewer": 404}),
    ("findings, other school", "/findings?school=FHPS", {"admin": 200, "principal": 404, "viewer": 404}),
    ("findings, bad filter", "/findings?severity=<script>", {"admin": 400, "principal": 400, "viewer": 400}),
    ("finding, own", "/findings/{own_f}", {"admin": 200, "principal": 200, "viewer": 200}),
    ("finding, other school's id", "/findings/{other_f}", {"admin": 200, "principal": 404, "viewer": 404}),
    ("finding, other id with own school forced", "/findings/{other_f}?school=MCSS",
     {"admin": 404, "principal": 404, "viewer": 404}),
    ("finding, missing id", "/findings/999999", {"admin": 404, "principal": 404, "viewer": 404}),
    ("audit progress, own", "/audits/{own_req}", {"admin": 200, "principal": 200, "viewer": 200}),
    ("audit progress, other school's", "/audits/{other_req}", {"admin": 200, "principal": 404, "viewer": 404}),
    ("report html", "/report.html", {"admin": 200, "principal": 200, "viewer": 200}),
    ("report csv", "/report.csv", {"admin": 200, "principal": 200, "viewer": 200}),
    ("report, other school", "/report.csv?school=FHPS", {"admin": 200, "principal": 404, "viewer": 404}),
    ("report, unknown format", "/report.json", {"admin": 404, "principal": 404, "viewer": 404}),
]
POST_CASES = [
    ("audit now", "/audit", {}, {"admin": 302, "principal": 302, "viewer": 403}),
    ("audit now, other school", "/audit", {"school": "FHPS"}, {"admin": 302, "principal": 404, "viewer": 403}),
    ("review, own", "/findings/{own_f}/review", {"status": "acknowledged", "note": "seen"},
     {"admin": 302, "principal": 302, "viewer": 403}),
    ("review, other school's id", "/findings/{other_f}/review", {"status": "false-positive"},
     {"admin": 302, "principal": 404, "viewer": 403}),
    ("review, bad status", "/findings/{own_f}/review", {"status": "deleted"},
     {"admin": 400, "principal": 400, "viewer": 403}),
    ("bulk review, own", "/findings/review", {"ids": ["{own_f}"], "status": "acknowledged"},
     {"admin": 302, "principal": 302, "viewer": 403}),
    ("bulk review, one id of another school", "/findings/review",
     {"ids": ["{own_f}", "{other_f}"], "status": "resolved"}, {"admin": 302, "principal": 404, "viewer": 403}),
]
NO_CSRF_POSTS = [(name, path, form) for name, path, form, _ in POST_CASES] + [
    ("sign out", "/logout", {}),
    ("sign in", "/login", {"email": "it@cvdsb.example.ca", "password": "x"}),
]


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    d = tmp_path_factory.mktemp("matrix")
    cfg = write_config(d, f"sqlite:///{d / 'matrix.db'}", platforms_toml() + web_toml())
    rt = Runtime(load_settings(cfg, env={}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "HASHER", fast_hasher())
        populate(rt)
    with rt.db.session() as s:
        own_req = audits.request_audit(s, "r.okafor@cvdsb.example.ca", "MCSS").id
        other_req = audits.request_audit(s, "j.desrosiers@cvdsb.example.ca", "FHPS").id
    ids = {"own_f": finding_ids(rt, "MCSS")[0], "other_f": finding_ids(rt, "FHPS")[0],
           "own_acc": account_ids(rt, "MCSS")[0], "other_acc": account_ids(rt, "FHPS")[0],
           "own_req": own_req, "other_req": other_req}
    app = create_app(rt, secret_key=b"m" * 40)
    app.config["TESTING"] = True
    clients = {}
    for role in ROLES:
        c = app.test_client()
        if role == "anonymous":
            c.get("/login")  # an anonymous session holds a CSRF token too
        else:
            assert sign_in(c, role).status_code == 302
        clients[role] = c
    yield rt, ids, clients
    rt.close()


def _fill(value, ids):
    if isinstance(value, list):
        return [v.format(**ids) for v in value]
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,path,expected", GET_CASES, ids=[c[0] for c in GET_CASES])
def test_get(board, role, name, path, expected):
    _rt, ids, clients = board
    resp = clients[role].get(path.format(**ids))
    if role == "anonymous":
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
        return
    assert resp.status_code == expected[role], resp.get_data(as_text=True)[:300]
    if resp.status_code == 404:
        body = resp.get_data(as_text=True)
        assert "FHPS" not in body and "Fernhill" not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,path,form,expected", POST_CASES, ids=[c[0] for c in POST_CASES])
def test_post_with_token(board, role, name, path, form, expected):
    _rt, ids, clients = board
    c = clients[role]
    data = {k: _fill(v, ids) for k, v in form.items()} | {"csrf_token": token(c)}
    resp = c.post(path.format(**ids), data=data)
    if role == "anonymous":
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
        return
    assert resp.status_code == expected[role], resp.get_data(as_text=True)[:300]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,path,form", NO_CSRF_POSTS, ids=[c[0] for c in NO_CSRF_POSTS])
@pytest.mark.parametrize("bad_token", ["missing", "wrong"])
def test_post_without_a_valid_csrf_token_is_refused(board, role, name, path, form, bad_token):
    _rt, ids, clients = board
    data = {k: _fill(v, ids) for k, v in form.items()}
    if bad_token == "wrong":
        data["csrf_token"] = "x" * 43
    resp = clients[role].post(path.format(**ids), data=data)
    assert resp.status_code == 400


def test_refused_requests_left_no_trace(board):
    """Runs after the matrix (same module): nothing refused wrote to the review log or the queue."""
    rt, ids, clients = board
    with rt.db.session() as s:
        reviewers_of_other = set(s.scalars(select(m.ReviewEntry.reviewer).where(
            m.ReviewEntry.finding_id == ids["other_f"])))
        assert reviewers_of_other <= {"it@cvdsb.example.ca"}
        assert not s.scalar(select(m.ReviewEntry).where(m.ReviewEntry.reviewer == "vp.mcss@cvdsb.example.ca"))
        fhps_requesters = set(s.scalars(select(m.ScanRequest.requested_by).where(m.ScanRequest.school_code == "FHPS")))
        assert fhps_requesters <= {"j.desrosiers@cvdsb.example.ca", "it@cvdsb.example.ca"}
        assert not s.scalar(select(m.ScanRequest).where(m.ScanRequest.requested_by == "vp.mcss@cvdsb.example.ca"))


@pytest.mark.parametrize("role", ROLES)
def test_public_routes(board, role):
    """Only the sign-in page and the stylesheet are open to everyone; a signed-in user skips sign-in."""
    _rt, _ids, clients = board
    c = clients[role]
    assert c.get("/assets/console.css").status_code == 200
    resp = c.get("/login?next=/findings")
    if role == "anonymous":
        assert resp.status_code == 200
    else:
        assert resp.status_code == 302 and resp.headers["Location"] == "/findings"
