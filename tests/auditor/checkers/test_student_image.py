"""SM321/SM322 and auditor.images: faces detected in real photos, each image analysed once."""

from __future__ import annotations

import pytest
from PIL import Image
from skimage import data

import auditor.images as images
from auditor.checkers.student_image import FacePhotoUnconsentedStudent, StudentFacePhoto
from auditor.engine import Engine
from tests.auditor.checkers.privacy_context import post, privacy_context


@pytest.fixture
def photos(tmp_path):
    images.clear_cache()
    face = tmp_path / "astronaut.jpg"
    Image.fromarray(data.astronaut()).save(face, "JPEG", quality=90)
    face_png = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(face_png, "PNG")
    coffee = tmp_path / "coffee.jpg"
    Image.fromarray(data.coffee()).save(coffee, "JPEG", quality=90)
    return {"face": str(face), "face_png": str(face_png), "none": str(coffee)}


def with_photo(text, path, **extra):
    return post(text, media=[{"type": "image", "url": "https://pbs.twimg.com/media/p.jpg", "path": path}], **extra)


def test_faces_are_detected_in_a_real_photo_and_not_in_a_cup_of_coffee(photos):
    assert len(images.analyse(photos["face"]).faces) == 1
    assert len(images.analyse(photos["face_png"]).faces) == 1
    assert images.analyse(photos["none"]).faces == ()


def test_face_photo_is_a_low_consent_reminder(photos):
    ctx = privacy_context()
    [f] = StudentFacePhoto().check(with_photo("Field day!", photos["face"]), ctx)
    assert f.severity == "low" and "consent" in f.reason and f.explanation["faces"] == 1
    assert list(StudentFacePhoto().check(with_photo("Coffee", photos["none"]), ctx)) == []


def test_face_with_a_named_unconsented_student_is_critical(photos):
    ctx = privacy_context()
    # Ethan Kowalski has media_consent=no in the test roster; Liam O'Brien has consent.
    [f] = FacePhotoUnconsentedStudent().check(with_photo("Ethan Kowalski at the chess final", photos["face"]), ctx)
    assert f.severity == "critical" and f.spans[0].text == "Ethan Kowalski"
    assert "P010" not in str(f.to_dict())
    assert list(FacePhotoUnconsentedStudent().check(with_photo("Liam O'Brien at the final", photos["face"]), ctx)) == []
    assert list(FacePhotoUnconsentedStudent().check(with_photo("Ethan Kowalski's coffee", photos["none"]), ctx)) == []


def test_endorsed_photo_carries_via(photos):
    like = {"type": "like", "platform": "x", "account": "MsLeeGr4", "id": "l",
            "post": {"text": "Team photo", "media": [{"type": "image", "url": "u", "path": photos["face"]}]}}
    [f] = StudentFacePhoto().check(like, privacy_context())
    assert f.via == "like" and f.key == "post.media[0]"


def test_each_image_content_is_analysed_once(photos, tmp_path):
    copy = tmp_path / "same-bytes.jpg"
    copy.write_bytes(open(photos["face"], "rb").read())
    before = images.analyses
    engine = Engine(privacy_context(), checkers=[StudentFacePhoto, FacePhotoUnconsentedStudent])
    from auditor.checkers.location import ImageGpsExif
    engine_gps = Engine(privacy_context(), checkers=[ImageGpsExif])
    for i, path in enumerate([photos["face"], str(copy), photos["face"]]):
        item = with_photo(f"Ethan Kowalski photo {i}", path)
        engine.check_item(item)
        engine_gps.check_item(item)
    assert images.analyses - before == 1


def test_unreadable_or_huge_images_are_skipped(tmp_path, monkeypatch):
    images.clear_cache()
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff garbage")
    assert list(StudentFacePhoto().check(with_photo("x", str(junk)), privacy_context())) == []
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    big = tmp_path / "big.png"
    Image.new("L", (100, 100)).save(big)
    with pytest.raises(images.ImageError, match="pixels"):
        images.analyse(big)
    missing = str(tmp_path / "missing.jpg")
    assert list(StudentFacePhoto().check(with_photo("x", missing), privacy_context())) == []
