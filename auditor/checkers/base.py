"""What a checker is, and what it gets to look at.

A checker is one class per rule (bandit/pylint style): a stable id and kebab-case name that are
never renamed or reused, a category, a default severity and confidence (separate things), the
clause of the procedure it enforces, and good/bad examples that the test suite runs. The class
docstring is the rule's documentation (`auditor policy show`).

Checkers are pure: they see an item and a CheckContext, never the network or the database. Work
that depends only on the context (building an automaton over the roster, compiling a lexicon) goes
through `ctx.cached(...)` so it happens once per scan, not once per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar, Iterable, Iterator, TypeVar

from auditor.findings import Finding, Span
from auditor.registry import Account, School, Student

T = TypeVar("T")


@dataclass
class CheckContext:
    """Everything a checker may know besides the item: the registry and the board's settings.

    `options` holds the `[checks]` section of the configuration (board e-mail domains, stale-scan
    days, ...); `policy` the parsed policy file (lexicon additions and the like) for checkers that
    read it. `now` is fixed per run so that "a class year still to come" is decided consistently.
    """

    students: list[Student] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    # Values built once per run (automatons, compiled lexicons, per-item slots). A rule asked for
    # every item reads `memo.get(key)` first: cheaper than a `cached` call with a new closure.
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        if key not in self.memo:
            self.memo[key] = factory()
        return self.memo[key]

    @property
    def board_domains(self) -> frozenset[str]:
        """Board e-mail domains: the accounts' owner_email domains plus any configured."""
        def build() -> frozenset[str]:
            domains = {a.owner_email.rsplit("@", 1)[-1].lower() for a in self.accounts if "@" in a.owner_email}
            domains |= {s.principal_email.rsplit("@", 1)[-1].lower() for s in self.schools
                        if "@" in s.principal_email}
            domains |= {d.lower().lstrip("@") for d in self.options.get("board_domains", ())}
            return frozenset(domains)
        return self.cached("board_domains", build)

    def account(self, platform: str, handle: str) -> Account | None:
        index = self.cached("account_index", lambda: {
            (a.platform, a.handle.lower().lstrip("@")): a for a in self.accounts})
        return index.get((platform, handle.lower().lstrip("@")))


@dataclass(frozen=True)
class Example:
    """An item and whether the rule must fire on it; run by tests/auditor/checkers/test_examples.py."""

    item: dict
    fires: bool
    note: str = ""


class Checker:
    """Base class; subclasses set the class attributes and implement `check`."""

    id: ClassVar[str]
    name: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[str]
    confidence: ClassVar[str] = "high"
    clause: ClassVar[str]
    # Whether the rule runs when the policy file says nothing about it. Optional rules (the
    # statistical conduct model) set False and run only under `[rules.<id>] enabled = true`.
    default_enabled: ClassVar[bool] = True
    # The item types the rule looks at; the engine skips the others.
    item_types: ClassVar[frozenset[str]] = frozenset({"post", "like"})
    examples: ClassVar[tuple[Example, ...]] = ()
    # Examples may need a registry (roster students, accounts); the test builds a context from it.
    example_context: ClassVar[Callable[[], CheckContext] | None] = None

    @classmethod
    def rule(cls) -> str:
        return f"{cls.id} {cls.name}"

    @classmethod
    def item_gate(cls) -> Callable[[dict, CheckContext], bool] | None:
        """A cheap test shared by several rules, False when none of them can find anything in an
        item (e.g. the content rules' shared lexicon scan found nothing). The engine asks it once
        per item for a run of rules that share it, instead of calling each rule: most items are
        clean. None (the default): the rule is always called."""
        return None

    @classmethod
    def doc(cls) -> str:
        return " ".join((cls.__doc__ or "").split())

    def check(self, item: dict, ctx: CheckContext) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(self, item: dict, *, reason: str, spans: Iterable[Span] = (), via: str | None = None,
                severity: str | None = None, confidence: str | None = None,
                explanation: dict[str, Any] | None = None, key: str = "") -> Finding:
        return Finding(
            rule=self.rule(), category=self.category, severity=severity or self.severity,
            confidence=confidence or self.confidence, item_id=item["id"], platform=item["platform"],
            account=item["account"], clause=self.clause, reason=reason, spans=list(spans), via=via,
            explanation={"checker": type(self).__name__, **(explanation or {})}, key=key,
        )


class AccountChecker(Checker):
    """A rule about a registered account itself rather than its content (category `account`).

    Its findings are attached to a synthetic item id `account:<platform>:<handle>` so they are
    fingerprinted, reviewed and reported like any other.
    """

    item_types: ClassVar[frozenset[str]] = frozenset()

    def check(self, item: dict, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())

    def check_account(self, account: Account, ctx: CheckContext) -> Iterable[Finding]:
        raise NotImplementedError

    @staticmethod
    def account_item(account: Account) -> dict:
        return {"type": "profile", "platform": account.platform, "account": account.handle,
                "id": f"account:{account.platform}:{account.handle}"}
