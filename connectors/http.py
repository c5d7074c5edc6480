"""HTTP for platform connectors: pacing, retries and error mapping in one place.

Every API connector goes through `ApiClient`, so that the things the scanner relies on hold for
all platforms alike:

- transient trouble (5xx, connection resets, timeouts) is retried with jittered backoff by
  urllib3's `Retry`, and what outlives the retries becomes `TransientError`;
- 401/403 become `AuthError` carrying the platform's own message (a person must re-authorize);
- 429 waits for the reset only when that is within `max_wait`, otherwise `RateLimited(reset_at)`
  lets the scanner defer the account instead of stalling the whole platform;
- a `Pacer` shared by every account that uses the same credential reads the rate-limit headers
  and spreads the calls left in a window over the time to its reset, so a nightly scan of
  hundreds of accounts slows down *before* the platform starts refusing;
- tokens live only in request headers: never in a repr, an exception message or a log line;
- only https leaves the machine; plain http is allowed to loopback hosts (local test servers).
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt
from urllib3.util.retry import Retry

from connectors.base import AuthError, Connector, ConnectorError, NotFound, RateLimited, TransientError

log = logging.getLogger(__name__)

RETRY_STATUSES = (500, 502, 503, 504)
DEFAULT_MAX_WAIT = 900.0
USER_AGENT = "staff-social-auditor/0.1 (+school board compliance audit)"

# Header triples in the order they are tried: X, Mastodon, Bluesky/IETF draft.
RATE_HEADERS = (
    ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
    ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"),
    ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Refuse anything but https, except plain http to this machine (test servers)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return url
    raise ConnectorError(f"refusing {parts.scheme or 'scheme-less'} URL to {parts.hostname or '?'}: "
                         "only https (or http to a loopback host) is allowed")


def parse_reset(value: str | None, now: float) -> float | None:
    """A reset header as a UNIX time: epoch seconds (X, Bluesky), ISO-8601 (Mastodon), an HTTP
    date or a delta in seconds (Retry-After, the IETF draft)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        # Deltas are small; epoch times are large. 10^9 s is 2001, far from any real delta.
        return number if number > 1e9 else now + number
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.split(",")[0].split(";")[0].strip()))
    except ValueError:
        return None


@dataclass
class RateWindow:
    """What the platform last said about one (credential, endpoint) bucket."""

    limit: int | None = None
    remaining: int | None = None   # our estimate: the header's value minus calls started since
    reset_at: float | None = None
    next_at: float = 0.0           # earliest start of the next call (spreading)


