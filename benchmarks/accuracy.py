#!/usr/bin/env python3
"""Precision and recall per category on a labelled corpus, through `auditor check` itself.

Usage:
    python benchmarks/accuracy.py [--eval DIR] [--details] [--config FILE] [--with-model]

DIR holds items.jsonl, labels.csv, roster.csv, schools.csv and accounts.csv (default: ../shared/eval
beside the repository). Scoring follows the corpus README: per category, over items; an item is
predicted for a category when at least one finding of that category is on it (endorsements
included); student-image and account findings are ignored. With --details, every false positive
and miss is listed with its text, so real errors can be told apart from the corpus's traps.

With --with-model, the optional rules that are off by default (the statistical conduct model,
SM209 and up) are turned on through a temporary copy of the settings and policy files; the
lexicon path alone (without the flag) is what the targets are held to.

Targets checked for the privacy categories (issue 3): precision and recall >= 0.95; for the
professional-conduct categories (issue 4): >= 0.90.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCORED = ["student-follow", "student-name", "location", "contact-info", "substances", "explicit",
          "political", "religious", "discriminatory", "personal-content"]
TARGETS = {"student-name": 0.95, "location": 0.95, "contact-info": 0.95,
           # professional conduct (issue 4)
           "student-follow": 0.90, "substances": 0.90, "explicit": 0.90, "political": 0.90,
           "religious": 0.90, "discriminatory": 0.90, "personal-content": 0.90}


def auditor_command() -> list[str]:
    """The installed console script next to this interpreter, else the module through it."""
    script = Path(sys.executable).parent / "auditor"
    if script.exists():
        return [str(script)]
    found = shutil.which("auditor")
    if found:
        return [found]
    return [sys.executable, "-c", "from auditor.cli import main; main()"]


def run_check(eval_dir: Path, config: str | None) -> tuple[list[dict], float]:
    cmd = auditor_command()
    if config:
        cmd += ["--config", config]
    cmd += ["check", str(eval_dir / "items.jsonl"), "--roster", str(eval_dir / "roster.csv"),
            "--schools", str(eval_dir / "schools.csv"), "--accounts", str(eval_dir / "accounts.csv"),
            "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"auditor check failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout), elapsed


def model_config(config: str | None, tmp: Path) -> str:
    """A copy of the settings whose policy file is the board's policy plus `enabled = true` for
    every rule that is off by default (the optional model rules)."""
    import re
    import tomllib

    from auditor.config import DEFAULT_CONFIG, load_settings
    from auditor.engine import checker_classes

    settings_path = Path(config or os.environ.get("AUDITOR_CONFIG") or DEFAULT_CONFIG).resolve()
    settings = load_settings(settings_path)
    policy_path = settings.resolve_path(settings["checks"]["policy_file"]) if settings["checks"]["policy_file"] else None
    text = policy_path.read_text(encoding="utf-8") if policy_path and policy_path.exists() else ""
    named = (tomllib.loads(text).get("rules") or {}) if text else {}
    optional = [c.id for c in checker_classes() if not c.default_enabled]
    clash = [rid for rid in optional if rid in named]
    if clash:
        sys.exit(f"--with-model: the policy already has [rules.{clash[0]}]; set enabled = true there instead")
    text += "".join(f"\n[rules.{rid}]\nenabled = true\n" for rid in optional)
    (tmp / "policy.toml").write_text(text, encoding="utf-8")
    raw = settings_path.read_text(encoding="utf-8")
    line = f'policy_file = "{(tmp / "policy.toml").as_posix()}"'
    raw, n = re.subn(r"(?m)^policy_file\s*=.*$", lambda m: line, raw)
    if not n:
        raw = (raw.replace("[checks]", f"[checks]\n{line}", 1) if "[checks]" in raw
               else raw + f"\n[checks]\n{line}\n")
    (tmp / "auditor.toml").write_text(raw, encoding="utf-8")
    print(f"--with-model: enabled {', '.join(optional)}")
    return str(tmp / "auditor.toml")


def load_labels(eval_dir: Path) -> dict[str, set[str]]:
    with (eval_dir / "labels.csv").open(encoding="utf-8", newline="") as fh:
        return {row["item_id"]: {c for c in row["categories"].split(";") if c} for row in csv.DictReader(fh)}


def item_text(item: dict) -> str:
    """A one-line view of what a reader would see, for --details."""
    parts = []
    post = item.get("post") if item.get("type") == "like" else item
    if item.get("type") == "follow":
        t = item.get("target") or {}
        parts.append(f"follows @{t.get('handle')} {t.get('name') or ''} | {t.get('bio') or ''}")
    elif item.get("type") == "profile":
        parts.append(f"profile {item.get('name') or ''} | {item.get('bio') or ''}")
    elif isinstance(post, dict):
        parts.append(post.get("text") or "")
        for m in post.get("media") or ():
            if isinstance(m, dict) and m.get("alt"):
                parts.append(f"[alt] {m['alt']}")
        if isinstance(post.get("quoted"), dict):
            parts.append(f"[quoted] {post['quoted'].get('text') or ''}")
        if post.get("place"):
            parts.append(f"[place] {post['place'].get('name') or post['place']}")
    return " ".join(" ".join(parts).split())


def main(argv: list[str] | None = None) -> int:
    default_eval = REPO.parent / "shared" / "eval"
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", type=Path, default=default_eval, help=f"corpus folder (default {default_eval})")
    ap.add_argument("--details", action="store_true", help="list false positives and misses per category")
    ap.add_argument("--config", help="settings file passed to auditor --config")
    ap.add_argument("--with-model", action="store_true",
                    help="also run the optional model rules (off by default), e.g. SM209")
    args = ap.parse_args(argv)

    eval_dir = args.eval.resolve()
    labels = load_labels(eval_dir)
    items = {}
    with (eval_dir / "items.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                items[obj["id"]] = obj
    if args.with_model:
        import tempfile
        with tempfile.TemporaryDirectory(prefix="accuracy-model-") as tmp:
            findings, elapsed = run_check(eval_dir, model_config(args.config, Path(tmp)))
    else:
        findings, elapsed = run_check(eval_dir, args.config)

    predicted: dict[str, set[str]] = {c: set() for c in SCORED}
    why: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        cat = f["category"]
        if cat not in predicted:
            continue
        predicted[cat].add(f["item_id"])
        spans = ", ".join(repr(s["text"]) for s in f["evidence"]["spans"]) or f["evidence"]["reason"]
        why.setdefault((f["item_id"], cat), []).append(f"{f['rule']}{' via ' + f['via'] if f.get('via') else ''}: {spans}")

    print(f"corpus: {eval_dir}  items: {len(items)}  findings: {len(findings)}  "
          f"auditor check wall time: {elapsed:.2f} s")
    print(f"{'category':18s} {'precision':>9s} {'recall':>7s} {'tp':>4s} {'fp':>4s} {'fn':>4s} {'gold':>5s}  target")
    failed = []
    macro_p = macro_r = 0.0
    for cat in SCORED:
        gold = {i for i, cats in labels.items() if cat in cats}
        pred = predicted[cat]
        tp = len(pred & gold)
        precision = tp / len(pred) if pred else (1.0 if not gold else 0.0)
        recall = tp / len(gold) if gold else 1.0
        macro_p += precision
        macro_r += recall
        target = ""
        if cat in TARGETS:
            ok = precision >= TARGETS[cat] and recall >= TARGETS[cat]
            target = f">= {TARGETS[cat]:.2f} {'met' if ok else 'NOT MET'}"
            if not ok:
                failed.append(cat)
        print(f"{cat:18s} {precision:9.3f} {recall:7.3f} {tp:4d} {len(pred - gold):4d} {len(gold - pred):4d} "
              f"{len(gold):5d}  {target}")
    print(f"{'macro average':18s} {macro_p / len(SCORED):9.3f} {macro_r / len(SCORED):7.3f}")

    if args.details:
        for cat in SCORED:
            gold = {i for i, cats in labels.items() if cat in cats}
            fps = sorted(predicted[cat] - gold)
            fns = sorted(gold - predicted[cat])
            if not fps and not fns:
                continue
            print(f"\n== {cat}")
            for i in fps:
                print(f"  FP {i}: {'; '.join(why[(i, cat)])}\n       {item_text(items.get(i, {}))[:220]}")
            for i in fns:
                print(f"  FN {i}: {item_text(items.get(i, {}))[:220]}")
    if failed:
        print(f"\ntargets not met: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
