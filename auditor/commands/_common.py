"""Helpers shared by the CLI commands: open the runtime, turn known errors into clean exits."""

from __future__ import annotations

import functools
import sys

import click

from auditor.config import ConfigError
from auditor.engine import CheckerLoadError
from auditor.items import ItemError
from auditor.policy import PolicyError
from auditor.registry import RegistryError
from auditor.review import ReviewError
from auditor.roster_crypto import KeyError_
from auditor.runtime import Runtime, open_runtime

KNOWN_ERRORS = (ConfigError, PolicyError, RegistryError, ItemError, KeyError_, ReviewError, CheckerLoadError,
                LookupError)


def runtime_from(ctx: click.Context) -> Runtime:
    return open_runtime((ctx.obj or {}).get("config_path"))


def clean_errors(fn):
    """Known errors print one clear message and exit 2 instead of a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KNOWN_ERRORS as exc:
            msg = str(exc) if not isinstance(exc, KeyError) else exc.args[0]
            click.echo(f"error: {msg}", err=True)
            sys.exit(2)
    return wrapper
