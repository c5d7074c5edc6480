"""Findings: what a checker reports, and the fingerprint that lets a human's review outlive rescans.

The fingerprint follows detect-secrets' idea: identify a finding by what it is about (rule, where,
which item, which words), never by offsets, wording of the reason or severity, so that a policy
tweak or a reworded explanation does not reopen something a principal already marked.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
CONFIDENCES = ("high", "medium", "low")
CATEGORIES = (
    "student-follow",
    "student-name",
    "student-image",
    "location",
    "contact-info",
    "substances",
    "explicit",
    "political",
    "religious",
    "discriminatory",
    "personal-content",
    "account",
)
VIA = ("repost", "quote", "like")
REVIEW_STATUSES = ("open", "acknowledged", "resolved", "false-positive")
# Lifecycle states set by scans, not by people.
SCAN_STATUSES = ("gone", "removed")


def severity_rank(severity: str) -> int:
    """0 for critical ... 4 for info: sort keys and thresholds use this."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Span:
    """A matched piece of the item: which field, where, and the words themselves."""

    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


@dataclass
class Finding:
    rule: str  # "SM301 student-full-name"
    category: str
    severity: str
    confidence: str
    item_id: str
    platform: str
    account: str
    clause: str
    reason: str
    spans: list[Span] = field(default_factory=list)
    via: str | None = None
    # Presidio-style explanation: which recognizer, pattern, context word or roster flag decided.
    explanation: dict[str, Any] = field(default_factory=dict)
    # Extra words that tell two findings of one rule on one item apart when they have no span
    # (e.g. the image index for a face finding).
    key: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} not in {SEVERITIES}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"confidence {self.confidence!r} not in {CONFIDENCES}")
        if self.category not in CATEGORIES:
            raise ValueError(f"category {self.category!r} not in {CATEGORIES}")
        if self.via is not None and self.via not in VIA:
            raise ValueError(f"via {self.via!r} not in {VIA}")

    @property
    def rule_id(self) -> str:
        return self.rule.split(" ", 1)[0]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule_id, self.platform, self.account, self.item_id,
                           [s.text for s in self.spans] + ([self.key] if self.key else []))

    def to_dict(self) -> dict:
        out = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "item_id": self.item_id,
            "platform": self.platform,
            "account": self.account,
            "evidence": {"spans": [s.to_dict() for s in self.spans], "reason": self.reason},
            "clause": self.clause,
            "explanation": self.explanation,
            "fingerprint": self.fingerprint,
        }
        if self.via:
            out["via"] = self.via
        return out


def normalize_evidence(text: str) -> str:
    """Case, accents and spacing never make a finding new."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def fingerprint(rule_id: str, platform: str, account: str, item_id: str, evidence: list[str]) -> str:
    parts = [rule_id, platform, account.casefold().lstrip("@"), item_id]
    parts += sorted({normalize_evidence(e) for e in evidence})
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
