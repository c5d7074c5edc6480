"""`auditor findings list|show|review`: read findings and record a person's judgement."""

from __future__ import annotations

import json

import click

from auditor.commands._common import clean_errors, runtime_from
from auditor.findings import REVIEW_STATUSES
from auditor.queries import get_finding, list_findings
from auditor.review import review_finding
from reports.model import finding_view


@click.group("findings")
def command() -> None:
    """List, show and review findings."""


def _as_dict(f) -> dict:
    v = finding_view(f)
    return {"id": v.id, "school": v.school, "account": v.account, "rule": v.rule, "category": v.category,
            "severity": v.severity, "confidence": v.confidence, "via": v.via, "status": v.status,
            "presence": v.presence, "item_id": v.item_id, "item_url": v.item_url, "clause": v.clause,
            "reason": v.reason, "spans": v.spans, "explanation": v.explanation, "fingerprint": v.fingerprint,
            "first_seen": v.first_seen.isoformat(), "last_seen": v.last_seen.isoformat(),
            "reviews": [{**r, "at": r["at"].isoformat()} for r in v.reviews]}


@command.command("list")
@click.option("--school", help="School code.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(REVIEW_STATUSES),
              help="Review status (repeatable); default: open and acknowledged.")
@click.option("--all", "show_all", is_flag=True, help="Include gone and removed findings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@clean_errors
def list_(ctx, school, statuses, show_all, fmt):
    """Findings, most severe first."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        rows = list_findings(s, school=school, statuses=list(statuses) or ["open", "acknowledged"],
                             presence=None if show_all else ("present",))
        if fmt == "json":
            click.echo(json.dumps([_as_dict(f) for f in rows], ensure_ascii=False, indent=2))
            return
        for f in rows:
            via = f" via {f.via}" if f.via else ""
            click.echo(f"#{f.id:<5} {f.severity:<8} {f.status:<14} {f.account.school.code:<6} "
                       f"{f.account.key:<32} {f.rule}{via}  {f.item_id}")
        click.echo(f"{len(rows)} finding(s)")


@command.command("show")
@click.argument("finding_id", type=int)
@click.option("--school", help="Only if the finding belongs to this school.")
@click.pass_context
@clean_errors
def show(ctx, finding_id, school):
    """One finding with its evidence, explanation and review history."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        f = get_finding(s, finding_id, school)
        if f is None:
            raise LookupError(f"no finding {finding_id}" + (f" in school {school}" if school else ""))
        d = _as_dict(f)
        v = finding_view(f)
    click.echo(f"#{d['id']} {d['rule']} [{d['severity']}, confidence {d['confidence']}] {d['status']}"
               f" ({d['presence']})")
    click.echo(f"{d['school']} {d['account']} item {d['item_id']} {d['item_url']}")
    click.echo(f"{d['category']} · {d['clause']}" + (f" · via {d['via']}" if d["via"] else ""))
    click.echo(f"why: {d['reason']}")
    for ev in v.evidence:
        click.echo(f"  {ev.field}: " + "".join(f"[[{s.text}]]" if s.hit else s.text for s in ev.segments))
    if d["explanation"]:
        click.echo("explanation: " + json.dumps(d["explanation"], ensure_ascii=False))
    for r in d["reviews"]:
        click.echo(f"  {r['at']} {r['by']}: {r['from']} -> {r['to']} {r['note']}")


@command.command("review")
@click.argument("finding_id", type=int)
@click.option("--status", required=True, type=click.Choice(["acknowledged", "resolved", "false-positive", "open"]))
@click.option("--note", default="", help="Why.")
@click.option("--by", "reviewer", required=True, help="Who is reviewing.")
@click.option("--school", help="Refuse unless the finding belongs to this school.")
@click.pass_context
@clean_errors
def review(ctx, finding_id, status, note, reviewer, school):
    """Mark a finding acknowledged, resolved or false-positive (logged, never reset by a rescan)."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        f = review_finding(s, finding_id, status, note=note, reviewer=reviewer, school=school)
        click.echo(f"finding #{f.id} is now {f.status}")
