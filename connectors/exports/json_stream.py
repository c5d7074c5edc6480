"""Walking the big arrays of an export one element at a time.

A 100,000-post `tweets.js` or `outbox.json` is hundreds of megabytes of JSON; `json.load` would
hold all of it, several times over, as Python objects. These readers decode one element of the
array at a time from a bounded text buffer, so memory follows the largest element, not the file.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from connectors.exports.safe_archive import ExportError

_WS = " \t\r\n"
_decoder = json.JSONDecoder()


class _Buffer:
    def __init__(self, fp: BinaryIO, where: str, chunk: int = 1 << 16):
        self._fp = fp
        self._dec = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self.where = where
        self.chunk = chunk
        self.buf = ""
        self.pos = 0
        self.eof = False

    def fill(self, at_least: int = 0) -> bool:
        if self.eof:
            return False
        want = max(self.chunk, at_least)
        raw = self._fp.read(want)
        try:
            text = self._dec.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise ExportError(f"{self.where}: not valid UTF-8 ({exc.reason})") from exc
        if not raw:
            self.eof = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            raise ExportError(f"{self.where}: expected {ch!r} but found {got or 'end of file'!r}; "
                              "the file is damaged or not in the expected format")
        self.pos += 1

    def skip_to(self, ch: str) -> None:
        while True:
            i = self.buf.find(ch, self.pos)
            if i >= 0:
                self.pos = i
                return
            self.pos = len(self.buf)
            if not self.fill():
                raise ExportError(f"{self.where}: no {ch!r} found; not in the expected format")

    def value(self) -> Any:
        self.peek()
        grow = self.chunk
        while True:
            try:
                obj, end = _decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.fill(grow):
                    grow *= 2
                    continue
                raise ExportError(f"{self.where}: damaged JSON ({exc.msg}); the file may be truncated") from exc
            except RecursionError as exc:
                raise ExportError(f"{self.where}: JSON nested too deeply; refusing it") from exc
            if end >= len(self.buf) and not self.eof:
                # A number (or literal) that ends at the buffer's edge may continue in the next chunk.
                self.fill(grow)
                continue
            self.pos = end
            return obj


def _array(b: _Buffer) -> Iterator[Any]:
    b.expect("[")
    if b.peek() == "]":
        b.pos += 1
        return
    while True:
        yield b.value()
        nxt = b.peek()
        b.pos += 1
        if nxt == "]":
            return
        if nxt != ",":
            raise ExportError(f"{b.where}: expected ',' or ']' in an array, found {nxt or 'end of file'!r}; "
                              "the file may be truncated")


def iter_array(fp: BinaryIO, where: str) -> Iterator[Any]:
    """Elements of a file that is one JSON array."""
    yield from _array(_Buffer(fp, where))


def iter_js_array(fp: BinaryIO, where: str) -> Iterator[Any]:
    """Elements of an X archive file: `window.YTD.<name>.part0 = [ ... ]`."""
    b = _Buffer(fp, where)
    b.skip_to("[")
    yield from _array(b)


def iter_object(fp: BinaryIO, where: str, stream_keys: Callable[[str], bool]) -> Iterator[tuple[str, Any]]:
    """(key, value) of a top-level JSON object; for keys that `stream_keys` accepts and whose
    value is an array, the value is an iterator over the elements (consume it before the next)."""
    b = _Buffer(fp, where)
    b.expect("{")
    if b.peek() == "}":
        return
    while True:
        key = b.value()
        if not isinstance(key, str):
            raise ExportError(f"{where}: expected an object key")
        b.expect(":")
        if stream_keys(key) and b.peek() == "[":
            it = _array(b)
            yield key, it
            for _ in it:  # whatever the caller did not consume
                pass
        else:
            yield key, b.value()
        nxt = b.peek()
        b.pos += 1
        if nxt == "}":
            return
        if nxt != ",":
            raise ExportError(f"{where}: expected ',' or '}}' in an object, found {nxt or 'end of file'!r}; "
                              "the file may be truncated")
