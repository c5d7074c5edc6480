#!/usr/bin/env python3
"""Turn a hand-written held-out sentence file into a labelled corpus that `accuracy.py` scores.

Why: the conduct rules must generalise to sentences nobody tuned them on (issue 4). Each fresh set
is written as plain lines first (`tests/data/conduct/heldout_<n>/sentences.tsv`, one
`label<TAB>kind<TAB>text` a line, `-` for no category; kind is post, repost, like or follow with
`name | bio`), then built into items.jsonl and labels.csv beside it, with a small fictional board
(schools, accounts, roster) shared by every set. Then:

    .venv/bin/python benchmarks/conduct_heldout.py tests/data/conduct/heldout_1
    .venv/bin/python benchmarks/accuracy.py --eval tests/data/conduct/heldout_1 --details
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

SCHOOLS = [
    ("NVPS", "Northview Public School", "p.osei@ridgelinedsb.ca", "NVPS;Northview;Northview PS"),
    ("RVSS", "Ridgeview Secondary School", "k.lambert@ridgelinedsb.ca", "RVSS;Ridgeview;Ridgeview SS;RHS"),
]
ACCOUNTS = [
    ("x", "MsKowalskiGr4", "classroom", "NVPS", "Jenna Kowalski", "j.kowalski@ridgelinedsb.ca", "", "env:X_K"),
    ("x", "lakeridge_athletics", "department", "RVSS", "Omar Haddad", "o.haddad@ridgelinedsb.ca",
     "k.lambert@ridgelinedsb.ca", "env:X_A"),
    ("bluesky", "mr-tran-sci.bsky.social", "professional", "RVSS", "Minh Tran", "m.tran@ridgelinedsb.ca", "",
     "env:B_T"),
]
ROSTER = [
    ("R1001", "Priya", "Mahal", "", "RVSS", "10", "yes", "no", "x:priya_m10"),
    ("R1002", "Owen", "Beaulieu", "", "NVPS", "7", "yes", "no", ""),
]


def build(folder: Path) -> int:
    rows = []
    for line in (folder / "sentences.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, kind, text = line.split("\t", 2)
        rows.append((label, kind, text))
    items, labels = [], []
    for n, (label, kind, text) in enumerate(rows, 1):
        iid = f"x:h{n:04d}"
        base = {"platform": "x", "account": "MsKowalskiGr4", "id": iid, "created_at": "2026-11-20T15:00:00Z"}
        post = {"type": "post", **base, "kind": "original", "text": text, "visibility": "public"}
        if kind == "follow":
            name, _, bio = (p.strip() for p in text.partition("|"))
            item = {"type": "follow", **base, "target": {"id": f"t{n}", "handle": f"acct{n}", "name": name,
                                                        "bio": bio, "url": ""}}
        elif kind == "repost":
            item = {**post, "kind": "repost", "author": {"handle": "someone", "name": "Someone"}}
        elif kind == "like":
            item = {"type": "like", **base, "post": {"text": text, "author": {"handle": "someone"}}}
        elif kind == "post":
            item = post
        else:
            raise SystemExit(f"{folder}/sentences.tsv: unknown kind {kind!r}")
        items.append(item)
        labels.append((iid, "" if label == "-" else label))
    with (folder / "items.jsonl").open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    for name, header, data in (
            ("labels.csv", ["item_id", "categories"], labels),
            ("schools.csv", ["code", "name", "principal_email", "aliases"], SCHOOLS),
            ("accounts.csv", ["platform", "handle", "kind", "school", "owner_name", "owner_email", "approved_by",
                              "credential"], ACCOUNTS),
            ("roster.csv", ["student_id", "first_name", "last_name", "preferred_name", "school", "grade",
                            "media_consent", "safety_flag", "handles"], ROSTER)):
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(data)
    return len(items)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["tests/data/conduct/heldout_1"]:
        print(f"{arg}: {build(Path(arg))} items")
