"""The command line: every module in auditor/commands is a command of the same name, loaded lazily."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from auditor.cli import main

EXPECTED = {"audit", "check", "demo", "findings", "import", "init", "policy", "registry", "report", "scan",
            "serve", "summary", "users", "web"}


def test_every_command_module_is_a_command():
    ctx = click.Context(main)
    names = set(main.list_commands(ctx))
    assert names == EXPECTED
    for name in names:
        cmd = main.get_command(ctx, name)
        assert cmd is not None and cmd.name == name


def test_help_lists_the_commands():
    res = CliRunner().invoke(main, ["--help"])
    assert res.exit_code == 0 and "import" in res.output and "findings" in res.output


def test_check_does_not_load_the_database_or_web_stack():
    code = ("import sys; from auditor.cli import main; import click; ctx = click.Context(main); "
            "main.get_command(ctx, 'check'); "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'flask', 'apscheduler') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
