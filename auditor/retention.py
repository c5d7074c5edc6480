"""Keeping minors' data no longer than needed.

Two purges:
- raw items older than `[retention] raw_item_days` (counted from when they were stored) are
  deleted; findings are untouched because they carry their own evidence (`context`, `spans`);
- a student removed from the roster is removed from what is stored about them: their names and
  handles are replaced by a neutral marker in findings (evidence texts, spans, reason, explanation)
  and in the raw items that remain. Span offsets are moved so the evidence still highlights the
  marker where the name was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auditor import registry as reg
from auditor.store import models as m
from auditor.store.db import Database

log = logging.getLogger("auditor.retention")
MARKER = "[removed student]"


# -- raw items --------------------------------------------------------------------------------
def purge_items(db: Database, days: int, now: datetime | None = None, batch: int = 1000) -> int:
    """Delete stored items fetched more than `days` ago; returns how many. Batched so a large purge
    never holds one long transaction over the table the scanner writes to."""
    if days <= 0:
        return 0  # 0 turns the purge off; a mistyped setting must never wipe the store
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    total = 0
    while True:
        with db.session() as s:
            ids = list(s.scalars(select(m.StoredItem.id).where(m.StoredItem.fetched_at < cutoff)
                                 .order_by(m.StoredItem.id).limit(batch)))
            if not ids:
                break
            s.execute(delete(m.StoredItem).where(m.StoredItem.id.in_(ids)))
            total += len(ids)
    if total:
        log.info("retention: purged %d raw items stored before %s", total, cutoff.date())
    return total


# -- removed students -------------------------------------------------------------------------
@dataclass
class Redaction:
    findings: int = 0
    items: int = 0


def _name_forms(st: reg.Student) -> set[str]:
    """What a post may call a student: full names, and handles with or without the @."""
    first, last, preferred = st.first_name.strip(), st.last_name.strip(), st.preferred_name.strip()
    forms = set()
    for given in {first, preferred} - {""}:
        if last:
            forms.add(f"{given} {last}")
        forms.add(given)
    if last:
        forms.add(last)
    for _platform, handle in st.handles:
        h = handle.strip().lstrip("@")
        if h:
            forms.add(h)
    return forms


def _kept_forms(students: Iterable[reg.Student]) -> set[str]:
    return {f.casefold() for st in students for f in _name_forms(st)}


def build_pattern(removed: Iterable[reg.Student], kept: Iterable[reg.Student] = ()) -> re.Pattern | None:
    """One case-insensitive pattern for every form of every removed student's name.

    A single word (a first or last name alone) that also names a student still on the roster is
    left out: it is that student's evidence too, and redacting it would blank their findings.
    Longest forms first so "Ody Brightwater" is replaced whole, not as two markers.
    """
    keep = _kept_forms(kept)
    forms = set()
    for st in removed:
        for f in _name_forms(st):
            if " " in f or f.casefold() not in keep:
                forms.add(f)
    if not forms:
        return None
    alts = sorted(forms, key=lambda f: (-len(f), f))
    body = "|".join(r"\s+".join(re.escape(w) for w in f.split()) for f in alts)
    return re.compile(rf"(?<![\w@])@?(?:{body})(?!\w)", re.IGNORECASE)


def redact_text(text: str, pattern: re.Pattern) -> tuple[str, list[tuple[int, int, int]]]:
    """The redacted text and the edits made: (old start, old end, new start) of each match."""
    out, edits, pos, shift = [], [], 0, 0
    for mt in pattern.finditer(text):
        a, b = mt.span()
        out.append(text[pos:a])
        edits.append((a, b, a + shift))
        out.append(MARKER)
        shift += len(MARKER) - (b - a)
        pos = b
    out.append(text[pos:])
    return "".join(out), edits


def _move(offset: int, edits: list[tuple[int, int, int]], end: bool) -> int:
    """Where an old offset lands after the edits; inside a replaced name it snaps to the marker."""
    shift = 0
    for a, b, new_a in edits:
        if offset <= a:
            break
        if offset < b or (end and offset == b):
            return new_a + (len(MARKER) if end else 0)
        shift = new_a + len(MARKER) - b
    return offset + shift


def _redact_any(value: Any, pattern: re.Pattern) -> tuple[Any, bool]:
    """Redact every string inside a JSON value; says whether anything changed."""
    if isinstance(value, str):
        new, edits = redact_text(value, pattern)
        return new, bool(edits)
    if isinstance(value, list):
        changed, out = False, []
        for v in value:
            nv, c = _redact_any(v, pattern)
            out.append(nv)
            changed |= c
        return out, changed
    if isinstance(value, dict):
        changed, out = False, {}
        for k, v in value.items():
            nv, c = _redact_any(v, pattern)
            out[k] = nv
            changed |= c
        return out, changed
    return value, False


def redact_finding(f: m.Finding, pattern: re.Pattern) -> bool:
    changed = False
    context = dict(f.context or {})
    edits_by_field: dict[str, list] = {}
    for fld, text in context.items():
        if isinstance(text, str):
            new, edits = redact_text(text, pattern)
            if edits:
                context[fld], edits_by_field[fld] = new, edits
                changed = True
    spans = []
    for sp in f.spans or []:
        sp = dict(sp)
        edits = edits_by_field.get(sp.get("field", ""))
        if edits and isinstance(sp.get("start"), int) and isinstance(sp.get("end"), int):
            sp["start"], sp["end"] = _move(sp["start"], edits, False), _move(sp["end"], edits, True)
        if isinstance(sp.get("text"), str):
            new, e = redact_text(sp["text"], pattern)
            if e:
                sp["text"], changed = new, True
        spans.append(sp)
    reason, c1 = _redact_any(f.reason, pattern)
    explanation, c2 = _redact_any(dict(f.explanation or {}), pattern)
    if changed or c1 or c2:
        f.context, f.spans, f.reason, f.explanation = context, spans, reason, explanation
        return True
    return False


def purge_removed_students(session: Session, removed: list[reg.Student], kept: Iterable[reg.Student] = (),
                           batch: int = 500) -> Redaction:
    """Replace removed students' names and handles in stored findings and items (same transaction
    as the roster import that removed them, so the roster and the evidence never disagree)."""
    result = Redaction()
    pattern = build_pattern(removed, kept)
    if pattern is None:
        return result
    last = 0
    while True:
        rows = list(session.scalars(select(m.Finding).where(m.Finding.id > last).order_by(m.Finding.id).limit(batch)))
        if not rows:
            break
        last = rows[-1].id
        result.findings += sum(1 for f in rows if redact_finding(f, pattern))
        session.flush()
    last = 0
    while True:
        rows = list(session.scalars(select(m.StoredItem).where(m.StoredItem.id > last)
                                    .order_by(m.StoredItem.id).limit(batch)))
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            data, changed = _redact_any(row.data, pattern)
            if changed:
                row.data = data
                result.items += 1
        session.flush()
    if result.findings or result.items:
        log.info("removed students redacted from %d findings and %d items", result.findings, result.items)
    return result


def count_items(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(m.StoredItem.id))) or 0
