"""The resumable newest-first pass: boundaries at equal times, interrupted passes, new items
arriving between a failure and its rerun."""

from __future__ import annotations

from connectors.newest_first import NewestFirstPass, iso_utc


def read(listing, cursor, page_size=2, fail_after_pages=None):
    """Walk `listing` [(id, time)] newest first like a connector; return (handed ids, cursors)."""
    walk = NewestFirstPass(cursor)
    handed, cursors = [], []
    pages = [listing[i:i + page_size] for i in range(0, len(listing), page_size)] or [[]]
    for n, page in enumerate(pages):
        if fail_after_pages is not None and n == fail_after_pages:
            return handed, cursors
        got, stop = [], False
        for item_id, time in page:
            if walk.is_older_than_mark(time):
                stop = True
                break
            if walk.wanted(item_id, time):
                got.append(item_id)
        handed += got
        last = stop or n == len(pages) - 1
        cursors.append(walk.final_cursor(k="v") if last else walk.page_cursor(got, k="v"))
        if last:
            break
    return handed, cursors


T = ["2026-10-0%dT10:00:00Z" % d for d in range(1, 10)]


def test_iso_utc_normalizes_graph_google_and_epoch_times():
    assert iso_utc("2026-10-20T21:15:42+0000") == "2026-10-20T21:15:42Z"
    assert iso_utc("2026-10-20T17:15:42-04:00") == "2026-10-20T21:15:42Z"
    assert iso_utc("2026-10-20T21:15:42.123Z") == "2026-10-20T21:15:42Z"
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    assert iso_utc("yesterday") is None and iso_utc(None) is None


def test_complete_pass_sets_mark_and_next_pass_stops_there():
    listing = [("c", T[2]), ("b", T[1]), ("a", T[0])]
    handed, cursors = read(listing, None)
    assert handed == ["c", "b", "a"]
    assert cursors[-1] == {"k": "v", "mark": {"time": T[2], "ids": ["c"]}}
    handed, cursors = read([("d", T[3])] + listing, cursors[-1])
    assert handed == ["d"] and len(cursors) == 2  # page 2 starts with "b", older than the mark: stop
    assert cursors[-1]["mark"] == {"time": T[3], "ids": ["d"]}


def test_items_sharing_the_marks_time_are_neither_repeated_nor_missed():
    handed, cursors = read([("x", T[5]), ("w", T[4])], None)
    mark = cursors[-1]
    # A second item published in the same second as the marked one appears later.
    handed, cursors = read([("y", T[5]), ("x", T[5]), ("w", T[4])], mark)
    assert handed == ["y"]
    assert cursors[-1]["mark"] == {"time": T[5], "ids": ["x", "y"]}
    handed, _ = read([("y", T[5]), ("x", T[5]), ("w", T[4])], cursors[-1])
    assert handed == []


def test_interrupted_pass_resumes_without_loss_or_repeat_even_with_new_items_meanwhile():
    listing = [(chr(ord("a") + i), T[8 - i]) for i in range(7)]  # a newest … g oldest
    handed, cursors = read(listing, None, fail_after_pages=2)
    assert handed == ["a", "b", "c", "d"]
    stored = cursors[-1]
    assert "mark" not in stored and stored["partial"]["done"] == ["a", "b", "c", "d"]
    # Two new items arrive and one already-stored item is deleted before the rerun.
    rerun_listing = [("n2", "2026-10-11T00:00:00Z"), ("n1", "2026-10-10T00:00:00Z")] + \
        [x for x in listing if x[0] != "b"]
    again, cursors = read(rerun_listing, stored)
    assert sorted(handed + again) == sorted(["a", "b", "c", "d", "e", "f", "g", "n1", "n2"])
    assert len(handed + again) == len(set(handed + again))
    assert cursors[-1]["mark"] == {"time": "2026-10-11T00:00:00Z", "ids": ["n2"]}
    assert "partial" not in cursors[-1]


def test_interrupted_incremental_pass_keeps_the_old_mark_until_it_completes():
    first, cursors = read([("b", T[1]), ("a", T[0])], None)
    mark = cursors[-1]
    listing = [("e", T[4]), ("d", T[3]), ("c", T[2]), ("b", T[1]), ("a", T[0])]
    handed, cursors = read(listing, mark, fail_after_pages=1)
    assert handed == ["e", "d"] and cursors[-1]["mark"] == mark["mark"]
    handed2, cursors = read(listing, cursors[-1])
    assert handed2 == ["c"] and cursors[-1]["mark"]["ids"] == ["e"]
