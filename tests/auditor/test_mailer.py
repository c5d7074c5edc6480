"""The weekly email through a real SMTP server on loopback (aiosmtpd): who receives what, both
parts, no roster name or post text anywhere in the message, the send ledger, retries, STARTTLS."""

from __future__ import annotations

import re
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor import mailer
from auditor.mailer import build_message, roster_matches, roster_pattern, send_weekly
from auditor.registry import load_registry_dir
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from reports.summary import Week
from tests.auditor.serve_checkers import SERVE_CHECKERS
from tests.auditor.smtp_sink import Server, Sink, free_port, make_certificate

DATA = Path(__file__).resolve().parents[1] / "data" / "serve"
WEEK = Week.parse("2026-W48")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)  # the Monday after W48
ADMINS = ["it.admin@board.example.ca", "director@board.example.ca"]
# Everything of the roster, and of the posts, that must never be in an email.
ROSTER_WORDS = ["Quillon", "Marchetti-Vance", "Odalys", "Ody", "Brightwater", "Wendell", "Ashcombe", "quill_mv"]
POST_WORDS = ["science fair", "winning goal", "read her poem", "Report cards", "status/101", "9001"]


def email_config(port: int, security: str = "none", extra: str = "") -> str:
    return (f'[platforms.x]\nconnector = "jsonl"\npath = "{DATA / "items.jsonl"}"\n'
            f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsecurity = "{security}"\n'
            f'from = "auditor@board.example.ca"\nadmins = {ADMINS!r}\nretries = 3\nretry_wait_seconds = 0\n'
            f'timeout_seconds = 10\n{extra}'
            f'[report]\nbase_url = "https://audit.board.example.ca"\n').replace("'", '"')


@pytest.fixture
def sink():
    s = Sink()
    with Server(s) as server:
        s.port = server.port
        yield s


def board(runtime_factory, db_url, port, **kw):
    rt = runtime_factory(db_url, email_config(port, **kw))
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(DATA / "registry"), rt.key())
    Scanner(rt, now=lambda: NOW - timedelta(days=3), checkers=SERVE_CHECKERS).run(trigger="cli")  # findings first seen in W48
    return rt


def test_each_principal_gets_their_school_and_admins_the_board_without_names(db_url, runtime_factory, sink):
    rt = board(runtime_factory, db_url, sink.port)
    with rt.db.session() as s:  # the evidence really holds the names the email must not carry
        evidence = " ".join(str(f.context) + f.reason for f in s.scalars(select(m.Finding)))
    assert "Quillon Marchetti-Vance" in evidence and "Ody Brightwater" in evidence

    outcomes = send_weekly(rt, week=WEEK, now=NOW)
    assert sorted((o.scope, o.recipient, o.status) for o in outcomes) == sorted(
        [("school:NHS", "principal.nhs@board.example.ca", "sent"), ("school:RPS", "principal.rps@board.example.ca", "sent")]
        + [("board", a, "sent") for a in ADMINS])
    assert len(sink.arrived) == 4 and all(a.mail_from == "auditor@board.example.ca" for a in sink.arrived)

    (nhs,) = sink.to("principal.nhs@board.example.ca")
    (rps,) = sink.to("principal.rps@board.example.ca")
    boards = [a for admin in ADMINS for a in sink.to(admin)]
    assert len(boards) == 2 and all(len(a.rcpt_tos) == 1 for a in sink.arrived)  # nobody sees another's copy

    for arrived in sink.arrived:
        msg = arrived.message
        assert msg.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in msg.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        # Nothing of the roster or of the posts: not in the raw bytes, not in the decoded parts.
        for blob in (arrived.raw.decode("utf-8", "replace"), text, html, str(msg["Subject"])):
            for word in ROSTER_WORDS + POST_WORDS:
                assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", blob, re.I), f"{word!r} leaked into {msg['To']}"
        assert "2026-W48" in msg["Subject"] and msg["Message-ID"]
        # CSS is inlined (mail clients drop <style>), and no external image is loaded.
        assert "<style" not in html and 'style="' in html and "<img" not in html

    nhs_text = nhs.message.get_body(("plain",)).get_content()
    assert "Northgate High School (NHS)" in nhs_text and "Riverside" not in nhs_text
    assert "3 findings need attention" in nhs_text  # 2 student names, 1 account without approval
    assert "critical 2, high 0, medium 1" in nhs_text and "This week: 3 new" in nhs_text
    assert "x: NorthgateAthletics (department)" in nhs_text  # school account without approval
    assert "https://audit.board.example.ca/schools/NHS" in nhs_text
    nhs_html = nhs.message.get_body(("html",)).get_content()
    assert 'href="https://audit.board.example.ca/schools/NHS"' in nhs_html
    rps_text = rps.message.get_body(("plain",)).get_content()
    assert "Riverside Public School (RPS)" in rps_text and "Northgate" not in rps_text
    board_text = boards[0].message.get_body(("plain",)).get_content()
    assert "Board-wide" in board_text and "Northgate High School (NHS): 3 need attention" in board_text
    assert "Riverside Public School (RPS): 2 need attention" in board_text

    # The ledger: the same week is never sent twice, whoever asks again.
    again = send_weekly(rt, week=WEEK, now=NOW + timedelta(hours=1))
    assert {o.status for o in again} == {"skipped"} and len(sink.arrived) == 4
    rows = mailer.sends_for(rt.db, "2026-W48")
    assert len(rows) == 4 and {r.status for r in rows} == {"sent"} and all(r.message_id for r in rows)


