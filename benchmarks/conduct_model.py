#!/usr/bin/env python3
"""The optional conduct model on its own, per category, on a labelled corpus: would it help?

For each category the shipped model knows, prints the precision and recall of the model ALONE
(an item is predicted when any text a content rule reads scores over the category's threshold),
of the lexical rules alone, and of both together (lexicon OR model, with the model silenced by the
lexical rule's vetoes, as the model rules run). Decides which categories deserve a model rule:
one that adds recall without costing precision. Runs in-process; the full pipeline figure is
`benchmarks/accuracy.py --with-model`.

    .venv/bin/python benchmarks/conduct_model.py [--eval DIR] [--details]
    .venv/bin/python benchmarks/conduct_model.py --blind 12 13 15 16 17 [--data DIR]

--blind (needs scikit-learn, the model-train extra): for each held-out set N, retrain the model
WITHOUT that set (same settings as the shipped one), and score the set's items; compare with the
lexicon's figures when the set was first scored, untouched (`UNTUNED_<N>.txt`), and with their
union (an item is predicted by the lexicon or the model). This is the honest estimate of what the
model adds on freshly written text: neither the model nor the lexicon had seen the set.

Do not point it at a corpus the model was trained on (tests/data/conduct/*) and expect an honest
figure; the sealed held-out set is the lead's to run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from auditor.checkers.base import CheckContext
from auditor.checkers.conduct_model import ModelChecker
from auditor.checkers.content import Discriminatory, Explicit, Political, Religious, Substances, item_text_fields
from auditor.checkers.personal_content import PersonalAccountPointer, PersonalLife, PersonalSales
from auditor.engine import Engine, checker_classes
from auditor.models.scorer import load_model

REPO = Path(__file__).resolve().parent.parent
LEXICAL = {"substances": (Substances,), "explicit": (Explicit,), "political": (Political,),
           "religious": (Religious,), "discriminatory": (Discriminatory,),
           "personal-content": (PersonalLife, PersonalSales, PersonalAccountPointer)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", type=Path, default=REPO.parent / "shared" / "eval")
    ap.add_argument("--details", action="store_true", help="list the model's false positives and extra finds")
    ap.add_argument("--blind", nargs="+", metavar="N", help="held-out set numbers to leave out in turn")
    ap.add_argument("--data", type=Path, default=REPO / "tests" / "data" / "conduct",
                    help="conduct data for --blind (e.g. a git archive of a commit)")
    ap.add_argument("--category", default="discriminatory", help="category for --blind")
    args = ap.parse_args(argv)
    from auditor.models.train import SEALED
    if any(name in str(args.eval) for name in SEALED) or any(f"heldout_{n}" in SEALED for n in args.blind or ()):
        sys.exit(f"{', '.join(sorted(SEALED))} are sealed until their first score is recorded")
    if args.blind:
        return blind(args.data, args.blind, args.category)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from accuracy import load_labels
    labels = load_labels(args.eval)
    items = [json.loads(line) for line in (args.eval / "items.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    model = load_model()
    ctx = CheckContext()
    lexical_engine = Engine(ctx, checkers=[c for c in checker_classes() if "SM201" <= c.id <= "SM208"])
    print(f"corpus: {args.eval}  items: {len(items)}  model: {model.source}")
    print(f"{'category':17s} {'gold':>4s}  {'model P':>7s} {'R':>5s} {'fp':>3s}  {'lexicon P':>9s} {'R':>5s}"
          f"  {'lex+model P':>11s} {'R':>5s} {'fp':>3s} {'added':>5s}")
    lex_pred: dict[str, set[str]] = {}
    for item in items:
        for f in lexical_engine.check_item(item):
            lex_pred.setdefault(f.category, set()).add(item["id"])
    for cat in model.categories:
        gold = {i for i, cats in labels.items() if cat in cats}
        rule = type("Probe", (ModelChecker,), {"id": "SM2xx", "name": "probe", "category": cat, "severity": "low",
                                               "clause": "§", "lexical": LEXICAL[cat]})()
        alone, combined = set(), set(lex_pred.get(cat, ()))
        for item in items:
            if any(model.score(t, (cat,), explain_all=False)[cat].fires for _, _, t in item_text_fields(item)):
                alone.add(item["id"])
            if rule.check(item, ctx):
                combined.add(item["id"])
        lex = lex_pred.get(cat, set())

        def pr(pred: set[str]) -> tuple[float, float]:
            return (len(pred & gold) / len(pred) if pred else 1.0), (len(pred & gold) / len(gold) if gold else 1.0)
        (mp, mr), (lp, lr), (cp, cr) = pr(alone), pr(lex), pr(combined)
        print(f"{cat:17s} {len(gold):4d}  {mp:7.3f} {mr:5.3f} {len(alone - gold):3d}  {lp:9.3f} {lr:5.3f}"
              f"  {cp:11.3f} {cr:5.3f} {len(combined - gold):3d} {len(combined - lex):5d}")
        if args.details:
            text = {i["id"]: " | ".join(t for _, _, t in item_text_fields(i)) for i in items}
            for i in sorted(alone - gold):
                print(f"    model FP {i}: {text[i][:150]}")
            for i in sorted(combined - lex):
                print(f"    added {'TP' if i in gold else 'FP'} {i}: {text[i][:150]}")
    return 0


def blind(data: Path, sets: list[str], cat: str) -> int:
    import csv
    import re

    from auditor.models import train
    from auditor.models.scorer import ConductModel
    print(f"{cat}, each set left out of training in turn; lexicon = its UNTUNED figures")
    totals = {"gold": 0, "lex": [0, 0], "model": [0, 0], "union": [0, 0]}
    for s in sets:
        folder = data / f"heldout_{s}"
        texts, labels, _ = train.load_corpus(data, exclude=frozenset({folder.name}))
        model = ConductModel(train.train(texts, labels, (cat,), verbose=False), f"without {folder.name}")
        with (folder / "labels.csv").open(encoding="utf-8", newline="") as fh:
            gold = {r["item_id"] for r in csv.DictReader(fh) if cat in r["categories"].split(";")}
        items = [json.loads(line) for line in (folder / "items.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()]
        untuned = next(folder.glob("UNTUNED_*.txt")).read_text(encoding="utf-8")
        sec = untuned.split(f"== {cat}", 1)[1].split("\n== ", 1)[0] if f"== {cat}" in untuned else ""
        lex = (gold - set(re.findall(r"FN (\S+):", sec))) | set(re.findall(r"FP (\S+):", sec))
        mod = {it["id"] for it in items if any(model.score(t, (cat,), explain_all=False)[cat].fires
                                               for _, _, t in item_text_fields(it))}
        row = [f"set {s:>3s}: gold {len(gold):3d}"]
        totals["gold"] += len(gold)
        for name, pred in (("lex", lex), ("model", mod), ("union", lex | mod)):
            tp, fp = len(pred & gold), len(pred - gold)
            totals[name][0] += tp
            totals[name][1] += fp
            row.append(f"{name} P {tp / (tp + fp) if tp + fp else 1:.2f} R {tp / len(gold):.2f} (fp {fp})")
        print("  ".join(row), flush=True)
    row = [f"all    : gold {totals['gold']:3d}"]
    for name in ("lex", "model", "union"):
        tp, fp = totals[name]
        row.append(f"{name} P {tp / (tp + fp) if tp + fp else 1:.2f} R {tp / totals['gold']:.2f} (fp {fp})")
    print("  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
