"""Signing in and out. Failed attempts are counted in the database (per e-mail and per address) so
the limit holds across threads and processes; when it is reached the password is not even checked."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from auditor.users import authenticate, recent_failures, record_attempt
from auditor.web.security import safe_next

bp = Blueprint("auth", __name__)
IP_FACTOR = 4  # one address (a school's NAT) may hold several people


def _limits() -> tuple[int, int]:
    web = current_app.extensions["auditor.runtime"].settings["web"]
    return web["login_max_attempts"], web["login_window_seconds"]


@bp.get("/login")
def login():
    if g.user is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html.j2", next=request.args.get("next", ""), email="", error=None)


@bp.post("/login")
def login_post():
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")
    nxt = request.form.get("next", "")
    ip = request.remote_addr or "?"
    max_attempts, window = _limits()
    db = g.db
    if (recent_failures(db, email=email, window_seconds=window) >= max_attempts
            or recent_failures(db, ip=ip, window_seconds=window) >= max_attempts * IP_FACTOR):
        record_attempt(db, email, ip, False, keep_seconds=window * 2)
        db.commit()
        minutes = max(1, window // 60)
        return render_template("login.html.j2", next=nxt, email=email,
                               error=f"Too many failed sign-ins. Wait {minutes} minutes and try again."), 429
    user = authenticate(db, email, password)
    record_attempt(db, email, ip, user is not None, keep_seconds=window * 2)
    db.commit()
    if user is None:
        return render_template("login.html.j2", next=nxt, email=email,
                               error="That e-mail and password do not match an active account."), 401
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    session.permanent = True
    session["uid"], session["ver"], session["at"] = user.id, user.session_version, int(time.time())
    return redirect(safe_next(nxt))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
