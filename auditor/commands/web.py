"""`auditor web`: serve the principal's console with waitress.

Listen on loopback and put a TLS-terminating reverse proxy in front (docs/web-console.md). "Audit
now" requests are run by `auditor serve`, which must be running too."""

from __future__ import annotations

import click

from auditor.commands._common import clean_errors, runtime_from


@click.command("web")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port to listen on (default: [web] port).")
@click.pass_context
@clean_errors
def command(ctx, host, port):
    """Serve the web console."""
    from auditor.web.server import make_server

    rt = runtime_from(ctx)
    server = make_server(rt, host, port)
    click.echo(f"web console on http://{server.effective_host}:{server.effective_port}/ (Ctrl-C stops)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        rt.close()
