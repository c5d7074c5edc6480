"""A tiny checker used by the pipeline tests, so they exercise storage and scanning without
depending on how the real rules judge language."""

from __future__ import annotations

import re

from auditor.checkers.base import Checker
from auditor.findings import Span
from auditor.items import item_texts


class ForbiddenWord(Checker):
    """Flags the word 'forbidden' (test rule)."""

    id = "TEST01"
    name = "forbidden-word"
    category = "explicit"
    severity = "high"
    clause = "§2 Personal vs. professional"

    def check(self, item, ctx):
        for path, text, via in item_texts(item):
            for m in re.finditer(r"forbidden", text, re.I):
                yield self.finding(item, reason="the test word", via=via,
                                   spans=[Span(path, m.start(), m.end(), m.group())])
