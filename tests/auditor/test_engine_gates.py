"""Engine gates: a run of rules that share an `item_gate` is skipped when the gate says the item
holds nothing for them; the findings and their order are the same as calling every rule."""

from __future__ import annotations

from auditor.checkers.base import CheckContext, Checker
from auditor.checkers.content import CHECKERS as CONTENT
from auditor.checkers.content import LexicalChecker, content_may_find
from auditor.checkers.personal_content import CHECKERS as PERSONAL
from auditor.engine import Engine, _gated_runs

CALLS: list[str] = []


def never(item: dict, ctx: CheckContext) -> bool:
    return item.get("text") == "open"


class _Rule(Checker):
    category = "explicit"
    severity = "low"
    clause = "test"
    item_types = frozenset({"post"})

    def check(self, item, ctx):
        CALLS.append(self.id)
        return [self.finding(item, reason=self.id)]


class A(_Rule):
    id, name = "T1", "a"


class B(_Rule):
    id, name = "T2", "b"

    @classmethod
    def item_gate(cls):
        return never


class C(B):
    id, name = "T3", "c"


class D(_Rule):
    id, name = "T4", "d"


def post(text: str) -> dict:
    return {"type": "post", "platform": "x", "account": "a", "id": text, "kind": "original", "text": text}


def test_runs_group_neighbours_with_the_same_gate():
    rules = [A(), B(), C(), D()]
    assert [(g, [r.id for r in rs]) for g, rs in _gated_runs(rules)] == [
        (None, ["T1"]), (never, ["T2", "T3"]), (None, ["T4"])]
    assert [(g, [r.id for r in rs]) for g, rs in _gated_runs([A(), D(), B()])] == [
        (None, ["T1", "T4"]), (never, ["T2"])]


def test_a_closed_gate_skips_its_rules_and_an_open_one_keeps_the_order():
    engine = Engine(CheckContext(), checkers=[A, B, C, D])
    CALLS.clear()
    assert [f.reason for f in engine.check_item(post("closed"))] == ["T1", "T4"]
    assert CALLS == ["T1", "T4"]
    CALLS.clear()
    assert [f.reason for f in engine.check_item(post("open"))] == ["T1", "T2", "T3", "T4"]


def test_lexical_rules_share_the_content_gate_unless_they_check_themselves():
    assert all(cls.item_gate() is content_may_find for cls in CONTENT + PERSONAL)

    class OwnCheck(LexicalChecker):
        def check(self, item, ctx):
            return []

    assert OwnCheck.item_gate() is None


def test_content_rules_through_the_engine_find_what_each_rule_finds():
    ctx = CheckContext()
    engine = Engine(ctx, checkers=CONTENT + PERSONAL)
    for text in ("Our class finished a unit on fractions today!", "Cheers to the weekend 🍷",
                 "Vote Alex Martin for trustee!", "Girls just can't do physics 🙄",
                 "Date night with my husband", "Selling my bike, DM me"):
        item = post(text)
        direct = [f for cls in CONTENT + PERSONAL for f in cls().check(item, ctx)]
        assert engine.check_item(item) == direct, text
