"""The console's pages. Every handler derives the school it may show from the signed-in user
(`scope()`), never from the URL alone: a principal or viewer asking for anything outside their
school gets 404, exactly as if it did not exist."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import case, func, select
from sqlalchemy.orm import defer

from auditor.findings import CATEGORIES, REVIEW_STATUSES, SEVERITIES
from auditor.queries import accounts_in, findings_query, get_finding, last_results
from auditor.review import ReviewError, review_finding
from auditor.store import models as m
from auditor.web import audits
from auditor.web.security import CAN_REQUEST_AUDIT, CAN_REVIEW, REPORT_CSP, login_required, role_required, safe_next
from reports.model import build_report, finding_view
from reports.render import RENDERERS

bp = Blueprint("console", __name__)
ATTENTION = ("open", "acknowledged")
BROKEN = ("needs-reauth", "error", "not-found", "deferred")
PAGE_SIZE = 50
SEVERITY_ORDER = case({sev: i for i, sev in enumerate(SEVERITIES)}, value=m.Finding.severity,
                      else_=len(SEVERITIES))
MAX_NOTE = 2000
MAX_BULK = 500
CSS_TEMPLATE = "console.css.j2"


def scope() -> str | None:
    """The school code every query is limited to; None only for an admin looking at the whole board."""
    asked = (request.values.get("school") or "").strip() or None
    user = g.user
    if user.role != "admin":
        own = user.school.code
        if asked is not None and asked != own:
            abort(404)
        return own
    if asked is not None and g.db.scalar(select(m.School.id).where(m.School.code == asked)) is None:
        abort(404)
    return asked


def scope_args(code: str | None) -> dict:
    """Query arguments that keep an admin's chosen school on the next link."""
    return {"school": code} if g.user.role == "admin" and code else {}


@bp.app_context_processor
def common():
    user = g.get("user")
    return {"user": user,
            "can_review": bool(user and user.role in CAN_REVIEW),
            "can_audit": bool(user and user.role in CAN_REQUEST_AUDIT)}


@bp.get("/assets/console.css")
def stylesheet():
    css = render_template(CSS_TEMPLATE)
    resp = Response(css, mimetype="text/css")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


def _schools(code: str | None) -> list[m.School]:
    q = select(m.School).order_by(m.School.code)
    if code:
        q = q.where(m.School.code == code)
    return list(g.db.scalars(q))


@bp.get("/")
@login_required
def dashboard():
    code = scope()
    db = g.db
    accounts = accounts_in(db, code)
    results = last_results(db, [a.id for a in accounts])
    q = (select(m.Finding.severity, func.count(m.Finding.id)).join(m.Account).join(m.School)
         .where(m.Finding.status == "open", m.Finding.presence == "present").group_by(m.Finding.severity))
    rows = db.execute(q.where(m.School.code == code) if code else q).all()
    open_counts = Counter({sev: n for sev, n in rows})
    broken = [a for a in accounts if a.status in BROKEN]
    last_scan = max((a.last_scan_at for a in accounts if a.last_scan_at), default=None)
    return render_template("dashboard.html.j2", code=code, schools=_schools(code),
                           all_schools=_schools(None) if g.user.role == "admin" else [],
                           accounts=accounts, results=results, broken=broken, last_scan=last_scan,
                           open_counts=[(s, open_counts.get(s, 0)) for s in SEVERITIES],
                           open_total=sum(open_counts.values()),
                           requests=audits.recent_requests(db, code),
                           args=scope_args(code))


@bp.post("/audit")
@role_required(*CAN_REQUEST_AUDIT)
def audit_now():
    code = scope()
    req = audits.request_audit(g.db, g.user.email, code)
    g.db.commit()
    return redirect(url_for("console.audit_status", request_id=req.id))


@bp.get("/audits/<int:request_id>")
@login_required
def audit_status(request_id: int):
    own = None if g.user.role == "admin" else g.user.school.code
    req = audits.visible_request(g.db, request_id, own)
    if req is None:
        abort(404)
    results = audits.run_results(g.db, req.run_id)
    total = len(accounts_in(g.db, req.school_code)) if req.account_key is None else 1
    done = sum(1 for r in results if r.finished_at is not None)
    return render_template("audit.html.j2", req=req, results=results, total=max(total, done), done=done,
                           finished=req.status in ("done", "failed"), args=scope_args(req.school_code))


def _choice(name: str, allowed) -> str | None:
    value = (request.args.get(name) or "").strip() or None
    if value is not None and value not in allowed:
        abort(400, description=f"{name}: expected one of {', '.join(allowed)}")
    return value


