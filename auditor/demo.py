"""The demo: the whole pipeline on the bundled sample board, offline, in a throwaway workspace.

It writes a settings file that points every platform at the sample activity (the jsonl
connector), so it needs no network and no credential, then does exactly what IT would do:
init, registry import, scan, import of sample data exports, report.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from auditor.config import PACKAGE_ROOT, load_settings
from auditor.registry import load_registry_dir
from auditor.roster_crypto import create_key_file
from auditor.runtime import Runtime
from auditor.scan import ScanReport, Scanner
from auditor.store.registry_store import import_registry

SAMPLE = PACKAGE_ROOT / "config" / "sample"
PLATFORMS = ("x", "bluesky", "mastodon", "instagram", "facebook", "youtube", "blog")


@dataclass
class DemoResult:
    workspace: Path
    config: Path
    report: Path
    scan: ScanReport
    imports: list[tuple[str, ScanReport]]


def write_demo_config(workspace: Path, sample: Path = SAMPLE) -> Path:
    activity = (sample / "activity").resolve()
    lines = [
        "[board]", 'name = "Cedar Valley District School Board (sample)"', "",
        "[database]", 'url = "sqlite:///auditor.db"', "",
        "[security]", 'key_file = "auditor.key"', "",
        "[checks]", f'policy_file = "{(PACKAGE_ROOT / "config" / "policy.toml").as_posix()}"', "",
        "[report]", 'output_dir = "reports"', "",
    ]
    for p in PLATFORMS:
        lines += [f"[platforms.{p}]", 'connector = "jsonl"', f'path = "{activity.as_posix()}"', ""]
    cfg = workspace / "auditor.toml"
    cfg.write_text("\n".join(lines), encoding="utf-8")
    return cfg


def sample_exports(sample: Path = SAMPLE) -> list[tuple[str, Path]]:
    """(PLATFORM:HANDLE, file) for each sample export listed in exports/manifest.csv."""
    manifest = sample / "exports" / "manifest.csv"
    if not manifest.exists():
        return []
    import csv
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [(row["account"], sample / "exports" / row["file"]) for row in csv.DictReader(fh)]


def run_demo(workspace: Path | None = None, sample: Path = SAMPLE) -> DemoResult:
    workspace = Path(workspace or tempfile.mkdtemp(prefix="auditor-demo-"))
    workspace.mkdir(parents=True, exist_ok=True)
    cfg = write_demo_config(workspace, sample)
    settings = load_settings(cfg, env={})
    create_key_file(settings.resolve_path(settings["security"]["key_file"]))
    rt = Runtime(settings)
    try:
        with rt.db.session() as s:
            import_registry(s, load_registry_dir(sample), rt.key())
        scanner = Scanner(rt)
        scan = scanner.run(trigger="demo", requested_by="demo")
        imports = []
        exports = sample_exports(sample)
        if exports:
            from connectors.exports import open_export
            for account, path in exports:
                platform = account.split(":", 1)[0]
                imports.append((account, scanner.run(trigger="import", requested_by="demo", account=account,
                                                     connector=open_export(platform, path, settings=settings))))
        from auditor.commands.report import write_report
        report = write_report(rt, None, "html", workspace / "report.html")
    finally:
        rt.close()
    return DemoResult(workspace, cfg, report, scan, imports)
