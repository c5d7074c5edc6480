"""The console in a real headless Chromium (Debian's, driven by Playwright, never a downloaded
browser): a principal signs in, runs an audit, opens a finding, marks it a false positive and sees it
leave the open list; another school's principal cannot reach it. Screenshots land in tmp_path."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor import users
from auditor.store import models as m
from auditor.web import create_app
from auditor.scheduler import Service
from tests.auditor.web.board import PASSWORD, PEOPLE, fast_hasher, platforms_toml, populate, web_toml

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.slow


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing; .ci/run installs the Debian chromium package")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")


class QueueWorker(threading.Thread):
    """The queue job of `auditor serve`, polled often: runs each queued on-demand request."""

    def __init__(self, rt):
        super().__init__(daemon=True)
        self.service = Service(rt, owner="e2e-serve")
        self.stop, self.errors = threading.Event(), []

    def run(self):
        while not self.stop.is_set():
            try:
                self.service.job_queue()
            except Exception as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
            self.stop.wait(0.2)


@pytest.fixture
def served(tmp_path, runtime_factory, monkeypatch):
    _need_chromium()
    import waitress

    monkeypatch.setattr(users, "HASHER", fast_hasher())
    rt = runtime_factory(f"sqlite:///{tmp_path / 'console.db'}", platforms_toml() + web_toml(secure_cookies=True))
    populate(rt)
    app = create_app(rt, secret_key=b"e" * 40)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    worker = QueueWorker(rt)
    worker.start()
    yield rt, f"http://127.0.0.1:{server.effective_port}"
    worker.stop.set()
    worker.join(timeout=30)
    server.close()
    assert not worker.errors


def sign_in(page, base, who):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(PEOPLE[who][0])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_principal_reviews_a_finding_in_chromium(served, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    rt, base = served
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # JavaScript off: reading, reviewing and the audit's progress page must work without it
            page = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900}).new_page()
            page.set_default_timeout(20_000)
            sign_in(page, base, "principal")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Millbrook Collegiate")
            # keyboard users land on the skip link first
            page.keyboard.press("Tab")
            expect(page.locator(":focus")).to_have_text("Skip to content")

            page.get_by_role("button", name="Audit now").click()
            expect(page).to_have_url(re.compile(r"/audits/\d+$"))
            expect(page.get_by_text("Finished.")).to_be_visible(timeout=60_000)  # meta refresh, no JS
            page.get_by_role("link", name="See the findings").click()
            page.goto(f"{base}/")
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

            page.get_by_role("link", name="Findings", exact=True).click()
            first = page.locator("table a[href^='/findings/']").first
            href = first.get_attribute("href")
            finding_id = int(href.rsplit("/", 1)[1])
            first.click()
            expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
            expect(page.locator(".evidence mark").first).to_be_visible()
            page.screenshot(path=str(shots / "finding.png"), full_page=True)

            page.get_by_label("false-positive").check()
            page.get_by_label("Note (optional)").fill("The name is a staff member's, not a student's.")
            page.get_by_role("button", name="Save review").click()
            expect(page.get_by_role("status")).to_contain_text(f"Finding #{finding_id} marked false-positive")
            expect(page.get_by_text("changed open → false-positive")).to_be_visible()

            page.goto(f"{base}/findings")
            expect(page.locator(f"a[href='/findings/{finding_id}']")).to_have_count(0)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            sign_in(phone, base, "principal")
            phone.goto(f"{base}{href}")
            phone.screenshot(path=str(shots / "finding-phone.png"), full_page=True)
            phone.close()

            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile(r"/login$"))

            other = browser.new_page()
            sign_in(other, base, "other_principal")
            expect(other.get_by_role("heading", level=1)).to_contain_text("Fernhill")
            resp = other.goto(f"{base}{href}")
            assert resp.status == 404
            expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
            assert "staff member" not in other.content()
        finally:
            browser.close()

    with rt.db.session() as s:
        f = s.get(m.Finding, finding_id)
        assert f.status == "false-positive"
        assert [(e.reviewer, e.to_status) for e in f.reviews] == [(PEOPLE["principal"][0], "false-positive")]
        req = s.scalars(select(m.ScanRequest)).one()
        assert req.status == "done" and req.requested_by == PEOPLE["principal"][0]
    for name in ("dashboard.png", "finding.png", "finding-phone.png"):
        assert (shots / name).stat().st_size > 10_000
    target = os.environ.get("AUDITOR_SCREENSHOTS_TO")
    if target:  # refresh the README's pictures: AUDITOR_SCREENSHOTS_TO=docs/screenshots
        Path(target).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            shutil.copy(png, Path(target) / png.name)
