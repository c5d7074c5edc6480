"""SM401/SM402: approval of school and department accounts, stale or failing scans."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from auditor.checkers.account_rules import AccountApprovalMissing, AccountScanStale
from auditor.checkers.base import CheckContext
from auditor.engine import Engine
from auditor.policy import parse_policy
from auditor.registry import Account

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def account(kind="school", approved_by="", **extra) -> Account:
    a = Account("x", "NorthviewHS", kind, "NHS", "A B", "a.b@board.example", approved_by)
    for k, v in extra.items():
        setattr(a, k, v)
    return a


def run(checker, acc, **options):
    return list(checker().check_account(acc, CheckContext(accounts=[acc], now=NOW, options=options)))


def test_school_and_department_accounts_need_approval():
    for kind in ("school", "department"):
        [f] = run(AccountApprovalMissing, account(kind))
        assert f.category == "account" and f.item_id == "account:x:NorthviewHS" and kind in f.reason
    assert run(AccountApprovalMissing, account("school", "p@board.example")) == []
    for kind in ("classroom", "club", "professional"):
        assert run(AccountApprovalMissing, account(kind)) == []


def test_failed_connection_is_reported():
    [f] = run(AccountScanStale, account(status="auth_failed", status_message="token revoked",
                                        last_success_at=NOW))
    assert "auth_failed" in f.reason and "token revoked" in f.reason


def test_new_and_deferred_accounts_wait_for_the_threshold():
    assert run(AccountScanStale, account(status="new", registered_at=NOW - timedelta(days=2))) == []
    [f] = run(AccountScanStale, account(status="new", registered_at=NOW - timedelta(days=9)))
    assert "never been scanned" in f.reason
    assert run(AccountScanStale, account(status="deferred", last_success_at=NOW - timedelta(days=1))) == []
    assert run(AccountScanStale, account(status="deferred", last_success_at=NOW - timedelta(days=9)))
    for status in ("error", "needs-reauth", "not-found"):
        assert run(AccountScanStale, account(status=status, last_success_at=NOW)), status


def test_stale_last_success_uses_the_configured_days():
    acc = account(last_success_at=NOW - timedelta(days=8))
    assert run(AccountScanStale, acc) and "8 days" in run(AccountScanStale, acc)[0].reason
    assert run(AccountScanStale, acc, stale_scan_days=10) == []
    assert run(AccountScanStale, account(last_success_at=NOW - timedelta(days=2))) == []


def test_never_scanned_counts_once_registration_is_older_than_the_threshold():
    assert run(AccountScanStale, account(registered_at=NOW - timedelta(days=30)))
    assert run(AccountScanStale, account(registered_at=NOW - timedelta(days=3))) == []
    assert run(AccountScanStale, account()) == []  # nothing known about it: nothing to say


def test_naive_datetimes_are_taken_as_utc():
    acc = account(last_success_at=(NOW - timedelta(days=9)).replace(tzinfo=None))
    assert run(AccountScanStale, acc)


def test_engine_runs_account_rules_and_applies_policy():
    accs = [account(), account("department", "p@board.example", last_success_at=NOW - timedelta(days=20))]
    accs[1].handle = "NHS_Science"
    policy = parse_policy({"rules": {"SM401": {"severity": "high"}}}, "t")
    engine = Engine(CheckContext(accounts=accs, now=NOW), policy,
                    checkers=[AccountApprovalMissing, AccountScanStale])
    found = {(f.rule_id, f.account, f.severity) for f in engine.check_accounts()}
    assert found == {("SM401", "NorthviewHS", "high"), ("SM402", "NHS_Science", "medium")}
