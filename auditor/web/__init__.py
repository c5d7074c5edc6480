"""The principal's web console: a server-rendered Flask app over the same store, queries and report
model as the CLI. Every page works without JavaScript; every query is scoped to the signed-in user's
school on the server.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, g, render_template, session
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from auditor.runtime import Runtime
from auditor.users import user_by_id
from auditor.web import security
from reports.render import TEMPLATES as REPORT_TEMPLATES
from reports.render import environment as report_environment

TEMPLATES = __import__("pathlib").Path(__file__).resolve().parent / "templates"


class ConsoleFlask(Flask):
    def select_jinja_autoescape(self, filename: str) -> bool:
        """Post text is hostile: every template is autoescaped, whatever its file name."""
        return True


def create_app(runtime: Runtime, *, secret_key: bytes | None = None) -> Flask:
    settings = runtime.settings["web"]
    app = ConsoleFlask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=secret_key or security.load_secret_key(runtime.settings.resolve_path(settings["secret_key_file"])),
        SESSION_COOKIE_NAME="auditor_session",
        SESSION_COOKIE_SECURE=settings["secure_cookies"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings["session_hours"]),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["auditor.runtime"] = runtime
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(REPORT_TEMPLATES))])
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    report_filters = report_environment().filters
    app.jinja_env.filters["dt"] = report_filters["dt"]
    app.jinja_env.filters["safe_url"] = report_filters["safe_url"]
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = security.CSRF_FIELD
    app.jinja_env.globals["board_name"] = runtime.settings["board"]["name"]

    hops = settings["proxy_hops"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    @app.before_request
    def load_user():
        g.db = runtime.db.sessions()
        g.user = None
        uid = session.get("uid")
        if uid is not None:
            user = user_by_id(g.db, uid)
            expired = time.time() - session.get("at", 0) > settings["session_hours"] * 3600
            if user is None or not user.active or user.session_version != session.get("ver") or expired:
                session.clear()
            else:
                g.user = user
        security.check_csrf()

    @app.teardown_request
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    app.after_request(security.security_headers)

    for code, title in ((400, "Bad request"), (403, "Not allowed"), (404, "Not found"),
                        (405, "Not allowed here"), (413, "Too large"), (429, "Too many attempts")):
        app.register_error_handler(code, _error_page(code, title))

    from auditor.web.auth import bp as auth_bp
    from auditor.web.views import bp as console_bp
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    return app


def _error_page(code: int, title: str):
    def handler(exc):
        return render_template("error.html.j2", code=code, title=title,
                               message=getattr(exc, "description", "")), code
    return handler