@bp.get("/findings")
@login_required
def findings():
    code = scope()
    db = g.db
    severity = _choice("severity", SEVERITIES)
    category = _choice("category", CATEGORIES)
    status = _choice("status", (*REVIEW_STATUSES, "all")) or "attention"
    include_gone = request.args.get("gone") == "1"
    accounts = accounts_in(db, code, active_only=False)
    account_id = None
    if request.args.get("account"):
        try:
            account_id = int(request.args["account"])
        except ValueError:
            abort(400, description="account: expected an account number")
        if account_id not in {a.id for a in accounts}:
            abort(404)
    statuses = {"attention": list(ATTENTION), "all": None}.get(status, [status])
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        abort(400, description="page: expected a number")
    q = findings_query(school=code, statuses=statuses, severity=severity, category=category,
                       account_id=account_id, presence=None if include_gone else ("present",))
    total = db.scalar(select(func.count()).select_from(q.with_only_columns(m.Finding.id).subquery()))
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    # One page, sorted and cut in SQL; the list never loads the evidence texts it does not show.
    shown = list(db.scalars(q.options(defer(m.Finding.context), defer(m.Finding.explanation))
                            .order_by(SEVERITY_ORDER, m.School.code, m.Account.platform, m.Account.handle_key,
                                      m.Finding.item_id, m.Finding.rule, m.Finding.id)
                            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).unique())
    filters = {k: v for k, v in {"severity": severity, "category": category, "status": status,
                                 "account": account_id, "gone": "1" if include_gone else None}.items()
               if v is not None and not (k == "status" and v == "attention")} | scope_args(code)
    return render_template("findings.html.j2", code=code, rows=shown, total=total, page=page, pages=pages,
                           accounts=accounts, severities=SEVERITIES, categories=CATEGORIES,
                           statuses=REVIEW_STATUSES, f_severity=severity, f_category=category, f_status=status,
                           f_account=account_id, f_gone=include_gone, filters=filters, args=scope_args(code),
                           back=request.full_path.rstrip("?"))


def _review_input() -> tuple[str, str]:
    status = request.form.get("status", "")
    if status not in REVIEW_STATUSES:
        abort(400, description=f"status: expected one of {', '.join(REVIEW_STATUSES)}")
    note = request.form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        abort(400, description=f"note: at most {MAX_NOTE} characters")
    return status, note


@bp.post("/findings/review")
@role_required(*CAN_REVIEW)
def bulk_review():
    code = scope()
    status, note = _review_input()
    try:
        ids = sorted({int(v) for v in request.form.getlist("ids")})
    except ValueError:
        abort(400, description="ids: expected finding numbers")
    back = safe_next(request.form.get("back") or url_for("console.findings", **scope_args(code)))
    if not ids:
        flash("Select at least one finding to review.", "error")
        return redirect(back)
    if len(ids) > MAX_BULK:
        abort(400, description=f"ids: at most {MAX_BULK} findings at once")
    # All or nothing: one id outside the user's school refuses the whole batch.
    if any(get_finding(g.db, i, code) is None for i in ids):
        abort(404)
    for i in ids:
        review_finding(g.db, i, status, note=note, reviewer=g.user.email, school=code)
    g.db.commit()
    flash(f"{len(ids)} finding(s) marked {status}.", "ok")
    return redirect(back)


@bp.get("/findings/<int:finding_id>")
@login_required
def finding(finding_id: int):
    code = scope()
    f = get_finding(g.db, finding_id, code)
    if f is None:
        abort(404)
    return render_template("finding_page.html.j2", f=finding_view(f), statuses=REVIEW_STATUSES,
                           args=scope_args(code))


@bp.post("/findings/<int:finding_id>/review")
@role_required(*CAN_REVIEW)
def review(finding_id: int):
    code = scope()
    status, note = _review_input()
    if get_finding(g.db, finding_id, code) is None:
        abort(404)
    try:
        review_finding(g.db, finding_id, status, note=note, reviewer=g.user.email, school=code)
    except ReviewError:
        abort(404)
    g.db.commit()
    flash(f"Finding #{finding_id} marked {status}.", "ok")
    return redirect(url_for("console.finding", finding_id=finding_id, **scope_args(code)))


@bp.get("/report.<fmt>")
@login_required
def report(fmt: str):
    if fmt not in ("html", "csv"):
        abort(404)
    code = scope()
    board = current_app.extensions["auditor.runtime"].settings["board"]["name"]
    text = RENDERERS[fmt](build_report(g.db, board=board, school=code))
    name = f"audit-{code or 'board'}-{datetime.now():%Y%m%d-%H%M}.{fmt}"
    mimetype = "text/html" if fmt == "html" else "text/csv"
    resp = Response(text, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Content-Security-Policy"] = REPORT_CSP
    return resp
