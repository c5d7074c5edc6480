"""`auditor serve` as IT runs it: a separate process with a config whose cron expressions fire
seconds apart. It scans (jsonl connector, no network), runs a queued audit, sends the weekly
summary to a loopback SMTP server once, and on SIGTERM finishes and exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor.config import load_settings
from auditor.registry import load_registry_dir
from auditor.runtime import Runtime
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from tests.auditor.smtp_sink import Server, Sink
from tests.conftest import write_config

DATA = Path(__file__).resolve().parent / "data" / "serve"
BIN = Path(sys.executable).parent
ADMINS = ["it.admin@board.example.ca", "director@board.example.ca"]
ROSTER_WORDS = ("Quillon", "Marchetti-Vance", "Brightwater", "Ashcombe", "quill_mv")

pytestmark = pytest.mark.slow


def auditor_cmd(cfg: Path, *args: str) -> list[str]:
    script = BIN / "auditor"
    base = [str(script)] if script.exists() else [sys.executable, "-c", "from auditor.cli import main; main()"]
    return [*base, "--config", str(cfg), *args]


def wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_serve_scans_sends_and_stops_cleanly(db_url, tmp_path, monkeypatch):
    sink = Sink()
    with Server(sink) as smtp:
        extra = (
            '[schedule]\nnightly_scan = "*/2 * * * * *"\nweekly_summary = "*/3 * * * * *"\n'
            'retention = "*/5 * * * * *"\nqueue_poll_seconds = 1\n'
            f'[platforms.x]\nconnector = "jsonl"\npath = "{DATA / "items.jsonl"}"\n'
            f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nsecurity = "none"\n'
            f'from = "auditor@board.example.ca"\nadmins = ["{ADMINS[0]}", "{ADMINS[1]}"]\n'
            'retries = 2\nretry_wait_seconds = 0\n'
            '[report]\nbase_url = "https://audit.board.example.ca"\n')
        cfg = write_config(tmp_path, db_url, extra)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
        rt = Runtime(load_settings(cfg, env={}))
        try:
            with rt.db.session() as s:
                import_registry(s, load_registry_dir(DATA / "registry"), rt.key())
            queued = subprocess.run(auditor_cmd(cfg, "audit", "request", "--school", "RPS", "--by", "principal"),
                                    env=env, capture_output=True, text=True, timeout=60)
            assert queued.returncode == 0, queued.stderr
            req_id = int(queued.stdout.split()[1])

            log = tmp_path / "serve.log"
            with log.open("w") as err:
                proc = subprocess.Popen(auditor_cmd(cfg, "serve"), env=env, stdout=subprocess.DEVNULL, stderr=err)
            try:
                def state():
                    with rt.db.session() as s:
                        nightly = list(s.scalars(select(m.ScanRun).where(m.ScanRun.trigger == "nightly",
                                                                         m.ScanRun.status == "done")))
                        req = s.get(m.ScanRequest, req_id)
                    return nightly, req

                ok = wait_for(lambda: state()[0] and state()[1].status == "done" and len(sink.arrived) >= 4,
                              timeout=90, proc=proc)
                assert ok, f"serve did not scan/send in time; log:\n{log.read_text()}"
                time.sleep(4)  # the summary job fires again at least once: nothing more may be sent
                assert proc.poll() is None, log.read_text()
                proc.send_signal(signal.SIGTERM)
                rc = proc.wait(60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            output = log.read_text()
            assert rc == 0, output
            assert "SIGTERM received" in output and "auditor serve: stopped" in output
        finally:
            rt.close()

        # Each principal once, each administrator once: the ledger held across the repeated job.
        assert sorted(r for a in sink.arrived for r in a.rcpt_tos) == sorted(
            ["principal.nhs@board.example.ca", "principal.rps@board.example.ca", *ADMINS])
        for arrived in sink.arrived:
            raw = arrived.raw.decode("utf-8", "replace")
            parts = [p.get_content_type() for p in arrived.message.iter_parts()]
            assert parts == ["text/plain", "text/html"]
            body = raw + "".join(p.get_content() for p in arrived.message.iter_parts())
            assert not any(w.lower() in body.lower() for w in ROSTER_WORDS)

    rt = Runtime(load_settings(cfg, env={}))
    try:
        with rt.db.session() as s:
            all_runs = list(s.scalars(select(m.ScanRun)))
            assert {r.status for r in all_runs} <= {"done", "interrupted"}  # none left "running"
            assert all(r.finished_at is not None for r in all_runs)
            assert any(r.trigger == "nightly" and r.status == "done" for r in all_runs)
            req = s.get(m.ScanRequest, req_id)
            assert req.status == "done" and s.get(m.ScanRun, req.run_id).trigger == "on-demand"
            assert s.scalar(select(m.Account).where(m.Account.lease_owner.is_not(None))) is None
            findings = list(s.scalars(select(m.Finding).where(m.Finding.category == "student-name")))
            assert len(findings) == 3  # the scan really judged the items
            sends = list(s.scalars(select(m.SummarySend)))
            assert len(sends) == 4 and {x.status for x in sends} == {"sent"}
    finally:
        rt.close()


def test_serve_stops_on_sigint_and_refuses_to_start_without_the_roster_key(tmp_path):
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'serve.db'}",
                       '[schedule]\nnightly_scan = ""\nweekly_summary = ""\nretention = ""\nqueue_poll_seconds = 1\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        proc = subprocess.Popen(auditor_cmd(cfg, "serve"), env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert wait_for(lambda: "auditor serve: running" in log.read_text(), timeout=60, proc=proc), log.read_text()
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == 0, log.read_text()
    assert "SIGINT received" in log.read_text()

    (tmp_path / "auditor.key").unlink()
    missing = subprocess.run(auditor_cmd(cfg, "serve"), env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "key" in missing.stderr.lower()


def test_serve_can_carry_the_web_console(tmp_path):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'serve.db'}",
                       '[schedule]\nnightly_scan = ""\nweekly_summary = ""\nretention = ""\n'
                       f'[web]\nhost = "127.0.0.1"\nport = {port}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        proc = subprocess.Popen(auditor_cmd(cfg, "serve", "--web"), env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        assert wait_for(lambda: "auditor serve: running" in log.read_text(), timeout=60, proc=proc), log.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as resp:
            assert resp.status == 200 and b"Sign in" in resp.read()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rc == 0, log.read_text()
