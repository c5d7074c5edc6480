"""Scan orchestration: registered accounts → connectors → checkers → findings in the store.

The rules that keep an audit trustworthy live here:
- a page's items, their findings and the account's new cursor are committed in one transaction,
  so a crash never skips or duplicates items;
- an account that fails is recorded with its reason and the scan goes on with the others;
- an account is leased in the database while it is scanned, so two processes never scan it at once;
- a finding seen again keeps its review state; one whose item was read again and no longer breaks
  the rule becomes `gone`; one whose item left a complete listing becomes `removed`.
Platforms are scanned concurrently (one thread per platform), accounts of one platform in turn,
so one platform's trouble never stalls another's. When `stop` is set (SIGTERM), the accounts in
progress are finished and no new one is started; the run is recorded as interrupted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.metadata import entry_points

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from auditor.checkrun import build_engine
from auditor.engine import Engine
from auditor.findings import Finding as CheckFinding
from auditor.items import get_field
from auditor.runtime import Runtime
from auditor.store import models as m
from auditor.store.registry_store import load_registry_from_store
from connectors.base import AccountRef, Connector, ConnectorError, Coverage, Page

log = logging.getLogger("auditor.scan")
CONNECTOR_GROUP = "auditor.connectors"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def connector_for(runtime: Runtime, platform: str) -> Connector:
    """The connector configured for a platform ([platforms.NAME] connector=...), default its own."""
    options = dict(runtime.settings.platforms.get(platform, {}))
    name = options.get("connector") or platform
    if options.get("path"):
        options["path"] = str(runtime.settings.resolve_path(options["path"]))
    options.setdefault("platform", platform)
    eps = {ep.name: ep for ep in entry_points(group=CONNECTOR_GROUP)}
    if name not in eps:
        raise ConnectorError(f"no connector named {name!r} is installed (known: {', '.join(sorted(eps))})")
    return eps[name].load()(options)


@dataclass
class AccountOutcome:
    account: str
    outcome: str
    message: str = ""
    items_read: int = 0
    items_new: int = 0
    findings_new: int = 0


@dataclass
class ScanReport:
    run_id: int
    status: str
    outcomes: list[AccountOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AccountOutcome]:
        return [o for o in self.outcomes if o.outcome != "ok"]


def evidence_context(item: dict, finding: CheckFinding) -> dict[str, str]:
    """The texts a finding's spans point into, kept with the finding so the evidence outlives
    the raw item (retention purges items, never findings)."""
    out = {}
    for span in finding.spans:
        if span.field in out:
            continue
        try:
            value = get_field(item, span.field)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            continue
        if isinstance(value, str):
            out[span.field] = value
    return out


class FindingWriter:
    """Upserts findings and decides presence; one instance per account per run."""

    def __init__(self, session: Session, account: m.Account, run_id: int, now: datetime):
        self.s, self.account, self.run_id, self.now = session, account, run_id, now
        self.new = 0

    def write(self, checked: list[tuple[dict, list[CheckFinding]]]) -> None:
        item_ids = [item["id"] for item, _ in checked]
        if not item_ids:
            return
        existing: dict[str, m.Finding] = {}
        for chunk in _chunks(item_ids, 500):
            for row in self.s.scalars(select(m.Finding).where(m.Finding.account_id == self.account.id,
                                                              m.Finding.item_id.in_(chunk))):
                existing[row.fingerprint] = row
        produced = set()
        for item, findings in checked:
            for f in findings:
                fp = f.fingerprint
                produced.add(fp)
                # The fingerprint covers account and item, so any stored row for it is in `existing`.
                row = existing.get(fp)
                if row is None:
                    row = m.Finding(fingerprint=fp, account_id=self.account.id, item_id=f.item_id,
                                    status="open", first_seen=self.now, first_run_id=self.run_id)
                    self.s.add(row)
                    existing[fp] = row
                    self.new += 1
                row.item_url = item.get("url") or (item.get("post") or {}).get("url") or ""
                row.item_created_at = parse_time(item.get("created_at"))
                row.rule, row.category, row.severity, row.confidence = f.rule, f.category, f.severity, f.confidence
                row.via, row.clause, row.reason = f.via, f.clause, f.reason
                row.spans = [s.to_dict() for s in f.spans]
                row.context = evidence_context(item, f)
                row.explanation = f.explanation
                row.presence = "present"
                row.last_seen, row.last_run_id = self.now, self.run_id
        # Read again, no longer breaking the rule: gone (the review state is kept as it was).
        for fp, row in existing.items():
            if fp not in produced and row.presence == "present":
                row.presence = "gone"
                row.status_changed_at = self.now


def _chunks(seq: list, n: int) -> Iterable[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


class Scanner:
    def __init__(self, runtime: Runtime, *, connector_factory: Callable[[str], Connector] | None = None,
                 now: Callable[[], datetime] = utcnow, stop: threading.Event | None = None,
                 lease_owner: str | None = None, progress: bool = False, checkers=None):
        self.rt = runtime
        self.checkers = checkers  # None: every registered checker
        self.db = runtime.db
        self.connector_factory = connector_factory or (lambda platform: connector_for(runtime, platform))
        self.now = now
        self.stop = stop or threading.Event()
        self.lease_owner = lease_owner or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease_seconds = runtime.settings["scan"]["lease_seconds"]
        self.progress = progress

    # -- selection -------------------------------------------------------------------------
    def select_accounts(self, session: Session, school: str | None, account: str | None) -> list[m.Account]:
        q = select(m.Account).join(m.School).where(m.Account.active.is_(True))
        if school:
            q = q.where(m.School.code == school)
        if account:
            platform, _, handle = account.partition(":")
            q = q.where(m.Account.platform == platform, m.Account.handle_key == handle.lstrip("@").lower())
        return list(session.scalars(q.order_by(m.Account.platform, m.Account.id)))

    def _engine(self, session: Session) -> Engine:
        key = self.rt.key()
        return build_engine(self.rt.settings, load_registry_from_store(session, key), now=self.now(),
                            checkers=self.checkers)

    # -- runs ------------------------------------------------------------------------------
    def run(self, *, trigger: str = "cli", requested_by: str = "", school: str | None = None,
            account: str | None = None, recheck: bool = False,
            connector: Connector | None = None, run_hook: Callable[[int], None] | None = None) -> ScanReport:
        """Scan the accounts in scope. `connector` forces one connector (an export import)."""
        with self.db.session() as s:
            accounts = self.select_accounts(s, school, account)
            if account and not accounts:
                raise LookupError(f"no registered active account {account}")
            if school and not accounts and not s.scalar(select(m.School).where(m.School.code == school)):
                raise LookupError(f"no school with code {school}")
            engine = self._engine(s)
            run = m.ScanRun(trigger=trigger, requested_by=requested_by, started_at=self.now(),
                            scope={"school": school, "account": account, "recheck": recheck}, status="running")
            s.add(run)
            s.flush()
            run_id = run.id
            ids_by_platform: dict[str, list[int]] = defaultdict(list)
            for a in accounts:
                ids_by_platform[a.platform].append(a.id)
        if run_hook:
            run_hook(run_id)
        report = ScanReport(run_id, "running")
        lock = threading.Lock()

        def scan_platform(platform: str, ids: list[int]) -> None:
            for account_id in ids:
                if self.stop.is_set():
                    return
                outcome = self.scan_account(account_id, run_id, engine, recheck=recheck, connector=connector)
                with lock:
                    report.outcomes.append(outcome)
                    if progress is not None:
                        progress.advance(task)

        progress = task = None
        if self.progress:
            from rich.progress import Progress
            progress = Progress(transient=False)
            progress.start()
            task = progress.add_task("scanning", total=len(accounts))
        try:
            workers = max(1, min(self.rt.settings["scan"]["workers"], len(ids_by_platform) or 1))
            with ThreadPoolExecutor(workers, thread_name_prefix="scan") as pool:
                futures = [pool.submit(scan_platform, p, ids) for p, ids in ids_by_platform.items()]
                for f in futures:
                    f.result()
        finally:
            if progress is not None:
                progress.stop()
        status = "interrupted" if self.stop.is_set() else "done"
        with self.db.session() as s:
            # Account rules judge the accounts as this run left them (status, last success).
            account_engine = build_engine(self.rt.settings, load_registry_from_store(s, None), now=self.now(),
                                          checkers=self.checkers)
            self._account_rules(s, account_engine, [s.get(m.Account, a.id) for a in accounts], run_id)
            run = s.get(m.ScanRun, run_id)
            run.status, run.finished_at = status, self.now()
        report.status = status
        return report

    def _account_rules(self, s: Session, engine: Engine, accounts: list[m.Account], run_id: int) -> None:
        """Rules about the accounts themselves (approval, stale scans), judged once per run."""
        now = self.now()
        in_scope = {a.key.lower(): a for a in accounts}
        found = [f for f in engine.check_accounts() if f"{f.platform}:{f.account}".lower() in in_scope]
        by_account: dict[int, list[tuple[dict, list[CheckFinding]]]] = defaultdict(list)
        for f in found:
            row = in_scope[f"{f.platform}:{f.account}".lower()]
            by_account[row.id].append(({"id": f.item_id}, [f]))
        for a in accounts:
            checked = by_account.get(a.id, [])
            writer = FindingWriter(s, a, run_id, now)
            writer.write(checked or [({"id": f"account:{a.platform}:{a.handle}"}, [])])

    # -- one account -----------------------------------------------------------------------
    def acquire_lease(self, account_id: int) -> bool:
        now = self.now()
        with self.db.session() as s:
            res = s.execute(update(m.Account).where(
                m.Account.id == account_id,
                or_(m.Account.lease_owner.is_(None), m.Account.lease_owner == self.lease_owner,
                    m.Account.lease_expires_at < now),
            ).values(lease_owner=self.lease_owner, lease_expires_at=now + timedelta(seconds=self.lease_seconds)))
            return res.rowcount == 1

    def release_lease(self, account_id: int) -> None:
        with self.db.session() as s:
            s.execute(update(m.Account).where(m.Account.id == account_id, m.Account.lease_owner == self.lease_owner)
                      .values(lease_owner=None, lease_expires_at=None))

    def scan_account(self, account_id: int, run_id: int, engine: Engine, *, recheck: bool = False,
                     connector: Connector | None = None) -> AccountOutcome:
        """Read one account. A forced `connector` (a data export) neither reads nor moves the account's
        API cursor, and its listing never marks items removed: an export is a snapshot of the past,
        so later posts missing from it were not deleted."""
        with self.db.session() as s:
            acc = s.get(m.Account, account_id)
            key = acc.key
            ref = AccountRef(acc.platform, acc.handle, acc.credential, acc.platform_user_id)
            cursor = dict(acc.cursor) if acc.cursor else None
        started = self.now()
        if not self.acquire_lease(account_id):
            return self._record(run_id, account_id, AccountOutcome(key, "busy", "another scan holds this account"),
                                started, set_status=False)
        outcome = AccountOutcome(key, "ok")
        try:
            if recheck:
                self._recheck(account_id, run_id, engine, outcome)
            else:
                if connector is not None:
                    self._read(connector, ref, None, account_id, run_id, engine, outcome, snapshot=True)
                else:
                    conn = self.connector_factory(ref.platform)
                    self._read(conn, ref, cursor, account_id, run_id, engine, outcome)
        except ConnectorError as exc:
            outcome.outcome, outcome.message = exc.status, str(exc)
            log.info("account %s: %s: %s", key, exc.status, exc)
        except Exception as exc:  # a failing account never stops the scan of the others
            outcome.outcome, outcome.message = "error", f"{type(exc).__name__}: {exc}"
            log.exception("account %s failed", key)
        finally:
            self.release_lease(account_id)
        return self._record(run_id, account_id, outcome, started, set_status=not recheck)

    def _record(self, run_id: int, account_id: int, outcome: AccountOutcome, started: datetime,
                set_status: bool = True) -> AccountOutcome:
        now = self.now()
        with self.db.session() as s:
            s.add(m.ScanAccountResult(run_id=run_id, account_id=account_id, outcome=outcome.outcome,
                                      message=outcome.message, items_read=outcome.items_read,
                                      items_new=outcome.items_new, findings_new=outcome.findings_new,
                                      started_at=started, finished_at=now))
            if set_status:
                acc = s.get(m.Account, account_id)
                acc.last_scan_at = now
                acc.status = outcome.outcome if outcome.outcome != "busy" else acc.status
                acc.status_message = outcome.message
                if outcome.outcome == "ok":
                    acc.last_success_at = now
        return outcome

    def _read(self, conn: Connector, ref: AccountRef, cursor: dict | None, account_id: int, run_id: int,
              engine: Engine, outcome: AccountOutcome, snapshot: bool = False) -> None:
        seen = Coverage()
        fetch_media = None
        if conn.fetches_media and not snapshot:
            from connectors.media import attach_media, media_cache_dir, media_options
            cache, opts = media_cache_dir(self.rt.settings), media_options(self.rt.settings, ref.platform)
            fetch_media = lambda item: attach_media(item, cache, **opts)  # noqa: E731
        for page in conn.fetch(ref, cursor):
            if fetch_media is not None:
                for item in page.items:
                    fetch_media(item)
            self._store_page(page, account_id, run_id, engine, outcome, keep_cursor=snapshot)
            seen.item_ids |= page.coverage.item_ids
            seen.complete_types |= page.coverage.complete_types
        if seen.complete_types and not snapshot:
            self._mark_removed(account_id, seen)

    def _store_page(self, page: Page, account_id: int, run_id: int, engine: Engine,
                    outcome: AccountOutcome, keep_cursor: bool = False) -> None:
        now = self.now()
        with self.db.session() as s:
            acc = s.get(m.Account, account_id)
            ids = [it["id"] for it in page.items]
            stored = {}
            for chunk in _chunks(ids, 500):
                for row in s.scalars(select(m.StoredItem).where(m.StoredItem.account_id == account_id,
                                                                m.StoredItem.item_id.in_(chunk))):
                    stored[row.item_id] = row
            checked = []
            for item in page.items:
                row = stored.get(item["id"])
                if row is None:
                    row = m.StoredItem(account_id=account_id, item_id=item["id"], type=item["type"],
                                       fetched_at=now, data=item)
                    s.add(row)
                    stored[item["id"]] = row
                    outcome.items_new += 1
                elif row.data != item:
                    row.data = item
                row.created_at = parse_time(item.get("created_at"))
                row.url = item.get("url") or ""
                row.removed_at = None
                checked.append((item, engine.check_item(item)))
            outcome.items_read += len(page.items)
            writer = FindingWriter(s, acc, run_id, now)
            writer.write(checked)
            outcome.findings_new += writer.new
            if page.cursor is not None and not keep_cursor:
                acc.cursor = page.cursor
            # Renew the lease while work goes on.
            acc.lease_expires_at = now + timedelta(seconds=self.lease_seconds)

    def _mark_removed(self, account_id: int, seen: Coverage) -> None:
        now = self.now()
        with self.db.session() as s:
            q = select(m.StoredItem).where(m.StoredItem.account_id == account_id,
                                           m.StoredItem.type.in_(sorted(seen.complete_types)),
                                           m.StoredItem.removed_at.is_(None))
            gone_ids = [row for row in s.scalars(q) if row.item_id not in seen.item_ids]
            for row in gone_ids:
                row.removed_at = now
            for chunk in _chunks([r.item_id for r in gone_ids], 500):
                for f in s.scalars(select(m.Finding).where(m.Finding.account_id == account_id,
                                                           m.Finding.item_id.in_(chunk))):
                    if f.presence != "removed":
                        f.presence, f.status_changed_at = "removed", now

    def _recheck(self, account_id: int, run_id: int, engine: Engine, outcome: AccountOutcome) -> None:
        """Re-apply the current rules to stored items; no platform is called."""
        last = 0
        while True:
            with self.db.session() as s:
                rows = list(s.scalars(select(m.StoredItem).where(
                    m.StoredItem.account_id == account_id, m.StoredItem.id > last,
                    m.StoredItem.removed_at.is_(None)).order_by(m.StoredItem.id).limit(1000)))
                if not rows:
                    return
                last = rows[-1].id
                acc = s.get(m.Account, account_id)
                checked = [(r.data, engine.check_item(r.data)) for r in rows]
                outcome.items_read += len(rows)
                writer = FindingWriter(s, acc, run_id, self.now())
                writer.write(checked)
                outcome.findings_new += writer.new
