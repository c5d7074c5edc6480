"""`auditor users` as IT runs it: the password only on standard input, clear errors, exit 2."""

from __future__ import annotations

from types import SimpleNamespace

from click.testing import CliRunner

from auditor import users
from auditor.cli import main
from tests.auditor.web.board import fast_hasher, platforms_toml
from tests.conftest import REPO, write_config


def run(cfg, *args, stdin=""):
    res = CliRunner().invoke(main, ["--config", str(cfg), *args], input=stdin)
    return SimpleNamespace(returncode=res.exit_code, stdout=res.stdout, stderr=res.stderr)


def test_add_list_disable(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "HASHER", fast_hasher())
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'a.db'}", platforms_toml())
    res = run(cfg, "registry", "import", str(REPO / "config" / "sample"))
    assert res.returncode == 0, res.stderr
    res = run(cfg, "users", "add", "R.Okafor@cvdsb.example.ca", "--role", "principal", "--school", "MCSS",
              "--password-stdin", stdin="a long enough password\n")
    assert res.returncode == 0, res.stderr
    assert "a long enough password" not in res.stdout + res.stderr
    res = run(cfg, "users", "add", "it@cvdsb.example.ca", "--role", "admin", "--password-stdin",
              stdin="another long password\n")
    assert res.returncode == 0, res.stderr
    listing = run(cfg, "users", "list").stdout
    assert "r.okafor@cvdsb.example.ca" in listing and "MCSS" in listing and "never" in listing
    assert run(cfg, "users", "disable", "r.okafor@cvdsb.example.ca").returncode == 0
    assert "disabled" in run(cfg, "users", "list").stdout

    res = run(cfg, "users", "add", "v@x.ca", "--role", "viewer", "--password-stdin", stdin="a long enough password\n")
    assert res.returncode == 2 and "bound to one school" in res.stderr
    res = run(cfg, "users", "add", "v@x.ca", "--role", "viewer", "--school", "MCSS", "--password-stdin", stdin="\n")
    assert res.returncode == 2 and "standard input" in res.stderr
    res = run(cfg, "users", "add", "v@x.ca", "--role", "viewer", "--school", "MCSS")
    assert res.returncode == 2  # --password-stdin is required: no password on the command line
    assert run(cfg, "users", "disable", "ghost@x.ca").returncode == 2
