"""The streaming JSON readers give what json.load gives, whatever the chunk boundaries."""

from __future__ import annotations

import io
import json

import pytest

from connectors.exports import ExportError
from connectors.exports import json_stream as js

DOC = [{"id": i, "n": 10 ** (i % 12), "f": 1.5e3, "t": "é" * (i % 7) + "🤖", "ok": i % 2 == 0, "x": None}
       for i in range(200)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 16])
def test_array_elements_survive_any_chunk_boundary(chunk, monkeypatch):
    data = json.dumps(DOC, ensure_ascii=False).encode()
    monkeypatch.setattr(js._Buffer.__init__, "__defaults__", (chunk,))
    assert list(js.iter_array(io.BytesIO(data), "f")) == DOC


def test_numbers_at_the_end_of_a_chunk_are_not_cut(monkeypatch):
    monkeypatch.setattr(js._Buffer.__init__, "__defaults__", (4,))
    assert list(js.iter_array(io.BytesIO(b"[1234567, 89]"), "f")) == [1234567, 89]


def test_x_wrapper_and_empty_array():
    data = b"window.YTD.tweets.part0 = [ {\"tweet\": {\"id\": \"1\"}} ,{\"tweet\":{}} ]"
    assert list(js.iter_js_array(io.BytesIO(data), "f")) == [{"tweet": {"id": "1"}}, {"tweet": {}}]
    assert list(js.iter_js_array(io.BytesIO(b"window.YTD.like.part0 = []"), "f")) == []


def test_object_streams_only_the_named_array():
    data = json.dumps({"@context": "x", "totalItems": 3, "orderedItems": [1, 2, 3], "after": {"k": [1]}}).encode()
    seen = {}
    for key, value in js.iter_object(io.BytesIO(data), "f", lambda k: k == "orderedItems"):
        seen[key] = list(value) if key == "orderedItems" else value
    assert seen == {"@context": "x", "totalItems": 3, "orderedItems": [1, 2, 3], "after": {"k": [1]}}


def test_unconsumed_streamed_array_is_skipped():
    data = b'{"orderedItems": [1, 2, 3], "tail": true}'
    keys = [k for k, _ in js.iter_object(io.BytesIO(data), "f", lambda k: True)]
    assert keys == ["orderedItems", "tail"]


@pytest.mark.parametrize("data", [b"[1, 2", b"[{\"a\": 1}, {\"b\"", b"[1 2]", b"{\"a\": [1,", b"no json"])
def test_truncated_or_broken_input_raises_export_error(data):
    with pytest.raises(ExportError, match="^f: "):
        list(js.iter_array(io.BytesIO(data), "f")) if data[:1] != b"{" else \
            [list(v) if not isinstance(v, int) else v for _, v in js.iter_object(io.BytesIO(data), "f", lambda k: True)]


def test_invalid_utf8_is_reported():
    with pytest.raises(ExportError, match="not valid UTF-8"):
        list(js.iter_array(io.BytesIO(b'["\xff\xfe"]'), "f"))


def test_byte_order_mark_is_accepted():
    assert list(js.iter_array(io.BytesIO(b"\xef\xbb\xbf[1]"), "f")) == [1]
