"""`auditor summary`: the weekly compliance summary, printed or sent."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click

from auditor.commands._common import clean_errors, runtime_from


@click.command("summary")
@click.option("--school", help="Only this school (its principal's summary); default: the board-wide one.")
@click.option("--week", help="ISO week YYYY-Www; default: the last complete Monday-Sunday week.")
@click.option("--send", is_flag=True, help="Email it: principals their school's, [email] admins the board's. "
              "A week already sent to a recipient is not sent again.")
@click.option("--status", is_flag=True, help="Show what was sent for the week, to whom, and what failed.")
@click.pass_context
@clean_errors
def command(ctx: click.Context, school: str | None, week: str | None, send: bool, status: bool) -> None:
    """Print the weekly summary as text, or send it with --send (exit 1 if a send failed)."""
    from reports.summary import Week, build_summary, render_summary_text

    rt = runtime_from(ctx)
    settings = rt.settings
    tz_name = settings["schedule"]["timezone"]
    now = datetime.now(timezone.utc)
    try:
        wk = Week.parse(week) if week else Week.last_complete(now, ZoneInfo(tz_name))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    if status:
        from auditor.mailer import sends_for
        rows = [r for r in sends_for(rt.db, wk.label) if not school or r.scope == f"school:{school}"]
        for r in rows:
            when = f"{r.sent_at:%Y-%m-%d %H:%M} UTC" if r.sent_at else f"{r.updated_at:%Y-%m-%d %H:%M} UTC"
            click.echo(f"{wk.label} {r.scope} -> {r.recipient}: {r.status} ({r.attempts} attempt(s), {when})"
                       + (f": {r.last_error}" if r.last_error and r.status != "sent" else ""))
        if not rows:
            click.echo(f"nothing sent for {wk.label}")
        return
    if not send:
        with rt.db.session() as s:
            summ = build_summary(s, board=settings["board"]["name"], week=wk, tz_name=tz_name, school=school,
                                 now=now, trend_weeks=settings["summary"]["trend_weeks"],
                                 stale_days=settings["checks"]["stale_scan_days"],
                                 base_url=settings["report"]["base_url"])
        click.echo(render_summary_text(summ), nl=False)
        return
    from auditor.mailer import send_weekly
    outcomes = send_weekly(rt, week=wk, school=school, now=now)
    for o in outcomes:
        click.echo(f"{wk.label} {o.scope} -> {o.recipient}: {o.status}" + (f" ({o.message})" if o.message else ""))
    if not outcomes:
        click.echo("no recipients: set principal_email in schools.csv or [email] admins")
    if any(o.status in ("failed", "refused") for o in outcomes):
        ctx.exit(1)
