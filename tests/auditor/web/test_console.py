"""The console's flows as a principal lives them, on SQLite and PostgreSQL: sign in, audit now,
review one finding and many, sign out; and the session and sign-in defences."""

from __future__ import annotations

import re

from sqlalchemy import select

from auditor import users
from auditor.store import models as m
from auditor.scheduler import Service
from tests.auditor.web.board import PASSWORD, PEOPLE, csrf_of, finding_ids, sign_in, token


def test_session_cookie_is_secure_httponly_samesite(db_url, runtime_factory):
    from auditor.web import create_app
    from tests.auditor.web.board import platforms_toml, populate, web_toml
    rt = runtime_factory(db_url, platforms_toml() + web_toml(secure_cookies=True, session_hours=2))
    populate(rt)
    app = create_app(rt, secret_key=b"s" * 40)
    c = app.test_client()
    resp = sign_in(c, "principal")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("auditor_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Expires="):
        assert flag in cookie


def test_secret_key_file_is_created_private_and_reused(tmp_path):
    from auditor.web.security import load_secret_key
    path = tmp_path / "web-secret.key"
    key = load_secret_key(path, env={})
    assert path.stat().st_mode & 0o777 == 0o600 and len(key) >= 32
    assert load_secret_key(path, env={}) == key
    assert load_secret_key(path, env={"AUDITOR_WEB_SECRET": "z" * 40}) == b"z" * 40


