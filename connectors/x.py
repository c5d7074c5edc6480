"""X (API v2) through tweepy's Client, with the scanner's pacing underneath.

tweepy builds the requests (parameters, expansions, routes); its `session` is replaced by one
that sends every request through `ApiClient`, so pacing per credential and endpoint, retries
with backoff, error mapping and the configured base URL apply exactly as for the other
platforms. tweepy's own rate-limit handling (`wait_on_rate_limit`) would sleep without bound and
ignore `x-rate-limit-remaining`, so it stays off. Its debug log prints request headers; a
filter blanks the bearer token there.

Posts are listed newest-first with `since_id`. The query asks from just below the newest tweet
already stored, so even a night with nothing new returns that one tweet with its author expanded:
the account's `following_count`, name and bio arrive in the same single call. While paging,
the cursor keeps the old `since_id` plus the next page's token, so a failure midway resumes at
that page: nothing is skipped and nothing is read twice. The following list (with bios) is read
only when `following_count` changed; likes only when the credential is a user token
(GET /2/users/me answers), since app-only tokens cannot list them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import tweepy

from connectors.base import AccountRef, AuthError, ConnectorError, Coverage, NotFound, Page, resolve_credential
from connectors.http import ApiClient, ApiConnector, endpoint_of, utc_iso

log = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"
REFRESH_EVERY = 7 * 86400
KNOWN_LIKES = 20  # newest liked ids remembered to find where the last read stopped

EXPANSIONS = ["author_id", "attachments.media_keys", "geo.place_id", "referenced_tweets.id",
              "referenced_tweets.id.author_id", "referenced_tweets.id.attachments.media_keys"]
TWEET_FIELDS = ["created_at", "author_id", "referenced_tweets", "attachments", "geo", "note_tweet",
                "entities", "in_reply_to_user_id", "conversation_id"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "alt_text", "media_key"]
PLACE_FIELDS = ["full_name", "name", "geo", "country", "place_type"]
USER_FIELDS = ["username", "name", "description", "public_metrics", "url", "location", "entities"]
MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "gif"}
_BEARER = re.compile(r"Bearer [A-Za-z0-9%._~+/=-]+")


class _RedactBearer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "Bearer " in record.msg:
            record.msg = _BEARER.sub("Bearer [redacted]", record.msg)
        return True


logging.getLogger("tweepy.client").addFilter(_RedactBearer())


def x_endpoint(url: str) -> str:
    """X's rate-limit buckets are per endpoint template: fold ids and usernames."""
    return re.sub(r"/by/username/[^/?]+", "/by/username/:username", endpoint_of(url))


