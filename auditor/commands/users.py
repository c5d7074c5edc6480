"""`auditor users add|list|disable|enable|password`: who may sign in to the web console.

Passwords are read from standard input (`--password-stdin`), never from the command line, where
they would land in the shell history and the process list."""

from __future__ import annotations

import sys

import click

from auditor.commands._common import clean_errors, runtime_from
from auditor.users import ROLES, UserError, add_user, list_users, set_active, set_password


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("password: expected it on standard input (--password-stdin)")
    return password


def _errors(fn):
    fn = clean_errors(fn)

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@click.group("users")
def command() -> None:
    """Manage who may sign in to the web console."""


@command.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin sees every school; principal reviews and audits one school; viewer only reads one school.")
@click.option("--school", help="School code (required for principal and viewer).")
@click.option("--password-stdin", "password_stdin", is_flag=True, required=True,
              help="Read the password (12+ characters) from standard input.")
@click.pass_context
@_errors
def add(ctx, email, role, school, password_stdin):
    """Add a user."""
    password = _read_password()
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        user = add_user(s, email, role, password, school)
        click.echo(f"added {user.email} ({role}{', ' + school if school else ''})")


@command.command("list")
@click.pass_context
@_errors
def list_(ctx):
    """Every user, with role, school and state."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        for u in list_users(s):
            last = u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never"
            click.echo(f"{u.email:<40} {u.role:<10} {(u.school.code if u.school else '*'):<8} "
                       f"{'active' if u.active else 'disabled':<9} last sign-in {last}")


@command.command("disable")
@click.argument("email")
@click.pass_context
@_errors
def disable(ctx, email):
    """Stop a user signing in; their open sessions end at once."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        set_active(s, email, False)
    click.echo(f"disabled {email}")


@command.command("enable")
@click.argument("email")
@click.pass_context
@_errors
def enable(ctx, email):
    """Let a disabled user sign in again."""
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        set_active(s, email, True)
    click.echo(f"enabled {email}")


@command.command("password")
@click.argument("email")
@click.option("--password-stdin", "password_stdin", is_flag=True, required=True,
              help="Read the new password from standard input.")
@click.pass_context
@_errors
def password(ctx, email, password_stdin):
    """Set a new password; the user's open sessions end."""
    new = _read_password()
    rt = runtime_from(ctx)
    with rt.db.session() as s:
        set_password(s, email, new)
    click.echo(f"password changed for {email}")
