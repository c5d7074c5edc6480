"""Runs the registered checkers over items and applies the board's policy to what they find.

The engine is the only place that knows about policy (enabled rules, severity overrides,
allowlist), so checkers stay simple and a policy change can be re-applied to stored items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from importlib.metadata import entry_points

from auditor.checkers.base import AccountChecker, CheckContext, Checker
from auditor.findings import Finding
from auditor.policy import Policy

ENTRY_POINT_GROUP = "auditor.checkers"


class CheckerLoadError(RuntimeError):
    pass


def _collect(obj, origin: str) -> list[type[Checker]]:
    if isinstance(obj, type) and issubclass(obj, Checker):
        return [obj]
    if isinstance(obj, (list, tuple)):
        out = []
        for o in obj:
            out += _collect(o, origin)
        return out
    raise CheckerLoadError(f"{origin}: expected a Checker subclass or a list of them, got {obj!r}")


def checker_classes() -> list[type[Checker]]:
    """Every registered checker class, built-in or add-on, sorted by id; ids must be unique."""
    found: dict[str, type[Checker]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # an add-on that cannot load is a configuration error
            raise CheckerLoadError(f"checker entry point {ep.name} ({ep.value}): {exc}") from exc
        for cls in _collect(loaded, f"entry point {ep.name}"):
            if cls.id in found and found[cls.id] is not cls:
                raise CheckerLoadError(f"rule id {cls.id} registered twice: {found[cls.id].__module__} "
                                       f"and {cls.__module__}")
            found[cls.id] = cls
    return [found[k] for k in sorted(found)]


class Engine:
    def __init__(self, ctx: CheckContext, policy: Policy | None = None,
                 checkers: Iterable[type[Checker]] | None = None):
        self.ctx = ctx
        self.policy = policy or Policy()
        classes = list(checkers) if checkers is not None else checker_classes()
        self.checkers = [c() for c in classes if self.policy.is_enabled(c)]
        self._by_type: dict[str, list[Checker]] = {}
        for c in self.checkers:
            for t in c.item_types:
                self._by_type.setdefault(t, []).append(c)
        self._steps = {t: _gated_runs(cs) for t, cs in self._by_type.items()}
        self._allow = self.policy.active_allow(ctx.now.date())
        if self.policy.data:
            ctx.policy = self.policy.data

    def _apply_policy(self, findings: Iterable[Finding]) -> list[Finding]:
        if not self._allow and not self.policy.severity:  # nothing to apply: the common case
            return list(findings)
        out = []
        for f in findings:
            if any(a.matches(f) for a in self._allow):
                continue
            sev = self.policy.severity.get(f.rule_id)
            out.append(replace(f, severity=sev) if sev else f)
        return out

    def check_item(self, item: dict) -> list[Finding]:
        found: list[Finding] = []
        ctx = self.ctx
        for gate, checkers in self._steps.get(item.get("type", ""), ()):
            if gate is not None and not gate(item, ctx):
                continue  # none of these rules can find anything in this item
            for checker in checkers:
                found.extend(checker.check(item, ctx))
        if not found:  # most items: nothing to dedupe or to apply the policy to
            return found
        return self._apply_policy(_dedupe(found))

    def check_items(self, items: Iterable[dict]) -> Iterator[tuple[dict, list[Finding]]]:
        for item in items:
            yield item, self.check_item(item)

    def check_accounts(self) -> list[Finding]:
        found: list[Finding] = []
        for checker in self.checkers:
            if isinstance(checker, AccountChecker):
                for account in self.ctx.accounts:
                    found.extend(checker.check_account(account, self.ctx))
        return self._apply_policy(_dedupe(found))


def _gated_runs(checkers: list[Checker]) -> list[tuple[Callable | None, tuple[Checker, ...]]]:
    """The checkers in order, cut into runs of neighbours that share an `item_gate` (or have
    none): a gate is asked once per item for its whole run, and the findings keep the checkers'
    order."""
    runs: list[tuple[Callable | None, list[Checker]]] = []
    for checker in checkers:
        gate = checker.item_gate()
        if runs and runs[-1][0] is gate:
            runs[-1][1].append(checker)
        else:
            runs.append((gate, [checker]))
    return [(gate, tuple(group)) for gate, group in runs]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    if len(findings) < 2:
        return findings
    seen, out = set(), []
    for f in findings:
        fp = f.fingerprint  # a SHA-256 over normalised evidence: computed once per finding
        if fp not in seen:
            seen.add(fp)
            out.append(f)
    return out
