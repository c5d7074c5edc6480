"""Importers for the data exports platforms give their users (`auditor import PLATFORM:HANDLE FILE`).

Each importer is a Connector over a file instead of an API, so an export goes through the same
store, findings and report as a scan. `open_export` picks the importer by platform, checks the
file really is that platform's export (by content, not by name), and validates the archive
before anything is read: a wrong or hostile file fails here with an `ExportError` naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.exports.importer import ExportConnector, ImportOptions
from connectors.exports.safe_archive import ExportError, Limits, describe, sniff

__all__ = ["ExportError", "ExportConnector", "ImportOptions", "Limits", "open_export", "FORMATS"]

# platform -> (what the user must give us, accepted file kinds)
FORMATS: dict[str, tuple[str, frozenset[str]]] = {
    "x": ("an X archive (.zip, or its unpacked folder)", frozenset({"zip", "folder"})),
    "mastodon": ("a Mastodon archive (.tar.gz) or following_accounts.csv",
                 frozenset({"gzip", "tar", "folder", "csv"})),
    "bluesky": ("a Bluesky repository export (.car)", frozenset({"car"})),
    "instagram": ("an Instagram JSON export (.zip, or its unpacked folder)", frozenset({"zip", "folder"})),
    "facebook": ("a Facebook JSON export (.zip, or its unpacked folder)", frozenset({"zip", "folder"})),
}


def open_export(platform: str, path: Path | str, *, settings: Any = None) -> ExportConnector:
    """The importer for `platform` over `path`, validated; settings' [imports] section applies."""
    path = Path(path)
    platform = platform.lower()
    if platform not in FORMATS:
        raise ExportError(f"{path}: no importer for platform {platform!r}; exports can be imported for "
                          f"{', '.join(sorted(FORMATS))}")
    if not path.exists():
        raise ExportError(f"{path}: no such file or folder")
    expected, kinds = FORMATS[platform]
    kind = sniff(path)
    if kind not in kinds:
        raise ExportError(f"{path}: is {describe(kind)}; expected {expected}")
    options = ImportOptions.from_settings(settings)
    if platform == "x":
        from connectors.exports.x_archive import XArchive
        return XArchive(path, options)
    if platform == "mastodon":
        from connectors.exports.mastodon_archive import MastodonArchive
        return MastodonArchive(path, options)
    if platform == "bluesky":
        from connectors.exports.bluesky_car import BlueskyCar
        return BlueskyCar(path, options)
    if platform == "instagram":
        from connectors.exports.meta_export import InstagramExport
        return InstagramExport(path, options)
    from connectors.exports.meta_export import FacebookExport
    return FacebookExport(path, options)
