"""A small labelled board written for these tests (tests/data/privacy/board), in the format of the
shared evaluation corpus: different names, places, phrasing and traps. The privacy categories must
keep precision and recall >= 0.95 on it; benchmarks/accuracy.py --eval tests/data/privacy/board
prints the same figures through `auditor check`."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor.checkers import contact_info, location, student_image, student_name
from auditor.checkers.base import CheckContext
from auditor.engine import Engine
from auditor.items import read_jsonl
from auditor.registry import load_registry

BOARD = Path(__file__).resolve().parents[2] / "data" / "privacy" / "board"
CLASSES = [c for mod in (student_name, location, contact_info, student_image) for c in mod.CHECKERS]


@pytest.fixture(scope="module")
def scored():
    reg = load_registry(BOARD / "schools.csv", BOARD / "accounts.csv", BOARD / "roster.csv")
    engine = Engine(CheckContext(students=reg.students, schools=reg.schools, accounts=reg.accounts),
                    checkers=CLASSES)
    predicted: dict[str, set[str]] = {}
    for item in read_jsonl(BOARD / "items.jsonl"):
        for f in engine.check_item(item):
            predicted.setdefault(f.category, set()).add(item["id"])
    with (BOARD / "labels.csv").open(encoding="utf-8", newline="") as fh:
        gold = {row["item_id"]: set(filter(None, row["categories"].split(";"))) for row in csv.DictReader(fh)}
    return predicted, gold


@pytest.mark.parametrize("category", ["student-name", "location", "contact-info"])
def test_precision_and_recall(scored, category):
    predicted, gold = scored
    want = {i for i, cats in gold.items() if category in cats}
    got = predicted.get(category, set())
    assert want, "the board must have positives for every privacy category"
    assert not got - want or len(got & want) / len(got) >= 0.95, f"false positives: {sorted(got - want)}"
    assert len(got & want) / len(want) >= 0.95, f"misses: {sorted(want - got)}"