def test_temporary_refusals_are_retried(db_url, runtime_factory, sink):
    rt = board(runtime_factory, db_url, sink.port)
    sink.refuse = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    outcomes = send_weekly(rt, week=WEEK, school="NHS", now=NOW)
    assert [o.status for o in outcomes] == ["sent"] and sink.attempts == 3 and len(sink.arrived) == 1


def test_a_permanent_refusal_is_recorded_and_sent_next_time(db_url, runtime_factory, sink):
    rt = board(runtime_factory, db_url, sink.port)
    sink.refuse = ["550 5.7.1 relaying denied"]
    (o,) = send_weekly(rt, week=WEEK, school="NHS", now=NOW)
    assert o.status == "failed" and "550" in o.message and sink.attempts == 1  # a 5xx is not retried
    (row,) = mailer.sends_for(rt.db, "2026-W48")
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None) and "relaying denied" in row.last_error
    (o,) = send_weekly(rt, week=WEEK, school="NHS", now=NOW + timedelta(days=1))
    assert o.status == "sent" and len(sink.arrived) == 1
    (row,) = mailer.sends_for(rt.db, "2026-W48")
    assert (row.status, row.attempts) == ("sent", 2)


def test_no_server_is_a_recorded_failure(db_url, runtime_factory):
    rt = board(runtime_factory, db_url, free_port())
    outcomes = send_weekly(rt, week=WEEK, now=NOW)
    assert len(outcomes) == 4 and {o.status for o in outcomes} == {"failed"}
    assert all("Connection" in o.message or "refused" in o.message.lower() for o in outcomes)
    assert {r.status for r in mailer.sends_for(rt.db, "2026-W48")} == {"failed"}


def test_a_send_interrupted_midway_is_not_repeated(db_url, runtime_factory, sink):
    rt = board(runtime_factory, db_url, sink.port)
    assert mailer.claim(rt.db, "2026-W48", "school:NHS", "principal.nhs@board.example.ca", now=NOW)
    # ... the process dies here, after the claim; an hour later the job runs again.
    outcomes = send_weekly(rt, week=WEEK, school="NHS", now=NOW + timedelta(hours=1))
    assert [o.status for o in outcomes] == ["skipped"] and sink.arrived == []


def test_starttls_login_with_password_by_reference(tmp_path, runtime_factory, monkeypatch):
    cert = make_certificate(tmp_path)
    s = Sink()
    with Server(s, cert=cert, credentials=("auditor", "s3cret")) as server:
        extra = 'username = "auditor"\npassword_ref = "env:AUDITOR_SMTP_PASSWORD"\n'
        rt = board(runtime_factory, f"sqlite:///{tmp_path / 'db.sqlite'}", server.port, security="starttls",
                   extra=extra)
        monkeypatch.setenv("AUDITOR_SMTP_PASSWORD", "s3cret")
        # The certificate is checked: an untrusted one fails and is recorded.
        (o,) = send_weekly(rt, week=WEEK, school="NHS", now=NOW)
        assert o.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in o.message and s.arrived == []
        trusted = ssl.create_default_context(cafile=str(cert[0]))
        monkeypatch.setattr(mailer.ssl, "create_default_context", lambda *a, **k: trusted)
        (o,) = send_weekly(rt, week=WEEK, school="NHS", now=NOW)
        assert o.status == "sent" and len(s.arrived) == 1
        monkeypatch.setenv("AUDITOR_SMTP_PASSWORD", "wrong")
        (o,) = send_weekly(rt, week=Week.parse("2026-W49"), school="NHS", now=NOW)
        assert o.status == "failed" and "535" in o.message


