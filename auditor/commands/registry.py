"""`auditor registry import DIR`: schools.csv, accounts.csv, roster.csv — all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._common import clean_errors, runtime_from
from auditor.registry import load_registry_dir
from auditor.retention import purge_removed_students
from auditor.store.registry_store import import_registry


@click.group("registry")
def command() -> None:
    """The board's schools, registered accounts and student roster."""


@command.command("import")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.pass_context
@clean_errors
def import_(ctx: click.Context, directory: str) -> None:
    """Validate and import DIRECTORY/{schools,accounts,roster}.csv.

    Every bad row is listed as file:line: field: expected; nothing is imported from a set with errors.
    """
    rt = runtime_from(ctx)
    registry = load_registry_dir(Path(directory))
    key = rt.key()
    with rt.db.session() as s:
        summary = import_registry(s, registry, key)
        # Removed students leave stored data in the same transaction (auditor/retention.py).
        redacted = purge_removed_students(s, summary.removed_students, kept=registry.students)
    click.echo(f"schools: {summary.schools}; accounts: {summary.accounts_added} added, "
               f"{summary.accounts_updated} updated, {summary.accounts_deactivated} deactivated; "
               f"students: {summary.students} (removed {summary.students_removed})")
    if redacted.findings or redacted.items:
        click.echo(f"removed students redacted from {redacted.findings} findings and {redacted.items} stored items")
