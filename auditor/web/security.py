"""The console's defences in one place: the cookie-signing key, CSRF tokens, response headers, and
who may do what.

Sessions are Flask's signed cookies (Secure, HttpOnly, SameSite=Lax); they hold only the user id, the
user's session version, the sign-in time (a session ends `session_hours` after sign-in however
active it is) and a CSRF token, so disabling a user or changing a password (which bumps the
version) ends every open session at once.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import abort, g, redirect, request, session, url_for

CSRF_FIELD = "csrf_token"
CAN_REVIEW = ("admin", "principal")
CAN_REQUEST_AUDIT = ("admin", "principal")

# No scripts at all: the console works without JavaScript, so none is allowed to run.
CONSOLE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
# The downloadable report is one self-contained file with its CSS inline.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"


def load_secret_key(path: Path, env: dict[str, str] | None = None) -> bytes:
    """The key that signs session cookies: AUDITOR_WEB_SECRET, else the key file, created if absent."""
    env = os.environ if env is None else env
    if env.get("AUDITOR_WEB_SECRET"):
        return env["AUDITOR_WEB_SECRET"].encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        if len(key) < 32:
            raise ValueError(f"{path}: the web secret key is too short (expected at least 32 bytes)")
        return key
    key = secrets.token_urlsafe(48).encode("ascii")
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Every state-changing request carries the session's token in its form, or it is refused."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="The form expired or did not come from this site. Go back, reload the page "
                               "and try again.")


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def safe_next(target: str | None) -> str:
    """Only a path on this site may be a post-sign-in destination (no open redirect)."""
    if not target:
        return url_for("console.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("console.dashboard")
    return target


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)
    return wrapped


def role_required(*roles: str):
    def deco(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return deco
