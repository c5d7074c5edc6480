"""Screen-reader and keyboard basics on every page, for each role: a language, one main landmark
reachable by a skip link, a labelled navigation, one h1, every form control labelled, tables with
header cells, nothing that needs JavaScript."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from auditor.web.audits import request_audit
from tests.auditor.web.board import finding_ids, sign_in


def check_page(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html.get("lang") == "en", where
    assert soup.find("meta", attrs={"name": "viewport"}), f"{where}: no viewport (phones)"
    mains = soup.find_all("main")
    assert len(mains) == 1 and mains[0].get("id") == "main", where
    assert soup.find("a", class_="skip", href="#main"), f"{where}: no skip link"
    assert len(soup.find_all("h1")) == 1, f"{where}: expected one h1"
    labels = {lab.get("for") for lab in soup.find_all("label")}
    for control in soup.find_all(["input", "select", "textarea"]):
        if control.get("type") in ("hidden", "submit"):
            continue
        assert control.get("id") in labels or control.get("aria-label"), f"{where}: unlabelled {control}"
    for table in soup.find_all("table"):
        assert table.find("th", scope="col"), f"{where}: table without header cells"
    for button in soup.find_all("button"):
        assert button.get_text(strip=True), f"{where}: button without text"
    assert not soup.find_all("script") and not soup.find(attrs={"onclick": True}), where


@pytest.mark.parametrize("who", ["admin", "principal", "viewer"])
def test_every_page_has_landmarks_and_labels(sqlite_console, who):
    rt, app = sqlite_console
    c = app.test_client()
    check_page(c.get("/login").get_data(as_text=True), "login")
    sign_in(c, who)
    fid = finding_ids(rt, "MCSS")[0]
    with rt.db.session() as s:
        req = request_audit(s, "r.okafor@cvdsb.example.ca", "MCSS").id
    for url in ("/", "/findings", "/findings?status=all&severity=high", f"/findings/{fid}", "/findings/999999",
                f"/audits/{req}"):
        check_page(c.get(url).get_data(as_text=True), f"{who} {url}")
