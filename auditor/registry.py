"""The board's registry as read from its CSV files: schools, accounts, roster.

Parsing is separate from storage so that `auditor check` can use the files directly and
`auditor registry import` can validate a whole set before touching the database. Every problem
is collected (not just the first) and reported as `file:line: field: what was expected`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from auditor.items import PLATFORMS

ACCOUNT_KINDS = ("classroom", "school", "department", "club", "professional")
KINDS_NEEDING_APPROVAL = ("school", "department")
CONSENT_VALUES = ("yes", "no", "unknown")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CREDENTIAL_RE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$")

SCHOOL_COLUMNS = ("code", "name", "principal_email", "aliases")
ACCOUNT_COLUMNS = ("platform", "handle", "kind", "school", "owner_name", "owner_email", "approved_by", "credential")
ROSTER_COLUMNS = ("student_id", "first_name", "last_name", "preferred_name", "school", "grade",
                  "media_consent", "safety_flag", "handles")


class RegistryError(ValueError):
    """One or more bad rows; `problems` lists each as `file:line: field: expected ...`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class School:
    code: str
    name: str
    principal_email: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Account:
    platform: str
    handle: str
    kind: str
    school: str
    owner_name: str
    owner_email: str
    approved_by: str = ""
    credential: str = ""
    # Known only from the store: filled in when a scan or check has it.
    platform_user_id: str | None = None
    status: str = "ok"
    status_message: str = ""
    last_success_at: datetime | None = None
    registered_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.handle}"


@dataclass
class Student:
    student_id: str
    first_name: str
    last_name: str
    preferred_name: str
    school: str
    grade: str
    media_consent: str
    safety_flag: bool
    handles: list[tuple[str, str]] = field(default_factory=list)

    @property
    def protected(self) -> bool:
        """No media consent (or unknown) or a safety flag: exposure is critical."""
        return self.media_consent != "yes" or self.safety_flag


@dataclass
class Registry:
    schools: list[School] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)


def _read_rows(path: Path, columns: tuple[str, ...], required: tuple[str, ...], problems: list[str]):
    """Yield (line number, row dict) for a CSV; header problems are recorded, not raised.

    Rows are read with csv.reader and a column-index map rather than csv.DictReader: a 50,000-row
    roster is parsed several times faster, with DictReader's semantics kept (blank lines skipped, a
    short row's missing fields empty, a long row reported, a repeated header column's last value).
    """
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None) or []
            missing = [c for c in required if c not in header]
            if missing:
                problems.append(f"{path}:1: header: missing column(s) {', '.join(missing)}; "
                                f"expected {','.join(columns)}")
                return
            index = {name: i for i, name in enumerate(header) if name in columns}  # last one wins
            wanted = tuple(index.items())
            width = len(header)
            for row in reader:
                if not row:
                    continue
                n = len(row)
                if n > width:
                    problems.append(f"{path}:{reader.line_num}: row: more fields than the header has")
                    continue
                if n == width:
                    yield reader.line_num, {k: row[i].strip() for k, i in wanted}
                else:
                    yield reader.line_num, {k: row[i].strip() if i < n else "" for k, i in wanted}
        except UnicodeDecodeError:
            problems.append(f"{path}: encoding: expected UTF-8")
        except csv.Error as exc:
            problems.append(f"{path}:{reader.line_num}: row: {exc}")


def parse_schools(path: Path, problems: list[str]) -> list[School]:
    schools, seen = [], set()
    for line, row in _read_rows(path, SCHOOL_COLUMNS, ("code", "name", "principal_email"), problems):
        where = f"{path}:{line}"
        bad = False
        if not row["code"]:
            problems.append(f"{where}: code: expected a school code"); bad = True
        elif row["code"] in seen:
            problems.append(f"{where}: code: duplicate school code {row['code']!r}"); bad = True
        if not row["name"]:
            problems.append(f"{where}: name: expected the school's name"); bad = True
        if not EMAIL_RE.match(row["principal_email"]):
            problems.append(f"{where}: principal_email: expected an e-mail address"); bad = True
        if bad:
            continue
        seen.add(row["code"])
        aliases = [a.strip() for a in row.get("aliases", "").split(";") if a.strip()]
        schools.append(School(row["code"], row["name"], row["principal_email"].lower(), aliases))
    return schools


