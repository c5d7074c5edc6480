"""`auditor web`: serve the principal's console with waitress.

Listen on loopback and put a TLS-terminating reverse proxy in front (docs/web-console.md)."""

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
    import waitress

    from auditor.web import create_app

    rt = runtime_from(ctx)
    web = rt.settings["web"]
    app = create_app(rt)
    host, port = host or web["host"], port or web["port"]
    click.echo(f"web console on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        waitress.serve(app, host=host, port=port, threads=web["threads"], ident="auditor",
                       # With proxy_hops set, werkzeug's ProxyFix reads the X-Forwarded-* headers;
                       # otherwise waitress drops them so no client can forge its address.
                       clear_untrusted_proxy_headers=not web["proxy_hops"])
    finally:
        rt.close()
