"""The shipped conduct model: it loads, scores deterministically, explains itself, and the
featurizer folds text the way the lexicons do."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from auditor.models import scorer
from auditor.models.features import feature_names, features, words
from auditor.models.scorer import MODEL_PATH, ConductModel, load_model
from auditor.models.train import CATEGORIES, choose_threshold

REPO = Path(__file__).resolve().parents[3]


def test_shipped_model_loads_once_and_is_small():
    assert MODEL_PATH.exists(), "run python -m auditor.models.train"
    assert MODEL_PATH.stat().st_size < 2 * 1024 * 1024
    model = load_model()
    assert isinstance(model, ConductModel)
    assert load_model() is model  # cached: read once per process
    assert "discriminatory" in model.categories
    assert set(model.categories) <= set(CATEGORIES)
    for spec in model.categories.values():
        assert 0.0 < spec["threshold"] < 1.0 and spec["cv_precision"] >= 0.95


def test_model_file_is_package_data():
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "models/conduct_model.json.gz" in data["tool"]["setuptools"]["package-data"]["auditor"]
    assert data["project"]["optional-dependencies"]["model-train"] == ["scikit-learn>=1.4,<2"]
    assert not any("scikit" in d for d in data["project"]["dependencies"])


def test_scores_are_deterministic_and_explained():
    text = "Funny how the break-ins started right when those new families moved in. Just saying."
    a = load_model().score(text)
    b = ConductModel.__new__(ConductModel)
    b.__dict__.update(load_model().__dict__)
    assert a == b.score(text) == load_model().score(text)
    s = a["discriminatory"]
    assert 0.0 <= s.probability <= 1.0 and s.fires
    exp = s.explanation()
    assert exp["score"] == round(s.probability, 4) and exp["threshold"] == s.threshold
    assert exp["top_features"] and exp["top_words"]
    assert all(f["weight"] > 0 for f in exp["top_features"])
    assert {w["words"] for w in exp["top_words"]} & {"just", "families", "those", "moved", "just saying"}


def test_neutral_text_scores_low():
    scores = load_model().score("Grade 4 finished their volcano projects today, thank you families!")
    assert not any(s.fires for s in scores.values())


def test_explain_all_false_skips_explaining_below_threshold():
    s = load_model().score("Library books are due Friday.", ("discriminatory",), explain_all=False)["discriminatory"]
    assert not s.fires and s.top_features == () and s.top_words == ()


def test_featurizer_folds_case_and_accents():
    assert feature_names("ÉLÈVES du Café Noël") == feature_names("eleves du cafe noel")
    assert feature_names("Don’t") == feature_names("don't")
    assert words("F*CK this") == ["f*ck", "this"]
    names = feature_names("Les élèves 🙄")
    assert {"w:les", "w:eleves", "b:les eleves", "c:<ele", "e:🙄"} <= names


def test_features_have_unit_length():
    vec = features("Girls can't do physics, sorry.")
    assert math.isclose(math.sqrt(sum(v * v for v in vec.values())), 1.0)
    assert features("") == {} and features("   ") == {}


def test_unknown_model_format_is_refused(tmp_path):
    import gzip
    import json

    import pytest
    path = tmp_path / "m.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({"format": 99, "featurizer_version": 1, "categories": {}, "weights": {}}, fh)
    with pytest.raises(scorer.ModelError, match="retrain"):
        load_model(str(path))


def test_choose_threshold_keeps_precision():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    gold = [True, True, False, True, True, False]
    t, p, r = choose_threshold(scores, gold, target=0.95)
    assert (t, p, r) == (0.8, 1.0, 0.5)
    t, p, r = choose_threshold(scores, gold, target=0.75)
    assert t == 0.5 and p == 0.8 and r == 1.0
