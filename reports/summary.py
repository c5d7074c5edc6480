"""The weekly compliance summary: what a principal (or the board) should act on, without evidence.

An email is the one output that leaves the board's systems, so the summary is built from counts,
categories, staff account handles and links only. Its query does not even select a finding's
reason, evidence, spans or item, and the renderer gets nothing else to print: a student's name
cannot reach an email because it never enters this model.

A summary is for an ISO week (Monday to Sunday in the board's timezone): "new" and "resolved"
count what happened in that week, the open counts are the state when the summary is made, and
the trend shows the open count at the end of each of the weeks before.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from auditor.findings import CATEGORIES, SEVERITIES
from auditor.store import models as m

ATTENTION = ("open", "acknowledged")
CLOSED = ("resolved", "false-positive")
BROKEN = ("needs-reauth", "error", "not-found", "deferred")
NEEDS_APPROVAL = ("school", "department")
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


# -- weeks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Week":
        mt = WEEK_RE.match(text.strip())
        if not mt:
            raise ValueError(f"week: expected YYYY-Www (e.g. 2026-W48), got {text!r}")
        year, number = int(mt.group(1)), int(mt.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError as exc:
            raise ValueError(f"week: {text!r} does not exist") from exc
        return cls(year, number)

    @classmethod
    def containing(cls, day: date) -> "Week":
        y, w, _ = day.isocalendar()
        return cls(y, w)

    @classmethod
    def last_complete(cls, now: datetime, tz: ZoneInfo) -> "Week":
        """The Monday-Sunday week before the one `now` falls in (a Monday send covers last week)."""
        return cls.containing(now.astimezone(tz).date() - timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(self.monday(), time(0), tz)
        end = datetime.combine(self.monday() + timedelta(days=7), time(0), tz)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def minus(self, weeks: int) -> "Week":
        return Week.containing(self.monday() - timedelta(weeks=weeks))


# -- the model --------------------------------------------------------------------------------
@dataclass
class AccountIssue:
    platform: str
    handle: str
    kind: str
    problem: str  # says what is wrong in words an IT person acts on; never the connector's message

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.handle}"


@dataclass
class TrendPoint:
    label: str  # e.g. W41
    open: int
    new: int


@dataclass
class ScopeSummary:
    """One school, or the whole board (code None)."""

    code: str | None
    name: str
    open_by_severity: dict[str, int]
    open_by_category: dict[str, int]
    new: int
    resolved: int
    trend: list[TrendPoint]
    account_issues: list[AccountIssue]
    unapproved: list[AccountIssue]
    accounts: int
    report_url: str

    @property
    def open_total(self) -> int:
        return sum(self.open_by_severity.values())

    @property
    def trend_max(self) -> int:
        return max([p.open for p in self.trend] + [1])


@dataclass
class Summary:
    board: str
    week: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    timezone: str
    overall: ScopeSummary
    schools: list[ScopeSummary] = field(default_factory=list)  # the board-wide summary lists each school

    @property
    def is_board(self) -> bool:
        return self.overall.code is None


def school_report_url(base_url: str, school: str | None) -> str:
    """The full report's address: the console's school page, or its front page for the board."""
    base = (base_url or "").rstrip("/")
    if not base.lower().startswith(("https://", "http://")):
        return ""
    return f"{base}/schools/{school}" if school else f"{base}/"


@dataclass
class _Review:
    to_status: str
    at: datetime


@dataclass
class _Finding:
    """The columns a count needs. Evidence, reason and item columns are never even selected."""

    id: int
    account_id: int
    severity: str
    category: str
    status: str
    presence: str
    first_seen: datetime
    status_changed_at: datetime | None
    reviews: list[_Review] = field(default_factory=list)


def _load_findings(session: Session, account_ids: list[int]) -> list[_Finding]:
    out: dict[int, _Finding] = {}
    F = m.Finding
    for chunk in range(0, len(account_ids), 500):
        ids = account_ids[chunk:chunk + 500]
        for row in session.execute(select(F.id, F.account_id, F.severity, F.category, F.status, F.presence,
                                          F.first_seen, F.status_changed_at).where(F.account_id.in_(ids))):
            out[row[0]] = _Finding(*row)
        q = (select(m.ReviewEntry.finding_id, m.ReviewEntry.to_status, m.ReviewEntry.at)
             .join(F, F.id == m.ReviewEntry.finding_id).where(F.account_id.in_(ids)).order_by(m.ReviewEntry.id))
        for fid, to_status, at in session.execute(q):
            out[fid].reviews.append(_Review(to_status, at))
    return list(out.values())


def _status_at(f: _Finding, when: datetime) -> str:
    status = "open"
    for r in f.reviews:
        if r.at <= when:
            status = r.to_status
    return status


def _present_at(f: _Finding, when: datetime) -> bool:
    if f.presence == "present":
        return True
    return f.status_changed_at is None or f.status_changed_at > when


def _needs_attention_at(f: _Finding, when: datetime) -> bool:
    return f.first_seen <= when and _present_at(f, when) and _status_at(f, when) in ATTENTION


def _resolved_in(f: _Finding, start: datetime, end: datetime) -> bool:
    """Closed by a reviewer, or gone from the platform, during the period."""
    if any(r.to_status in CLOSED and start <= r.at < end for r in f.reviews):
        return True
    return (f.presence in ("gone", "removed") and f.status_changed_at is not None
            and start <= f.status_changed_at < end and f.status in ATTENTION)


def _account_issues(accounts: list[m.Account], now: datetime, stale_days: int) -> list[AccountIssue]:
    out = []
    for a in accounts:
        if a.status in BROKEN:
            problem = f"connection broken ({a.status})"
        elif a.last_success_at is None:
            problem = "never scanned successfully"
        elif a.last_success_at < now - timedelta(days=stale_days):
            problem = f"no successful scan since {a.last_success_at:%Y-%m-%d}"
        else:
            continue
        out.append(AccountIssue(a.platform, a.handle, a.kind, problem))
    return out


def _unapproved(accounts: list[m.Account]) -> list[AccountIssue]:
    return [AccountIssue(a.platform, a.handle, a.kind, f"{a.kind} account without recorded approval")
            for a in accounts if a.kind in NEEDS_APPROVAL and not (a.approved_by or "").strip()]


def _scope(code: str | None, name: str, accounts: list[m.Account], findings: list[_Finding], week: Week,
           tz: ZoneInfo, now: datetime, trend_weeks: int, stale_days: int, base_url: str) -> ScopeSummary:
    start, end = week.bounds(tz)
    current = [f for f in findings if f.presence == "present" and f.status in ATTENTION]
    sev = Counter(f.severity for f in current)
    cat = Counter(f.category for f in current)
    trend = []
    for back in range(trend_weeks - 1, -1, -1):
        w = week.minus(back)
        w_start, w_end = w.bounds(tz)
        at = min(w_end, now)
        trend.append(TrendPoint(f"W{w.number:02d}", sum(1 for f in findings if _needs_attention_at(f, at)),
                                sum(1 for f in findings if w_start <= f.first_seen < w_end)))
    return ScopeSummary(
        code=code, name=name,
        open_by_severity={s: sev.get(s, 0) for s in SEVERITIES},
        open_by_category={c: cat[c] for c in CATEGORIES if cat.get(c)},
        new=sum(1 for f in findings if start <= f.first_seen < end),
        resolved=sum(1 for f in findings if _resolved_in(f, start, end)),
        trend=trend,
        account_issues=_account_issues(accounts, now, stale_days),
        unapproved=_unapproved(accounts),
        accounts=len(accounts),
        report_url=school_report_url(base_url, code),
    )


def build_summary(session: Session, *, board: str, week: Week, tz_name: str = "America/Toronto",
                  school: str | None = None, now: datetime | None = None, trend_weeks: int = 8,
                  stale_days: int = 7, base_url: str = "") -> Summary:
    """The summary of one school (`school`), or of the board with a section per school."""
    tz = ZoneInfo(tz_name)
    now = now or datetime.now(timezone.utc)
    schools_q = select(m.School).order_by(m.School.code)
    if school:
        schools_q = schools_q.where(m.School.code == school)
    schools = list(session.scalars(schools_q))
    if school and not schools:
        raise LookupError(f"no school with code {school}")
    codes = [s.code for s in schools]
    accounts = list(session.scalars(select(m.Account).join(m.School).where(m.Account.active.is_(True),
                                                                           m.School.code.in_(codes))
                                    .options(selectinload(m.Account.school))
                                    .order_by(m.Account.platform, m.Account.handle_key)))
    school_of = {a.id: a.school.code for a in accounts}  # active accounts only
    # The review log comes along: the trend needs each finding's state in past weeks.
    findings = _load_findings(session, sorted(school_of))
    args = dict(week=week, tz=tz, now=now, trend_weeks=trend_weeks, stale_days=stale_days, base_url=base_url)
    per_school = []
    for s in schools:
        per_school.append(_scope(s.code, s.name, [a for a in accounts if school_of[a.id] == s.code],
                                 [f for f in findings if school_of[f.account_id] == s.code], **args))
    start, end = week.bounds(tz)
    if school:
        overall, listed = per_school[0], []
    else:
        overall, listed = _scope(None, board, accounts, findings, **args), per_school
    return Summary(board=board, week=week.label, period_start=start, period_end=end, generated_at=now,
                   timezone=tz_name, overall=overall, schools=listed)


# -- rendering --------------------------------------------------------------------------------
def _localdate(value: datetime, tz_name: str, shift_days: int = 0) -> str:
    return (value.astimezone(ZoneInfo(tz_name)) + timedelta(days=shift_days)).strftime("%Y-%m-%d")


def _environment(html: bool):
    from jinja2 import Environment, FileSystemLoader

    from reports.render import TEMPLATES, environment
    if html:
        env = environment()  # the report's autoescaping environment
    else:
        env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False,
                          trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["localdate"] = _localdate
    return env


def render_summary_text(summary: Summary) -> str:
    text = _environment(False).get_template("summary.txt.j2").render(s=summary)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_summary_html(summary: Summary) -> str:
    """HTML with every style inlined: most mail clients drop <style> blocks and ignore classes."""
    import css_inline
    html = _environment(True).get_template("summary.html.j2").render(s=summary)
    return css_inline.inline(html)


def subject(summary: Summary) -> str:
    sc = summary.overall
    urgent = sc.open_by_severity.get("critical", 0) + sc.open_by_severity.get("high", 0)
    who = "Board-wide" if summary.is_board else sc.name
    return (f"Social media compliance {summary.week} - {who}: {sc.open_total} need attention"
            + (f" ({urgent} critical or high)" if urgent else ""))
