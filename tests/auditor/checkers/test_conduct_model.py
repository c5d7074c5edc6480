"""The optional model rules (SM209 discriminatory-model, SM210-SM214 for the other content
categories): off by default, on when the policy says so, explained, endorsements marked with `via`,
and deferring to their lexical rules' vetoes and findings."""

from __future__ import annotations

from datetime import date

import pytest

from auditor.checkers import conduct_model
from auditor.checkers.base import CheckContext, Checker
from auditor.checkers.conduct_model import DiscriminatoryModel
from auditor.checkers.content import Discriminatory
from auditor.commands.policy import policy_report
from auditor.engine import Engine, checker_classes
from auditor.policy import Policy, parse_policy

BAD = "Funny how the break-ins started right when those new families moved in. Just saying."


def _post(text, **extra):
    return {"type": "post", "platform": "x", "account": "MsExample", "id": "p1", "kind": "original",
            "text": text, **extra}


MODEL_RULES = conduct_model.CHECKERS


@pytest.mark.parametrize("cls,index,example", [(cls, i, e) for cls in MODEL_RULES for i, e in enumerate(cls.examples)],
                         ids=lambda v: v.id if isinstance(v, type) else None)
def test_examples(cls, index, example):
    findings = list(cls().check(example.item, CheckContext()))
    assert bool(findings) == example.fires, f"{cls.id} example {index} ({example.note}): {findings}"
    for f in findings:
        assert f.rule == f"{cls.id} {cls.name}" and f.category == cls.category
        assert f.confidence == "low" and f.severity == cls.severity and f.spans


@pytest.mark.parametrize("cls", MODEL_RULES, ids=lambda c: c.id)
def test_documented_and_registered(cls):
    assert cls.doc() and cls.clause.startswith("§") and "off by default" in cls.doc().lower()
    assert any(e.fires for e in cls.examples) and any(not e.fires for e in cls.examples)
    assert cls.lexical and all(lex.category == cls.category for lex in cls.lexical)
    assert cls.severity == cls.lexical[0].severity and cls.name == f"{cls.category}-model"
    assert cls in checker_classes(), "entry point auditor.checkers:conduct_model (pip install -e .)"
    assert Checker.default_enabled is True and cls.default_enabled is False


def test_one_model_rule_per_content_category():
    from auditor.models.scorer import load_model
    assert sorted(c.category for c in MODEL_RULES) == sorted(load_model().categories)
    assert len({c.id for c in MODEL_RULES}) == len(MODEL_RULES)


def test_off_by_default():
    engine = Engine(CheckContext(), Policy(), checkers=[Discriminatory, DiscriminatoryModel])
    assert [type(c) for c in engine.checkers] == [Discriminatory]
    assert engine.check_item(_post(BAD)) == []
    rules = {r["id"]: r for r in policy_report(Policy(), date.today())["rules"]}
    assert rules["SM209"]["enabled"] is False and rules["SM209"]["default_enabled"] is False
    assert rules["SM205"]["enabled"] is True


def test_on_when_the_policy_enables_it():
    policy = parse_policy({"rules": {"SM209": {"enabled": True}}}, "test")
    assert policy.is_enabled(DiscriminatoryModel)
    engine = Engine(CheckContext(), policy, checkers=[Discriminatory, DiscriminatoryModel])
    found = engine.check_item(_post(BAD))
    assert [f.rule_id for f in found] == ["SM209"]
    assert policy_report(policy, date.today())["rules"][[r["id"] for r in policy_report(
        policy, date.today())["rules"]].index("SM209")]["enabled"] is True
    # and off again when a policy turns it off explicitly
    off = parse_policy({"rules": {"SM209": {"enabled": False}}}, "test")
    assert not off.is_enabled(DiscriminatoryModel)


def test_finding_carries_explanation():
    [f] = DiscriminatoryModel().check(_post(BAD), CheckContext())
    assert f.via is None and f.spans[0].text == BAD and f.spans[0].field == "text"
    [score] = f.explanation["scores"]
    assert score["model"] == "conduct-logreg" and score["score"] >= score["threshold"]
    assert score["top_words"] and score["top_features"]
    assert "model score" in f.reason and "mostly from" in f.reason
    again = DiscriminatoryModel().check(_post(BAD), CheckContext())
    assert again[0].fingerprint == f.fingerprint


@pytest.mark.parametrize("item,via,field", [
    ({"type": "like", "platform": "bluesky", "account": "ms.bsky.social", "id": "l1",
      "post": {"text": BAD, "author": {"handle": "someone"}}}, "like", "post.text"),
    ({**_post(BAD), "kind": "repost", "author": {"handle": "someone"}}, "repost", "text"),
    ({**_post("Worth a read."), "kind": "quote", "quoted": {"text": BAD}}, "quote", "quoted.text"),
])
def test_endorsements_carry_via(item, via, field):
    [f] = DiscriminatoryModel().check(item, CheckContext())
    assert f.via == via and f.spans[0].field == field and "content)" in f.reason


def test_defers_to_sm205():
    ctx = CheckContext()
    said = _post("Immigrants just don't belong in our schools.")
    assert Discriminatory().check(said, ctx), "the lexical rule reports it"
    assert DiscriminatoryModel().check(said, ctx) == [], "so the model stays silent"
    # A lesson word vetoes the model as it vetoes SM205, even where SM205 found no group word.
    lesson = "Anti-bullying week: some say those families just do not fit in here, and we talked about why"
    assert DiscriminatoryModel()._vetoes(ctx).scan(lesson)
    assert DiscriminatoryModel().check(_post(lesson), ctx) == []
