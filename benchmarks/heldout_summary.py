#!/usr/bin/env python3
"""Pooled precision and recall of the conduct rules on fresh held-out sets, as first scored.

Why: a rule tuned on a set scores well on it afterwards, so the figure that says how the rules
generalise is each set's *first* score, taken before anything was changed because of it. That
score is kept beside the set (`tests/data/conduct/heldout_<n>/UNTUNED_*.txt`, the output of
`accuracy.py --details`). This script pools those first scores (true positives, false positives
and misses summed over the sets) so one table answers "how do the rules do on sentences nobody
tuned them on"; `--now` pools the current scores of the same sets instead (tuned, so optimistic).

    .venv/bin/python benchmarks/heldout_summary.py 12 13 15 16
    .venv/bin/python benchmarks/heldout_summary.py --now 12 13 15 16
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "data" / "conduct"
CONDUCT = ["student-follow", "substances", "explicit", "political", "religious", "discriminatory",
           "personal-content"]
ROW = re.compile(r"^(?P<cat>[a-z-]+)\s+[\d.]+\s+[\d.]+\s+(?P<tp>\d+)\s+(?P<fp>\d+)\s+(?P<fn>\d+)\s+(?P<gold>\d+)\b")


def first_score(folder: Path, with_model: bool = False) -> str:
    """The text of the set's first scoring (the UNTUNED file written before any fix); with
    `with_model`, the same first scoring with the optional SM209 model turned on."""
    files = sorted(f for f in folder.glob("UNTUNED*.txt") if f.stem.endswith("_with_model") == with_model)
    if not files:
        raise SystemExit(f"{folder}: no UNTUNED_*.txt (this set was never scored before tuning)")
    return files[0].read_text(encoding="utf-8")


def current_score(folder: Path) -> str:
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "accuracy.py"), "--eval", str(folder)],
                         capture_output=True, text=True, check=False)
    if "category" not in out.stdout:
        raise SystemExit(f"{folder}: accuracy.py failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def counts(report: str) -> dict[str, tuple[int, int, int]]:
    found = {}
    for line in report.splitlines():
        m = ROW.match(line)
        if m and m["cat"] in CONDUCT:
            found[m["cat"]] = (int(m["tp"]), int(m["fp"]), int(m["fn"]))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="+", help="set numbers (heldout_<n>) or folders")
    ap.add_argument("--now", action="store_true", help="pool the current scores instead of the first ones")
    ap.add_argument("--with-model", action="store_true",
                    help="pool the first scores taken with the optional SM209 model on (UNTUNED_<n>_with_model.txt)")
    args = ap.parse_args(argv)
    folders = [Path(s) if not s.isdigit() else HELDOUT / f"heldout_{s}" for s in args.sets]
    totals = {c: [0, 0, 0] for c in CONDUCT}
    for folder in folders:
        report = current_score(folder) if args.now else first_score(folder, args.with_model)
        for cat, (tp, fp, fn) in counts(report).items():
            for i, v in enumerate((tp, fp, fn)):
                totals[cat][i] += v
    kind = ("current scores (tuned on these sets)" if args.now else
            "first scores, before any tuning on them" + (", SM209 model on" if args.with_model else ""))
    print(f"sets: {', '.join(f.name for f in folders)}  ({kind})")
    print(f"{'category':<18} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}  target")
    short = []
    for cat in CONDUCT:
        tp, fp, fn = totals[cat]
        if tp + fp + fn == 0:
            continue
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        met = p >= 0.90 and r >= 0.90
        short += [] if met else [cat]
        print(f"{cat:<18} {p:>9.3f} {r:>7.3f} {tp:>5} {fp:>4} {fn:>4}  >= 0.90 {'met' if met else 'NOT MET'}")
    if short:
        print(f"targets not met: {', '.join(short)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