class Pacer:
    """Rate-limit state per (platform, credential, endpoint), shared across accounts and threads.

    Calls run at full speed while plenty of the window is left; once `remaining` falls to
    `spread_below` (a fraction of the limit), the calls left are spread evenly over the time to
    the reset, and at zero the next call waits for the reset. A wait longer than `max_wait`
    raises `RateLimited` so the account is deferred rather than the thread parked.
    """

    def __init__(self, *, max_wait: float = DEFAULT_MAX_WAIT, spread_below: float = 0.25,
                 margin: float = 1.0, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        self.max_wait = max_wait
        self.spread_below = spread_below
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._windows: dict[tuple, RateWindow] = {}
        self.waited = 0.0  # total seconds slept, for benchmarks and logs

    def window(self, key: tuple) -> RateWindow:
        with self._lock:
            return self._windows.setdefault(key, RateWindow())

    def before(self, key: tuple) -> None:
        """Block until a call on `key` may start (or raise RateLimited if that is too far off)."""
        with self._lock:
            w = self._windows.setdefault(key, RateWindow())
            now = self.clock()
            start = max(now, w.next_at)
            if w.reset_at is not None and start >= w.reset_at + self.margin:
                # The window rolled over: the old count no longer applies; the next response says.
                w.remaining, w.reset_at = None, None
            if w.remaining is not None and w.reset_at is not None:
                if w.remaining <= 0:
                    start = max(start, w.reset_at + self.margin)
                    if start - now > self.max_wait:
                        raise RateLimited(f"rate limit exhausted for {key[-1]}; resets in "
                                          f"{w.reset_at - now:.0f} s, more than the {self.max_wait:.0f} s "
                                          "allowed to wait", reset_at=w.reset_at)
                    # After the reset the window's size is unknown until a response tells.
                    w.remaining, w.reset_at = None, None
                    w.next_at = start
                else:
                    threshold = (w.limit or 0) * self.spread_below
                    if w.limit is None or w.remaining <= threshold:
                        w.next_at = start + max(0.0, (w.reset_at + self.margin) - start) / w.remaining
                    w.remaining -= 1
            delay = start - now
            if delay > 0:
                self.waited += delay
        if delay > 0:
            self.sleep(delay)

    def update(self, key: tuple, headers: Any) -> None:
        """Take the platform's word from a response's rate-limit headers."""
        now = self.clock()
        if not isinstance(headers, CaseInsensitiveDict):
            headers = CaseInsensitiveDict(headers)
        for limit_h, remaining_h, reset_h in RATE_HEADERS:
            remaining = _int(headers.get(remaining_h))
            if remaining is None:
                continue
            limit = _int(headers.get(limit_h))
            reset_at = parse_reset(headers.get(reset_h), now)
            with self._lock:
                w = self._windows.setdefault(key, RateWindow())
                same_window = w.reset_at is not None and reset_at is not None and abs(w.reset_at - reset_at) < 1.0
                # Responses of concurrent calls arrive out of order: within one window, the
                # smaller count is the more recent truth.
                w.remaining = min(remaining, w.remaining) if same_window and w.remaining is not None else remaining
                w.limit = limit if limit is not None else w.limit
                w.reset_at = reset_at if reset_at is not None else w.reset_at
                if w.reset_at is None:
                    w.remaining = None
            return

    def exhausted(self, key: tuple, reset_at: float | None, default_wait: float = 60.0) -> float:
        """Record a 429: nothing left until `reset_at` (or a default pause when the platform
        did not say). Returns the reset time used."""
        now = self.clock()
        if reset_at is None or reset_at <= now:
            reset_at = now + default_wait if reset_at is None else now
        with self._lock:
            w = self._windows.setdefault(key, RateWindow())
            w.remaining, w.reset_at = 0, reset_at
        return reset_at


def retrying_session(retries: int = 3, backoff_factor: float = 0.5) -> requests.Session:
    """A session whose adapter retries 5xx, connection and read errors with jittered backoff
    (GET/HEAD only; 429 is left to the pacer) and keeps no cookies: accounts share sessions, and
    nothing one response sets may ride along on another account's request."""
    session = requests.Session()
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                  allowed_methods=frozenset({"GET", "HEAD"}), status_forcelist=RETRY_STATUSES,
                  backoff_factor=backoff_factor, backoff_jitter=backoff_factor, backoff_max=30,
                  raise_on_status=False, respect_retry_after_header=False, redirect=3)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return session


_SHARED_LOCK = threading.Lock()
_SESSIONS: dict[tuple[str, str, str], requests.Session] = {}


def shared_session(platform: str, base_url: str) -> requests.Session:
    """One retrying session per platform and origin for the whole process: the scanner builds a
    connector per account, and a fresh session each time would pay a TLS handshake per account."""
    key = (platform, *_origin(base_url))
    with _SHARED_LOCK:
        if key not in _SESSIONS:
            _SESSIONS[key] = retrying_session()
        return _SESSIONS[key]


_SHARED: dict[str, Pacer] = {}


def shared_pacer(platform: str, max_wait: float | None = None) -> Pacer:
    """The process-wide pacer of a platform. The scanner builds a connector per account, so
    the rate-limit windows must outlive connectors to be shared by accounts that use the same
    credential (windows are keyed by credential and endpoint inside)."""
    with _SHARED_LOCK:
        pacer = _SHARED.get(platform)
        if pacer is None:
            pacer = _SHARED[platform] = Pacer(max_wait=DEFAULT_MAX_WAIT if max_wait is None else max_wait)
        elif max_wait is not None:
            pacer.max_wait = max_wait
        return pacer


class _TooMany(Exception):
    """A 429 the pacer will wait out on the next attempt."""

    def __init__(self, reset_at: float, message: str):
        super().__init__(message)
        self.reset_at = reset_at


_ID_SEGMENT = re.compile(r"^(\d{3,}|did:[^/]+|[0-9a-f]{16,})$", re.I)


