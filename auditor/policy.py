"""The board's policy file: which rules run, at what severity, and what is knowingly allowed.

Allowlist entries must say why and until when: an exception nobody re-examines becomes a hole,
so an expired entry stops suppressing and is reported (like pylint's useless-suppression).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditor.findings import SEVERITIES, Finding, normalize_evidence


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class AllowEntry:
    """Suppresses findings of `rule` (id) matching every given selector."""

    rule: str
    reason: str
    expires: date
    account: str | None = None  # "platform:handle"
    item: str | None = None
    text: str | None = None  # normalized evidence text that must appear in a span

    def matches(self, finding: Finding) -> bool:
        if finding.rule_id != self.rule:
            return False
        if self.account and self.account.lower() != f"{finding.platform}:{finding.account}".lower():
            return False
        if self.item and self.item != finding.item_id:
            return False
        if self.text and not any(normalize_evidence(self.text) == normalize_evidence(s.text)
                                 for s in finding.spans):
            return False
        return True


@dataclass
class Policy:
    disabled: set[str] = field(default_factory=set)
    # Rules the file explicitly turns on: needed for rules that are off by default.
    enabled: set[str] = field(default_factory=set)
    severity: dict[str, str] = field(default_factory=dict)
    allow: list[AllowEntry] = field(default_factory=list)
    # Lexicon additions and other checker data, passed to checkers as CheckContext.policy.
    data: dict[str, Any] = field(default_factory=dict)
    source: str = "<defaults>"

    def is_enabled(self, checker: type) -> bool:
        """Whether a checker class runs: the file's `enabled` if it says, else the rule's default."""
        if checker.id in self.disabled:
            return False
        if checker.id in self.enabled:
            return True
        return getattr(checker, "default_enabled", True)

    def active_allow(self, today: date) -> list[AllowEntry]:
        return [a for a in self.allow if a.expires >= today]

    def expired_allow(self, today: date) -> list[AllowEntry]:
        return [a for a in self.allow if a.expires < today]


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    from auditor.config import read_toml
    return parse_policy(read_toml(Path(path), PolicyError), str(path))


def parse_policy(raw: dict[str, Any], source: str) -> Policy:
    policy = Policy(source=source)
    known = {"rules", "allow", "lexicons", "options"}
    for key in raw:
        if key not in known:
            raise PolicyError(f"{source}: {key}: unknown section; expected one of {', '.join(sorted(known))}")
    for rule_id, spec in (raw.get("rules") or {}).items():
        where = f"{source}: rules.{rule_id}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{where}: expected a table with 'enabled' and/or 'severity'")
        for k, v in spec.items():
            if k == "enabled":
                if not isinstance(v, bool):
                    raise PolicyError(f"{where}.enabled: expected true or false")
                (policy.enabled if v else policy.disabled).add(rule_id)
            elif k == "severity":
                if v not in SEVERITIES:
                    raise PolicyError(f"{where}.severity: expected one of {', '.join(SEVERITIES)}")
                policy.severity[rule_id] = v
            else:
                raise PolicyError(f"{where}.{k}: unknown key; expected enabled or severity")
    for i, entry in enumerate(raw.get("allow") or []):
        where = f"{source}: allow[{i}]"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where}: expected a table")
        unknown = set(entry) - {"rule", "reason", "expires", "account", "item", "text"}
        if unknown:
            raise PolicyError(f"{where}.{sorted(unknown)[0]}: unknown key")
        if not entry.get("rule"):
            raise PolicyError(f"{where}.rule: expected a rule id such as SM301")
        if not str(entry.get("reason", "")).strip():
            raise PolicyError(f"{where}.reason: expected why this is allowed")
        expires = entry.get("expires")
        if not isinstance(expires, date):
            raise PolicyError(f"{where}.expires: expected a date such as 2027-06-30")
        policy.allow.append(AllowEntry(entry["rule"], entry["reason"], expires, entry.get("account"),
                                       entry.get("item"), entry.get("text")))
    policy.data = {"lexicons": raw.get("lexicons") or {}, "options": raw.get("options") or {}}
    return policy
