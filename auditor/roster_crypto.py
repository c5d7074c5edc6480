"""Keeping the roster unreadable at rest.

Each student record is sealed with Fernet (AES-128-CBC + HMAC) and looked up by a keyed hash
(HMAC-SHA256) of the student id, so the database alone reveals neither names nor ids. The key
comes from AUDITOR_KEY or the key file named in the settings (created mode 0600 by `auditor
init`), never from the database. Losing the key means re-importing the roster, nothing worse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from dataclasses import asdict
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from auditor.registry import Student


class KeyError_(RuntimeError):
    """The roster key is missing, unreadable, too open, or not the key the roster was sealed with."""


class RosterKey:
    def __init__(self, key: bytes):
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise KeyError_("the roster key is not a valid Fernet key (44 url-safe base64 characters)") from exc
        # A separate subkey for hashing, so the two uses never share key material directly.
        self._hmac_key = hashlib.sha256(b"auditor-student-ref\0" + base64.urlsafe_b64decode(key)).digest()

    def ref(self, student_id: str) -> str:
        return hmac.new(self._hmac_key, student_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, student: Student) -> bytes:
        return self._fernet.encrypt(json.dumps(asdict(student), ensure_ascii=False).encode("utf-8"))

    def unseal(self, token: bytes) -> Student:
        try:
            raw = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise KeyError_("the roster cannot be decrypted with this key; was the key file replaced? "
                            "Re-import the roster with `auditor registry import`.") from exc
        raw["handles"] = [tuple(h) for h in raw.get("handles", [])]
        return Student(**raw)


def create_key_file(path: Path) -> bool:
    """Write a new key (mode 0600) unless one exists; True when a key was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key() + b"\n")
    return True


def load_key(key_file: Path, env: dict[str, str] | None = None) -> RosterKey:
    env = os.environ if env is None else env
    if env.get("AUDITOR_KEY"):
        return RosterKey(env["AUDITOR_KEY"].strip().encode())
    try:
        mode = key_file.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyError_(f"{key_file}: roster key file not found; run `auditor init` or set AUDITOR_KEY") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(f"{key_file}: roster key file is readable by others; run chmod 600 on it")
    return RosterKey(key_file.read_bytes().strip())