def test_roster_tripwire_stops_a_message_naming_a_student(db_url, runtime_factory, sink, monkeypatch):
    rt = board(runtime_factory, db_url, sink.port)
    import reports.summary
    monkeypatch.setattr(reports.summary, "render_summary_text",
                        lambda summ: "Well done Ody  Brightwater and @quill_mv!")
    outcomes = send_weekly(rt, week=WEEK, school="RPS", now=NOW)
    assert [(o.status, o.message) for o in outcomes] == [("refused", "2 roster match(es)")]
    assert sink.arrived == []
    (row,) = mailer.sends_for(rt.db, "2026-W48")
    assert row.status == "failed" and "roster" in row.last_error and "Ody" not in row.last_error


def test_roster_pattern_matches_full_names_and_handles_only():
    from auditor import registry as reg
    st = reg.Student("S1", "Quillon", "Marchetti-Vance", "Quill", "NHS", "10", "no", False, [("x", "quill_mv")])
    pat = roster_pattern([st])
    msg = build_message(sender="a@b.c", recipient="d@e.f", subject="s", text="Quillon and Quill",
                        html="<p>x</p>")
    assert roster_matches(msg, pat) == 0  # a given name alone may be anyone's
    msg = build_message(sender="a@b.c", recipient="d@e.f", subject="Quill Marchetti-Vance", text="QUILL_MV",
                        html="<p>quillon marchetti-vance</p>")
    assert roster_matches(msg, pat) == 3
    assert re.search(pat, "quill_mvx") is None


def test_summary_command_sends_and_reports_the_ledger(db_url, runtime_factory, sink):
    from click.testing import CliRunner

    from auditor.cli import main
    rt = board(runtime_factory, db_url, sink.port)
    cfg = str(rt.settings.path)
    sink.refuse = ["550 5.1.1 no such mailbox"]
    out = CliRunner().invoke(main, ["--config", cfg, "summary", "--send", "--week", "2026-W48"])
    assert out.exit_code == 1  # a failed send is reported
    assert "school:NHS -> principal.nhs@board.example.ca: failed" in out.output
    assert "school:RPS -> principal.rps@board.example.ca: sent" in out.output
    status = CliRunner().invoke(main, ["--config", cfg, "summary", "--status", "--week", "2026-W48"])
    assert status.exit_code == 0
    assert "school:NHS -> principal.nhs@board.example.ca: failed (1 attempt(s)" in status.output
    assert "no such mailbox" in status.output
    again = CliRunner().invoke(main, ["--config", cfg, "summary", "--send", "--week", "2026-W48"])
    assert again.exit_code == 0, again.output
    assert "school:NHS -> principal.nhs@board.example.ca: sent" in again.output
    assert "board -> it.admin@board.example.ca: skipped" in again.output
    assert len(sink.arrived) == 4


def test_two_senders_at_once_send_each_message_once(db_url, runtime_factory, sink):
    import threading

    from auditor.runtime import Runtime
    rt = board(runtime_factory, db_url, sink.port)
    other = Runtime(rt.settings)  # a second process: its own engine and connections
    barrier = threading.Barrier(2)
    results = {}

    def run(name, runtime):
        barrier.wait()
        results[name] = send_weekly(runtime, week=WEEK, now=NOW)

    try:
        threads = [threading.Thread(target=run, args=(n, r)) for n, r in (("a", rt), ("b", other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.close()
    statuses = sorted(o.status for v in results.values() for o in v)
    assert statuses == ["sent"] * 4 + ["skipped"] * 4
    assert sorted(r for a in sink.arrived for r in a.rcpt_tos) == sorted(
        ["principal.nhs@board.example.ca", "principal.rps@board.example.ca", *ADMINS])
