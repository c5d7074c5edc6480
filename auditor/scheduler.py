"""`auditor serve`'s engine: the nightly scan, the weekly summary, the retention purge, and the
on-demand queue, run by APScheduler 3 with its jobs stored in the project's database.

Why it is built this way:
- The cron jobs live in the database (SQLAlchemyJobStore) under fixed ids, so a restart knows when
  each job last should have run. With `coalesce` and a misfire grace time, a nightly scan missed
  for three nights while the process was down runs once at start-up, not three times.
- Re-adding a job at start-up would normally recompute its next run from "now" and forget the
  missed one; `_install` keeps a missed next-run time so the catch-up still happens.
- `max_instances=1`: a scan still running when the next one is due is not started twice; the
  account leases (auditor/scan.py) also keep a CLI scan and the nightly scan off the same account.
- The queue poller is an interval job kept in memory: a missed poll means nothing.
- Stopping sets one event shared by every scanner of this process: the scanner commits the page
  in progress with its cursor and starts no other account (auditor/scan.py), the run is recorded
  `interrupted`, a running on-demand request is queued again, and the jobs are waited for.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.events import (EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED,
                                JobEvent)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from auditor import queue
from auditor.config import ConfigError
from auditor.runtime import Runtime
from auditor.scan import Scanner

log = logging.getLogger("auditor.serve")

JOB_TABLE = "apscheduler_jobs"
# Fixed ids: the job store matches a restarted process's jobs to the stored ones by these.
CRON_JOBS = {
    "nightly-scan": "nightly_scan",
    "weekly-summary": "weekly_summary",
    "retention-purge": "retention",
}
QUEUE_JOB = "scan-queue"
RETRY_JOB = "summary-retry"
RETRY_SECONDS = 3600  # failed summary sends are tried again this often

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _dow(field: str) -> str:
    """Cron's numeric weekdays (0 or 7 = Sunday) to names: APScheduler 3 counts 0 as Monday."""
    return re.sub(r"(?<![/\w])([0-7])(?!\w)", lambda mt: _DOW_NAMES[int(mt.group(1))], field)


def parse_cron(expr: str, tz: ZoneInfo) -> CronTrigger | None:
    """A 5-field crontab line (minute hour day month weekday), or 6 fields with seconds first.
    Empty means the job is off."""
    fields = expr.split()
    if not fields:
        return None
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(f"cron expression {expr!r}: expected 5 fields (or 6 with seconds first)")
    second, minute, hour, day, month, dow = fields
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_dow(dow), timezone=tz)
    except ValueError as exc:
        raise ValueError(f"cron expression {expr!r}: {exc}") from exc


# The job store keeps a reference to a function, not to an object; the running service registers
# itself here so the stored jobs find it.
_current: "Service | None" = None


def run_job(name: str) -> None:
    service = _current
    if service is None:
        log.warning("job %s fired with no service running; ignored", name)
        return
    getattr(service, f"job_{name}")()


