"""What Instagram and Facebook Pages share: Meta's Graph API error codes and usage headers.

Graph answers most failures with HTTP 400 and a JSON `error` whose `code` says what happened:
190 is an expired or revoked token (a person must reconnect the account), 10/200-299 a missing
permission, 4/17/32/613 and 80001-80014 throttling. The generic HTTP mapping in `connectors.http`
cannot tell these apart, so every Graph call goes through `GraphSession`, which reads the body of
a failed response and raises the error the scanner needs, with Meta's own message.

Graph has no remaining/reset headers either: it reports usage as percentages of the limit in
`X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage` (the latter with an estimate of
minutes until access returns). `GraphUsage`, shared per credential by every account of a run,
spaces calls out as usage climbs past 80% and, when access is blocked, waits for it if that is
within the platform's `max_wait` or defers the account otherwise.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from connectors.base import (AccountRef, AuthError, ConnectorError, Coverage, NotFound, Page, RateLimited,
                             TransientError, resolve_credential)
from connectors.http import ApiConnector

log = logging.getLogger(__name__)

THROTTLE_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
PERMISSION_CODES = {10} | set(range(200, 300))
TRANSIENT_CODES = {1, 2}
SLOW_FROM = 80.0      # percent of a usage limit from which calls are spaced out
SLOW_SPACING = 10.0   # seconds between calls at 100%, scaled linearly from SLOW_FROM
BLOCKED_DEFAULT = 600.0  # seconds to stay away when blocked without an estimate


def usage_percent_and_regain(headers: Any) -> tuple[float, float]:
    """The highest usage percentage in the Graph usage headers, and the longest estimated time
    (seconds) until access is regained."""
    highest, regain = 0.0, 0.0
    for name in ("x-app-usage", "x-page-usage", "x-ad-account-usage"):
        value = _json_header(headers, name)
        if isinstance(value, dict):
            highest = max(highest, _max_pct(value))
            regain = max(regain, _minutes(value.get("estimated_time_to_regain_access")) * 60)
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    highest = max(highest, _max_pct(entry))
                    regain = max(regain, _minutes(entry.get("estimated_time_to_regain_access")) * 60)
    return highest, regain


def _json_header(headers: Any, name: str) -> Any:
    raw = headers.get(name) if headers is not None else None
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _max_pct(value: dict) -> float:
    out = 0.0
    for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
        try:
            out = max(out, float(value.get(key) or 0))
        except (TypeError, ValueError):
            continue
    return out


def _minutes(value: Any) -> float:
    try:
        return max(0.0, float(value or 0))
    except (TypeError, ValueError):
        return 0.0


class GraphUsage:
    """Usage state per credential, shared across accounts and threads of a platform."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, dict[str, float]] = {}

    def before(self, credential: str, clock, sleep, max_wait: float) -> None:
        with self._lock:
            state = self._state.setdefault(credential, {"blocked_until": 0.0, "next_at": 0.0})
            now = clock()
            start = max(now, state["next_at"])
            if state["blocked_until"] > start:
                if state["blocked_until"] - now > max_wait:
                    raise RateLimited(f"Graph API usage limit reached for this credential; access returns in about "
                                      f"{(state['blocked_until'] - now) / 60:.0f} min", reset_at=state["blocked_until"])
                start = state["blocked_until"]
            state["next_at"] = start
        if start > now:
            sleep(start - now)

    def update(self, credential: str, headers: Any, now: float) -> None:
        pct, regain = usage_percent_and_regain(headers)
        with self._lock:
            state = self._state.setdefault(credential, {"blocked_until": 0.0, "next_at": 0.0})
            if regain > 0:
                state["blocked_until"] = max(state["blocked_until"], now + regain)
            elif pct >= 100:
                state["blocked_until"] = max(state["blocked_until"], now + BLOCKED_DEFAULT)
            if pct > SLOW_FROM:
                spacing = SLOW_SPACING * min(1.0, (pct - SLOW_FROM) / (100 - SLOW_FROM))
                state["next_at"] = max(state["next_at"], now + spacing)

    def block(self, credential: str, until: float) -> None:
        with self._lock:
            state = self._state.setdefault(credential, {"blocked_until": 0.0, "next_at": 0.0})
            state["blocked_until"] = max(state["blocked_until"], until)

    def blocked_until(self, credential: str) -> float:
        with self._lock:
            return self._state.get(credential, {}).get("blocked_until", 0.0)


_USAGE: dict[str, GraphUsage] = {}
_USAGE_LOCK = threading.Lock()


def shared_usage(platform: str) -> GraphUsage:
    with _USAGE_LOCK:
        return _USAGE.setdefault(platform, GraphUsage())