def test_principal_audits_reviews_and_signs_out(console):
    rt, app = console
    c = app.test_client()
    assert c.get("/").headers["Location"] == "/login?next=/"
    resp = sign_in(c, "principal")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    dash = c.get("/").get_data(as_text=True)
    assert "Millbrook Collegiate Secondary School" in dash and "Audit now" in dash
    assert "Fernhill" not in dash

    # Audit now: queued, the page refreshes itself until the request is done
    resp = c.post("/audit", data={"csrf_token": token(c)})
    req_url = resp.headers["Location"]
    req_id = int(req_url.rsplit("/", 1)[1])
    page = c.get(req_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Waiting for the scanner" in page
    assert int(c.post("/audit", data={"csrf_token": token(c)}).headers["Location"].rsplit("/", 1)[1]) == req_id
    Service(rt, owner="test-serve").job_queue()  # what `auditor serve` does with queued requests
    with rt.db.session() as s:
        done = s.get(m.ScanRequest, req_id)
        assert done.status == "done" and done.run_id and done.requested_by == PEOPLE["principal"][0]
    page = c.get(req_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "Finished." in page
    with rt.db.session() as s:
        run = s.get(m.ScanRun, done.run_id)
        assert run.trigger == "on-demand" and run.requested_by == PEOPLE["principal"][0]
        assert run.scope["school"] == "MCSS"

    # review one finding from its page: it leaves the open list, the log has who and when
    fid = finding_ids(rt, "MCSS")[0]
    assert f"/findings/{fid}\"" in c.get("/findings").get_data(as_text=True)
    resp = c.post(f"/findings/{fid}/review", data={"csrf_token": token(c), "status": "false-positive",
                                                   "note": "a staff member, not a student"})
    assert resp.status_code == 302
    assert f"/findings/{fid}\"" not in c.get("/findings").get_data(as_text=True)
    assert f"/findings/{fid}\"" in c.get("/findings?status=false-positive").get_data(as_text=True)
    page = c.get(f"/findings/{fid}").get_data(as_text=True)
    assert "r.okafor@cvdsb.example.ca</strong> changed open → false-positive" in page
    with rt.db.session() as s:
        entry = s.scalars(select(m.ReviewEntry).where(m.ReviewEntry.finding_id == fid)).one()
        assert (entry.reviewer, entry.from_status, entry.to_status) == (PEOPLE["principal"][0], "open",
                                                                          "false-positive")
        assert entry.note == "a staff member, not a student" and entry.at is not None

    # sign out ends the session
    assert c.post("/logout", data={"csrf_token": token(c)}).headers["Location"] == "/login"
    assert c.get("/findings").status_code == 302


def test_bulk_review_is_all_or_nothing_and_logged(console):
    rt, app = console
    c = app.test_client()
    sign_in(c, "principal")
    own = finding_ids(rt, "MCSS")[:3]
    other = finding_ids(rt, "FHPS")[0]
    resp = c.post("/findings/review", data={"csrf_token": token(c), "ids": [*own, other], "status": "resolved"})
    assert resp.status_code == 404
    with rt.db.session() as s:
        assert not s.scalar(select(m.ReviewEntry))
    back = "/findings?severity=high"
    resp = c.post("/findings/review", data={"csrf_token": token(c), "ids": own, "status": "acknowledged",
                                            "note": "talked to staff", "back": back})
    assert resp.status_code == 302 and resp.headers["Location"] == back
    with rt.db.session() as s:
        entries = list(s.scalars(select(m.ReviewEntry).order_by(m.ReviewEntry.finding_id)))
        assert [e.finding_id for e in entries] == sorted(own)
        assert {e.reviewer for e in entries} == {PEOPLE["principal"][0]}
        assert {e.note for e in entries} == {"talked to staff"}
    # an off-site "back" is not followed
    resp = c.post("/findings/review", data={"csrf_token": token(c), "ids": own[:1], "status": "open",
                                            "back": "//evil.example/"})
    assert resp.headers["Location"] == "/"


def test_viewer_reads_but_has_no_forms_to_review_or_audit(console):
    rt, app = console
    c = app.test_client()
    sign_in(c, "viewer")
    fid = finding_ids(rt, "MCSS")[0]
    for url in ("/", "/findings", f"/findings/{fid}"):
        html = c.get(url).get_data(as_text=True)
        assert 'name="status"' not in html or url == "/findings"  # the filter select is named status
        assert "Audit now" not in html and "Save review" not in html and 'name="ids"' not in html


def test_filters_narrow_the_list(console):
    rt, app = console
    c = app.test_client()
    sign_in(c, "admin")
    all_rows = re.findall(r'href="/findings/(\d+)[?"]', c.get("/findings?status=all").get_data(as_text=True))
    high = re.findall(r'href="/findings/(\d+)[?"]', c.get("/findings?status=all&severity=high").get_data(as_text=True))
    fhps = re.findall(r'href="/findings/(\d+)[?"]', c.get("/findings?status=all&school=FHPS").get_data(as_text=True))
    assert high and set(high) < set(all_rows)
    assert fhps and set(map(int, fhps)) <= set(finding_ids(rt, "FHPS", open_only=False))
    assert set(finding_ids(rt, "FHPS")) <= set(map(int, fhps))
    with rt.db.session() as s:
        sev = dict(s.execute(select(m.Finding.id, m.Finding.severity)).all())
    assert all(sev[int(i)] == "high" for i in high)


def test_sign_in_is_rate_limited_even_with_the_right_password(console):
    rt, app = console
    c = app.test_client()
    email = PEOPLE["principal"][0]
    for _ in range(rt.settings["web"]["login_max_attempts"]):
        tok = csrf_of(c.get("/login").get_data(as_text=True))
        resp = c.post("/login", data={"csrf_token": tok, "email": email, "password": "wrong guess 123"})
        assert resp.status_code == 401
    tok = csrf_of(c.get("/login").get_data(as_text=True))
    resp = c.post("/login", data={"csrf_token": tok, "email": email.upper(), "password": PASSWORD})
    assert resp.status_code == 429 and "Too many failed sign-ins" in resp.get_data(as_text=True)
    # another person on the same network can still sign in
    assert sign_in(app.test_client(), "viewer").status_code == 302


def test_disabled_user_or_new_password_ends_open_sessions(console):
    rt, app = console
    c = app.test_client()
    sign_in(c, "principal")
    assert c.get("/").status_code == 200
    with rt.db.session() as s:
        users.set_password(s, PEOPLE["principal"][0], "another long password")
    assert c.get("/").status_code == 302
    assert sign_in(c, "principal", "another long password").status_code == 302
    with rt.db.session() as s:
        users.set_active(s, PEOPLE["principal"][0], False)
    assert c.get("/").status_code == 302
    assert sign_in(c, "principal", "another long password").status_code == 401


def test_next_after_sign_in_stays_on_site(console):
    _rt, app = console
    c = app.test_client()
    tok = csrf_of(c.get("/login?next=https://evil.example/").get_data(as_text=True))
    resp = c.post("/login", data={"csrf_token": tok, "email": PEOPLE["principal"][0], "password": PASSWORD,
                                  "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/"
    c2 = app.test_client()
    tok = csrf_of(c2.get("/login").get_data(as_text=True))
    resp = c2.post("/login", data={"csrf_token": tok, "email": PEOPLE["principal"][0], "password": PASSWORD,
                                   "next": "/findings?severity=high"})
    assert resp.headers["Location"] == "/findings?severity=high"


def test_dashboard_shows_broken_connections_and_open_counts(console):
    rt, app = console
    with rt.db.session() as s:
        acc = s.scalar(select(m.Account).join(m.School).where(m.School.code == "MCSS").order_by(m.Account.id))
        acc.status, acc.status_message = "needs-reauth", "token expired"
        open_high = len([f for f in s.scalars(select(m.Finding).join(m.Account).join(m.School).where(
            m.School.code == "MCSS", m.Finding.status == "open", m.Finding.severity == "high"))])
    c = app.test_client()
    sign_in(c, "principal")
    html = c.get("/").get_data(as_text=True)
    assert "Broken connections" in html and "token expired" in html
    assert re.search(rf'sev-high">high</span> <span>{open_high}</span>', html)


def test_a_sign_in_ends_after_session_hours_however_active(console):
    rt, app = console
    c = app.test_client()
    sign_in(c, "principal")
    assert c.get("/").status_code == 200
    with c.session_transaction() as sess:
        sess["at"] -= rt.settings["web"]["session_hours"] * 3600 + 1
    assert c.get("/").headers["Location"] == "/login?next=/"


def test_bulk_review_refuses_oversized_batches(sqlite_console):
    rt, app = sqlite_console
    c = app.test_client()
    sign_in(c, "principal")
    resp = c.post("/findings/review", data={"csrf_token": token(c), "ids": [str(i) for i in range(1, 502)],
                                            "status": "resolved"})
    assert resp.status_code == 400
    with rt.db.session() as s:
        assert not s.scalar(select(m.ReviewEntry))


def test_dashboard_outcome_is_the_newest_scan_of_each_account(console):
    from auditor.queries import last_results
    from auditor.scan import Scanner
    rt, _app = console
    second = Scanner(rt).run(trigger="cli", requested_by="test", school="MCSS").run_id
    with rt.db.session() as s:
        ids = list(s.scalars(select(m.Account.id)))
        newest = last_results(s, ids)
        school_of = dict(s.execute(select(m.Account.id, m.School.code).join(m.School)).all())
        assert set(newest) == set(ids)
        assert all((r.run_id == second) == (school_of[a] == "MCSS") for a, r in newest.items())
