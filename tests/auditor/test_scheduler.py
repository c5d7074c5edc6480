"""The serving process's scheduler: cron parsing, catch-up of missed runs (once, within the grace
time), no overlapping runs, leases shared with CLI scans, graceful stop, the on-demand queue.

The clock is controlled through the job store: a previous process's stored next-run time in
the past is exactly what a restart after days of downtime looks like to APScheduler."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, text

from auditor import queue, scheduler
from auditor.registry import load_registry_dir
from auditor.scan import Scanner
from auditor.scheduler import JOB_TABLE, Service, parse_cron, run_job
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from connectors.base import Connector, Coverage, Page
from tests.auditor.wordcheck import ForbiddenWord

DATA = Path(__file__).resolve().parents[1] / "data" / "serve"
TZ = ZoneInfo("America/Toronto")


def schedule(nightly: str = "", summary: str = "", retention: str = "", poll: int = 0, grace: int = 86400) -> str:
    return (f'[schedule]\nnightly_scan = "{nightly}"\nweekly_summary = "{summary}"\nretention = "{retention}"\n'
            f'queue_poll_seconds = {poll}\nmisfire_grace_seconds = {grace}\n'
            f'[platforms.x]\nconnector = "jsonl"\npath = "{DATA / "items.jsonl"}"\n')


def board(runtime_factory, db_url, extra):
    rt = runtime_factory(db_url, extra)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(DATA / "registry"), rt.key())
    return rt


class Gate(Connector):
    """Holds every fetch until released, so a scan can be caught in the middle."""

    platform = "x"

    def __init__(self):
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls: list[str] = []

    def fetch(self, account, cursor):
        self.calls.append(account.handle)
        self.entered.set()
        assert self.release.wait(30), "test never released the gate"
        for n in (1, 2):
            yield Page([{"type": "post", "platform": "x", "account": account.handle,
                         "id": f"x:{account.handle}:{n}", "created_at": "2026-11-01T00:00:00Z",
                         "text": "a forbidden word"}], {"n": n}, Coverage())


def factory(connector: Connector | None = None):
    def make(rt, **kw):
        extra = {"connector_factory": (lambda platform: connector)} if connector else {}
        return Scanner(rt, checkers=[ForbiddenWord], **extra, **kw)
    return make


@pytest.fixture
def services():
    made: list[Service] = []
    yield made
    for s in made:
        s.shutdown(wait=True)


def wait_for(predicate, timeout: float = 30.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def runs(rt, trigger: str | None = None) -> list[m.ScanRun]:
    with rt.db.session() as s:
        q = select(m.ScanRun).order_by(m.ScanRun.id)
        if trigger:
            q = q.where(m.ScanRun.trigger == trigger)
        return list(s.scalars(q))


def leave_stored_job(rt, job_id: str, name: str, cron: str, next_run: datetime) -> None:
    """What a process that stopped before `next_run` left in the job store (written through the
    store itself: a scheduler thread could advance the time before we read it back)."""
    store = SQLAlchemyJobStore(engine=rt.db.engine, tablename=JOB_TABLE)
    never_started = BackgroundScheduler(timezone=TZ)
    store.start(never_started, "default")
    store.add_job(Job(never_started, id=job_id, func=run_job, args=[name], kwargs={}, trigger=parse_cron(cron, TZ),
                      executor="default", name=job_id, misfire_grace_time=86400, coalesce=True, max_instances=1,
                      next_run_time=next_run))


# -- cron -------------------------------------------------------------------------------------
def test_cron_expressions_five_or_six_fields_with_cron_weekdays():
    start = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)  # a Friday
    nightly = parse_cron("0 2 * * *", TZ)
    assert nightly.get_next_fire_time(None, start) == datetime(2026, 11, 28, 2, 0, tzinfo=TZ)
    monday = parse_cron("0 7 * * 1", TZ)  # cron's 1 is Monday (APScheduler's own 1 would be Tuesday)
    assert monday.get_next_fire_time(None, start) == datetime(2026, 11, 30, 7, 0, tzinfo=TZ)
    sunday = parse_cron("0 7 * * 0", TZ)
    assert sunday.get_next_fire_time(None, start) == datetime(2026, 11, 29, 7, 0, tzinfo=TZ)
    assert parse_cron("0 7 * * 7", TZ).get_next_fire_time(None, start) == datetime(2026, 11, 29, 7, 0, tzinfo=TZ)
    weekdays = parse_cron("30 6 * * 1-5", TZ)
    assert weekdays.get_next_fire_time(None, start) == datetime(2026, 11, 30, 6, 30, tzinfo=TZ)
    every2 = parse_cron("*/2 * * * * *", TZ)
    assert every2.get_next_fire_time(None, start + timedelta(seconds=1)) == start + timedelta(seconds=2)
    assert parse_cron("0 7 * * mon", TZ).get_next_fire_time(None, start) == datetime(2026, 11, 30, 7, 0, tzinfo=TZ)
    assert parse_cron("   ", TZ) is None
    with pytest.raises(ValueError, match="5 fields"):
        parse_cron("0 2 * *", TZ)


# -- misfire and coalesce ---------------------------------------------------------------------
def test_nightly_scan_missed_three_nights_runs_once_at_start_up(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(nightly="0 2 * * *"))
    now = datetime.now(TZ)
    three_nights_ago = (now - timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
    leave_stored_job(rt, "nightly-scan", "nightly_scan", "0 2 * * *", three_nights_ago)
    svc = Service(rt, scanner_factory=factory())
    services.append(svc)
    svc.start()
    assert wait_for(lambda: ("nightly-scan", "executed") in svc.events)
    time.sleep(1.5)  # give a second catch-up run the chance to (wrongly) happen
    nightly = runs(rt, "nightly")
    assert len(nightly) == 1 and nightly[0].status == "done"
    assert svc.events.count(("nightly-scan", "executed")) == 1
    job = svc.scheduler.get_job("nightly-scan")
    assert job.next_run_time > datetime.now(TZ) and job.next_run_time.hour == 2
    with rt.db.session() as s:  # one job row per fixed id, no duplicates after the restart
        assert s.execute(text(f"select count(*) from {JOB_TABLE}")).scalar() == 1


def test_a_run_missed_beyond_the_grace_time_is_skipped(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(nightly="0 2 * * *", grace=60))
    now = datetime.now(TZ)
    leave_stored_job(rt, "nightly-scan", "nightly_scan", "0 2 * * *", now - timedelta(days=3, minutes=5))
    svc = Service(rt, scanner_factory=factory())
    services.append(svc)
    svc.start()
    assert wait_for(lambda: ("nightly-scan", "missed") in svc.events)
    time.sleep(0.5)
    assert runs(rt, "nightly") == []
    assert svc.scheduler.get_job("nightly-scan").next_run_time > datetime.now(TZ)


def test_restart_with_a_new_cron_replaces_the_job_and_empty_turns_it_off(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(nightly="0 2 * * *", summary="0 7 * * mon", retention="30 3 * * *"))
    svc = Service(rt)
    svc.start()
    assert {j.id for j in svc.scheduler.get_jobs()} == {"nightly-scan", "weekly-summary", "retention-purge",
                                                        "summary-retry"}
    svc.shutdown()
    rt.settings["schedule"]["nightly_scan"] = "0 4 * * *"
    rt.settings["schedule"]["retention"] = ""
    svc = Service(rt)
    services.append(svc)
    svc.start()
    assert {j.id for j in svc.scheduler.get_jobs()} == {"nightly-scan", "weekly-summary", "summary-retry"}
    assert svc.scheduler.get_job("nightly-scan").next_run_time.hour == 4
    with rt.db.session() as s:
        assert s.execute(text(f"select count(*) from {JOB_TABLE}")).scalar() == 2


# -- no overlap, leases -----------------------------------------------------------------------
def test_a_scan_still_running_is_not_started_again(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(nightly="* * * * * *"))
    gate = Gate()
    svc = Service(rt, scanner_factory=factory(gate))
    services.append(svc)
    svc.start()
    assert gate.entered.wait(10)
    assert wait_for(lambda: ("nightly-scan", "max-instances") in svc.events, timeout=10)
    assert len(runs(rt, "nightly")) == 1 and gate.calls == ["NorthgateHS"]
    gate.release.set()
    svc.shutdown()
    assert all(r.status in ("done", "interrupted") for r in runs(rt, "nightly"))


def test_leases_keep_the_nightly_scan_off_an_account_a_cli_scan_holds(db_url, runtime_factory):
    rt = board(runtime_factory, db_url, schedule())
    with rt.db.session() as s:
        hs = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS")).id
    cli = Scanner(rt, lease_owner="laptop:4242:cli")
    assert cli.acquire_lease(hs)
    svc = Service(rt, scanner_factory=factory())  # the job body runs without the scheduler here
    svc.job_nightly_scan()
    with rt.db.session() as s:
        outcomes = {r.account.handle: r.outcome for r in s.scalars(select(m.ScanAccountResult))}
    assert outcomes == {"NorthgateHS": "busy", "NorthgateAthletics": "ok", "MsRiverGr4": "ok"}
    # The CLI process was killed: its lease expires and the next nightly scan takes the account.
    with rt.db.session() as s:
        s.get(m.Account, hs).lease_expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    svc.job_nightly_scan()
    with rt.db.session() as s:
        last = s.scalars(select(m.ScanAccountResult).where(m.ScanAccountResult.account_id == hs)
                         .order_by(m.ScanAccountResult.id.desc())).first()
        acc = s.get(m.Account, hs)
        assert last.outcome == "ok" and acc.lease_owner is None and acc.last_success_at is not None


# -- stopping ---------------------------------------------------------------------------------
def test_stop_finishes_the_account_in_progress_and_records_the_run_interrupted(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(nightly="* * * * * *"))
    gate = Gate()
    svc = Service(rt, scanner_factory=factory(gate))
    svc.start()
    assert gate.entered.wait(10)
    stopper = threading.Thread(target=svc.shutdown)
    stopper.start()
    time.sleep(0.3)
    assert stopper.is_alive()  # waiting for the account in progress
    gate.release.set()
    stopper.join(20)
    assert not stopper.is_alive()
    (run,) = runs(rt, "nightly")
    assert run.status == "interrupted" and run.finished_at is not None
    with rt.db.session() as s:
        results = list(s.scalars(select(m.ScanAccountResult).where(m.ScanAccountResult.run_id == run.id)))
        # The account in progress is finished (all its pages, its status untouched by the stop);
        # no other account is started.
        assert [(r.account.handle, r.outcome) for r in results] == [("NorthgateHS", "ok")]
        assert s.scalar(select(func.count(m.StoredItem.id))) == 2
        acc = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS"))
        assert acc.cursor == {"n": 2} and acc.status == "ok"
        assert s.scalar(select(func.count(m.Account.id)).where(m.Account.lease_owner.is_not(None))) == 0
    assert scheduler._current is None


# -- the queue --------------------------------------------------------------------------------
def test_queued_audit_is_picked_up_within_seconds(db_url, runtime_factory, services):
    rt = board(runtime_factory, db_url, schedule(poll=1))
    svc = Service(rt, scanner_factory=factory())
    services.append(svc)
    svc.start()
    with rt.db.session() as s:
        req_id = queue.enqueue(s, "principal.rps@board.example.ca", school_code="RPS").id
    asked = time.monotonic()

    def done():
        with rt.db.session() as s:
            return s.get(m.ScanRequest, req_id).status == "done"

    assert wait_for(done, timeout=15)
    assert time.monotonic() - asked < 10
    with rt.db.session() as s:
        req = s.get(m.ScanRequest, req_id)
        run = s.get(m.ScanRun, req.run_id)
        assert (run.trigger, run.requested_by, run.scope["school"], run.status) == (
            "on-demand", "principal.rps@board.example.ca", "RPS", "done")
        assert req.message == "1/1 accounts ok" and req.claimed_by == svc.owner and req.claim_expires_at is None


def test_a_request_interrupted_by_shutdown_is_queued_again(db_url, runtime_factory):
    rt = board(runtime_factory, db_url, schedule(poll=1))
    gate = Gate()
    svc = Service(rt, scanner_factory=factory(gate))
    svc.start()
    with rt.db.session() as s:
        req_id = queue.enqueue(s, "it", school_code="NHS").id
    assert gate.entered.wait(15)
    stopper = threading.Thread(target=svc.shutdown)
    stopper.start()
    time.sleep(0.2)
    gate.release.set()
    stopper.join(20)
    with rt.db.session() as s:
        req = s.get(m.ScanRequest, req_id)
        assert req.status == "queued" and "interrupted" in req.message and req.claimed_by is None
        assert s.get(m.ScanRun, req.run_id).status == "interrupted"


# -- the weekly summary job -------------------------------------------------------------------
def test_weekly_job_sends_once_and_the_retry_job_resends_only_failures(db_url, runtime_factory):
    from auditor.mailer import sends_for
    from tests.auditor.smtp_sink import Server, Sink

    sink = Sink()
    with Server(sink) as smtp:
        rt = board(runtime_factory, db_url, schedule(summary="0 7 * * mon") +
                   f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nsecurity = "none"\n'
                   'admins = ["it.admin@board.example.ca"]\nretry_wait_seconds = 0\n')
        now = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)  # Monday 08:00 in Toronto
        svc = Service(rt, scanner_factory=factory(), now=lambda: now)
        sink.refuse = ["550 5.1.1 mailbox unavailable"]  # the first recipient (NHS's principal) fails
        svc.job_weekly_summary()
        assert len(sink.arrived) == 2
        assert {(r.recipient, r.status) for r in sends_for(rt.db, "2026-W48")} == {
            ("principal.nhs@board.example.ca", "failed"), ("principal.rps@board.example.ca", "sent"),
            ("it.admin@board.example.ca", "sent")}
        svc.job_summary_retry()  # an hour later: only the failed one
        assert [a.rcpt_tos for a in sink.arrived[2:]] == [["principal.nhs@board.example.ca"]]
        assert {r.status for r in sends_for(rt.db, "2026-W48")} == {"sent"}
        svc.job_weekly_summary()  # the cron firing again (a restart, a second process): nothing new
        svc.job_summary_retry()
        assert len(sink.arrived) == 3


def test_a_summary_due_while_the_service_was_down_is_sent_late_once(db_url, runtime_factory):
    from auditor.mailer import sends_for
    from tests.auditor.smtp_sink import Server, Sink

    sink = Sink()
    with Server(sink) as smtp:
        rt = board(runtime_factory, db_url, schedule(summary="0 7 * * mon") +
                   f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nsecurity = "none"\n'
                   'admins = ["it.admin@board.example.ca"]\nretry_wait_seconds = 0\n')
        clock = {"now": datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)}  # Monday 06:00 in Toronto
        svc = Service(rt, scanner_factory=factory(), now=lambda: clock["now"])
        assert svc.last_summary_fire(clock["now"]) == datetime(2026, 11, 23, 7, 0, tzinfo=TZ)
        svc.job_summary_retry()  # W48's summary is not due before 07:00: nothing goes early
        assert sink.arrived == [] and sends_for(rt.db, "2026-W48") == []
        clock["now"] = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)  # Wednesday; Monday was missed
        svc.job_summary_retry()
        assert sorted(r for a in sink.arrived for r in a.rcpt_tos) == [
            "it.admin@board.example.ca", "principal.nhs@board.example.ca", "principal.rps@board.example.ca"]
        assert {r.status for r in sends_for(rt.db, "2026-W48")} == {"sent"}
        svc.job_summary_retry()
        svc.job_weekly_summary()
        assert len(sink.arrived) == 3


def test_bad_schedule_settings_name_the_key(db_url, runtime_factory):
    from auditor.config import ConfigError
    rt = runtime_factory(db_url, schedule(nightly="0 25 * * *"))
    with pytest.raises(ConfigError, match=r"schedule\.nightly_scan: cron expression '0 25 \* \* \*': .*maximum value \(23\)"):
        Service(rt)
    rt.settings["schedule"]["nightly_scan"] = "0 2 * *"
    with pytest.raises(ConfigError, match=r"schedule\.nightly_scan: .*5 fields"):
        Service(rt)
    rt.settings["schedule"]["nightly_scan"] = ""
    rt.settings["schedule"]["timezone"] = "Mars/Olympus_Mons"
    with pytest.raises(ConfigError, match="schedule.timezone: unknown timezone"):
        Service(rt)
