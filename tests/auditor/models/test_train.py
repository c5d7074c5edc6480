"""A tiny training run end to end (needs scikit-learn, the `model-train` extra; CI skips it)."""

from __future__ import annotations

import pytest

from auditor.models import train
from auditor.models.scorer import load_model


def _corpus():
    bad = ["those people never learn", "those people are lazy", "people like that never work",
           "those people ruin everything", "typical, those people again", "those people never listen"]
    good = ["science fair on friday", "the library is open late", "field trip to the museum",
            "our choir sang beautifully", "report cards go home friday", "pizza lunch for the class"]
    return bad + good, [{"discriminatory"}] * len(bad) + [set()] * len(good)


def test_tiny_training_run(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn is the optional model-train extra; CI does not install it")
    texts, labels = _corpus()
    model = train.train(texts, labels, categories=("discriminatory",), folds=2, prune=0.0, verbose=False)
    out = tmp_path / "m.json.gz"
    train.write(model, out)
    again = tmp_path / "again.json.gz"
    train.write(train.train(texts, labels, categories=("discriminatory",), folds=2, prune=0.0, verbose=False), again)
    assert out.read_bytes() == again.read_bytes(), "training is deterministic"
    loaded = load_model(str(out))
    assert set(loaded.categories) == {"discriminatory"}
    bad = loaded.score("those people never learn")["discriminatory"]
    good = loaded.score("the library is open late")["discriminatory"]
    assert bad.probability > good.probability


def test_training_never_reads_a_sealed_set(monkeypatch):
    # Sets are sealed only while they are being written and scored; seal one for the test.
    monkeypatch.setattr(train, "SEALED", {"heldout_37"})
    texts, labels, sources = train.load_corpus()
    assert texts and "heldout_37" not in sources and "sentences.tsv" in sources
    assert "heldout_36" in sources  # the others are read
    assert all(ls <= set(train.CATEGORIES) for ls in labels)
