"""`auditor serve`: the long-lived process IT runs (see docs/deployment.md)."""

from __future__ import annotations

import logging
import signal
import threading

import click

from auditor.commands._common import clean_errors, runtime_from


@click.command("serve")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--web", "with_web", is_flag=True, help="Also serve the web console ([web] host and port).")
@click.pass_context
@clean_errors
def command(ctx: click.Context, log_level: str, with_web: bool) -> None:
    """Run the nightly scan, the weekly summary, the retention purge and queued audits until
    SIGTERM or Ctrl-C; then finish the accounts in progress, record the run interrupted and exit 0."""
    from auditor.scheduler import Service

    # The group configured the root logger (WARNING unless -v); a service logs what it does.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("auditor").setLevel(getattr(logging, log_level.upper()))
    rt = runtime_from(ctx)
    rt.key()  # fail now, not at 2 a.m., if the roster key is missing
    service = Service(rt)
    leaving = threading.Event()

    def on_signal(signum, _frame):
        logging.getLogger("auditor.serve").info("%s received: stopping after the accounts in progress",
                                                signal.Signals(signum).name)
        service.stop.set()
        leaving.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service.start()
    web = None
    if with_web:
        from auditor.web.server import make_server
        web = make_server(rt)
        threading.Thread(target=web.run, name="web", daemon=True).start()
        click.echo(f"auditor serve: web console on http://{web.effective_host}:{web.effective_port}/", err=True)
    click.echo(f"auditor serve: running as {service.owner}", err=True)
    try:
        while not leaving.wait(1.0):
            pass
    finally:
        if web is not None:
            web.close()
        service.shutdown(wait=True)
        rt.close()
    click.echo("auditor serve: stopped", err=True)