class Service:
    def __init__(self, runtime: Runtime, *, owner: str | None = None,
                 scanner_factory: Callable[..., Scanner] | None = None, mailer=None,
                 now: Callable[[], datetime] | None = None):
        self.rt = runtime
        self.settings = runtime.settings
        sched = self.settings["schedule"]
        try:
            self.tz = ZoneInfo(sched["timezone"])
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ConfigError(f"schedule.timezone: unknown timezone {sched['timezone']!r}") from exc
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.stop = threading.Event()
        self.scanner_factory = scanner_factory or Scanner
        self.mailer = mailer
        self.now = now or (lambda: datetime.now(timezone.utc))
        self.events: list[tuple[str, str]] = []  # (job id, executed|error|missed|max-instances)
        self.claim_seconds = max(30, self.settings["scan"]["lease_seconds"])
        self.triggers = {}
        for job_id, key in CRON_JOBS.items():
            try:
                self.triggers[job_id] = parse_cron(sched[key], self.tz)
            except ValueError as exc:
                raise ConfigError(f"schedule.{key}: {exc}") from exc
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=runtime.db.engine, tablename=JOB_TABLE),
                       "memory": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1,
                          # APScheduler reads None as "however late"; 0 here means "never catch up".
                          "misfire_grace_time": max(1, sched["misfire_grace_seconds"])},
            timezone=self.tz,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
                                    | EVENT_JOB_MAX_INSTANCES)

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        global _current
        if _current is not None and _current is not self:
            raise RuntimeError("a service is already running in this process")
        _current = self
        self.scheduler.start(paused=True)
        self._install()
        self.scheduler.resume()
        for job in self.scheduler.get_jobs():
            log.info("job %s: next run %s", job.id, job.next_run_time)

    def shutdown(self, wait: bool = True) -> None:
        """Ask scanners to stop after the accounts in progress, then wait for running jobs to end."""
        global _current
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if _current is self:
            _current = None

    def _install(self) -> None:
        now = datetime.now(self.tz)
        for job_id, trigger in self.triggers.items():
            existing = self.scheduler.get_job(job_id, jobstore="default")
            if trigger is None:
                if existing:
                    self.scheduler.remove_job(job_id, jobstore="default")
                continue
            extra = {}
            if existing is not None and existing.next_run_time is not None and existing.next_run_time < now:
                extra["next_run_time"] = existing.next_run_time  # missed while down: catch up once
            self.scheduler.add_job(run_job, trigger, args=[CRON_JOBS[job_id]], id=job_id, name=job_id,
                                   jobstore="default", replace_existing=True, **extra)
        if self.triggers["weekly-summary"] is not None:
            self.scheduler.add_job(run_job, "interval", seconds=RETRY_SECONDS, args=["summary_retry"],
                                   id=RETRY_JOB, name=RETRY_JOB, jobstore="memory", replace_existing=True,
                                   next_run_time=now + timedelta(seconds=60))
        poll = self.settings["schedule"]["queue_poll_seconds"]
        if poll > 0:
            self.scheduler.add_job(run_job, "interval", seconds=poll, args=["queue"], id=QUEUE_JOB,
                                   name=QUEUE_JOB, jobstore="memory", replace_existing=True,
                                   next_run_time=now, misfire_grace_time=None)

    def _on_event(self, event: JobEvent) -> None:
        kind = {EVENT_JOB_EXECUTED: "executed", EVENT_JOB_ERROR: "error", EVENT_JOB_MISSED: "missed",
                EVENT_JOB_MAX_INSTANCES: "max-instances"}.get(event.code, str(event.code))
        self.events.append((event.job_id, kind))
        if kind == "error":
            log.error("job %s failed: %r", event.job_id, getattr(event, "exception", None))
        elif kind == "missed":
            log.warning("job %s missed its run at %s (beyond the misfire grace time)",
                        event.job_id, getattr(event, "scheduled_run_time", "?"))
        elif kind == "max-instances":
            log.warning("job %s still running; this run skipped", event.job_id)

    # -- the jobs ----------------------------------------------------------------------------
    def _scanner(self, role: str) -> Scanner:
        return self.scanner_factory(self.rt, stop=self.stop, lease_owner=f"{self.owner}:{role}")

    def job_nightly_scan(self) -> None:
        if self.stop.is_set():
            return
        report = self._scanner("nightly").run(trigger="nightly", requested_by="auditor serve")
        bad = len(report.failed)
        log.info("nightly scan run %s %s: %d accounts, %d not ok", report.run_id, report.status,
                 len(report.outcomes), bad)

    def job_weekly_summary(self) -> None:
        from auditor.mailer import send_weekly
        outcomes = send_weekly(self.rt, now=self.now(), mailer=self.mailer)
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        log.info("weekly summary: %s", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no recipients")

    def last_summary_fire(self, now: datetime) -> datetime | None:
        """The latest time the weekly summary was due (at most 8 days back), or None."""
        trigger = self.triggers["weekly-summary"]
        if trigger is None:
            return None
        t, last = now.astimezone(self.tz) - timedelta(days=8), None
        for _ in range(2000):  # a seconds-level test cron would step forever; weekly crons take one or two
            t = trigger.get_next_fire_time(last, t)
            if t is None or t > now:
                return last
            last, t = t, t + timedelta(seconds=1)
        return now

    def job_summary_retry(self) -> None:
        """Hourly: retry failed sends, and send a week whose summary was due while the service was
        down beyond the misfire grace time (recipients already served are skipped by the ledger)."""
        from auditor.mailer import send_weekly, weeks_with_failures
        from reports.summary import Week
        now = self.now()
        due = self.last_summary_fire(now)
        current = Week.last_complete(now, self.tz)
        for label in sorted(set(weeks_with_failures(self.rt.db, now))
                            | ({current.label} if due and Week.last_complete(due, self.tz) == current else set())):
            outcomes = send_weekly(self.rt, week=Week.parse(label), now=now, mailer=self.mailer,
                                   only_failed=label != current.label)
            done = [o for o in outcomes if o.status != "skipped"]
            if done:
                log.info("summary %s: %d late or retried send(s), %d sent", label, len(done),
                         sum(1 for o in done if o.status == "sent"))

    def job_retention(self) -> None:
        from auditor.retention import purge_items
        n = purge_items(self.rt.db, self.settings["retention"]["raw_item_days"], now=self.now())
        log.info("retention: %d raw items purged", n)

    def job_queue(self) -> None:
        """Run queued on-demand audits one after another until none is left (or we are stopping)."""
        while not self.stop.is_set():
            req = queue.claim_next(self.rt.db, self.owner, claim_seconds=self.claim_seconds)
            if req is None:
                return
            self._run_request(req)

    def _run_request(self, req: queue.Claimed) -> None:
        log.info("on-demand audit %d (school=%s account=%s) by %s", req.id, req.school_code, req.account_key,
                 req.requested_by)
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.claim_seconds / 3):
                queue.renew(self.rt.db, self.owner, claim_seconds=self.claim_seconds)

        keeper = threading.Thread(target=renew, name=f"claim-{req.id}", daemon=True)
        keeper.start()
        try:
            report = self._scanner(f"request-{req.id}").run(
                trigger="on-demand", requested_by=req.requested_by, school=req.school_code,
                account=req.account_key, run_hook=lambda run_id: queue.attach_run(self.rt.db, req.id, run_id))
        except Exception as exc:  # a bad request fails alone; the poller goes on
            queue.finish(self.rt.db, req.id, self.owner, "failed", f"{type(exc).__name__}: {exc}")
            log.warning("on-demand audit %d failed: %s", req.id, exc)
            return
        finally:
            done.set()
        if report.status == "interrupted":
            queue.finish(self.rt.db, req.id, self.owner, "queued",
                         f"run {report.run_id} interrupted by shutdown; queued again")
            return
        bad = len(report.failed)
        message = f"{len(report.outcomes) - bad}/{len(report.outcomes)} accounts ok"
        queue.finish(self.rt.db, req.id, self.owner, "done", message)
        log.info("on-demand audit %d done (run %s): %s", req.id, report.run_id, message)
