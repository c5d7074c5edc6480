"""What every export importer shares: options from the settings, paging, and the re-import rule.

An export is a complete listing of what it holds, so the final page declares its item types
complete. Pages are cut every `page_size` items so memory stays flat; only the last page carries
the new cursor (the export's digest), so a crash half-way re-imports from the start, and a
second import of the same file yields nothing at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.items import validate_item
from connectors.base import AccountRef, Connector, Coverage, Page
from connectors.exports.safe_archive import ExportError, Limits

log = logging.getLogger(__name__)

ALL_TYPES = frozenset({"post", "like", "follow", "profile"})


@dataclass
class ImportOptions:
    page_size: int = 1000
    cache_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / f"auditor-exports-{os.getuid()}")
    limits: Limits = field(default_factory=Limits)
    x_credential: str = ""

    @classmethod
    def from_settings(cls, settings: Any = None) -> "ImportOptions":
        """Accepts auditor.config.Settings, a plain {"imports": {...}} dict, or None (defaults)."""
        if settings is None:
            return cls()
        try:
            section = dict(settings["imports"])
        except (KeyError, TypeError):
            return cls()
        opts = cls()
        if section.get("page_size"):
            opts.page_size = int(section["page_size"])
        if section.get("cache_dir"):
            resolve = getattr(settings, "resolve_path", None)
            opts.cache_dir = resolve(section["cache_dir"]) if resolve else Path(section["cache_dir"])
        caps = {k: section[k] for k in ("max_member_bytes", "max_total_bytes", "max_media_bytes")
                if section.get(k)}
        if caps:
            opts.limits = Limits(**{**opts.limits.__dict__, **caps})
        opts.x_credential = section.get("x_credential") or ""
        return opts


def same_handle(a: str, b: str) -> bool:
    return a.strip().lstrip("@").casefold() == b.strip().lstrip("@").casefold()


class ExportConnector(Connector):
    """Base of the importers: subclasses say what the export holds and yield its items."""

    platform: str
    format_name: str
    # The export's own photos are attached by path; an import downloads nothing (X id lookups aside).
    fetches_media = False

    def __init__(self, path: Path, options: ImportOptions | None = None):
        self.path = Path(path)
        self.options = options or ImportOptions()
        self.warnings: list[str] = []  # things the import could not do, for the import log

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.path, message)
        self.warnings.append(message)

    @abstractmethod
    def digest(self) -> str:
        """A fingerprint of the export's content: the cursor that makes a re-import a no-op."""

    @abstractmethod
    def items(self, account: AccountRef) -> Iterator[dict]:
        """Normalized items, in export order."""

    @abstractmethod
    def complete_types(self) -> set[str]:
        """Item types this export lists in full (what it holds)."""

    def media_dir(self, digest: str) -> Path:
        """This export's folder in the cache (checked by fetch before the first item)."""
        d = self.options.cache_dir / f"{self.platform}-{digest[:16]}"
        d.mkdir(exist_ok=True, mode=0o700)
        return d

    def _check_cache(self) -> None:
        """Photos of students land in the cache: it must be ours and readable by us alone."""
        root = self.options.cache_dir
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(root)
        if os.path.islink(root) or st.st_uid != os.getuid():
            raise ExportError(f"cache folder {root} is a link or belongs to another user; refusing to write there")
        if st.st_mode & 0o077:
            os.chmod(root, 0o700)

    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        if account.platform != self.platform:
            raise ExportError(f"{self.path}: is a {self.format_name}, which belongs to {self.platform}, "
                              f"not to the {account.platform} account {account.handle}")
        digest = self.digest()
        if cursor and cursor.get("export_digest") == digest:
            return
        self._digest = digest
        self._check_cache()
        # Keep whatever else the cursor holds (an API connector's since_id, say).
        new_cursor = {**(cursor or {}), "export_digest": digest}
        size = max(1, self.options.page_size)
        batch: list[dict] = []
        held: list[dict] | None = None
        seen: set[int] = set()  # 64-bit digests of ids: a third of the memory of the id strings
        for item in self.items(account):
            where = f"{self.path}: item {item.get('id')}"
            validate_item(item, where)
            key = int.from_bytes(hashlib.blake2b(item["id"].encode(), digest_size=8).digest(), "big")
            if key in seen:  # an export can list one thing twice (split parts, edits)
                continue
            seen.add(key)
            batch.append(item)
            if len(batch) >= size:
                if held is not None:
                    yield Page(held, cursor, Coverage(item_ids={i["id"] for i in held}))
                held, batch = batch, []
        if held is not None and batch:
            yield Page(held, cursor, Coverage(item_ids={i["id"] for i in held}))
            held = None
        last = held if held is not None else batch
        yield Page(last, new_cursor, Coverage(item_ids={i["id"] for i in last},
                                              complete_types=self.complete_types()))
