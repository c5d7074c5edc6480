"""SM321/SM322: photos with faces.

Faces are detected, never recognised: the auditor cannot know who is in a photo and must not try.
What it can know is whether a photo shows people at all, and whether the same post names a
roster student whose media consent is missing. The first is a reminder to check consent forms
(low); the second is the case the procedure forbids outright (critical: students without consent
"must be excluded and/or have their faces blurred").

Images are read from the local file the media fetcher attached (`media[i].path`); media without a
local file are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.checkers.student_name import item_mentions, strongest_flag
from auditor.config import PACKAGE_ROOT
from auditor.items import content_views
from auditor.registry import Student

CLAUSE = "§4 Privacy and Confidentiality"
# Small photos kept with the tests of a checkout (from scikit-image's sample data), for the examples.
EXAMPLE_PHOTOS = PACKAGE_ROOT / "tests" / "data" / "privacy"
FACE_EXAMPLE = str(EXAMPLE_PHOTOS / "face.jpg")
NO_FACE_EXAMPLE = str(EXAMPLE_PHOTOS / "no-face.jpg")


def photos_with_faces(item: dict) -> Iterator[tuple[str, str | None, int]]:
    """(media field, via, face count) for every attached local image in which faces were found."""
    from auditor.images import ImageError, analyse

    for view in content_views(item):
        for i, media in enumerate(view.post.get("media") or ()):
            if not isinstance(media, dict) or not media.get("path") or media.get("type", "image") != "image":
                continue
            try:
                facts = analyse(media["path"])
            except ImageError:
                continue
            if facts.faces:
                field = f"{view.path}.media[{i}]" if view.path else f"media[{i}]"
                yield field, view.via, len(facts.faces)


def unconsented_named(item: dict, ctx: CheckContext) -> list[tuple[str, int, int, str, str]]:
    """(field, start, end, words, flag) of roster names in the item whose student lacks media consent."""
    out = []
    for field, text, _via, m in item_mentions(item, ctx):
        if m.doubt:  # "Mr. Ethan Kowalski" under a staff photo is not the student
            continue
        lacking = tuple(s for s in m.students if _lacks_consent(s))
        if lacking:
            out.append((field, m.start, m.end, text[m.start:m.end], strongest_flag(lacking)))
    return out


def _lacks_consent(s: Student) -> bool:
    return s.media_consent != "yes" or s.safety_flag


def _post(text: str, path: str | None) -> dict:
    media = {"type": "image", "url": "https://pbs.twimg.com/media/ex.jpg", "alt": ""}
    if path:
        media["path"] = path
    return {"type": "post", "platform": "x", "account": "ClassAcct", "id": "ex", "kind": "original",
            "text": text, "media": [media]}


def _example_context() -> CheckContext:
    return CheckContext(students=[
        Student("T1", "Maya", "Chen", "", "SCH", "5", "no", False),
        Student("T2", "Omar", "Rahman", "", "SCH", "5", "yes", False),
    ])


class StudentFacePhoto(Checker):
    """An attached photo shows one or more faces. Detection only (OpenCV Haar cascade), no
    recognition: the finding asks the account owner to confirm that every student shown has
    media consent on file, or that faces are blurred."""

    id = "SM321"
    name = "student-face-photo"
    category = "student-image"
    severity = "low"
    confidence = "medium"
    clause = CLAUSE
    example_context: ClassVar = staticmethod(_example_context)
    examples = (
        Example(_post("Field day fun!", FACE_EXAMPLE), True, "a face"),
        Example(_post("Morning coffee in the staff room", NO_FACE_EXAMPLE), False, "no face"),
        Example(_post("Field day fun!", None), False, "no local file"),
    )

    def check(self, item: dict, ctx: CheckContext):
        for field, via, count in photos_with_faces(item):
            yield self.finding(item, reason="photo shows faces: confirm media consent", via=via, key=field,
                               explanation={"media": field, "faces": count})


class FacePhotoUnconsentedStudent(Checker):
    """A photo with faces in a post that names a roster student without media consent (or with a
    safety flag). Nobody is recognised: the post itself ties the photo to a student whose family
    did not agree to it being published."""

    id = "SM322"
    name = "face-photo-unconsented-student"
    category = "student-image"
    severity = "critical"
    confidence = "medium"
    clause = CLAUSE
    example_context: ClassVar = staticmethod(_example_context)
    examples = (
        Example(_post("Maya Chen at the science fair!", FACE_EXAMPLE), True, "face + unconsented student"),
        Example(_post("Omar Rahman at the science fair!", FACE_EXAMPLE), False, "student with consent"),
        Example(_post("Maya Chen's coffee order", NO_FACE_EXAMPLE), False, "no face"),
    )

    def check(self, item: dict, ctx: CheckContext):
        faces = list(photos_with_faces(item))
        if not faces:
            return
        named = unconsented_named(item, ctx)
        if not named:
            return
        from auditor.findings import Span

        spans = [Span(f, s, e, w) for f, s, e, w, _flag in named]
        flags = {flag for *_rest, flag in named}
        flag = next(f for f in ("safety flag", "no media consent", "media consent unknown") if f in flags)
        for field, via, count in faces:
            yield self.finding(
                item, reason="photo with faces in a post naming a student without media consent", via=via,
                spans=spans, key=field,
                explanation={"media": field, "faces": count, "roster_flag": flag},
            )


CHECKERS = [StudentFacePhoto, FacePhotoUnconsentedStudent]
