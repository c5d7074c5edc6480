"""`auditor report`: the principal's report as one self-contained HTML file, or CSV/JSON."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._common import clean_errors, runtime_from
from reports.model import build_report
from reports.render import RENDERERS


def write_report(rt, school: str | None, fmt: str, out: Path | None) -> Path:
    with rt.db.session() as s:
        report = build_report(s, board=rt.settings["board"]["name"], school=school)
        text = RENDERERS[fmt](report)
    if out is None:
        out_dir = rt.settings.resolve_path(rt.settings["report"]["output_dir"])
        out = out_dir / f"audit-{school or 'board'}-{report.generated_at:%Y%m%d-%H%M%S}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


@click.command("report")
@click.option("--school", help="School code; default: every school.")
@click.option("--out", type=click.Path(dir_okay=False), help="Output file.")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="html", show_default=True)
@click.pass_context
@clean_errors
def command(ctx, school, out, fmt):
    """Write the audit report and print its path."""
    rt = runtime_from(ctx)
    path = write_report(rt, school, fmt, Path(out) if out else None)
    click.echo(str(path))
