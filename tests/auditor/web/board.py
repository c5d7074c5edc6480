"""A populated console for tests: the sample board scanned from its bundled activity, people of
every role, and one finding whose post text is hostile."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from argon2 import PasswordHasher
from sqlalchemy import select

from auditor import users
from auditor.demo import PLATFORMS, SAMPLE
from auditor.registry import load_registry_dir
from auditor.runtime import Runtime
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry

PASSWORD = "correct horse battery staple"
# (email, role, school)
PEOPLE = {
    "admin": ("it@cvdsb.example.ca", "admin", None),
    "principal": ("r.okafor@cvdsb.example.ca", "principal", "MCSS"),
    "viewer": ("vp.mcss@cvdsb.example.ca", "viewer", "MCSS"),
    "other_principal": ("j.desrosiers@cvdsb.example.ca", "principal", "FHPS"),
    "other_viewer": ("vp.fhps@cvdsb.example.ca", "viewer", "FHPS"),
}
HOSTILE_TEXT = ('Great game <script>alert("xss")</script> tonight "><img src=x onerror=alert(1)> '
                "with Marisol Quintero")
HOSTILE_URL = "javascript:alert(document.cookie)"


def fast_hasher() -> PasswordHasher:
    """Argon2 with test-sized cost, so signing in dozens of times stays quick."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def platforms_toml() -> str:
    activity = (SAMPLE / "activity").resolve().as_posix()
    return "".join(f'[platforms.{p}]\nconnector = "jsonl"\npath = "{activity}"\n' for p in PLATFORMS)


def web_toml(**overrides) -> str:
    values = {"secure_cookies": False, **overrides}
    def toml(v):
        return ("true" if v else "false") if isinstance(v, bool) else (str(v) if isinstance(v, int) else f'"{v}"')
    return "[web]\n" + "".join(f"{k} = {toml(v)}\n" for k, v in values.items())


def populate(rt: Runtime) -> None:
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(SAMPLE), rt.key())
    Scanner(rt).run(trigger="cli", requested_by="test")
    with rt.db.session() as s:
        for email, role, school in PEOPLE.values():
            users.add_user(s, email, role, PASSWORD, school)
        add_hostile_finding(s, "MCSS")


def add_hostile_finding(s, school: str) -> int:
    account = s.scalar(select(m.Account).join(m.School).where(m.School.code == school).order_by(m.Account.id))
    start = HOSTILE_TEXT.index("Marisol")
    now = datetime.now(timezone.utc)
    f = m.Finding(fingerprint=f"hostile-{school}", account_id=account.id, item_id='x:"><svg onload=alert(2)>',
                  item_url=HOSTILE_URL, rule="SM301 student-full-name", category="student-name",
                  severity="high", confidence="high", clause="§4 Privacy <b>and</b> Confidentiality",
                  reason='names a student <iframe src="javascript:alert(3)">',
                  spans=[{"field": "text", "start": start, "end": start + 16, "text": "<script>Marisol Quintero"}],
                  context={"text": HOSTILE_TEXT}, explanation={"<b>k</b>": "<script>v</script>"},
                  status="open", presence="present", first_seen=now, last_seen=now)
    s.add(f)
    s.flush()
    return f.id


def finding_ids(rt: Runtime, school: str, open_only: bool = True) -> list[int]:
    """The school's findings, by default those on its open list (open and still present)."""
    q = select(m.Finding.id).join(m.Account).join(m.School).where(m.School.code == school)
    if open_only:
        q = q.where(m.Finding.status == "open", m.Finding.presence == "present")
    with rt.db.session() as s:
        return list(s.scalars(q.order_by(m.Finding.id)))


def account_ids(rt: Runtime, school: str) -> list[int]:
    with rt.db.session() as s:
        return list(s.scalars(select(m.Account.id).join(m.School).where(m.School.code == school)))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, who: str, password: str = PASSWORD):
    """Sign a Flask test client in as one of PEOPLE; returns the response of the sign-in POST."""
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "email": PEOPLE[who][0], "password": password})


def token(client) -> str:
    """The session's CSRF token, as a browser would have it from the last page it loaded."""
    with client.session_transaction() as sess:
        if sess.get("csrf"):
            return sess["csrf"]
    return csrf_of(client.get("/login").get_data(as_text=True) if not _signed_in(client)
                   else client.get("/").get_data(as_text=True))


def _signed_in(client) -> bool:
    with client.session_transaction() as sess:
        return "uid" in sess
