"""Item validation: every broken field is refused with a message naming the file, line and field."""

from __future__ import annotations

import json

import pytest

from auditor.items import ItemError, read_jsonl, validate_item

POST = {"type": "post", "platform": "x", "account": "ClassA", "id": "p1"}
PLATFORMS = "blog, bluesky, facebook, flickr, instagram, mastodon, pinterest, x, youtube"


@pytest.mark.parametrize("item", [
    POST,
    dict(POST, kind="quote", text="hi", quoted={"text": "q"}, media=[{"alt": "a"}], place={"lat": 1}),
    dict(POST, text=None, quoted=None, media=None, place=None, kind="reply"),
    dict(POST, media=[], extra={"unknown": "keys are ignored"}),
    {"type": "like", "platform": "bluesky", "account": "a", "id": "l", "post": {}},
    {"type": "follow", "platform": "mastodon", "account": "a", "id": "f", "target": {"handle": "h"}},
    {"type": "profile", "platform": "youtube", "account": "a", "id": "pr"},
], ids=lambda i: f"{i['type']}-{len(i)}")
def test_valid_items_are_returned_as_they_are(item):
    assert validate_item(item, "f:1") is item


@pytest.mark.parametrize("obj,message", [
    ([1, 2], "expected a JSON object"),
    ("post", "expected a JSON object"),
    ({"platform": "x"}, "type: expected one of follow, like, post, profile, got None"),
    (dict(POST, type="tweet"), "type: expected one of follow, like, post, profile, got 'tweet'"),
    (dict(POST, type=["post"]), "type: expected one of follow, like, post, profile, got ['post']"),
    (dict(POST, id=""), "id: required for a post item"),
    ({"type": "post", "platform": "x", "id": "p"}, "account: required for a post item"),
    (dict(POST, platform=None), "platform: required for a post item"),
    ({"type": "like", "platform": "x", "account": "a", "id": "l"}, "post: required for a like item"),
    ({"type": "follow", "platform": "x", "account": "a", "id": "f", "target": ""}, "target: required for a follow item"),
    (dict(POST, platform="myspace"), f"platform: expected one of {PLATFORMS}, got 'myspace'"),
    (dict(POST, platform=["x"]), f"platform: expected one of {PLATFORMS}, got ['x']"),
    (dict(POST, id=7), "id: expected a string"),
    (dict(POST, account=["a"]), "account: expected a string"),
    (dict(POST, kind="story"), "kind: expected one of original, quote, reply, repost, got 'story'"),
    (dict(POST, kind=None), "kind: expected one of original, quote, reply, repost, got None"),
    (dict(POST, kind={"k": 1}), "kind: expected one of original, quote, reply, repost, got {'k': 1}"),
    (dict(POST, text=5), "text: expected a string"),
    (dict(POST, quoted="q"), "quoted: expected an object"),
    (dict(POST, media={"alt": "a"}), "media: expected a list of objects"),
    (dict(POST, media=[{"alt": "a"}, "b"]), "media: expected a list of objects"),
    (dict(POST, place="Riverside"), "place: expected an object or null"),
    ({"type": "like", "platform": "x", "account": "a", "id": "l", "post": "p"}, "post: expected an object"),
    ({"type": "follow", "platform": "x", "account": "a", "id": "f", "target": ["t"]}, "target: expected an object"),
])
def test_each_broken_field_is_named(obj, message):
    with pytest.raises(ItemError) as err:
        validate_item(obj, "items.jsonl:3")
    assert str(err.value) == f"items.jsonl:3: {message}"
    assert err.value.where == "items.jsonl:3" and err.value.detail == message


def test_read_jsonl_skips_blank_lines_and_names_the_line_of_a_bad_item(tmp_path):
    path = tmp_path / "items.jsonl"
    lines = [json.dumps(POST), "", "   ", json.dumps(dict(POST, id="p2")), json.dumps(dict(POST, text=3))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = []
    with pytest.raises(ItemError) as err:
        for item in read_jsonl(path):
            got.append(item["id"])
    assert got == ["p1", "p2"]
    assert str(err.value) == f"{path}:5: text: expected a string"


def test_read_jsonl_names_bad_json_and_bad_utf8(tmp_path):
    bad_json = tmp_path / "a.jsonl"
    bad_json.write_text(json.dumps(POST) + "\n{\"type\": \"post\",\n", encoding="utf-8")
    with pytest.raises(ItemError, match=r"a\.jsonl:2: not valid JSON \(Expecting property name"):
        list(read_jsonl(bad_json))
    bad_utf8 = tmp_path / "b.jsonl"
    bad_utf8.write_bytes(json.dumps(POST).encode() + b"\n" + b'{"text": "\xff"}\n')
    with pytest.raises(ItemError, match=r"b\.jsonl:2: not valid UTF-8$"):
        list(read_jsonl(bad_utf8))
    with pytest.raises(ItemError, match="cannot read"):
        list(read_jsonl(tmp_path / "missing.jsonl"))


def test_bad_utf8_far_into_a_file_names_its_own_line(tmp_path):
    path = tmp_path / "big.jsonl"
    good = json.dumps(dict(POST, text="x" * 200)).encode() + b"\n"
    path.write_bytes(good * 300 + b'{"text": "caf\xe9"}\n' + good)  # Latin-1, not UTF-8
    with pytest.raises(ItemError) as err:
        list(read_jsonl(path))
    assert str(err.value) == f"{path}:301: not valid UTF-8"
