"""Train the optional conduct model: `python -m auditor.models.train` (needs the `model-train` extra).

One logistic regression per category (one-vs-rest) over `auditor.models.features`, trained on the
hand-written conduct sentences of the repository:

- `tests/data/conduct/sentences.tsv` (label, text), and
- every `tests/data/conduct/heldout_<n>/` set EXCEPT the sealed ones (`SEALED`): their sentences
  are never opened here, so they stay an honest test of the shipped model. A set is sealed from
  when it is written until its first score is recorded; the newest round's sets are sealed now.

Never `/work/shared/eval` (or any corpus outside `tests/data/conduct/`): that is the cross-author
test. Each item contributes the texts the content checkers read (`item_text_fields`: the post
text, the liked or reposted post's text); follows are not read by content rules and are skipped.

Each category's threshold is chosen on out-of-fold probabilities of a stratified 5-fold
cross-validation: the lowest threshold at which the out-of-fold precision is still >= 0.95 (so
the highest recall at that precision). Everything is seeded, so the same data gives the same
file. Tiny weights are dropped and the rest rounded, so the shipped file stays small.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import math
import sys
from pathlib import Path

from auditor.models.features import FEATURIZER_VERSION, features

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "conduct"
SEALED: set[str] = set()  # every set written so far has its first score; add the next ones here while they are written
CATEGORIES = ("substances", "explicit", "political", "religious", "discriminatory", "personal-content")
OUT = Path(__file__).resolve().parent / "conduct_model.json.gz"
SEED = 20261128
TARGET_PRECISION = 0.95
PRUNE = 0.1  # |weight| below this is dropped
FOLDS = 5


def _item_texts(item: dict) -> list[str]:
    from auditor.checkers.content import item_text_fields
    return [text for _via, _field, text in item_text_fields(item)]


def _heldout_rows(folder: Path) -> list[tuple[set[str], list[str]]]:
    """(labels, texts) per item of one held-out set: items.jsonl + labels.csv when built, else the
    sentences file read in memory the way `benchmarks/conduct_heldout.py` builds items."""
    items_file, labels_file = folder / "items.jsonl", folder / "labels.csv"
    rows = []
    if items_file.exists() and labels_file.exists():
        with labels_file.open(encoding="utf-8", newline="") as fh:
            labels = {r["item_id"]: {c for c in r["categories"].split(";") if c} for r in csv.DictReader(fh)}
        for line in items_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                rows.append((labels.get(item["id"], set()), _item_texts(item)))
        return rows
    for line in (folder / "sentences.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, kind, text = line.split("\t", 2)
        if kind == "follow":
            continue
        item = ({"type": "like", "post": {"text": text}} if kind == "like"
                else {"type": "post", "kind": "repost" if kind == "repost" else "original", "text": text})
        rows.append(({c for c in label.split(";") if c and c != "-"}, _item_texts(item)))
    return rows


def load_corpus(data: Path = DATA, exclude: frozenset[str] = frozenset()) -> tuple[list[str], list[set[str]], list[str]]:
    """(texts, label sets, sources); identical texts are merged (labels united) so a sentence
    repeated across sets cannot sit on both sides of a cross-validation split."""
    merged: dict[str, set[str]] = {}
    source: dict[str, str] = {}
    for line in (data / "sentences.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, text = line.split("\t", 1)
        merged.setdefault(text, set()).update(c for c in label.split(";") if c and c != "-")
        source.setdefault(text, "sentences.tsv")
    for folder in sorted(p for p in data.glob("heldout_*") if p.is_dir()):
        if folder.name in SEALED or folder.name in exclude:
            continue
        for labels, texts in _heldout_rows(folder):
            if not texts:
                continue  # follows and empty items: nothing a content rule reads
            text = "\n".join(texts)
            merged.setdefault(text, set()).update(labels)
            source.setdefault(text, folder.name)
    texts = sorted(merged)
    return texts, [merged[t] & set(CATEGORIES) for t in texts], [source[t] for t in texts]


def choose_threshold(scores: list[float], gold: list[bool], target: float = TARGET_PRECISION) -> tuple[float, float, float]:
    """(threshold, precision, recall): the lowest score cut whose precision is >= target."""
    order = sorted(zip(scores, gold), key=lambda x: -x[0])
    positives = sum(gold)
    best = (1.0, 1.0, 0.0)
    tp = fp = 0
    i = 0
    while i < len(order):
        s = order[i][0]
        while i < len(order) and order[i][0] == s:  # ties go together
            tp += order[i][1]
            fp += not order[i][1]
            i += 1
        p = tp / (tp + fp)
        if p >= target and positives:
            best = (s, p, tp / positives)
    return best


def _fit(x, y, c: float, seed: int, prune: float):
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=2000)
    clf.fit(x, y)
    coef = clf.coef_[0].copy()
    coef[abs(coef) < prune] = 0.0
    return coef.round(3), float(clf.intercept_[0])


def train(texts: list[str], labels: list[set[str]], categories=CATEGORIES, c: float = 16.0,
          folds: int = FOLDS, prune: float = PRUNE, seed: int = SEED, verbose: bool = True) -> dict:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import StratifiedKFold

    vec = DictVectorizer(sort=True)
    x = vec.fit_transform([features(t) for t in texts]).tocsr()
    x.indices = x.indices.astype("int32")  # liblinear wants 32-bit sparse indices
    x.indptr = x.indptr.astype("int32")
    names = vec.get_feature_names_out()
    model = {"format": 1, "featurizer_version": FEATURIZER_VERSION, "categories": {}, "weights": {},
             "trained_on": {"items": len(texts), "c": c, "folds": folds, "seed": seed, "prune": prune,
                            "target_precision": TARGET_PRECISION}}
    per_feature: dict[str, list[float]] = {}
    if verbose:
        print(f"{len(texts)} texts, {x.shape[1]} features, C={c}, {folds}-fold CV")
        print(f"{'category':17s} {'pos':>4s} {'threshold':>9s} {'cv_prec':>7s} {'cv_rec':>6s} {'kept':>6s}")
    for k, cat in enumerate(categories):
        y = [cat in ls for ls in labels]
        if sum(y) < folds:
            continue
        oof = [0.0] * len(texts)
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for tr, te in skf.split(x, y):
            # Scored as shipped: with the tiny weights dropped, so the threshold fits the file.
            coef, bias = _fit(x[tr], [y[i] for i in tr], c, seed, prune)
            for i, z in zip(te, x[te] @ coef + bias):
                oof[i] = 1.0 / (1.0 + math.exp(-float(z)))
        threshold, precision, recall = choose_threshold(oof, y)
        coef, bias = _fit(x, y, c, seed, prune)
        kept = 0
        for j, w in enumerate(coef):
            if w:
                per_feature.setdefault(names[j], [0.0] * len(categories))[k] = round(float(w), 3)
                kept += 1
        model["categories"][cat] = {"index": k, "bias": round(bias, 4),
                                    "threshold": round(threshold, 4), "cv_precision": round(precision, 4),
                                    "cv_recall": round(recall, 4), "positives": sum(y)}
        if verbose:
            print(f"{cat:17s} {sum(y):4d} {threshold:9.4f} {precision:7.3f} {recall:6.3f} {kept:6d}")
    model["category_order"] = list(categories)
    model["weights"] = dict(sorted(per_feature.items()))
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    model["trained_on"]["data_sha256_16"] = digest
    return model


def by_set(texts: list[str], labels: list[set[str]], sources: list[str], c: float, prune: float,
           categories=CATEGORIES) -> None:
    """Leave one held-out set out: train (threshold by CV, as shipped) on every other set and
    score the left-out set's items, which the model never saw. The closest thing to the lexicon's
    UNTUNED figures (a set scored before anyone tuned on it)."""
    sets = sorted({s for s in sources if s.startswith("heldout_")}, key=lambda s: int(s.split("_")[1]))
    print(f"\nleave-one-set-out (model alone, per left-out set): precision / recall (tp, fp, gold)")
    print(f"{'set':11s} " + " ".join(f"{c_:>22s}" for c_ in categories))
    for name in sets:
        train_idx = [i for i, s in enumerate(sources) if s != name]
        test_idx = [i for i, s in enumerate(sources) if s == name]
        model = train([texts[i] for i in train_idx], [labels[i] for i in train_idx], categories, c=c,
                      prune=prune, verbose=False)
        from auditor.models.scorer import ConductModel
        scorer = ConductModel(model, f"without {name}")
        cells = []
        for cat in categories:
            gold = [cat in labels[i] for i in test_idx]
            if cat not in scorer.categories or not any(gold):
                cells.append(f"{'-':>22s}")
                continue
            pred = [scorer.score(texts[i], (cat,), explain_all=False)[cat].fires for i in test_idx]
            tp = sum(p and g for p, g in zip(pred, gold))
            fp = sum(p and not g for p, g in zip(pred, gold))
            prec = tp / (tp + fp) if tp + fp else 1.0
            cells.append(f"{prec:5.2f} / {tp / sum(gold):4.2f} ({tp},{fp},{sum(gold)})".rjust(22))
        print(f"{name:11s} " + " ".join(cells))


def write(model: dict, path: Path = OUT) -> int:
    raw = json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    # mtime=0 and no file name: the same model gives the same bytes.
    with path.open("wb") as fh, gzip.GzipFile(filename="", fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"model file (default {OUT})")
    ap.add_argument("--c", type=float, default=16.0, help="inverse regularisation strength")
    ap.add_argument("--prune", type=float, default=PRUNE, help="drop weights smaller than this")
    ap.add_argument("--data", type=Path, default=DATA,
                    help="conduct data folder (default tests/data/conduct); e.g. a `git archive` of a commit, "
                         "so the model is rebuilt from committed sentences only")
    ap.add_argument("--exclude", nargs="*", default=[], metavar="SET",
                    help="further held-out sets to keep out of training (e.g. heldout_18), besides the sealed one")
    ap.add_argument("--by-set", action="store_true",
                    help="also report leave-one-held-out-set-out precision/recall (slower)")
    ap.add_argument("--dry-run", action="store_true", help="cross-validate and print, write nothing")
    args = ap.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("auditor.models.train needs scikit-learn: pip install -e '.[model-train]'")
    texts, labels, sources = load_corpus(args.data, exclude=frozenset(args.exclude))
    print(f"training sets: {', '.join(sorted(set(sources)))} (sealed, not read: {', '.join(sorted(SEALED))}"
          f"{'; excluded: ' + ', '.join(args.exclude) if args.exclude else ''})")
    model = train(texts, labels, c=args.c, prune=args.prune)
    model["trained_on"]["sets"] = sorted(set(sources))
    if not args.dry_run:
        size = write(model, args.out)
        print(f"wrote {args.out} ({size / 1024:.0f} KiB, {len(model['weights'])} features)")
    if args.by_set:
        by_set(texts, labels, sources, args.c, args.prune)
    return 0


if __name__ == "__main__":
    sys.exit(main())