def parse_accounts(path: Path, school_codes: set[str], problems: list[str]) -> list[Account]:
    accounts, seen = [], set()
    for line, row in _read_rows(path, ACCOUNT_COLUMNS, ACCOUNT_COLUMNS[:6], problems):
        where = f"{path}:{line}"
        start = len(problems)
        if row["platform"] not in PLATFORMS:
            problems.append(f"{where}: platform: expected one of {', '.join(sorted(PLATFORMS))}")
        handle = row["handle"].lstrip("@")
        if not handle:
            problems.append(f"{where}: handle: expected the account's handle")
        if row["kind"] not in ACCOUNT_KINDS:
            problems.append(f"{where}: kind: expected one of {', '.join(ACCOUNT_KINDS)}")
        if row["school"] not in school_codes:
            problems.append(f"{where}: school: expected a code from schools.csv, got {row['school']!r}")
        if not row["owner_name"]:
            problems.append(f"{where}: owner_name: expected the owner's name")
        if not EMAIL_RE.match(row["owner_email"]):
            problems.append(f"{where}: owner_email: expected an e-mail address")
        if row.get("approved_by") and not EMAIL_RE.match(row["approved_by"]):
            problems.append(f"{where}: approved_by: expected the approver's e-mail address or nothing")
        cred = row.get("credential", "")
        if cred and not CREDENTIAL_RE.match(cred):
            problems.append(f"{where}: credential: expected a reference such as env:NAME or "
                            "file:/path, never the token itself")
        key = (row["platform"], handle.lower())
        if key in seen:
            problems.append(f"{where}: handle: duplicate account {row['platform']}:{handle}")
        if len(problems) > start:
            continue
        seen.add(key)
        accounts.append(Account(row["platform"], handle, row["kind"], row["school"], row["owner_name"],
                                row["owner_email"].lower(), row.get("approved_by", "").lower(), cred))
    return accounts


def parse_roster(path: Path, school_codes: set[str], problems: list[str]) -> list[Student]:
    students, seen = [], set()
    name = str(path)
    for line, row in _read_rows(path, ROSTER_COLUMNS, ROSTER_COLUMNS[:3] + ("school",), problems):
        # Runs once per student (50,000 on a large board): the usual row takes the straight path
        # below, and only a row with a doubtful field goes through the checks that word a problem.
        sid = row["student_id"]
        consent = (row.get("media_consent") or "unknown").lower()
        flag = (row.get("safety_flag") or "no").lower()
        raw_handles = row.get("handles")
        if (sid and sid not in seen and row["first_name"] and row["last_name"] and row["school"] in school_codes
                and consent in CONSENT_VALUES and flag in ("yes", "no") and not raw_handles):
            seen.add(sid)
            students.append(Student(sid, row["first_name"], row["last_name"], row.get("preferred_name", ""),
                                    row["school"], row.get("grade", ""), consent, flag == "yes", []))
            continue
        where = f"{name}:{line}"
        start = len(problems)
        if not sid:
            problems.append(f"{where}: student_id: expected an identifier")
        elif sid in seen:
            problems.append(f"{where}: student_id: duplicate {sid!r}")
        for col in ("first_name", "last_name"):
            if not row[col]:
                problems.append(f"{where}: {col}: expected a name")
        if row["school"] not in school_codes:
            problems.append(f"{where}: school: expected a code from schools.csv, got {row['school']!r}")
        if consent not in CONSENT_VALUES:
            problems.append(f"{where}: media_consent: expected yes, no or unknown")
        if flag not in ("yes", "no"):
            problems.append(f"{where}: safety_flag: expected yes or no")
        handles = []
        for h in (raw_handles or "").split(";"):
            h = h.strip()
            if not h:
                continue
            plat, sep, handle = h.partition(":")
            if not sep or plat not in PLATFORMS or not handle.strip():
                problems.append(f"{where}: handles: expected platform:handle entries separated by ';', got {h!r}")
                continue
            handles.append((plat, handle.strip()))
        if len(problems) > start:
            continue
        seen.add(sid)
        students.append(Student(sid, row["first_name"], row["last_name"], row.get("preferred_name", ""),
                                row["school"], row.get("grade", ""), consent, flag == "yes", handles))
    return students


def load_registry(schools: Path | None = None, accounts: Path | None = None,
                  roster: Path | None = None) -> Registry:
    """Parse whichever files are given; raise RegistryError listing every bad row."""
    problems: list[str] = []
    reg = Registry()
    if schools is not None:
        reg.schools = parse_schools(Path(schools), problems)
    codes = {s.code for s in reg.schools}
    if schools is None:
        codes = _AnyCode()
    if accounts is not None:
        reg.accounts = parse_accounts(Path(accounts), codes, problems)
    if roster is not None:
        reg.students = parse_roster(Path(roster), codes, problems)
    if problems:
        raise RegistryError(problems)
    return reg


def load_registry_dir(directory: Path) -> Registry:
    directory = Path(directory)
    paths = {name: directory / f"{name}.csv" for name in ("schools", "accounts", "roster")}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        raise RegistryError([f"{p}: file: expected it in {directory}" for p in missing])
    return load_registry(paths["schools"], paths["accounts"], paths["roster"])


class _AnyCode(set):
    """Without schools.csv (auditor check --roster only), any school code is accepted."""

    def __contains__(self, item) -> bool:  # pragma: no cover - trivial
        return bool(item)
