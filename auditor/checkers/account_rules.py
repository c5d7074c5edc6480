"""Rules about registered accounts themselves (§1 Authorization), not about their content.

School and department accounts need the principal's approval, and an account that the auditor
cannot read is an account nobody audits: both are findings a principal must see, like content.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterator

from auditor.checkers.base import AccountChecker, CheckContext
from auditor.findings import Finding
from auditor.registry import KINDS_NEEDING_APPROVAL, Account

CLAUSE = "§1 Authorization"
DEFAULT_STALE_DAYS = 7
# Account statuses that are not a failure by themselves: "ok"; "new" (registered, not scanned
# yet, judged by its registration age); "deferred" (the platform asked to wait). Only time makes
# them stale. Any other status ("error", "needs-reauth", "not-found", ...) is a failed connection.
WAITING_STATUSES = frozenset({"ok", "new", "deferred"})


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class AccountApprovalMissing(AccountChecker):
    """A school or department account has no `approved_by`.

    The procedure requires the principal's (or manager's) approval for school and department
    accounts, and makes the approver responsible for them; classroom, club and professional
    accounts need none.
    """

    id = "SM401"
    name = "account-approval-missing"
    category = "account"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE

    def check_account(self, account: Account, ctx: CheckContext) -> Iterator[Finding]:
        if account.kind in KINDS_NEEDING_APPROVAL and not (account.approved_by or "").strip():
            yield self.finding(self.account_item(account),
                               reason=f"{account.kind} account {account.key} has no approval "
                                      f"(approved_by is empty); the principal must approve it",
                               explanation={"kind": account.kind, "school": account.school})


class AccountScanStale(AccountChecker):
    """An account's connection has failed, or it has not been scanned successfully for longer than
    `[checks] stale_scan_days` (default 7) days.

    A failed connection (status error, needs-reauth, not-found, ...) is reported at once; "new"
    and "deferred" are not failures, only staleness counts for them. An account that was never
    scanned counts once its registration is older than the threshold; one registered more
    recently is given time for its first scan.
    """

    id = "SM402"
    name = "account-scan-stale"
    category = "account"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE

    def check_account(self, account: Account, ctx: CheckContext) -> Iterator[Finding]:
        days = ctx.options.get("stale_scan_days", DEFAULT_STALE_DAYS)
        now = _aware(ctx.now)
        limit = now - timedelta(days=days)
        item = self.account_item(account)
        status = (account.status or "ok").lower()
        if status not in WAITING_STATUSES:
            detail = f": {account.status_message}" if account.status_message else ""
            yield self.finding(item, reason=f"the connection to {account.key} is {status}{detail}",
                               explanation={"status": status, "status_message": account.status_message},
                               key="status")
            return
        last = _aware(account.last_success_at)
        if last is not None:
            if last < limit:
                age = (now - last).days
                yield self.finding(item, reason=f"{account.key} has not been scanned successfully for {age} "
                                                f"days (limit {days})",
                                   explanation={"last_success_at": last.isoformat(), "stale_scan_days": days},
                                   key="stale")
            return
        registered = _aware(account.registered_at)
        if registered is not None and registered < limit:
            yield self.finding(item, reason=f"{account.key} was registered {(now - registered).days} days ago "
                                            f"and has never been scanned successfully (limit {days})",
                               explanation={"registered_at": registered.isoformat(), "stale_scan_days": days},
                               key="never")


CHECKERS = [AccountApprovalMissing, AccountScanStale]
