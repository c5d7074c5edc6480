"""Mastodon over its REST API, one base URL per instance.

Statuses are read oldest-first after the newest one already stored: `min_id` returns the page
right after it, and the `Link: rel="prev"` URL names the next one, so each page's cursor is safe to
store as soon as the page is stored. A first read starts from `min_id=0` the same way. A nightly
run with nothing new is that single call returning `[]`.

Who the account follows and its profile come with every status (the embedded account carries
`following_count` and the bio); the following list is re-read when `following_count` changed,
and profile and follows are refreshed weekly even when the account posted nothing. Follow lists can
be hidden by their owner (the API then returns nothing or refuses): the read says so in the log
and leaves follows out of the complete coverage rather than failing or reporting unfollows.
Favourites are only visible to the token's own account, so they are read only then.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from connectors.base import AccountRef, AuthError, ConnectorError, Coverage, Page, resolve_credential
from connectors.http import ApiClient, ApiConnector, utc_iso

log = logging.getLogger(__name__)

REFRESH_EVERY = 7 * 86400
VISIBILITY = {"public": "public", "unlisted": "unlisted", "private": "followers", "direct": "direct"}
MEDIA_TYPES = {"image": "image", "video": "video", "gifv": "gif", "audio": "audio"}
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


def html_to_text(html: str | None) -> str:
    """Status HTML as the words a reader sees: paragraphs and line breaks kept, tags dropped."""
    if not html:
        return ""
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for p in soup.find_all("p"):
        p.insert_after("\n\n")
    # Mastodon hides the middle of long URLs in spans ("invisible", "ellipsis"): keep the full URL.
    text = soup.get_text()
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_links(html: str | None) -> list[str]:
    if not html:
        return []
    soup = BeautifulSoup(html, "html.parser")
    return [a["href"] for a in soup.find_all("a", href=True)
            if "mention" not in (a.get("class") or []) and "hashtag" not in (a.get("class") or [])]


def links_of(response) -> dict[str, str]:
    """rel → URL from a Link header."""
    return {rel: url for url, rel in _LINK.findall(response.headers.get("Link", ""))}


def min_id_of(url: str | None) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("min_id")
    return values[0] if values else None


class MastodonConnector(ApiConnector):
    platform = "mastodon"
    default_base_url = ""
    max_page_size = 40

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None):
        opts = dict(options or {})
        self._configured_base = bool(opts.get("base_url"))
        opts.setdefault("base_url", "")
        if not opts["base_url"]:
            opts["base_url"] = "https://mastodon.invalid"  # replaced per account by its instance
        super().__init__(opts, client_factory=client_factory, pacer=pacer)
        self.clock = time.time
        self.last_client: ApiClient | None = None

    # -- plumbing --------------------------------------------------------------------------

    def instance_of(self, account: AccountRef) -> tuple[str, str]:
        """(base URL, acct to look up) for `user@host`, `@user@host`, or a bare user on base_url."""
        handle = account.handle.lstrip("@")
        user, _, host = handle.partition("@")
        if self._configured_base:
            # A handle of another instance is looked up by its full acct on the configured one.
            return self.base_url, user if not host or host == urlsplit(self.base_url).hostname else handle
        if not host:
            raise ConnectorError(f"mastodon: {handle} names no instance and no base_url is configured")
        return f"https://{host}", user

    def _api(self, account: AccountRef, base: str) -> ApiClient:
        token = resolve_credential(account.credential) if account.credential else None
        key = account.credential or urlsplit(base).netloc
        client = self.client(base, token=token, credential_key=key)
        self.last_client = client
        return client

    # -- reading ---------------------------------------------------------------------------

    def fetch(self, account: AccountRef, cursor: dict | None) -> Iterator[Page]:
        state = dict(cursor or {})
        base, user = self.instance_of(account)
        api = self._api(account, base)
        handle = account.handle.lstrip("@")
        profile_account: dict | None = None
        if not state.get("account_id"):
            profile_account, _ = api.get_json("/api/v1/accounts/lookup", {"acct": user}, endpoint="*")
            state["account_id"] = profile_account["id"]
        acct_id = state["account_id"]
        last: dict = dict(cursor or {})  # the cursor most recently handed over

        # Statuses, oldest first after the newest stored.
        min_id = state.get("min_id") or "0"
        url: str | None = f"/api/v1/accounts/{acct_id}/statuses"
        params: dict | None = {"min_id": min_id, "limit": self.page_size}
        while url:
            calls = api.calls
            statuses, response = api.get_json(url, params, endpoint="*")
            if not statuses:
                break
            statuses = sorted(statuses, key=lambda s: int(s["id"]))
            items = [self.status_item(s, handle) for s in statuses]
            newest = min_id_of(links_of(response).get("prev")) or statuses[-1]["id"]
            state["min_id"] = newest
            embedded = statuses[-1].get("account") or {}
            if str(embedded.get("id")) == str(acct_id):
                profile_account = embedded
            last = dict(state)
            yield Page(items, last, Coverage({i["id"] for i in items}), api_calls=api.calls - calls)
            if len(statuses) < self.page_size:
                break
            prev = links_of(response).get("prev")
            url, params = (prev, None) if prev else (url, {"min_id": newest, "limit": self.page_size})

        # Favourites: only the token's own account can list them.
        calls = api.calls
        if api.has_token and state.get("token_owner") is not False:
            for page in self._favourites(api, state, acct_id, handle):
                last = page.cursor
                yield page
            calls = api.calls

        # Profile and follows: when the account's numbers moved, or weekly.
        stale = self.clock() - state.get("refreshed_at", 0) > REFRESH_EVERY
        if profile_account is None and not stale:
            if state != last:  # e.g. whether the token is the account's own: remember it
                yield Page([], dict(state), Coverage(), api_calls=api.calls - calls)
            return
        if profile_account is None:
            profile_account, _ = api.get_json(f"/api/v1/accounts/{acct_id}", endpoint="*")
        items = [self.profile_item(profile_account, handle)]
        complete = {"profile"}
        following_count = profile_account.get("following_count")
        if stale or following_count != state.get("following_count"):
            follows, hidden = self._following(api, acct_id, handle, profile_account)
            if hidden:
                log.info("mastodon: %s hides who it follows (%s); follows not checked", handle, hidden)
                items[0]["follows_hidden"] = hidden
            else:
                items.extend(follows)
                complete.add("follow")
            state["following_count"] = following_count
        state["refreshed_at"] = int(self.clock())
        yield Page(items, dict(state), Coverage({i["id"] for i in items}, complete), api_calls=api.calls - calls)

    def _favourites(self, api: ApiClient, state: dict, acct_id: str, handle: str) -> Iterator[Page]:
        if state.get("token_owner") is None:
            me, _ = api.get_json("/api/v1/accounts/verify_credentials", endpoint="*")
            state["token_owner"] = str(me.get("id")) == str(acct_id)
            if not state["token_owner"]:
                return
        url: str | None = "/api/v1/favourites"
        params: dict | None = {"min_id": state.get("fav_min_id") or "0", "limit": self.page_size}
        while url:
            calls = api.calls
            statuses, response = api.get_json(url, params, endpoint="*")
            if not statuses:
                break
            prev = links_of(response).get("prev")
            items = [dict(self._base(handle), type="like", id=f"mastodon:like:{s['id']}",
                          post=self.post_fields(s)) for s in statuses]
            if prev:
                state["fav_min_id"] = min_id_of(prev)
            yield Page(items, dict(state), Coverage({i["id"] for i in items}), api_calls=api.calls - calls)
            if len(statuses) < self.page_size or not prev:
                break
            url, params = prev, None

    def _following(self, api: ApiClient, acct_id: str, handle: str, account: dict) -> tuple[list[dict], str | None]:
        """(follow items, why hidden or None)."""
        follows: list[dict] = []
        url: str | None = f"/api/v1/accounts/{acct_id}/following"
        params: dict | None = {"limit": 80}
        try:
            while url:
                accounts, response = api.get_json(url, params, endpoint="*")
                follows.extend(self.follow_item(a, handle) for a in accounts)
                url, params = links_of(response).get("next"), None
                if not accounts:
                    break
        except AuthError as exc:
            return [], f"the instance refused the list: {exc}"
        if not follows and (account.get("following_count") or 0) > 0:
            return [], f"the list is empty although the account follows {account['following_count']}"
        if not follows and account.get("hide_collections"):
            return [], "the account hides its follows"
        return follows, None

    # -- items -----------------------------------------------------------------------------

    def _base(self, handle: str) -> dict:
        return {"platform": self.platform, "account": handle}

    def post_fields(self, status: dict) -> dict:
        """A status's own content as contract fields (no repost unwrapping)."""
        text = html_to_text(status.get("content"))
        if status.get("spoiler_text"):
            text = f"{status['spoiler_text']}\n\n{text}" if text else status["spoiler_text"]
        author = status.get("account") or {}
        out: dict[str, Any] = {
            "id": f"mastodon:{status['id']}",
            "created_at": utc_iso(status.get("created_at")),
            "url": status.get("url") or status.get("uri"),
            "kind": "reply" if status.get("in_reply_to_id") else "original",
            "text": text,
            "author": {"handle": author.get("acct"), "name": author.get("display_name"), "id": author.get("id")},
            "media": [{"type": MEDIA_TYPES.get(m.get("type"), m.get("type")),
                       "url": m.get("url") or m.get("remote_url"), "alt": m.get("description") or ""}
                      for m in status.get("media_attachments", [])],
            "place": None,
            "visibility": VISIBILITY.get(status.get("visibility"), status.get("visibility")),
        }
        quoted = self._quoted(status)
        if quoted is not None:
            out["kind"] = "quote"
            out["quoted"] = quoted
        return out

    def _quoted(self, status: dict) -> dict | None:
        quote = status.get("quote")
        if not isinstance(quote, dict):
            return None
        if "content" in quote:  # forks (Fedibird, Akkoma) embed the quoted status itself
            return self.post_fields(dict(quote, quote=None))
        if isinstance(quote.get("quoted_status"), dict):  # Mastodon 4.4+ Quote
            return self.post_fields(dict(quote["quoted_status"], quote=None))
        if quote.get("quoted_status_id"):  # ShallowQuote, or a quote not shown (state != accepted)
            return {"id": f"mastodon:{quote['quoted_status_id']}", "state": quote.get("state")}
        if quote.get("state"):
            return {"state": quote["state"]}
        return None

    def status_item(self, status: dict, handle: str) -> dict:
        if isinstance(status.get("reblog"), dict):
            inner = self.post_fields(status["reblog"])
            inner.update(id=f"mastodon:{status['id']}", kind="repost", created_at=utc_iso(status.get("created_at")),
                         reposted_id=f"mastodon:{status['reblog']['id']}",
                         visibility=VISIBILITY.get(status.get("visibility"), status.get("visibility")))
            return dict(self._base(handle), type="post", **inner)
        fields = self.post_fields(status)
        fields.pop("author", None)  # the account's own post
        if status.get("in_reply_to_id"):
            fields["in_reply_to"] = f"mastodon:{status['in_reply_to_id']}"
        return dict(self._base(handle), type="post", **fields)

    def follow_item(self, target: dict, handle: str) -> dict:
        bio = html_to_text(target.get("note"))
        fields = [f"{f.get('name')}: {html_to_text(f.get('value'))}" for f in target.get("fields", [])]
        return dict(self._base(handle), type="follow", id=f"mastodon:follow:{target['id']}",
                    target={"id": target["id"], "handle": target.get("acct"), "name": target.get("display_name"),
                            "bio": "\n".join([bio, *fields]).strip(), "url": target.get("url")})

    def profile_item(self, account: dict, handle: str) -> dict:
        links = html_links(account.get("note"))
        for f in account.get("fields", []):
            links.extend(html_links(f.get("value")))
        fields = [f"{f.get('name')}: {html_to_text(f.get('value'))}" for f in account.get("fields", [])]
        return dict(self._base(handle), type="profile", id=f"mastodon:profile:{account['id']}",
                    name=account.get("display_name"),
                    bio="\n".join([html_to_text(account.get("note")), *fields]).strip(),
                    url=account.get("url"), links=links)
