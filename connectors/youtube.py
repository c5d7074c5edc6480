"""YouTube channels through the Data API v3: uploads, with where each video was recorded.

A channel's uploads are a playlist (`channels.list part=contentDetails` names it), listed newest
first by `playlistItems.list`; the videos' own details, including the recording location a
teacher may have set without thinking, come from `videos.list`, 50 ids a call. The same
`channels.list` call also gives the channel's title and description, i.e. the profile, and
`subscriptions.list` the channels it subscribes to (follows), when the owner left them public.

YouTube has no rate-limit headers; it has a daily quota per Google Cloud project (10,000 units
by default, 1 unit per list call, failed calls included) that resets at midnight Pacific time.
Every call is counted against `quota_units_per_day` per credential before it is made, so a scan
defers the remaining channels (RateLimited until the reset) instead of burning the day's quota
on 403s, and a `quotaExceeded` answer does the same.

The credential is an API key (sent in the `X-goog-api-key` header, never in a URL) or, when it
starts with `ya29.`, an OAuth access token.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import (AccountRef, AuthError, ConnectorError, Coverage, NotFound, Page, RateLimited,
                             TransientError, resolve_credential)
from connectors.http import ApiConnector
from connectors.newest_first import NewestFirstPass, iso_utc

log = logging.getLogger(__name__)

PLATFORM = "youtube"
DEFAULT_QUOTA = 10_000
QUOTA_TZ = ZoneInfo("America/Los_Angeles")
# Google answers quota and key trouble with these `errors[].reason` values.
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}          # the day's quota: wait for midnight PT
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}     # too fast: a short pause
RATE_PAUSE = 60.0
KEY_REASONS = {"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "forbidden",
               "accessNotConfigured", "authError", "insufficientPermissions"}


class QuotaLedger:
    """Units spent per credential in the current quota day (Pacific time), shared by all
    accounts of a run so the whole scan stays under the project's daily quota."""

    def __init__(self, clock=None):
        self._lock = threading.Lock()
        self._spent: dict[str, tuple[str, int]] = {}
        self._clock = clock or (lambda: datetime.now(QUOTA_TZ))

    def _day(self) -> str:
        return self._clock().astimezone(QUOTA_TZ).date().isoformat()

    def reset_at(self) -> float:
        now = self._clock().astimezone(QUOTA_TZ)
        return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=QUOTA_TZ).timestamp()

    def spent(self, credential: str) -> int:
        with self._lock:
            day, units = self._spent.get(credential, ("", 0))
            return units if day == self._day() else 0

    def charge(self, credential: str, limit: int, units: int = 1) -> None:
        """Count a call before it is made; refuse it when the day's quota would be exceeded."""
        with self._lock:
            today = self._day()
            day, spent = self._spent.get(credential, (today, 0))
            if day != today:
                spent = 0
            if spent + units > limit:
                raise RateLimited(f"youtube: daily quota of {limit} units used up for this credential; "
                                  "resets at midnight Pacific time", reset_at=self.reset_at())
            self._spent[credential] = (today, spent + units)

    def record(self, credential: str, units: int) -> None:
        """Count units already spent (retried attempts), even past the limit."""
        with self._lock:
            today = self._day()
            day, spent = self._spent.get(credential, (today, 0))
            self._spent[credential] = (today, (spent if day == today else 0) + units)

    def exhaust(self, credential: str, limit: int) -> None:
        with self._lock:
            self._spent[credential] = (self._day(), max(limit, 1))


LEDGER = QuotaLedger()


