"""`auditor policy show`: what the board's policy makes of every rule, and what it allows.

A principal or IT asks "is this rule on, and how severe is it here?" without reading TOML, and an
allowlist entry that has expired is listed so someone re-examines it (expired entries no longer
suppress anything).
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from auditor.checkrun import policy_for
from auditor.config import ConfigError, load_settings
from auditor.engine import CheckerLoadError, checker_classes
from auditor.lexicon import lexicon_for
from auditor.policy import Policy, PolicyError, load_policy


def policy_report(policy: Policy, today: date) -> dict:
    rules = []
    for cls in checker_classes():
        override = policy.severity.get(cls.id)
        rules.append({
            "id": cls.id, "name": cls.name, "rule": cls.rule(), "category": cls.category,
            "severity": override or cls.severity, "default_severity": cls.severity,
            "confidence": cls.confidence, "clause": cls.clause, "enabled": policy.is_enabled(cls),
            "default_enabled": cls.default_enabled,
            "doc": cls.doc(),
        })
    known = {r["id"] for r in rules}

    def entry(a) -> dict:
        out = {"rule": a.rule, "reason": a.reason, "expires": a.expires.isoformat()}
        for k in ("account", "item", "text"):
            if getattr(a, k):
                out[k] = getattr(a, k)
        return out

    return {
        "policy": policy.source,
        "rules": rules,
        "unknown_rules": sorted((set(policy.disabled) | set(policy.enabled) | set(policy.severity)) - known),
        "allow": {"active": [entry(a) for a in policy.active_allow(today)],
                  "expired": [entry(a) for a in policy.expired_allow(today)]},
    }


@click.group("policy")
def command() -> None:
    """The board's policy file: rules on/off, severities, allowlist, lexicon additions."""


def _policy(ctx: click.Context, policy_path: str | None) -> Policy:
    """The policy file named on the command line, else the one the settings name."""
    if policy_path:
        return load_policy(policy_path)
    return policy_for(load_settings(ctx.obj.get("config_path") if ctx.obj else None))


@command.command("show")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False),
              help="Policy file to show (default: [checks] policy_file of the settings).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def show(ctx: click.Context, policy_path: str | None, fmt: str) -> None:
    """List every rule with id, name, category, severity (after override), confidence, clause and
    whether it is on, then the expired allowlist entries."""
    try:
        policy = _policy(ctx, policy_path)
        lexicon_for(policy.data)  # lexicon additions must name real lexicons and groups
        report = policy_report(policy, date.today())
    except (ConfigError, PolicyError, CheckerLoadError) as exc:
        click.echo(f"auditor policy show: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    click.echo(f"Policy: {report['policy']}")
    width = max((len(r["rule"]) for r in report["rules"]), default=10)
    click.echo(f"{'RULE':<{width}}  {'CATEGORY':<16} {'SEVERITY':<9} {'CONF':<7} {'ON':<4} CLAUSE")
    for r in report["rules"]:
        sev = r["severity"] + ("*" if r["severity"] != r["default_severity"] else "")
        click.echo(f"{r['rule']:<{width}}  {r['category']:<16} {sev:<9} {r['confidence']:<7} "
                   f"{'on' if r['enabled'] else 'off':<4} {r['clause']}")
    if any(r["severity"] != r["default_severity"] for r in report["rules"]):
        click.echo("* severity overridden by the policy")
    optional = [r["id"] for r in report["rules"] if not r["default_enabled"] and not r["enabled"]]
    if optional:
        click.echo(f"off by default (optional): {', '.join(optional)}; turn one on with "
                   f"[rules.<id>] enabled = true in the policy file")
    for rid in report["unknown_rules"]:
        click.echo(f"warning: the policy names rule {rid}, which no installed checker has")
    allow = report["allow"]
    click.echo(f"Allowlist: {len(allow['active'])} active, {len(allow['expired'])} expired")
    for a in allow["expired"]:
        scope = ", ".join(f"{k}={a[k]}" for k in ("account", "item", "text") if k in a) or "everything"
        click.echo(f"  EXPIRED {a['expires']}  {a['rule']} ({scope}): {a['reason']}")


@command.command("explain")
@click.argument("text")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False),
              help="Policy file whose lexicon additions apply (default: [checks] policy_file).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def explain(ctx: click.Context, text: str, policy_path: str | None, fmt: str) -> None:
    """Show what the content rules make of TEXT: the lexicon entries that matched, the cues, and the
    context words that vetoed or lowered a rule. For trying out a lexicon change."""
    from auditor.checkers.base import CheckContext
    from auditor.checkers.content import LexicalChecker

    try:
        policy = _policy(ctx, policy_path)
        check_ctx = CheckContext(policy=policy.data)
        item = {"type": "post", "platform": "x", "account": "explain", "id": "explain", "text": text}
        rules = [cls for cls in checker_classes() if issubclass(cls, LexicalChecker)]
        out = [why for cls in rules for why in cls().explain(item, check_ctx)]
    except (ConfigError, PolicyError, CheckerLoadError) as exc:
        click.echo(f"auditor policy explain: {exc}", err=True)
        sys.exit(2)
    if fmt == "json":
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if not out:
        click.echo("No lexicon entry of a content rule matched.")
    for why in out:
        state = "FIRES" if why["fired"] else "does not fire"
        click.echo(f"{why['rule']}: {state} ({why['lexicon']}, {why['signal']})")
        click.echo(f"  matched: {', '.join(why['matched'])}")
        for key, label in (("cues", "cues"), ("lowered_by", "lowered by"), ("vetoed_by", "vetoed by")):
            if why.get(key):
                click.echo(f"  {label}: {', '.join(why[key])}")
