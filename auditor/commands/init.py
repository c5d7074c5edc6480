"""`auditor init`: a starter config, the database, and the roster key file (mode 0600)."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.commands._common import clean_errors
from auditor.config import load_settings
from auditor.roster_crypto import create_key_file
from auditor.store.db import Database

STARTER = """# Staff social media auditor settings. Every key is documented in the README.
[board]
name = "{board}"
timezone = "America/Toronto"

[database]
url = "sqlite:///auditor.db"   # or postgresql+psycopg://user@host/db; AUDITOR_DATABASE_URL overrides

[security]
key_file = "auditor.key"       # roster protection key; AUDITOR_KEY overrides

[checks]
board_domains = []             # extra board e-mail domains besides the accounts' owner_email domains
policy_file = "policy.toml"
stale_scan_days = 7

[report]
base_url = ""                  # where reports/console are published, for links in emails
output_dir = "reports-out"

[schedule]                     # used by `auditor serve` (docs/deployment.md)
nightly_scan = "0 2 * * *"     # cron: minute hour day month weekday; 6 fields = seconds first
weekly_summary = "0 7 * * mon" # the compliance email for the last complete Monday-Sunday week
retention = "30 3 * * *"
timezone = "America/Toronto"

[email]
smtp_host = "localhost"
smtp_port = 587
security = "starttls"          # starttls, tls or none
username = ""
password_ref = ""              # env:NAME or file:PATH holding the password, never the password
from = "auditor@localhost"
admins = []                    # board administrators: they receive the board-wide summary
"""


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--board", default="School Board", help="The board's name for reports.")
@clean_errors
def command(directory: str, board: str) -> None:
    """Create DIRECTORY/auditor.toml, the database and the roster key file."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "auditor.toml"
    if cfg.exists():
        click.echo(f"kept existing {cfg}")
    else:
        cfg.write_text(STARTER.format(board=board.replace('"', "'")), encoding="utf-8")
        click.echo(f"wrote {cfg}")
    policy_src = Path(__file__).resolve().parents[2] / "config" / "policy.toml"
    policy = d / "policy.toml"
    if not policy.exists() and policy_src.exists():
        policy.write_text(policy_src.read_text(encoding="utf-8"), encoding="utf-8")
        click.echo(f"wrote {policy}")
    settings = load_settings(cfg)
    key_file = settings.resolve_path(settings["security"]["key_file"])
    click.echo(f"{'created' if create_key_file(key_file) else 'kept existing'} key file {key_file} (mode 0600)")
    Database(settings.database_url).dispose()
    click.echo(f"database ready: {settings['database']['url']}")
    click.echo(f"next: export AUDITOR_CONFIG={cfg.resolve()} and run `auditor registry import DIR`")
