"""Builds the checking context from the settings and whatever registry is at hand.

Shared by `auditor check` (registry from CSV files, no database) and the scanner (registry from
the store), so both judge items with exactly the same checkers, options and policy.
"""

from __future__ import annotations

from datetime import datetime, timezone

from auditor.checkers.base import CheckContext
from auditor.config import Settings
from auditor.engine import Engine
from auditor.policy import Policy, load_policy
from auditor.registry import Registry


def policy_for(settings: Settings) -> Policy:
    name = settings["checks"]["policy_file"]
    if not name:
        return Policy()
    path = settings.resolve_path(name)
    if not path.exists():
        return Policy()
    return load_policy(path)


def build_engine(settings: Settings, registry: Registry, now: datetime | None = None,
                 checkers=None) -> Engine:
    ctx = CheckContext(students=registry.students, schools=registry.schools, accounts=registry.accounts,
                       options=dict(settings["checks"]), now=now or datetime.now(timezone.utc))
    return Engine(ctx, policy_for(settings), checkers=checkers)
