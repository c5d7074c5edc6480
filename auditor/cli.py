"""The `auditor` command line. Sub-commands live in auditor/commands/, one module each."""

from __future__ import annotations

import importlib
import logging
import pkgutil

import click

import auditor.commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", envvar="AUDITOR_CONFIG", type=click.Path(dir_okay=False),
              help="Settings file (default: config/auditor.toml; env AUDITOR_CONFIG).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="staff-social-auditor")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Audit a school board's professional social media accounts against its procedure."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def _register() -> None:
    for mod in sorted(pkgutil.iter_modules(auditor.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"auditor.commands.{mod.name}")
        cmd = getattr(module, "command", None)
        if isinstance(cmd, click.Command):
            main.add_command(cmd)


_register()
