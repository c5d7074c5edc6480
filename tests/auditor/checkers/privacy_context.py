"""A small registry of a made-up board for the privacy checker tests."""

from __future__ import annotations

from pathlib import Path

from auditor.checkers.base import CheckContext
from auditor.registry import load_registry

DATA = Path(__file__).resolve().parents[2] / "data" / "privacy"


def privacy_context(**options) -> CheckContext:
    reg = load_registry(DATA / "schools.csv", DATA / "accounts.csv", DATA / "roster.csv")
    return CheckContext(students=reg.students, schools=reg.schools, accounts=reg.accounts, options=options)


def post(text: str = "", account: str = "MsLeeGr4", platform: str = "x", **extra) -> dict:
    return {"type": "post", "platform": platform, "account": account, "id": "p1", "kind": "original",
            "text": text, **extra}
