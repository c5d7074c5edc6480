"""Settings: one TOML file, validated against a declared schema.

Every key the program reads is declared in SCHEMA with its type, default and a one-line doc, so
an unknown key or a bad value is an error naming the key (a typo must never silently fall back to
a default), and a test checks that the README documents every key (datasette's rule).

The file is `config/auditor.toml` by default (the repository's defaults), overridden by
AUDITOR_CONFIG; AUDITOR_DATABASE_URL overrides the database URL.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PACKAGE_ROOT / "config" / "auditor.toml"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Setting:
    type: type | tuple[type, ...]
    default: Any
    doc: str
    choices: tuple | None = None


# section -> key -> Setting. Relative paths are resolved against the config file's folder.
SCHEMA: dict[str, dict[str, Setting]] = {
    "database": {
        "url": Setting(str, "sqlite:///auditor.db", "SQLAlchemy URL; AUDITOR_DATABASE_URL overrides it"),
    },
    "security": {
        "key_file": Setting(str, "auditor.key", "file holding the roster protection key (mode 0600); "
                            "AUDITOR_KEY overrides it"),
    },
    "board": {
        "name": Setting(str, "School Board", "the board's name, shown in reports and emails"),
        "timezone": Setting(str, "America/Toronto", "timezone for schedules and dates in reports"),
    },
    "checks": {
        "board_domains": Setting(list, [], "e-mail domains that belong to the board, besides the "
                                 "domains of the accounts' owner_email"),
        "policy_file": Setting(str, "policy.toml", "the policy file: rules on/off, severities, allowlist, lexicons"),
        "stale_scan_days": Setting(int, 7, "days without a successful scan before an account is reported"),
    },
    "scan": {
        "workers": Setting(int, 4, "platforms scanned concurrently"),
        "max_rate_limit_wait": Setting(int, 900, "longest wait (seconds) for a rate-limit reset before "
                                       "the account is deferred"),
        "lease_seconds": Setting(int, 1800, "how long an account lease lasts without renewal"),
    },
    "retention": {
        "raw_item_days": Setting(int, 400, "days stored raw items are kept; findings keep their evidence"),
    },
    "imports": {
        "cache_dir": Setting(str, "", "where photos from imported exports are copied so checks can read "
                             "them; empty means the system temp folder"),
        "page_size": Setting(int, 1000, "items per page when an export is imported"),
        "max_member_bytes": Setting(int, 4 * 1024**3, "largest file an export may hold (bytes)"),
        "max_total_bytes": Setting(int, 32 * 1024**3, "largest total size an export may expand to (bytes)"),
        "max_media_bytes": Setting(int, 200 * 1024**2, "largest photo copied out of an export (bytes)"),
        "x_credential": Setting(str, "", "env:NAME or file:PATH of an X token used to look up the ids in "
                                "an X archive's following.js, when the account has none"),
    },
    "schedule": {
        "nightly_scan": Setting(str, "0 2 * * *", "cron expression of the nightly scan of every account "
                                "(5 fields, or 6 with seconds first); empty = off"),
        "weekly_summary": Setting(str, "0 7 * * mon", "cron expression of the weekly compliance email "
                                  "(covers the last complete Monday-Sunday week); empty = off"),
        "retention": Setting(str, "30 3 * * *", "cron expression of the retention purge; empty = off"),
        "timezone": Setting(str, "America/Toronto", "timezone the cron expressions and summary weeks are read in"),
        "misfire_grace_seconds": Setting(int, 86400, "a job missed while `serve` was down runs once at "
                                         "start-up if its latest missed time is at most this old"),
        "queue_poll_seconds": Setting(int, 5, "how often `serve` looks for queued on-demand audits"),
    },
    "email": {
        "smtp_host": Setting(str, "localhost", "SMTP server for the weekly summary"),
        "smtp_port": Setting(int, 587, "SMTP port (587 for starttls, 465 for tls)"),
        "security": Setting(str, "starttls", "starttls, tls (implicit TLS) or none (loopback relays only)",
                            choices=("starttls", "tls", "none")),
        "username": Setting(str, "", "SMTP user; empty = no login"),
        "password_ref": Setting(str, "", "env:NAME or file:PATH holding the SMTP password, never the password"),
        "from": Setting(str, "auditor@localhost", "sender address of the summary emails"),
        "admins": Setting(list, [], "board administrators who receive the board-wide summary"),
        "retries": Setting(int, 3, "attempts per message before it is recorded as failed"),
        "retry_wait_seconds": Setting(int, 2, "first wait between attempts; doubles each time"),
        "timeout_seconds": Setting(int, 30, "SMTP connection timeout"),
    },
    "summary": {
        "trend_weeks": Setting(int, 8, "weeks shown in the summary's trend chart"),
    },
    "media": {
        "cache_dir": Setting(str, "media-cache", "where fetched post images are kept for the image checks; "
                             "empty means the system temp folder"),
        "max_bytes": Setting(int, 15 * 1024 * 1024, "largest image the media fetcher downloads (bytes)"),
        "timeout_seconds": Setting(int, 10, "connect/read timeout and overall deadline per image download"),
    },
    "report": {
        "base_url": Setting(str, "", "public URL of the reports/console, used for links in emails"),
        "output_dir": Setting(str, "reports-out", "where reports are written"),
    },
    "web": {
        "host": Setting(str, "127.0.0.1", "address `auditor web` listens on (put a TLS reverse proxy in front)"),
        "port": Setting(int, 8080, "port `auditor web` listens on"),
        "threads": Setting(int, 8, "waitress worker threads serving the console"),
        "secret_key_file": Setting(str, "web-secret.key", "file holding the key that signs session cookies "
                                   "(created with mode 0600 on first start); AUDITOR_WEB_SECRET overrides it"),
        "secure_cookies": Setting(bool, True, "send the session cookie only over HTTPS; false only for "
                                  "plain-HTTP use on loopback"),
        "session_hours": Setting(int, 8, "hours a sign-in lasts"),
        "proxy_hops": Setting(int, 0, "reverse proxies in front that set X-Forwarded-For/-Proto/-Host/-Prefix "
                              "(0 = trust no forwarded header)"),
        "login_max_attempts": Setting(int, 5, "failed sign-ins per e-mail within the window before sign-in "
                                      "is refused (an IP gets four times as many)"),
        "login_window_seconds": Setting(int, 900, "window (seconds) over which failed sign-ins are counted"),
    },
}

# Per-platform tables: [platforms.x], [platforms.mastodon], ... Keys any platform may use.
PLATFORM_KEYS: dict[str, Setting] = {
    "connector": Setting(str, "", "connector to use: the platform's own (default) or 'jsonl'"),
    "path": Setting(str, "", "for the jsonl connector: a .jsonl file or a folder of them"),
    "base_url": Setting(str, "", "API endpoint (self-hosted instance, local test server)"),
    "quota_units_per_day": Setting(int, 10000, "YouTube: Data API quota units the scan may spend per day "
                                   "(per credential; resets at midnight Pacific time)"),
    "max_wait": Setting(int, 900, "longest wait (seconds) for this platform's rate-limit reset before "
                        "the account is deferred"),
    "page_size": Setting(int, 0, "items asked per API page; 0 = the platform's maximum"),
    "appview_url": Setting(str, "", "Bluesky: AppView that hydrates followed profiles (e.g. "
                           "https://public.api.bsky.app); empty = follows carry handle and DID only"),
    "plc_url": Setting(str, "https://plc.directory", "Bluesky: PLC directory that resolves did:plc identities"),
    "media_hosts": Setting(list, [], "extra https hosts (and their subdomains) the media fetcher may "
                           "download this platform's images from"),
}


class Settings:
    """Validated settings with attribute-style section access: settings.database['url']."""

    def __init__(self, data: dict[str, dict[str, Any]], path: Path | None):
        self._data = data
        self.path = path
        self.base_dir = path.parent if path else Path.cwd()

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self._data[section]

    def get(self, section: str, key: str) -> Any:
        return self._data[section][key]

    def resolve_path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def database_url(self) -> str:
        url = self._data["database"]["url"]
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
            url = "sqlite:///" + str(self.resolve_path(url[len("sqlite:///"):]))
        return url

    @property
    def platforms(self) -> dict[str, dict[str, Any]]:
        return self._data.get("platforms", {})

    def as_dict(self) -> dict[str, Any]:
        return self._data


def _check_value(where: str, value: Any, setting: Setting) -> Any:
    expected = setting.type
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else "/".join(t.__name__ for t in expected)
        raise ConfigError(f"{where}: expected {names}, got {type(value).__name__} {value!r}")
    if setting.choices and value not in setting.choices:
        raise ConfigError(f"{where}: expected one of {', '.join(map(str, setting.choices))}, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"{where}: expected a number >= 0, got {value}")
    return value


def parse_settings(raw: dict[str, Any], source: str, path: Path | None = None) -> Settings:
    data: dict[str, dict[str, Any]] = {sec: {k: s.default for k, s in keys.items()} for sec, keys in SCHEMA.items()}
    data["platforms"] = {}
    for section, values in raw.items():
        if section == "platforms":
            if not isinstance(values, dict):
                raise ConfigError(f"{source}: platforms: expected tables such as [platforms.x]")
            for name, table in values.items():
                if not isinstance(table, dict):
                    raise ConfigError(f"{source}: platforms.{name}: expected a table")
                out = {k: s.default for k, s in PLATFORM_KEYS.items()}
                for key, value in table.items():
                    where = f"{source}: platforms.{name}.{key}"
                    if key not in PLATFORM_KEYS:
                        raise ConfigError(f"{where}: unknown key; expected one of {', '.join(sorted(PLATFORM_KEYS))}")
                    out[key] = _check_value(where, value, PLATFORM_KEYS[key])
                data["platforms"][name] = out
            continue
        if section not in SCHEMA:
            raise ConfigError(f"{source}: {section}: unknown section; expected one of "
                              f"{', '.join(sorted([*SCHEMA, 'platforms']))}")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: {section}: expected a table")
        for key, value in values.items():
            where = f"{source}: {section}.{key}"
            if key not in SCHEMA[section]:
                raise ConfigError(f"{where}: unknown key; expected one of {', '.join(sorted(SCHEMA[section]))}")
            data[section][key] = _check_value(where, value, SCHEMA[section][key])
    return Settings(data, path)


def read_toml(path: Path, error: type[Exception] = ConfigError) -> dict[str, Any]:
    """A TOML file as a dict; an unreadable or invalid file raises `error` naming the file."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    if path is None:
        path = env.get("AUDITOR_CONFIG") or DEFAULT_CONFIG
    path = Path(path)
    raw = read_toml(path)
    settings = parse_settings(raw, str(path), path)
    if env.get("AUDITOR_DATABASE_URL"):
        settings["database"]["url"] = env["AUDITOR_DATABASE_URL"]
    return settings


