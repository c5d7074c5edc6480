"""`auditor audit request|list`: ask the serving process for an audit now, and watch the queue."""

from __future__ import annotations

import getpass

import click

from auditor.commands._common import clean_errors, runtime_from


@click.group("audit")
def command() -> None:
    """On-demand audits, run by `auditor serve` within [schedule] queue_poll_seconds."""


@command.command("request")
@click.option("--school", help="School code.")
@click.option("--account", help="One account, as PLATFORM:HANDLE.")
@click.option("--by", "requested_by", default=None, help="Who asks (recorded); default: your user name.")
@click.pass_context
@clean_errors
def request(ctx: click.Context, school: str | None, account: str | None, requested_by: str | None) -> None:
    """Queue an audit of a school, an account, or (neither given) every account; prints its id."""
    from auditor.queue import enqueue

    rt = runtime_from(ctx)
    with rt.db.session() as s:
        req = enqueue(s, requested_by or getpass.getuser(), school_code=school, account_key=account)
        req_id = req.id
    click.echo(f"request {req_id} queued")


@command.command("list")
@click.option("--all", "show_all", is_flag=True, help="Finished requests too (the last 50).")
@click.pass_context
@clean_errors
def list_(ctx: click.Context, show_all: bool) -> None:
    """Requests waiting or running (with --all, recent finished ones too)."""
    from sqlalchemy import select

    from auditor.store import models as m

    rt = runtime_from(ctx)
    with rt.db.session() as s:
        q = select(m.ScanRequest).order_by(m.ScanRequest.id.desc()).limit(50)
        if not show_all:
            q = q.where(m.ScanRequest.status.in_(("queued", "running")))
        rows = list(s.scalars(q))
    for r in reversed(rows):
        scope = r.account_key or (f"school {r.school_code}" if r.school_code else "all accounts")
        run = f" run {r.run_id}" if r.run_id else ""
        click.echo(f"{r.id}\t{r.status}\t{scope}\t{r.requested_by}\t{r.requested_at:%Y-%m-%d %H:%M}{run}"
                   + (f"\t{r.message}" if r.message else ""))