class YouTubeConnector(ApiConnector):
    platform = PLATFORM
    default_base_url = "https://www.googleapis.com/youtube/v3"
    max_page_size = 50

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None,
                 ledger: QuotaLedger | None = None):
        super().__init__(options, client_factory=client_factory, pacer=pacer)
        self.quota = int(self.options.get("quota_units_per_day") or DEFAULT_QUOTA)
        self.ledger = ledger or LEDGER

    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        secret = resolve_credential(account.credential)
        session = _Session(self, account, secret)
        walk = NewestFirstPass(cursor)

        channel = session.channel(walk.base.get("channel_id"))
        channel_id = channel["id"]
        uploads = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
        profile = channel_profile(account.handle, channel)
        base = {"channel_id": channel_id}
        # Profile and subscriptions first: a full listing each, so their pages change no cursor.
        yield from self.subscriptions(session, account, channel_id, profile, keep=cursor)
        pending: list[dict] = []
        coverage = Coverage()
        if not uploads:  # a channel without uploads (or hidden ones) has nothing more to read
            yield Page(pending, walk.final_cursor(**base, quota_units=session.units), coverage, session.take_calls())
            return

        token: str | None = None
        tokens_seen: set[str | None] = set()
        while True:
            listing = session.get("playlistItems", {"part": "contentDetails", "playlistId": uploads,
                                                    "maxResults": self.page_size, **({"pageToken": token} if token else {})})
            wanted: list[str] = []
            stop = False
            for entry in listing.get("items") or []:
                details = entry.get("contentDetails") or {}
                video_id = details.get("videoId")
                published = iso_utc(details.get("videoPublishedAt"))
                if not video_id or not published:  # private or not yet published: nothing public to judge
                    continue
                if walk.is_older_than_mark(published):
                    stop = True
                    break
                if walk.wanted(video_id, published):
                    wanted.append(video_id)
            items = []
            if wanted:
                videos = session.get("videos", {"part": "snippet,recordingDetails", "id": ",".join(wanted)})
                by_id = {v.get("id"): v for v in videos.get("items") or []}
                items = [video_post(account.handle, by_id[v]) for v in wanted if v in by_id]
            token = listing.get("nextPageToken")
            if token and token in tokens_seen:
                raise TransientError("youtube: page token repeated; stopping this read")
            tokens_seen.add(token)
            last = stop or not token
            for post in items:
                coverage.item_ids.add(post["id"])
            pending.extend(items)
            if last:
                log.info("youtube %s: %d quota units this read, %d spent today on this credential",
                         account.handle, session.units, self.ledger.spent(account.credential))
                yield Page(pending, walk.final_cursor(**base, quota_units=session.units), coverage,
                           session.take_calls())
                return
            yield Page(pending, walk.page_cursor(wanted, **base), coverage, session.take_calls())
            pending, coverage = [], Coverage()


    def subscriptions(self, session: _Session, account: AccountRef, channel_id: str,
                      profile: dict, keep: dict[str, Any] | None) -> Iterator[Page]:
        """The channels this channel subscribes to, as follows (a teacher's channel subscribed to
        a student's is what the student-follow rule is about). Private subscriptions are said so
        on the profile, and follows are then not marked as fully listed. These pages hand back
        the cursor they were given (`keep`): they move no position in the uploads."""
        pending: list[dict] = [profile]
        coverage = Coverage(item_ids={profile["id"]}, complete_types={"profile", "follow"})
        token: str | None = None
        tokens_seen: set[str | None] = set()
        while True:
            params = {"part": "snippet", "channelId": channel_id, "maxResults": 50}
            try:
                data = session.get("subscriptions", {**params, **({"pageToken": token} if token else {})})
            except AuthError:
                if "subscriptionForbidden" not in session.last_reasons:
                    raise
                log.info("youtube: %s keeps its subscriptions private; follows not checked", account.handle)
                profile["follows_hidden"] = "the channel keeps its subscriptions private"
                coverage.complete_types.discard("follow")
                yield Page(pending, keep, coverage, session.take_calls())
                return
            for entry in data.get("items") or []:
                follow = subscription_follow(account.handle, entry)
                if follow:
                    pending.append(follow)
                    coverage.item_ids.add(follow["id"])
            token = data.get("nextPageToken")
            if not token or token in tokens_seen:
                if token:
                    raise TransientError("youtube: page token repeated; stopping this read")
                yield Page(pending, keep, coverage, session.take_calls())
                return
            tokens_seen.add(token)
            yield Page(pending, keep, coverage, session.take_calls())
            pending, coverage = [], Coverage()


