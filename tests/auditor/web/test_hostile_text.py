"""Post text is hostile: script tags, attribute breaks and javascript: links render inert on every
page that shows them, for every reader."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from auditor.review import review_finding
from auditor.store import models as m
from tests.auditor.web.board import sign_in

EVENT_ATTRS = ("onerror", "onload", "onclick", "onmouseover", "onfocus")


def assert_inert(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script"), f"{where}: a script element"
    assert not soup.find_all(["iframe", "svg", "img"]), f"{where}: an injected element"
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            assert attr.lower() not in EVENT_ATTRS, f"{where}: event handler {attr} on <{tag.name}>"
            if attr in ("href", "src", "action") and isinstance(value, str):
                assert not value.strip().lower().startswith(("javascript:", "data:")), f"{where}: {attr}={value}"
    assert "<script>alert" not in html and "<img src=x" not in html


@pytest.fixture
def hostile(sqlite_console):
    rt, app = sqlite_console
    with rt.db.session() as s:
        fid = s.scalar(select(m.Finding.id).where(m.Finding.fingerprint == "hostile-MCSS"))
        review_finding(s, fid, "acknowledged", note='</textarea><script>alert("note")</script>',
                       reviewer="it@cvdsb.example.ca")
    return rt, app, fid


@pytest.mark.parametrize("who", ["admin", "principal", "viewer"])
def test_hostile_finding_is_inert_on_every_page(hostile, who):
    rt, app, fid = hostile
    c = app.test_client()
    sign_in(c, who)
    pages = {"dashboard": "/", "findings": "/findings", "finding": f"/findings/{fid}",
             "all statuses": "/findings?status=all&category=student-name", "report": "/report.html"}
    for name, url in pages.items():
        resp = c.get(url)
        assert resp.status_code == 200, name
        assert_inert(resp.get_data(as_text=True), f"{who} {name}")
    page = c.get(f"/findings/{fid}").get_data(as_text=True)
    # the evidence is shown, escaped, with the match highlighted
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page
    assert "<mark>Marisol Quintero</mark>" in page
    assert "&lt;/textarea&gt;&lt;script&gt;" in page  # the review note
    assert "alert(document.cookie)" not in page  # the javascript: item_url is neither linked nor shown


def test_console_forbids_scripts_by_policy(hostile):
    _rt, app, fid = hostile
    c = app.test_client()
    sign_in(c, "principal")
    resp = c.get(f"/findings/{fid}")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    report = c.get("/report.html")
    assert "default-src 'none'" in report.headers["Content-Security-Policy"]
    assert report.headers["Content-Disposition"].startswith("attachment;")


def test_csv_report_defuses_formulas(sqlite_console):
    rt, app = sqlite_console
    with rt.db.session() as s:
        f = s.scalar(select(m.Finding).where(m.Finding.fingerprint == "hostile-MCSS"))
        f.reason = '=HYPERLINK("http://evil.example","click")'
    c = app.test_client()
    sign_in(c, "principal")
    text = c.get("/report.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text
