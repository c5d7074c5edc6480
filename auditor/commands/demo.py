"""`auditor demo`: the full pipeline on the bundled sample board, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditor.commands._common import clean_errors
from auditor.demo import run_demo
from auditor.runtime import open_runtime
from reports.model import build_report


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Workspace to use (default: a new temporary folder).")
@clean_errors
def command(directory: str | None) -> None:
    """Import the sample board, scan it, import sample exports, write the HTML report, print its path."""
    result = run_demo(directory)
    rt = open_runtime(str(result.config))
    with rt.db.session() as s:
        report = build_report(s, board=rt.settings["board"]["name"])
    rt.close()
    ok = sum(1 for o in result.scan.outcomes if o.outcome == "ok")
    click.echo(f"workspace: {result.workspace}")
    click.echo(f"scanned {ok}/{len(result.scan.outcomes)} accounts; "
               f"{sum(o.items_read for o in result.scan.outcomes)} items read")
    for account, rep in result.imports:
        o = rep.outcomes[0] if rep.outcomes else None
        click.echo(f"imported export for {account}: {o.outcome if o else 'not run'}"
                   + (f", {o.items_read} items" if o else "") + (f" ({o.message})" if o and o.message else ""))
    click.echo("findings needing attention: " + ", ".join(f"{k} {v}" for k, v in report.by_severity.items() if v))
    click.echo("by category: " + ", ".join(f"{k} {v}" for k, v in report.by_category.items()))
    exe = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0].endswith("auditor") else "auditor"
    click.echo(f"try: AUDITOR_CONFIG={result.config} {exe} findings list")
    click.echo(f"report: {result.report}")