class _Session:
    """One account's read: the client, the quota bookkeeping and Google's error shapes."""

    def __init__(self, connector: YouTubeConnector, account: AccountRef, secret: str):
        self.connector = connector
        self.account = account
        self.credential = account.credential
        oauth = secret.startswith("ya29.")
        self.headers = {} if oauth else {"X-goog-api-key": secret}
        self.client = connector.client(connector.base_url, token=secret if oauth else None,
                                       credential_key=account.credential)
        self.last_response = None
        self.client.session.hooks.setdefault("response", []).append(self._keep)
        self.units = 0
        self._calls = 0
        self.last_reasons: set = set()

    def _keep(self, response, *args, **kwargs):
        self.last_response = response
        return response

    def take_calls(self) -> int:
        calls, self._calls = self._calls, 0
        return calls

    def get(self, endpoint: str, params: dict) -> dict:
        self.connector.ledger.charge(self.credential, self.connector.quota)
        self.units += 1
        self._calls += 1
        self.last_response = None
        try:
            data, _ = self.client.get_json(endpoint, params=params, endpoint=endpoint, headers=self.headers)
        except RateLimited:
            raise
        except ConnectorError as exc:
            raise self._classify(exc) from None
        finally:
            self._charge_retries()
        if not isinstance(data, dict):
            raise ConnectorError(f"youtube: {endpoint}: unexpected response shape")
        return data

    def _charge_retries(self) -> None:
        """Google bills failed calls too: count the attempts urllib3 retried transparently."""
        retries = getattr(getattr(self.last_response, "raw", None), "retries", None)
        extra = len(getattr(retries, "history", None) or ())
        if extra:
            self.connector.ledger.record(self.credential, extra)
            self.units += extra

    def _classify(self, exc: ConnectorError) -> ConnectorError:
        """Google says 403 both for 'quota used up' (wait for tomorrow) and 'key refused' (a
        person must act); 400 for a bad key. Tell them apart by the error reason."""
        body = _error_body(self.last_response)
        reasons = {e.get("reason") for e in body.get("errors") or [] if isinstance(e, dict)}
        reasons |= {d.get("reason") for d in body.get("details") or [] if isinstance(d, dict)}
        self.last_reasons = reasons
        message = _strip_tags(body.get("message") or "") or str(exc)
        if reasons & QUOTA_REASONS:
            self.connector.ledger.exhaust(self.credential, self.connector.quota)
            return RateLimited(f"youtube: quota exceeded: {message}", reset_at=self.connector.ledger.reset_at())
        if reasons & RATE_REASONS:
            return RateLimited(f"youtube: {message}", reset_at=self.client.pacer.clock() + RATE_PAUSE)
        if reasons & KEY_REASONS or isinstance(exc, AuthError):
            return AuthError(f"youtube: {message}")
        if isinstance(exc, NotFound):
            return NotFound(f"youtube: {message}")
        return exc

    def channel(self, known_id: str | None) -> dict:
        handle = self.account.handle.strip()
        channel_id = self.account.platform_user_id or known_id
        if not channel_id and handle.startswith("UC") and len(handle) == 24:
            channel_id = handle
        params: dict[str, Any] = {"part": "contentDetails,snippet"}
        if channel_id:
            params["id"] = channel_id
        else:
            params["forHandle"] = handle if handle.startswith("@") else "@" + handle
        data = self.get("channels", params)
        items = data.get("items") or []
        if not items:
            raise NotFound(f"youtube: no channel {channel_id or params['forHandle']}")
        return items[0]


def _error_body(response) -> dict:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def channel_profile(handle: str, channel: dict) -> dict:
    snippet = channel.get("snippet") or {}
    custom = snippet.get("customUrl") or ""
    url = f"https://www.youtube.com/{custom}" if custom.startswith("@") else f"https://www.youtube.com/channel/{channel['id']}"
    description = snippet.get("description") or ""
    return {
        "type": "profile",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:channel:{channel['id']}",
        "name": snippet.get("title") or "",
        "bio": description,
        "url": url,
        "links": [w for w in description.split() if w.startswith(("http://", "https://"))],
    }


def subscription_follow(handle: str, entry: dict) -> dict | None:
    snippet = entry.get("snippet") or {}
    target = (snippet.get("resourceId") or {}).get("channelId")
    if not target:
        return None
    return {
        "type": "follow",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:follow:{target}",
        "created_at": iso_utc(snippet.get("publishedAt")),
        "target": {"id": target, "name": snippet.get("title") or "", "bio": snippet.get("description") or "",
                   "url": f"https://www.youtube.com/channel/{target}"},
    }


THUMBNAIL_ORDER = ("maxres", "standard", "high", "medium", "default")


def video_post(handle: str, video: dict) -> dict:
    snippet = video.get("snippet") or {}
    recording = video.get("recordingDetails") or {}
    title = snippet.get("title") or ""
    description = snippet.get("description") or ""
    tags = snippet.get("tags") or []
    text = "\n\n".join(p for p in (title, description, " ".join(f"#{t}" for t in tags)) if p)
    # Videos and thumbnails carry no alt text on YouTube: `alt` is left out (unknown).
    media = [{"type": "video", "url": f"https://www.youtube.com/watch?v={video['id']}"}]
    thumbnails = snippet.get("thumbnails") or {}
    for size in THUMBNAIL_ORDER:
        if (thumbnails.get(size) or {}).get("url"):
            media.append({"type": "image", "url": thumbnails[size]["url"]})
            break
    return {
        "type": "post",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:{video['id']}",
        "created_at": iso_utc(snippet.get("publishedAt")),
        "url": f"https://www.youtube.com/watch?v={video['id']}",
        "kind": "original",
        "text": text,
        "media": media,
        "place": recording_place(recording),
        "visibility": "public",
    }


def recording_place(recording: dict) -> dict | None:
    location = recording.get("location") or {}
    name = recording.get("locationDescription") or None
    lat, lon = location.get("latitude"), location.get("longitude")
    if lat is None or lon is None:
        return {"name": name, "lat": None, "lon": None} if name else None
    return {"name": name, "lat": float(lat), "lon": float(lon)}
