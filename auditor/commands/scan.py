"""`auditor scan`: read registered accounts through their connectors and record findings."""

from __future__ import annotations

import getpass
import sys

import click

from auditor.commands._common import clean_errors, runtime_from
from auditor.scan import Scanner


def print_outcomes(report) -> None:
    ok = sum(1 for o in report.outcomes if o.outcome == "ok")
    new_items = sum(o.items_new for o in report.outcomes)
    new_findings = sum(o.findings_new for o in report.outcomes)
    click.echo(f"run {report.run_id} {report.status}: {ok}/{len(report.outcomes)} accounts ok, "
               f"{new_items} new items, {new_findings} new findings")
    for o in sorted(report.failed, key=lambda o: o.account):
        click.echo(f"  {o.account}: {o.outcome}: {o.message}")


@click.command("scan")
@click.option("--school", help="Only this school's accounts (school code).")
@click.option("--account", help="Only this account, as PLATFORM:HANDLE.")
@click.option("--recheck", is_flag=True, help="Re-apply the current rules to stored items; no platform is called.")
@click.option("--by", "requested_by", default=None, help="Who asked (recorded on the run).")
@click.pass_context
@clean_errors
def command(ctx: click.Context, school: str | None, account: str | None, recheck: bool,
            requested_by: str | None) -> None:
    """Scan accounts one by one; a failing account is recorded and the scan goes on."""
    rt = runtime_from(ctx)
    scanner = Scanner(rt, progress=sys.stderr.isatty())
    report = scanner.run(trigger="recheck" if recheck else "cli", requested_by=requested_by or getpass.getuser(),
                         school=school, account=account, recheck=recheck)
    print_outcomes(report)
