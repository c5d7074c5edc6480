"""Every privacy rule's documented examples are executable: a rule that stops firing on its own
bad example, or starts firing on its good one, fails here."""

from __future__ import annotations

import pytest

from auditor.checkers import contact_info, location, student_image, student_name
from auditor.checkers.base import CheckContext

MODULES = (student_name, location, contact_info, student_image)
CASES = [(cls, i, ex) for mod in MODULES for cls in mod.CHECKERS for i, ex in enumerate(cls.examples)]


@pytest.mark.parametrize("cls,index,example", CASES,
                         ids=[f"{c.id}-{i}" for c, i, _ in CASES])
def test_example(cls, index, example):
    ctx = cls.example_context() if cls.example_context else CheckContext()
    findings = list(cls().check(example.item, ctx))
    assert bool(findings) == example.fires, f"{cls.id} example {index} ({example.note}): {findings}"
    for f in findings:
        assert f.rule == cls.rule() and f.category == cls.category and f.clause == cls.clause


@pytest.mark.parametrize("cls", [c for mod in MODULES for c in mod.CHECKERS], ids=lambda c: c.id)
def test_rule_is_documented_with_both_kinds_of_example(cls):
    assert cls.doc() and cls.clause.startswith(("§3", "§4"))
    assert any(e.fires for e in cls.examples) and any(not e.fires for e in cls.examples)
