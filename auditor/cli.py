"""The `auditor` command line. Sub-commands live in auditor/commands/, one module each, named
after the command (a trailing underscore where the name is a Python keyword: `import_.py`).

Modules are imported only when their command runs, so `auditor check` (a teacher's pre-publish
check) does not pay for the database, the scheduler or the web console at start-up.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

import click

import auditor.commands


class LazyCommands(click.Group):
    """A group whose sub-commands are the modules of auditor/commands, loaded on first use."""

    def _module_names(self) -> dict[str, str]:
        names = {}
        for mod in pkgutil.iter_modules(auditor.commands.__path__):
            if not mod.name.startswith("_"):
                names[mod.name.rstrip("_").replace("_", "-")] = mod.name
        return names

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._module_names())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self._module_names().get(name)
        if module is None:
            return None
        cmd = getattr(importlib.import_module(f"auditor.commands.{module}"), "command", None)
        return cmd if isinstance(cmd, click.Command) else None


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
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