class GraphSession:
    """One account's Graph calls: a client, usage pacing and error classification."""

    def __init__(self, platform: str, client, usage: GraphUsage, *, credential: str, max_wait: float):
        self.platform = platform
        self.client = client
        self.usage = usage
        self.credential = credential
        self.max_wait = max_wait
        self.calls = 0
        self.last_response = None
        client.session.hooks.setdefault("response", []).append(self._keep)

    def _keep(self, response, *args, **kwargs):
        self.last_response = response
        return response

    def take_calls(self) -> int:
        calls, self.calls = self.calls, 0
        return calls

    def get(self, path: str, params: dict, endpoint: str) -> dict:
        pacer = self.client.pacer
        self.usage.before(self.credential, pacer.clock, pacer.sleep, self.max_wait)
        self.calls += 1
        self.last_response = None
        try:
            data, response = self.client.get_json(path, params=params, endpoint=endpoint)
        except RateLimited:
            raise
        except ConnectorError as exc:
            if self.last_response is not None:
                self.usage.update(self.credential, self.last_response.headers, pacer.clock())
            raise self.classify(exc) from None
        self.usage.update(self.credential, response.headers, pacer.clock())
        if not isinstance(data, dict):
            raise TransientError(f"{self.platform}: {endpoint}: unexpected response shape")
        if isinstance(data.get("error"), dict):  # some proxies and old versions answer 200 with an error
            raise self.classify(ConnectorError(f"{self.platform}: {endpoint}: error"), data["error"])
        return data

    def classify(self, exc: ConnectorError, error: dict | None = None) -> ConnectorError:
        if error is None:
            error = _error_of(self.last_response)
        if not error:
            return exc
        code = _int(error.get("code"))
        subcode = _int(error.get("error_subcode"))
        message = error.get("error_user_msg") or error.get("message") or str(exc)
        text = f"{self.platform}: {message} (Graph error {code}{f'/{subcode}' if subcode else ''})"
        if code == 190 or code == 102:
            return AuthError(text)
        if code in PERMISSION_CODES:
            return AuthError(text)
        if code in THROTTLE_CODES:
            now = self.client.pacer.clock()
            until = max(self.usage.blocked_until(self.credential), now + BLOCKED_DEFAULT)
            self.usage.block(self.credential, until)
            return RateLimited(text, reset_at=until)
        if code in TRANSIENT_CODES or error.get("is_transient"):
            return TransientError(text)
        if code == 100 and subcode == 33 or code == 803:
            return NotFound(text)
        return type(exc)(text) if isinstance(exc, (AuthError, NotFound, TransientError)) else ConnectorError(text)


def _error_of(response) -> dict:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def next_after(listing: dict) -> str | None:
    """The `after` cursor of a Graph listing, only when Graph says there is a next page.

    The `next` URL itself is not followed: it carries the access token in its query string,
    which must not reach logs or exception messages."""
    paging = listing.get("paging") or {}
    if not paging.get("next"):
        return None
    return (paging.get("cursors") or {}).get("after")


def read_newest_first(platform: str, graph: "GraphSession", walk, listing: dict, *, time_field: str,
                      to_item: Callable[[dict], dict], next_listing: Callable[[str], dict],
                      pending: list[dict], coverage: Coverage, base: dict[str, Any]) -> Iterator[Page]:
    """Page through a newest-first Graph edge (a Page's posts, an Instagram user's media).

    A pass stops at the first entry older than the last complete pass (`walk`, a
    connectors.newest_first.NewestFirstPass); each page carries the cursor that is safe once its
    items are stored, and a repeated `after` cursor ends the read instead of looping.
    """
    from connectors.newest_first import iso_utc

    cursors_seen: set[str | None] = set()
    while True:
        handed: list[str] = []
        stop = False
        for raw in listing.get("data") or []:
            raw_id = str(raw.get("id") or "")
            when = iso_utc(raw.get(time_field))
            if not raw_id:
                continue
            if walk.is_older_than_mark(when):
                stop = True
                break
            if walk.wanted(raw_id, when):
                item = to_item(raw)
                pending.append(item)
                coverage.item_ids.add(item["id"])
                handed.append(raw_id)
        after = None if stop else next_after(listing)
        if after is not None and after in cursors_seen:
            raise TransientError(f"{platform}: paging cursor repeated; stopping this read")
        cursors_seen.add(after)
        if after is None:
            yield Page(pending, walk.final_cursor(**base), coverage, graph.take_calls())
            return
        yield Page(pending, walk.page_cursor(handed, **base), coverage, graph.take_calls())
        pending, coverage = [], Coverage()
        listing = next_listing(after)


class GraphConnector(ApiConnector):
    """What the Facebook Page and Instagram connectors share: Graph's endpoint and page size, the
    platform's usage ledger, and opening one account's Graph session."""

    default_base_url = "https://graph.facebook.com/v21.0"
    max_page_size = 100

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None, usage=None):
        super().__init__(options, client_factory=client_factory, pacer=pacer)
        self.usage = usage or shared_usage(self.platform)

    def graph_session(self, account: AccountRef) -> GraphSession:
        token = resolve_credential(account.credential)
        client = self.client(self.base_url, token=token, credential_key=account.credential)
        return GraphSession(self.platform, client, self.usage, credential=account.credential, max_wait=self.max_wait)