class XConnector(ApiConnector):
    platform = "x"
    default_base_url = "https://api.x.com"
    max_page_size = 100

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None):
        super().__init__(options, client_factory=client_factory, pacer=pacer)
        self.clock = time.time
        self.api: ApiClient | None = None

    def _clients(self, account: AccountRef) -> tuple[ApiClient, tweepy.Client]:
        token = resolve_credential(account.credential)
        api = self.client(self.base_url, token=None, credential_key=account.credential)
        client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
        client.session = api.library_session(rewrite_from=TWEEPY_HOST, endpoint_for=x_endpoint)
        self.api = api
        return api, client

    # -- reading ---------------------------------------------------------------------------

    def fetch(self, account: AccountRef, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {})
        api, client = self._clients(account)
        handle = account.handle.lstrip("@")
        stale = self.clock() - state.get("refreshed_at", 0) > REFRESH_EVERY
        user: dict | None = None
        calls = api.calls
        last: dict = dict(cursor or {})  # the cursor most recently handed over
        if not state.get("user_id") and account.platform_user_id:
            state["user_id"] = account.platform_user_id
        if not state.get("user_id") or stale:
            user = self._user(client, handle)
            state["user_id"] = user["id"]
        uid = state["user_id"]

        # Posts, newest first, resumable at the page that failed.
        since = state.get("since_id")
        pending = dict(state.get("pending") or {})
        newest = pending.get("newest") or since
        token = pending.get("pagination_token")
        while True:
            params: dict[str, Any] = dict(max_results=max(5, self.page_size), expansions=EXPANSIONS,
                                          tweet_fields=TWEET_FIELDS, media_fields=MEDIA_FIELDS,
                                          place_fields=PLACE_FIELDS, user_fields=USER_FIELDS, user_auth=False)
            if since:
                params["since_id"] = str(int(since) - 1)  # the newest stored tweet comes back: see above
            if token:
                params["pagination_token"] = token
            try:
                resp = client.get_users_tweets(uid, **params)
            except ConnectorError as exc:
                if token and type(exc) is ConnectorError:  # an expired page token: start the listing over
                    log.info("x: %s: page token refused (%s); listing again from since_id", handle, exc)
                    token, newest = None, since
                    state.pop("pending", None)
                    continue
                raise
            self._raise_errors(resp, handle, data_expected=False)
            includes = resp.get("includes") or {}
            for u in includes.get("users", []):
                if u.get("id") == uid:
                    user = u
            tweets = [t for t in resp.get("data") or [] if not since or int(t["id"]) > int(since)]
            items = [self.tweet_item(t, includes, handle) for t in tweets]
            if tweets:
                top = max(tweets, key=lambda t: int(t["id"]))["id"]
                newest = top if not newest or int(top) > int(newest) else newest
            token = (resp.get("meta") or {}).get("next_token")
            if token:
                state["pending"] = {"pagination_token": token, "newest": newest}
            else:
                state.pop("pending", None)
                if newest:
                    state["since_id"] = newest
            if items or state != last:
                last = dict(state)
                yield Page(items, last, Coverage({i["id"] for i in items}), api_calls=api.calls - calls)
                calls = api.calls
            if not token:
                break

        # Profile and follows (user is None only on a quiet night for an account whose newest
        # tweet is gone or that never posted: the weekly refresh covers those).
        if user is not None:
            items = [self.profile_item(user, handle)]
            complete = {"profile"}
            count = (user.get("public_metrics") or {}).get("following_count")
            if "following_count" not in state or count != state["following_count"]:
                follows = self._following(client, uid, handle)
                if follows is not None:
                    items.extend(follows)
                    complete.add("follow")
                    state["following_count"] = count
                else:  # tried again only when the count moves, not every night
                    items[0]["follows_hidden"] = "the following list is not available to this credential (X API access tier)"
                    state["following_count"] = count
            if stale:
                state["refreshed_at"] = int(self.clock())
            state["profile_sig"] = _signature(user)
            if len(items) > 1 or state != last:  # the profile is handed over when something moved
                last = dict(state)
                yield Page(items, last, Coverage({i["id"] for i in items}, complete), api_calls=api.calls - calls)
                calls = api.calls

        # Likes, with a user token only.
        if stale or "user_token" not in state:
            state["user_token"] = self._is_user_token(client)
        if state["user_token"]:
            for page in self._likes(client, api, state, uid, handle):
                last = page.cursor
                yield page
            calls = api.calls
        if state != last:  # e.g. the token check: remember it
            yield Page([], dict(state), Coverage(), api_calls=api.calls - calls)

    def _user(self, client: tweepy.Client, handle: str) -> dict:
        resp = client.get_user(username=handle, user_fields=USER_FIELDS, user_auth=False)
        self._raise_errors(resp, handle, data_expected=True)
        return resp["data"]

    @staticmethod
    def _raise_errors(resp: dict, handle: str, data_expected: bool) -> None:
        """X answers 200 with an `errors` list for missing, suspended or protected accounts."""
        errors = resp.get("errors") or []
        if resp.get("data") or not errors or (not data_expected and not any(
                e.get("resource_type") == "user" for e in errors)):
            return
        e = errors[0]
        message = f"x: {handle}: {e.get('title', '')}: {e.get('detail', '')}".rstrip(": ")
        if "not-found" in e.get("type", "") or e.get("title") == "Not Found Error" \
                or "suspended" in e.get("detail", "").lower():
            raise NotFound(message)
        if "not-authorized" in e.get("type", "") or e.get("title") == "Authorization Error":
            raise AuthError(message)  # protected posts: only a token the owner authorized can read them
        raise ConnectorError(message)

    def _is_user_token(self, client: tweepy.Client) -> bool:
        try:
            client.get_me(user_auth=False)
        except AuthError:
            return False  # app-only bearer: "Unsupported Authentication"
        return True

    def _following(self, client: tweepy.Client, uid: str, handle: str) -> list[dict] | None:
        """Everyone the account follows, or None when this credential's API tier has no access
        to the endpoint (403): follows then go unchecked, which is logged, not an account failure."""
        items: list[dict] = []
        token = None
        while True:
            try:
                resp = client.get_users_following(uid, max_results=1000, pagination_token=token,
                                                  user_fields=USER_FIELDS, user_auth=False)
            except AuthError as exc:
                if getattr(exc, "http_status", None) != 403:
                    raise
                log.warning("x: %s: following list not available to this credential (%s); follows not checked",
                            handle, exc)
                return None
            for u in resp.get("data") or []:
                items.append(dict(self._base(handle), type="follow", id=f"x:follow:{u['id']}",
                                  target={"id": u["id"], "handle": u.get("username"), "name": u.get("name"),
                                          "bio": u.get("description") or "", "location": u.get("location"),
                                          "url": f"https://x.com/{u.get('username')}"}))
            token = (resp.get("meta") or {}).get("next_token")
            if not token:
                return items

    def _likes(self, client: tweepy.Client, api: ApiClient, state: dict, uid: str, handle: str) -> Iterator[Page]:
        known = set(state.get("likes_top") or [])
        pending = dict(state.get("likes_pending") or {})
        token = pending.get("pagination_token")
        top = pending.get("top")
        while True:
            calls = api.calls
            resp = client.get_liked_tweets(uid, max_results=100, pagination_token=token, expansions=EXPANSIONS,
                                           tweet_fields=TWEET_FIELDS, media_fields=MEDIA_FIELDS,
                                           place_fields=PLACE_FIELDS, user_fields=USER_FIELDS, user_auth=False)
            data = resp.get("data") or []
            includes = resp.get("includes") or {}
            if top is None:
                top = [t["id"] for t in data[:KNOWN_LIKES]]
            fresh = []
            reached = False
            for t in data:
                if t["id"] in known:
                    reached = True
                    break
                fresh.append(t)
            items = [dict(self._base(handle), type="like", id=f"x:like:{t['id']}",
                          post=self.post_fields(t, includes)) for t in fresh]
            token = (resp.get("meta") or {}).get("next_token")
            if reached or not token:
                state.pop("likes_pending", None)
                state["likes_top"] = top or state.get("likes_top") or []
                if items or state.get("likes_top") != list(known):
                    yield Page(items, dict(state), Coverage({i["id"] for i in items}), api_calls=api.calls - calls)
                return
            state["likes_pending"] = {"pagination_token": token, "top": top}
            yield Page(items, dict(state), Coverage({i["id"] for i in items}), api_calls=api.calls - calls)

    # -- items -----------------------------------------------------------------------------

    def _base(self, handle: str) -> dict:
        return {"platform": self.platform, "account": handle}

    def post_fields(self, tweet: dict, includes: dict, depth: int = 0) -> dict:
        users = {u["id"]: u for u in includes.get("users", [])}
        media = {m["media_key"]: m for m in includes.get("media", [])}
        places = {p["id"]: p for p in includes.get("places", [])}
        tweets = {t["id"]: t for t in includes.get("tweets", [])}
        author = users.get(tweet.get("author_id"), {})
        refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets") or []}
        text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text", "")
        out: dict[str, Any] = {
            "id": f"x:{tweet['id']}",
            "created_at": utc_iso(tweet.get("created_at")),
            "url": f"https://x.com/{author.get('username') or 'i/web'}/status/{tweet['id']}",
            "kind": "quote" if "quoted" in refs else "reply" if "replied_to" in refs else "original",
            "text": text,
            "author": {"id": tweet.get("author_id"), "handle": author.get("username"), "name": author.get("name")},
            "media": [self._media(media[k]) for k in (tweet.get("attachments") or {}).get("media_keys", [])
                      if k in media],
            "place": self._place(tweet.get("geo") or {}, places),
            "visibility": "public",
        }
        if "replied_to" in refs:
            out["in_reply_to"] = f"x:{refs['replied_to']}"
        if "quoted" in refs and depth == 0:
            quoted = tweets.get(refs["quoted"])
            out["quoted"] = self.post_fields(quoted, includes, depth + 1) if quoted else {"id": f"x:{refs['quoted']}"}
        return out

    def tweet_item(self, tweet: dict, includes: dict, handle: str) -> dict:
        refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets") or []}
        if "retweeted" in refs:
            original = {t["id"]: t for t in includes.get("tweets", [])}.get(refs["retweeted"])
            if original:
                inner = self.post_fields(original, includes)
            else:  # the original is gone or hidden: keep what the retweet itself says
                inner = self.post_fields(tweet, includes)
                inner["author"] = {}
            inner.update(id=f"x:{tweet['id']}", kind="repost", created_at=utc_iso(tweet.get("created_at")),
                         reposted_id=f"x:{refs['retweeted']}",
                         url=f"https://x.com/{handle}/status/{tweet['id']}")
            return dict(self._base(handle), type="post", **inner)
        fields = self.post_fields(tweet, includes)
        fields.pop("author", None)
        fields["url"] = f"https://x.com/{handle}/status/{tweet['id']}"
        return dict(self._base(handle), type="post", **fields)

    @staticmethod
    def _media(m: dict) -> dict:
        return {"type": MEDIA_TYPES.get(m.get("type"), m.get("type")),
                "url": m.get("url") or m.get("preview_image_url"), "alt": m.get("alt_text") or ""}

    @staticmethod
    def _place(geo: dict, places: dict) -> dict | None:
        if not geo:
            return None
        place = places.get(geo.get("place_id"), {})
        out: dict[str, Any] = {"name": place.get("full_name") or place.get("name")}
        coords = (geo.get("coordinates") or {}).get("coordinates")
        if coords and len(coords) == 2:
            out["lon"], out["lat"] = coords  # GeoJSON order
        else:
            bbox = (place.get("geo") or {}).get("bbox")
            if bbox and len(bbox) == 4:  # [west, south, east, north]: its centre
                out["lon"], out["lat"] = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
                out["approximate"] = True
        return out if out.get("name") or "lat" in out else None

    def profile_item(self, user: dict, handle: str) -> dict:
        urls = ((user.get("entities") or {}).get("url") or {}).get("urls", [])
        links = [u.get("expanded_url") or u.get("url") for u in urls]
        return dict(self._base(handle), type="profile", id=f"x:profile:{user['id']}", name=user.get("name"),
                    bio=user.get("description") or "", location=user.get("location"),
                    url=f"https://x.com/{user.get('username') or handle}", links=[link for link in links if link])


def _signature(user: dict) -> str:
    return "\x1f".join(str(user.get(k) or "") for k in ("name", "description", "location", "url", "username"))
