"""What an attached photo gives away: faces (detected, never recognised) and EXIF GPS coordinates.

Pure and local: reads a file that the media fetcher already downloaded, never the network.
An image is decoded at most once per content: results are cached by the SHA-256 of the bytes,
so the same photo attached to a hundred posts, or checked by two rules, costs one analysis.

Detection runs OpenCV's stock frontal-face Haar cascade (shipped in the opencv-python-headless
wheel) on a grey copy scaled down to about 400 pixels on the long side; JPEGs are decoded at
reduced size directly (Pillow's draft mode), which keeps a 1-megapixel photo well under 100 ms.
Pillow's decompression-bomb guard is on: an image claiming more than MAX_PIXELS is refused
before it is decoded.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000
DETECT_SIZE = 400
CACHE_SIZE = 2048
GPS_IFD = 0x8825


class ImageError(ValueError):
    """The file is not a usable image (unreadable, not an image, too many pixels)."""


@dataclass(frozen=True)
class ImageFacts:
    sha256: str
    width: int
    height: int
    faces: tuple[tuple[int, int, int, int], ...]  # x, y, w, h in original pixels
    gps: tuple[float, float] | None  # (lat, lon)


_cache: OrderedDict[str, ImageFacts] = OrderedDict()
_lock = threading.Lock()
_cascade = None
analyses = 0  # how many images were really decoded and analysed (tests read this)


def _face_cascade():
    global _cascade
    if _cascade is None:
        import cv2

        _cascade = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"))
        if _cascade.empty():  # pragma: no cover - broken OpenCV install
            raise ImageError("OpenCV face cascade could not be loaded")
    return _cascade


def open_image(path: str | Path | io.BytesIO) -> Image.Image:
    """Open with the decompression-bomb guard as an error, not a warning.

    Pillow's own guard (its global MAX_IMAGE_PIXELS) stays on; MAX_PIXELS is a stricter cap of
    ours, checked from the header before any pixel is decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            if img.width * img.height > MAX_PIXELS:
                raise ImageError(f"{img.width}x{img.height} is more than {MAX_PIXELS} pixels")
            return img
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise ImageError("not an image Pillow can read") from exc
    except OSError as exc:
        raise ImageError(f"cannot read: {exc}") from exc


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return num / den if den else 0.0


def _dms(values, ref: str) -> float | None:
    try:
        d, m, s = (_rational(v) for v in values)
    except (TypeError, ValueError):
        return None
    deg = d + m / 60 + s / 3600
    return -deg if ref in ("S", "W") else deg


def gps_of(img: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from the EXIF GPS block, or None; (0, 0) placeholders count as none."""
    try:
        gps = img.getexif().get_ifd(GPS_IFD)
    except Exception:  # malformed EXIF must not stop the check
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat = _dms(gps[2], str(gps.get(1, "N")).strip("\x00").upper())
    lon = _dms(gps[4], str(gps.get(3, "E")).strip("\x00").upper())
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def detect_faces(img: Image.Image) -> tuple[tuple[int, int, int, int], ...]:
    """Face boxes in original pixel coordinates. Detection only: nothing identifies anyone."""
    import cv2

    width, height = img.size
    if img.format == "JPEG":
        img.draft("L", (DETECT_SIZE, DETECT_SIZE))  # decode at 1/2, 1/4 or 1/8 scale
    img = img.convert("L")
    scale = DETECT_SIZE / max(img.size)
    if scale < 1:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BILINEAR)
    grey = np.asarray(img)
    grey = cv2.equalizeHist(grey)
    min_side = max(20, min(grey.shape) // 20)  # faces from 5% of the short side up
    boxes = _face_cascade().detectMultiScale(grey, scaleFactor=1.15, minNeighbors=6, minSize=(min_side, min_side))
    fx, fy = width / grey.shape[1], height / grey.shape[0]
    return tuple((int(x * fx), int(y * fy), int(w * fx), int(h * fy)) for x, y, w, h in boxes)


def analyse(path: str | Path) -> ImageFacts:
    """Faces and GPS of the image at `path`, computed once per distinct content."""
    global analyses
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    with _lock:
        if digest in _cache:
            _cache.move_to_end(digest)
            return _cache[digest]
    img = open_image(io.BytesIO(data))  # decode the very bytes that were hashed
    with img:
        try:
            gps = gps_of(img)
            size = img.size
            faces = detect_faces(img)
        except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt data
            raise ImageError(f"cannot decode {path}: {exc}") from exc
    facts = ImageFacts(digest, size[0], size[1], faces, gps)
    with _lock:
        analyses += 1
        _cache[digest] = facts
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return facts


def clear_cache() -> None:
    with _lock:
        _cache.clear()
