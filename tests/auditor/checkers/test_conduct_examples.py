"""Every professional-conduct rule's documented examples are executable: a rule that stops firing
on its own bad example, or starts firing on its good one, fails here."""

from __future__ import annotations

import pytest

from auditor.checkers import account_rules, content, personal_content, student_follow
from auditor.checkers.base import AccountChecker, CheckContext

MODULES = (student_follow, content, personal_content)
RULES = [cls for mod in MODULES for cls in mod.CHECKERS]
CASES = [(cls, i, ex) for cls in RULES for i, ex in enumerate(cls.examples)]


@pytest.mark.parametrize("cls,index,example", CASES, ids=[f"{c.id}-{i}" for c, i, _ in CASES])
def test_example(cls, index, example):
    ctx = cls.example_context() if cls.example_context else CheckContext()
    findings = list(cls().check(example.item, ctx))
    assert bool(findings) == example.fires, f"{cls.id} example {index} ({example.note}): {findings}"
    for f in findings:
        assert f.rule == cls.rule() and f.category == cls.category and f.clause == cls.clause
        assert f.spans, "a content finding names the words that matched"


@pytest.mark.parametrize("cls", RULES + account_rules.CHECKERS, ids=lambda c: c.id)
def test_rule_is_documented(cls):
    assert cls.doc() and cls.clause.startswith("§")
    assert cls.name == cls.name.lower() and " " not in cls.name
    if not issubclass(cls, AccountChecker):
        assert any(e.fires for e in cls.examples) and any(not e.fires for e in cls.examples)


def test_rule_ids_are_the_stable_ones():
    ids = {c.id: c.name for c in RULES + account_rules.CHECKERS}
    assert ids == {
        "SM101": "student-follow-roster", "SM102": "student-follow-bio", "SM201": "substances",
        "SM202": "explicit", "SM203": "political", "SM204": "religious", "SM205": "discriminatory",
        "SM206": "personal-life", "SM207": "personal-sales", "SM208": "personal-account-pointer",
        "SM401": "account-approval-missing", "SM402": "account-scan-stale",
    }