def settings_markdown() -> str:
    """The README's settings tables, generated from SCHEMA so documentation cannot drift."""
    def fmt(v: Any) -> str:
        if isinstance(v, str):
            return f'`"{v}"`'
        if isinstance(v, bool):
            return f"`{str(v).lower()}`"
        return f"`{v}`"

    lines = ["| key | default | meaning |", "| --- | --- | --- |"]
    for section, keys in SCHEMA.items():
        for key, s in keys.items():
            lines.append(f"| `{section}.{key}` | {fmt(s.default)} | {s.doc} |")
    lines += ["", "Per platform, a `[platforms.NAME]` table (NAME = x, bluesky, mastodon, instagram, facebook, "
              "youtube, blog):", "", "| key | default | meaning |", "| --- | --- | --- |"]
    for key, s in PLATFORM_KEYS.items():
        lines.append(f"| `platforms.NAME.{key}` | {fmt(s.default)} | {s.doc} |")
    return "\n".join(lines)


def update_readme(readme: Path) -> bool:
    """Rewrite the block between the settings markers; True when it changed."""
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- settings:start -->", "<!-- settings:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    new = f"{head}{start}\n{settings_markdown()}\n{end}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m auditor.config: refresh the README's settings tables
    print("README updated" if update_readme(PACKAGE_ROOT / "README.md") else "README already up to date")
