"""Serving the console with waitress, shared by `auditor web` and by `auditor serve` when it runs the
console beside its scheduler (call `make_server(...)` and run `server.run()` in a thread;
`server.close()` stops it)."""

from __future__ import annotations

from auditor.runtime import Runtime


def make_server(runtime: Runtime, host: str | None = None, port: int | None = None):
    import waitress

    from auditor.web import create_app

    web = runtime.settings["web"]
    return waitress.create_server(
        create_app(runtime), host=host or web["host"], port=web["port"] if port is None else port,
        threads=web["threads"], ident="auditor",
        # With proxy_hops set, werkzeug's ProxyFix reads the X-Forwarded-* headers; otherwise
        # waitress drops them, so no client can forge its address or scheme.
        clear_untrusted_proxy_headers=not web["proxy_hops"])
