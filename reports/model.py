"""The report as data: what a principal needs to act on, grouped school → account → findings.

Built once from the store and rendered by any format, so the HTML, CSV and JSON never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from auditor.findings import CATEGORIES, SEVERITIES
from auditor.queries import accounts_in, last_results, list_findings
from auditor.store import models as m

ATTENTION = ("open", "acknowledged")
HEALTHY = ("ok",)


@dataclass
class Segment:
    text: str
    hit: bool


@dataclass
class EvidenceField:
    field: str
    segments: list[Segment]


@dataclass
class FindingView:
    id: int
    rule: str
    category: str
    severity: str
    confidence: str
    via: str | None
    clause: str
    reason: str
    status: str
    presence: str
    item_id: str
    item_url: str
    item_created_at: datetime | None
    first_seen: datetime
    last_seen: datetime
    evidence: list[EvidenceField]
    spans: list[dict]
    explanation: dict
    fingerprint: str
    reviews: list[dict]
    school: str
    account: str


@dataclass
class AccountView:
    id: int
    platform: str
    handle: str
    kind: str
    owner_name: str
    status: str
    status_message: str
    last_success_at: datetime | None
    last_scan_at: datetime | None
    approved_by: str
    findings: list[FindingView] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.handle}"

    @property
    def healthy(self) -> bool:
        return self.status in HEALTHY


@dataclass
class SchoolView:
    code: str
    name: str
    accounts: list[AccountView] = field(default_factory=list)


@dataclass
class Report:
    board: str
    generated_at: datetime
    scope: str
    schools: list[SchoolView]
    by_severity: dict[str, int]
    by_category: dict[str, int]
    by_status: dict[str, int]

    @property
    def findings(self) -> list[FindingView]:
        return [f for s in self.schools for a in s.accounts for f in a.findings]

    @property
    def failed_accounts(self) -> list[tuple[SchoolView, AccountView]]:
        return [(s, a) for s in self.schools for a in s.accounts if not a.healthy]


def highlight(text: str, spans: list[tuple[int, int]], window: int = 400) -> list[Segment]:
    """Split text into plain and highlighted segments; long texts are cut around the matches."""
    spans = sorted((max(0, a), min(len(text), b)) for a, b in spans if b > a)
    if spans and len(text) > 2 * window:
        lo, hi = max(0, spans[0][0] - window // 2), min(len(text), spans[-1][1] + window // 2)
    else:
        lo, hi = 0, len(text)
    out, pos = [], lo
    if lo > 0:
        out.append(Segment("…", False))
    for a, b in spans:
        if a < pos or a >= hi:
            continue
        if a > pos:
            out.append(Segment(text[pos:a], False))
        out.append(Segment(text[a:b], True))
        pos = b
    if pos < hi:
        out.append(Segment(text[pos:hi], False))
    if hi < len(text):
        out.append(Segment("…", False))
    return out


def finding_view(f: m.Finding) -> FindingView:
    by_field: dict[str, list[tuple[int, int]]] = {}
    for s in f.spans or []:
        by_field.setdefault(s.get("field", ""), []).append((int(s.get("start", 0)), int(s.get("end", 0))))
    evidence = []
    for fld, text in (f.context or {}).items():
        spans = by_field.get(fld, [])
        # Offsets are trusted only when they still point at the recorded words.
        ok = [(a, b) for a, b in spans if 0 <= a < b <= len(text)]
        evidence.append(EvidenceField(fld, highlight(text, ok)))
    return FindingView(
        id=f.id, rule=f.rule, category=f.category, severity=f.severity, confidence=f.confidence, via=f.via,
        clause=f.clause, reason=f.reason, status=f.status, presence=f.presence, item_id=f.item_id,
        item_url=f.item_url or "", item_created_at=f.item_created_at, first_seen=f.first_seen,
        last_seen=f.last_seen, evidence=evidence, spans=list(f.spans or []), explanation=dict(f.explanation or {}),
        fingerprint=f.fingerprint,
        reviews=[{"from": r.from_status, "to": r.to_status, "by": r.reviewer, "at": r.at, "note": r.note}
                 for r in f.reviews],
        school=f.account.school.code, account=f.account.key,
    )


def build_report(session: Session, *, board: str, school: str | None = None,
                 include_reviewed: bool = True, now: datetime | None = None) -> Report:
    statuses = None if include_reviewed else list(ATTENTION)
    findings = list_findings(session, school=school, statuses=statuses)
    accounts = accounts_in(session, school=school)
    results = last_results(session, [a.id for a in accounts])
    schools: dict[str, SchoolView] = {}
    views: dict[int, AccountView] = {}
    for a in accounts:
        sv = schools.setdefault(a.school.code, SchoolView(a.school.code, a.school.name))
        res = results.get(a.id)
        status = a.status
        message = a.status_message or (res.message if res else "")
        if status == "new":
            message = message or "not scanned yet"
        av = AccountView(a.id, a.platform, a.handle, a.kind, a.owner_name, status, message,
                         a.last_success_at, a.last_scan_at, a.approved_by)
        sv.accounts.append(av)
        views[a.id] = av
    for f in findings:
        av = views.get(f.account_id)
        if av is not None:
            av.findings.append(finding_view(f))
    attention = [f for f in findings if f.status in ATTENTION]
    sev = Counter(f.severity for f in attention)
    cat = Counter(f.category for f in attention)
    return Report(
        board=board, generated_at=now or datetime.now(timezone.utc), scope=school or "all schools",
        schools=[schools[k] for k in sorted(schools)],
        by_severity={s: sev.get(s, 0) for s in SEVERITIES},
        by_category={c: cat[c] for c in CATEGORIES if cat.get(c)},
        by_status=dict(Counter(f.status for f in findings)),
    )
