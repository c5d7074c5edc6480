"""Reading zip, tar and unpacked exports without trusting them.

An export is a file a teacher downloaded and handed to us; it may be damaged or crafted. Every
member is checked before anything is read or written (names that escape the archive, links,
device files, sizes past the caps, a truncated file), so a hostile archive is refused with one
clear `ExportError` and leaves nothing behind. Members are read as bounded streams and written
to disk in chunks: an export of gigabytes never sits in memory.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from connectors.base import ConnectorError

CHUNK = 1 << 20


class ExportError(ConnectorError):
    """An export that cannot be used; the message names the file and what was expected."""


@dataclass(frozen=True)
class Limits:
    """Caps that keep a crafted archive from filling the disk or the memory."""

    max_member_bytes: int = 4 * 1024**3
    max_total_bytes: int = 32 * 1024**3
    max_media_bytes: int = 200 * 1024**2
    max_members: int = 2_000_000
    # A zip member that claims to expand more than this many times its compressed size is a bomb.
    max_ratio: int = 200


@dataclass(frozen=True)
class Member:
    name: str  # normalized posix path inside the export, no leading "./"
    size: int


_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_name(raw: str, where: str) -> str:
    """The member's path if it stays inside the archive, else ExportError (zip-slip)."""
    if "\x00" in raw:
        raise ExportError(f"{where}: member name {raw!r} contains a NUL byte")
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise ExportError(f"{where}: member {raw!r} has an absolute path; refusing the archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ExportError(f"{where}: member {raw!r} points outside the archive (..); refusing the archive")
    return "/".join(parts)


class BoundedReader:
    """A read-only stream that fails (instead of growing) once it has given `limit` bytes.

    It also turns the decoder's complaints about a damaged member into ExportError, so every
    caller sees one kind of error whatever the container.
    """

    def __init__(self, raw: BinaryIO, limit: int, where: str):
        self._raw = raw
        self._left = limit
        self._limit = limit
        self._where = where

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = self._left + 1 if n is None or n < 0 else min(n, self._left + 1)
        try:
            data = self._raw.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError, tarfile.TarError, OSError) as exc:
            raise ExportError(f"{self._where}: damaged or truncated ({exc})") from exc
        self._left -= len(data)
        if self._left < 0:
            raise ExportError(f"{self._where}: larger than the {self._limit:,}-byte limit; refusing it")
        return data

    def readinto(self, b) -> int:  # lets io.TextIOWrapper / BufferedReader wrap us
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()

    @property
    def closed(self) -> bool:
        return getattr(self._raw, "closed", False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def copy_bounded(src: BinaryIO, dest: Path, limit: int, where: str) -> Path:
    """Write a member to `dest` in chunks; a member over `limit` leaves no partial file."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = dest.with_name(dest.name + ".part")
    reader = BoundedReader(src, limit, where)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := reader.read(CHUNK):
                out.write(chunk)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


class ExportSource(ABC):
    """A validated export: its member listing, and bounded access to each member."""

    kind: str

    def __init__(self, path: Path, limits: Limits):
        self.path = path
        self.limits = limits
        self.members: dict[str, Member] = {}
        self._total = 0

    def _admit(self, raw_name: str, size: int) -> None:
        where = f"{self.path}"
        name = safe_name(raw_name, where)
        if not name:
            return
        if size > self.limits.max_member_bytes:
            raise ExportError(f"{where}: member {name} expands to {size:,} bytes, over the "
                              f"{self.limits.max_member_bytes:,}-byte limit; refusing the archive")
        self.members[name] = Member(name, size)
        if len(self.members) > self.limits.max_members:
            raise ExportError(f"{where}: more than {self.limits.max_members:,} members; refusing the archive")
        self._total += size
        if self._total > self.limits.max_total_bytes:
            raise ExportError(f"{where}: expands past the {self.limits.max_total_bytes:,}-byte limit; "
                              "refusing the archive")

    def find(self, *basenames: str, pattern: str | None = None) -> list[str]:
        """Members named like one of `basenames` (or matching `pattern`) wherever they sit,
        shallowest first: exports move files between folders from one version to the next."""
        wanted = set(basenames)
        rx = re.compile(pattern) if pattern else None
        hits = [n for n in self.members
                if posixpath.basename(n) in wanted or (rx and rx.fullmatch(posixpath.basename(n)))]
        return sorted(hits, key=lambda n: (n.count("/"), n))

    def resolve(self, reference: str) -> str | None:
        """The member an export-internal reference (e.g. `media/posts/1.jpg`) points at, if any."""
        try:
            ref = safe_name(reference, str(self.path))
        except ExportError:
            return None
        if ref in self.members:
            return ref
        suffix = "/" + ref
        hits = [n for n in self.members if n.endswith(suffix)]
        return min(hits, key=len) if hits else None

    @abstractmethod
    def open(self, name: str) -> BoundedReader:
        """A bounded binary stream over one member."""

    def stream(self, want: Callable[[Member], bool]) -> Iterator[tuple[Member, BoundedReader]]:
        """Members that `want` accepts, in archive order; random access by default."""
        for name in list(self.members):
            m = self.members[name]
            if want(m):
                with self.open(name) as fh:
                    yield m, fh

    def extract(self, name: str, dest_root: Path, limit: int | None = None) -> Path:
        """Copy one member under dest_root (same relative path), bounded; returns the file."""
        dest = _dest_path(dest_root, name)
        if dest.exists() and dest.stat().st_size == self.members[name].size:
            return dest
        with self.open(name) as fh:
            return copy_bounded(fh, dest, limit or self.limits.max_media_bytes, f"{self.path}:{name}")

    def verify(self, names) -> None:
        """Read members through once so a damaged one fails before any item is handed out.

        Zip members carry a CRC that is only checked at their end; without this pass a corrupt
        tweets.js would fail half-way, after the first pages were stored."""
        for name in names:
            with self.open(name) as fh:
                while fh.read(CHUNK):
                    pass

    def digest(self) -> str:
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def close(self) -> None:
        pass


def _dest_path(root: Path, name: str) -> Path:
    dest = (root / name).resolve()
    if not dest.is_relative_to(root.resolve()):  # names are already checked; belt and braces
        raise ExportError(f"member {name} would be written outside {root}")
    return dest


class ZipSource(ExportSource):
    kind = "zip"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        try:
            self._zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise ExportError(f"{path}: not a readable zip archive, or truncated ({exc})") from exc
        except OSError as exc:
            raise ExportError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        file_size = path.stat().st_size
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise ExportError(f"{path}: member {info.filename!r} is a symbolic link; refusing the archive")
            if mode and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
                raise ExportError(f"{path}: member {info.filename!r} is a device or pipe; refusing the archive")
            if info.is_dir():
                safe_name(info.filename, str(path))
                continue
            if info.header_offset + info.compress_size > file_size:
                raise ExportError(f"{path}: member {info.filename!r} runs past the end of the file; "
                                  "the archive is truncated")
            if (info.file_size > 1024 * 1024
                    and info.file_size > self.limits.max_ratio * max(info.compress_size, 1)):
                raise ExportError(f"{path}: member {info.filename!r} expands {info.file_size:,} bytes from "
                                  f"{info.compress_size:,} (a compression bomb); refusing the archive")
            self._admit(info.filename, info.file_size)
            self._infos[safe_name(info.filename, str(path))] = info

    def open(self, name: str) -> BoundedReader:
        info = self._infos[name]
        where = f"{self.path}:{name}"
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise ExportError(f"{where}: cannot be read ({exc})") from exc
        return BoundedReader(raw, min(info.file_size, self.limits.max_member_bytes), where)

    def close(self) -> None:
        self._zip.close()


class TarSource(ExportSource):
    """A (compressed) tar. Gzip cannot seek cheaply, so whole-archive work goes through `stream`."""

    kind = "tar"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        # One pass over the whole archive: the listing is checked and the data read to its end,
        # so a truncated file is refused before anything is written.
        for info, _ in self._iter(None):
            pass

    def _iter(self, want: Callable[[Member], bool] | None) -> Iterator[tuple[tarfile.TarInfo, Member | None]]:
        where = str(self.path)
        try:
            with tarfile.open(self.path, mode="r|*") as tar:
                for info in tar:
                    if info.issym() or info.islnk():
                        raise ExportError(f"{where}: member {info.name!r} is a link to {info.linkname!r}; "
                                          "refusing the archive")
                    if info.ischr() or info.isblk() or info.isfifo() or info.isdev():
                        raise ExportError(f"{where}: member {info.name!r} is a device or pipe; refusing the archive")
                    if info.issparse():
                        raise ExportError(f"{where}: member {info.name!r} is a sparse file; refusing the archive")
                    if info.isdir():
                        safe_name(info.name, where)
                        continue
                    if not info.isfile():
                        raise ExportError(f"{where}: member {info.name!r} is not a regular file; refusing the archive")
                    if want is None:
                        self._admit(info.name, info.size)
                        yield info, None
                        continue
                    member = self.members.get(safe_name(info.name, where))
                    if member is not None and want(member):
                        fh = tar.extractfile(info)
                        yield info, (member, BoundedReader(fh, member.size, f"{where}:{member.name}"))
        except ExportError:
            raise
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            raise ExportError(f"{where}: not a readable tar archive, or truncated ({exc})") from exc

    def stream(self, want: Callable[[Member], bool]) -> Iterator[tuple[Member, BoundedReader]]:
        for _, pair in self._iter(want):
            yield pair

    def verify(self, names) -> None:
        """Already done: opening read the whole archive, and gzip checked its CRC at the end."""

    def open(self, name: str) -> BoundedReader:
        """Random access re-reads the archive up to the member; prefer `stream`."""
        for member, fh in self.stream(lambda m: m.name == name):
            return _Detached(fh)
        raise ExportError(f"{self.path}: no member {name}")


class _Detached(BoundedReader):
    """A tar member read out of its pass into memory-bounded spooled storage."""

    def __init__(self, fh: BoundedReader):
        import tempfile
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)
        shutil.copyfileobj(fh, self._spool, CHUNK)
        self._spool.seek(0)
        super().__init__(self._spool, fh._limit, fh._where)


class DirSource(ExportSource):
    """An unpacked export folder; links are refused like in an archive."""

    kind = "folder"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        root = str(path)
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    raise ExportError(f"{path}: {rel} is a symbolic link; refusing the folder")
                if stat.S_ISDIR(st.st_mode):
                    continue
                if not stat.S_ISREG(st.st_mode):
                    raise ExportError(f"{path}: {rel} is a device or pipe; refusing the folder")
                self._admit(rel.replace(os.sep, "/"), st.st_size)

    def open(self, name: str) -> BoundedReader:
        m = self.members[name]
        where = f"{self.path}/{name}"
        fd = os.open(self.path / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return BoundedReader(os.fdopen(fd, "rb"), m.size, where)

    def verify(self, names) -> None:
        """Plain files carry no checksum; damaged JSON is reported where it is read."""

    def extract(self, name: str, dest_root: Path, limit: int | None = None) -> Path:
        """Files of a folder are real already: point at them (no copy), once size-checked."""
        if self.members[name].size > (limit or self.limits.max_media_bytes):
            raise ExportError(f"{self.path}/{name}: larger than the media limit")
        return (self.path / name).resolve()

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.members):
            st = (self.path / name).stat()
            h.update(f"{name}\x1f{st.st_size}\x1f{st.st_mtime_ns}\n".encode())
        return h.hexdigest()


def sniff(path: Path) -> str:
    """'folder', 'zip', 'gzip', 'bzip2', 'xz', 'tar', 'car', 'csv', 'json' or 'unknown', by content."""
    if path.is_dir():
        return "folder"
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ExportError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if _looks_like_car(head):
        return "car"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    if b"," in head.split(b"\n", 1)[0] and _is_text(head):
        return "csv"
    return "unknown"


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(data) - 4  # a multi-byte character cut by the 512-byte window
    return b"\x00" not in data


def _looks_like_car(head: bytes) -> bool:
    # CAR v1: a varint header length, then a DAG-CBOR map holding "roots" and "version".
    n, shift, i = 0, 0, 0
    while i < len(head) and i < 5:
        b = head[i]
        n |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            break
        shift += 7
    body = head[i:i + n]
    return 0 < n < 4096 and body[:1] in (b"\xa2", b"\xa1") and b"roots" in body and b"version" in body


@contextmanager
def open_source(path: Path, limits: Limits, where_expected: str) -> Iterator[ExportSource]:
    kind = sniff(path)
    if kind == "folder":
        src: ExportSource = DirSource(path, limits)
    elif kind == "zip":
        src = ZipSource(path, limits)
    elif kind in ("gzip", "tar", "bzip2", "xz"):
        src = TarSource(path, limits)
    else:
        raise ExportError(f"{path}: is {describe(kind)}; expected {where_expected}")
    try:
        yield src
    finally:
        src.close()


def describe(kind: str) -> str:
    return {
        "folder": "a folder", "zip": "a zip archive", "gzip": "a gzip (.tar.gz) archive",
        "bzip2": "a bzip2 archive", "xz": "an xz archive", "tar": "a tar archive",
        "car": "a CAR repository file", "csv": "a CSV file", "json": "a JSON file",
    }.get(kind, "not a recognised archive (wrong format or damaged)")