def endpoint_of(url: str) -> str:
    """The rate-limit bucket a URL falls in when the connector does not name one: its path with
    id-like segments folded, e.g. /2/users/:id/tweets."""
    path = urlsplit(url).path
    return "/".join(":id" if _ID_SEGMENT.match(seg) else seg for seg in path.split("/"))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def platform_message(response: requests.Response) -> str:
    """The platform's own words for an error, from the usual JSON error shapes."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text and "<" not in text[:1] else (response.reason or "")
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("error", "title", "detail", "message", "error_description", "reason"):
            value = body.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
        errors = body.get("errors")
        if isinstance(errors, list):
            for e in errors[:3]:
                if isinstance(e, dict) and isinstance(e.get("message"), str) and e["message"] not in parts:
                    parts.append(e["message"])
    return ": ".join(parts)[:300] or (response.reason or "")


class ApiClient:
    """One platform endpoint seen through one credential.

    `calls` counts requests made (not urllib3's transparent retries), which the benchmarks
    report per account.
    """

    def __init__(self, platform: str, base_url: str, *, token: str | None = None, credential_key: str = "",
                 pacer: Pacer | None = None, timeout: float | tuple[float, float] = (5, 30),
                 session: requests.Session | None = None, retries: int = 3, backoff_factor: float = 0.5,
                 rate_limit_attempts: int = 4, auth_scheme: str = "Bearer"):
        self.platform = platform
        self.base_url = check_url(base_url.rstrip("/") + "/")
        self._token = token or None
        self._auth_scheme = auth_scheme
        self.credential_key = credential_key or urlsplit(self.base_url).netloc
        self.pacer = pacer or Pacer()
        self.timeout = timeout
        self.rate_limit_attempts = rate_limit_attempts
        self.calls = 0
        # A session passed in is used as it is (e.g. one shared by all accounts of a host, from
        # shared_session); otherwise the client builds its own with the retry policy.
        self.session = session or retrying_session(retries, backoff_factor)

    def __repr__(self) -> str:
        return f"ApiClient({self.platform!r}, {self.base_url!r}, credential={self.credential_key!r})"

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def url_for(self, path_or_url: str) -> str:
        # Plain concatenation, not urljoin: a path such as "did:plc:abc" would read as a scheme.
        if path_or_url.startswith(("https://", "http://")):
            return check_url(path_or_url)
        return check_url(self.base_url + path_or_url.lstrip("/"))

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token and text else text

    def key(self, endpoint: str) -> tuple:
        return (self.platform, self.credential_key, endpoint)

    def request(self, method: str, path_or_url: str, *, params: dict | None = None, endpoint: str | None = None,
                headers: dict | None = None, **kwargs: Any) -> requests.Response:
        """Send one paced request and map failures to connector errors; 429s are waited out
        (within the pacer's max_wait) and the request repeated."""
        url = self.url_for(path_or_url)
        key = self.key(endpoint or endpoint_of(url))
        retrying = Retrying(retry=retry_if_exception_type(_TooMany), stop=stop_after_attempt(self.rate_limit_attempts),
                            sleep=lambda _s: None, reraise=True)
        try:
            return retrying(self._attempt, method, url, key, params, headers, kwargs)
        except _TooMany as exc:
            raise RateLimited(str(exc), reset_at=exc.reset_at) from None

    def _attempt(self, method: str, url: str, key: tuple, params: dict | None, headers: dict | None,
                 kwargs: dict) -> requests.Response:
        self.pacer.before(key)
        all_headers = dict(headers or {})
        # The token goes only to the host it belongs to, never to a URL a page pointed at elsewhere.
        if self._token and "Authorization" not in all_headers and _origin(url) == _origin(self.base_url):
            all_headers["Authorization"] = f"{self._auth_scheme} {self._token}"
        self.calls += 1
        try:
            response = self.session.request(method, url, params=params, headers=all_headers,
                                            timeout=self.timeout, **kwargs)
        except requests.exceptions.RetryError as exc:
            raise TransientError(f"{self.platform}: {urlsplit(url).path}: gave up after retries") from None
        except requests.exceptions.RequestException as exc:
            kind = type(exc).__name__
            raise TransientError(f"{self.platform}: {urlsplit(url).path}: {kind} after retries") from None
        self.pacer.update(key, response.headers)
        status = response.status_code
        if status < 400:
            return response
        message = self._redact(platform_message(response))
        where = f"{self.platform}: {urlsplit(url).path}"
        if status == 429:
            now = self.pacer.clock()
            reset_at = None
            for _l, _r, reset_h in RATE_HEADERS:
                reset_at = reset_at or parse_reset(response.headers.get(reset_h), now)
            reset_at = reset_at or parse_reset(response.headers.get("retry-after"), now)
            reset_at = self.pacer.exhausted(key, reset_at)
            raise _TooMany(reset_at, f"{where}: 429 rate limited until {time.strftime('%H:%M:%S', time.gmtime(reset_at))} UTC")
        if status in (401, 403):
            error: ConnectorError = AuthError(f"{where}: {status} {message}".rstrip())
        elif status in (404, 410):
            error = NotFound(f"{where}: {status} {message}".rstrip())
        elif status >= 500:
            error = TransientError(f"{where}: {status} {message} after retries".rstrip())
        else:
            error = ConnectorError(f"{where}: {status} {message}".rstrip())
        error.http_status = status  # e.g. a 403 on one endpoint may mean "not in this API tier"
        raise error

    def get_json(self, path_or_url: str, params: dict | None = None, endpoint: str | None = None,
                 headers: dict | None = None) -> tuple[Any, requests.Response]:
        """GET and decode; a body that is not complete JSON is transient (cut-off transfer,
        proxy error page), never data."""
        response = self.request("GET", path_or_url, params=params, endpoint=endpoint, headers=headers)
        return decode_json(response, self.platform), response

    def library_session(self, rewrite_from: str | None = None,
                        endpoint_for: Callable[[str], str] | None = None) -> requests.Session:
        """A requests.Session for a client library (tweepy) whose every request goes through this
        client: pacing, retries, error mapping, and the configured base URL in place of the
        library's hard-coded host."""
        return _LibrarySession(self, rewrite_from, endpoint_for)


def decode_json(response: requests.Response, platform: str) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        raise TransientError(f"{platform}: {urlsplit(response.url or '').path}: response is not "
                             f"complete JSON ({len(response.content)} bytes)") from None


class _LibrarySession(requests.Session):
    """Hands a library's requests to an ApiClient. Authorization headers the library sets are
    passed through untouched (never logged); the body is checked to be JSON before the library
    sees it, so a truncated page is a TransientError rather than a library crash."""

    def __init__(self, client: ApiClient, rewrite_from: str | None, endpoint_for: Callable[[str], str] | None):
        super().__init__()
        self._client = client
        self._rewrite_from = rewrite_from.rstrip("/") + "/" if rewrite_from else None
        self._endpoint_for = endpoint_for

    def __repr__(self) -> str:
        return f"<LibrarySession via {self._client!r}>"

    def request(self, method, url, params=None, headers=None, auth=None, json=None, **kwargs):  # noqa: A002
        if self._rewrite_from and url.startswith(self._rewrite_from):
            url = self._client.base_url + url[len(self._rewrite_from):]
        endpoint = self._endpoint_for(url) if self._endpoint_for else None
        extra = {}
        if auth is not None:
            extra["auth"] = auth
        if json is not None:
            extra["json"] = json
        response = self._client.request(method, url, params=params, endpoint=endpoint, headers=headers, **extra)
        decode_json(response, self._client.platform)
        return response


def utc_iso(value: str | None) -> str | None:
    """A platform timestamp as ISO-8601 UTC ('...Z'); None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ApiConnector(Connector):
    """What the API connectors share: options from `[platforms.<name>]`, a pacer shared by every
    account of the platform, and clients made through an injectable factory (tests pass one
    without backoff; a benchmark passes one pointed at a loopback server)."""

    platform = ""
    default_base_url = ""
    max_page_size = 100

    def __init__(self, options: dict | None = None, *, client_factory: Callable[..., ApiClient] | None = None,
                 pacer: Pacer | None = None):
        self.options = dict(options or {})
        self.base_url = (self.options.get("base_url") or self.default_base_url).rstrip("/")
        check_url(self.base_url)
        max_wait = self.options.get("max_wait")
        self.max_wait = float(DEFAULT_MAX_WAIT if max_wait is None else max_wait)
        size = int(self.options.get("page_size") or 0)
        self.page_size = min(size, self.max_page_size) if size > 0 else self.max_page_size
        self.pacer = pacer or shared_pacer(self.platform, self.max_wait)
        self.client_factory = client_factory or ApiClient

    def client(self, base_url: str, *, token: str | None = None, credential_key: str = "") -> ApiClient:
        if self.client_factory is ApiClient:
            return ApiClient(self.platform, base_url, token=token, credential_key=credential_key, pacer=self.pacer,
                             session=shared_session(self.platform, check_url(base_url)))
        return self.client_factory(self.platform, base_url, token=token, credential_key=credential_key,
                                   pacer=self.pacer)
