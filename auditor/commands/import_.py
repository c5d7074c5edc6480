"""`auditor import PLATFORM:HANDLE FILE`: audit an account from the data export its owner downloaded."""

from __future__ import annotations

import getpass

import click

from auditor.commands._common import clean_errors, runtime_from
from auditor.commands.scan import print_outcomes
from auditor.scan import Scanner


@click.command("import")
@click.argument("account")
@click.argument("file", type=click.Path(exists=False))
@click.option("--by", "requested_by", default=None, help="Who ran the import (recorded on the run).")
@click.pass_context
@clean_errors
def command(ctx: click.Context, account: str, file: str, requested_by: str | None) -> None:
    """Import FILE (X archive, Mastodon archive, Bluesky CAR, Instagram/Facebook export) for ACCOUNT.

    The export goes through the same store, checkers and report as a scan (trigger `import`);
    importing the same export twice changes nothing. A hostile or malformed archive is refused
    before anything is written.
    """
    from connectors.exports import ExportError, open_export
    platform, sep, handle = account.partition(":")
    if not sep or not handle:
        raise LookupError(f"account: expected PLATFORM:HANDLE, got {account!r}")
    rt = runtime_from(ctx)
    try:
        connector = open_export(platform, file, settings=rt.settings)
    except ExportError as exc:
        raise LookupError(str(exc)) from exc
    report = Scanner(rt).run(trigger="import", requested_by=requested_by or getpass.getuser(),
                             account=account, connector=connector)
    print_outcomes(report)
    if report.failed:
        ctx.exit(1)
