"""Bluesky (AT Protocol) over plain XRPC: the account's own repository is the source of truth.

Why the repository (com.atproto.repo.listRecords on the account's PDS) rather than the AppView's
feed: the repository lists every post, repost, like and follow the account has, while feed views
can stop early or hide records. The path is handle → DID (resolveHandle) → DID document (PLC
directory or did:web) → PDS.

Incremental runs cost one call when nothing changed: the repository's latest commit revision
(com.atproto.sync.getLatestCommit) changes with any write, so an unchanged `rev` ends the read.
Otherwise each collection is listed oldest-first (`reverse=true`) after the last record key
already stored; record keys are TIDs, which sort by creation, so every page's cursor is safe to
store as soon as that page is stored. Follows and the profile are listed in full and marked
complete, which is how an unfollow becomes "removed" (follows are hydrated and handed over only
when their list changed since the last read). The new `rev` is handed over only with that
last page, so a read that fails midway is resumed, not skipped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

from connectors.base import AccountRef, AuthError, ConnectorError, Coverage, NotFound, Page, resolve_credential
from connectors.http import ApiClient, ApiConnector, decode_json, utc_iso

COLLECTIONS = {
    "app.bsky.feed.post": "post",
    "app.bsky.feed.repost": "repost",
    "app.bsky.feed.like": "like",
}
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"
RESOLVE_EVERY = 7 * 86400  # a handle can move to another DID, or a DID to another PDS
APPVIEW_BATCH = 25          # app.bsky.actor.getProfiles / app.bsky.feed.getPosts maximum
GONE = ("RepoNotFound", "RepoTakendown", "RepoDeactivated", "RepoSuspended", "AccountTakedown",
        "AccountDeactivated", "Unable to resolve handle", "Could not find repo")


def split_uri(uri: str) -> tuple[str, str, str]:
    """at://did/collection/rkey → (did, collection, rkey)."""
    rest = uri[len("at://"):] if uri.startswith("at://") else uri
    parts = rest.split("/")
    if len(parts) != 3:
        raise ValueError(f"not a record URI: {uri}")
    return parts[0], parts[1], parts[2]


def post_url(uri: str, handle: str | None = None) -> str:
    did, _, rkey = split_uri(uri)
    return f"https://bsky.app/profile/{handle or did}/post/{rkey}"


class BlueskyConnector(ApiConnector):
    platform = "bluesky"
    default_base_url = "https://bsky.social"
    max_page_size = 100

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None):
        super().__init__(options, client_factory=client_factory, pacer=pacer)
        self.plc_url = (self.options.get("plc_url") or "https://plc.directory").rstrip("/")
        self.appview_url = (self.options.get("appview_url") or "").rstrip("/")
        self.clock = time.time
        self._clients: dict[str, ApiClient] = {}
        self._identities: dict[str, dict] = {}  # did → {"handle", "pds"}, for this connector's life
        self._sessions: dict[str, bool] = {}     # hosts logged in to with the account's app password
        self._account: AccountRef | None = None
        self._account_pds: str | None = None

    # -- plumbing --------------------------------------------------------------------------

    def _client(self, base_url: str) -> ApiClient:
        """One client per host: Bluesky limits unauthenticated reads per IP and host, not per
        endpoint, so the whole host is one pacing bucket."""
        base_url = base_url.rstrip("/")
        if base_url not in self._clients:
            self._clients[base_url] = self.client(base_url)
        return self._clients[base_url]

    def _xrpc(self, base_url: str, method: str, params: dict) -> Any:
        try:
            data, _ = self._client(base_url).get_json(f"/xrpc/{method}", params=params, endpoint="xrpc")
        except ConnectorError as exc:
            # XRPC says "gone" with a 400 and an error name: the account is not there to read.
            if type(exc) is ConnectorError and any(code in str(exc) for code in GONE):
                raise NotFound(str(exc)) from None
            if not isinstance(exc, AuthError):
                raise
            # Public repositories need no login; a self-hosted PDS that asks for one gets the
            # account's app password (its credential), once, and the call is repeated.
            if not self._login(base_url):
                raise
            data, _ = self._client(base_url).get_json(f"/xrpc/{method}", params=params, endpoint="xrpc")
        return data

    def _login(self, base_url: str) -> bool:
        account = self._account
        base_url = base_url.rstrip("/")
        # Only the account's own PDS ever sees its app password.
        if account is None or not account.credential or base_url in self._sessions \
                or base_url != (self._account_pds or "").rstrip("/"):
            return False
        password = resolve_credential(account.credential)
        login = self.client(base_url)
        response = login.request("POST", "/xrpc/com.atproto.server.createSession", endpoint="xrpc",
                                 json={"identifier": account.handle.lstrip("@"), "password": password})
        session = decode_json(response, self.platform)
        self._sessions[base_url] = True
        self._clients[base_url] = self.client(base_url, token=session["accessJwt"],
                                              credential_key=account.credential)
        return True

    def calls(self) -> int:
        return sum(c.calls for c in self._clients.values())

    # -- identity --------------------------------------------------------------------------

    def did_document(self, did: str) -> dict:
        if did.startswith("did:plc:"):
            doc, _ = self._client(self.plc_url).get_json(f"/{did}", endpoint="plc")
        elif did.startswith("did:web:"):
            host = did[len("did:web:"):].replace("%3A", ":")
            doc, _ = self._client(f"https://{host}").get_json("/.well-known/did.json", endpoint="did-web")
        else:
            raise NotFound(f"bluesky: unsupported DID method in {did}")
        if not isinstance(doc, dict):
            raise ConnectorError(f"bluesky: DID document of {did} is not an object")
        return doc

    def identity(self, did: str) -> dict:
        """Handle and PDS of a DID, from its DID document (cached for this connector's life)."""
        if did not in self._identities:
            doc = self.did_document(did)
            handle = next((a[len("at://"):] for a in doc.get("alsoKnownAs", []) if a.startswith("at://")), None)
            pds = next((s.get("serviceEndpoint") for s in doc.get("service", [])
                        if s.get("id", "").endswith("#atproto_pds")), None)
            self._identities[did] = {"handle": handle, "pds": pds}
        return self._identities[did]

    def resolve(self, account: AccountRef) -> tuple[str, str]:
        handle = account.handle.lstrip("@").lower()
        did = account.platform_user_id if (account.platform_user_id or "").startswith("did:") else None
        if did is None:
            if handle.startswith("did:"):
                did = handle
            else:
                did = self._xrpc(self.base_url, "com.atproto.identity.resolveHandle", {"handle": handle})["did"]
        ident = self.identity(did)
        if not handle.startswith("did:") and (ident["handle"] or "").lower() != handle:
            # The DID does not claim the handle back: the handle is not (or no longer) this account's.
            raise NotFound(f"bluesky: {handle} resolves to {did}, whose DID document does not claim it")
        if not ident["pds"]:
            raise NotFound(f"bluesky: {did} names no PDS in its DID document")
        return did, ident["pds"]

    # -- reading ---------------------------------------------------------------------------

    def fetch(self, account: AccountRef, cursor: dict | None) -> Iterator[Page]:
        self._account = account
        state = dict(cursor or {})
        state["after"] = dict(state.get("after") or {})
        before = self.calls()
        fresh = not state.get("did") or self.clock() - state.get("resolved_at", 0) > RESOLVE_EVERY
        if fresh:
            state["did"], state["pds"] = self.resolve(account)
            state["resolved_at"] = int(self.clock())
        did, pds = state["did"], state["pds"]
        self._account_pds = pds
        try:
            commit = self._xrpc(pds, "com.atproto.sync.getLatestCommit", {"did": did})
        except ConnectorError as exc:
            # Only "no such repo here" is worth a second look; auth, rate and network errors are not.
            if fresh or not (isinstance(exc, NotFound) or type(exc) is ConnectorError):
                raise
            # The repository moved (PDS migration) or the cache is stale: resolve again once.
            state["did"], state["pds"] = self.resolve(account)
            state["resolved_at"] = int(self.clock())
            did, pds = state["did"], state["pds"]
            self._account_pds = pds
            commit = self._xrpc(pds, "com.atproto.sync.getLatestCommit", {"did": did})
        rev = commit.get("rev")
        if rev and rev == state.get("rev"):
            if fresh:  # remember the fresh resolution even though nothing else changed
                yield Page([], dict(state), Coverage(), api_calls=self.calls() - before)
            return
        old_rev = state.get("rev")
        handle = account.handle.lstrip("@")

        for collection, kind in COLLECTIONS.items():
            after = state["after"].get(collection)
            while True:
                params = {"repo": did, "collection": collection, "limit": self.page_size, "reverse": "true"}
                if after:
                    params["cursor"] = after
                data = self._xrpc(pds, "com.atproto.repo.listRecords", params)
                records = [r for r in data.get("records", []) if split_uri(r["uri"])[2] > (after or "")]
                if not records:
                    break
                items = self._items(kind, records, account, did, pds)
                after = split_uri(records[-1]["uri"])[2]
                state["after"][collection] = after
                page_state = dict(state, after=dict(state["after"]), rev=old_rev)
                yield Page(items, page_state, Coverage({i["id"] for i in items}), api_calls=self.calls() - before)
                before = self.calls()
                if len(data.get("records", [])) < self.page_size:
                    break

        # Follows: listed in full, but hydrated (a lookup per followed account without an AppView)
        # only when the list differs from the last one read.
        records = self._list_all(pds, did, FOLLOW)
        digest = hashlib.sha256("\n".join(sorted(r["uri"] for r in records)).encode()).hexdigest()[:32]
        items, complete = [self._profile(account, did, pds, handle)], {"profile"}
        if digest != state.get("follows_digest"):
            items += self._follows(account, records)
            complete.add("follow")
            state["follows_digest"] = digest
        state["rev"] = rev
        yield Page(items, dict(state, after=dict(state["after"])),
                   Coverage({i["id"] for i in items}, complete), api_calls=self.calls() - before)

    def _list_all(self, pds: str, did: str, collection: str) -> list[dict]:
        out: list[dict] = []
        cursor = None
        while True:
            params = {"repo": did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            data = self._xrpc(pds, "com.atproto.repo.listRecords", params)
            records = data.get("records", [])
            out.extend(records)
            cursor = data.get("cursor")
            if not records or not cursor or len(records) < 100:
                return out

    # -- items -----------------------------------------------------------------------------

    def _base(self, account: AccountRef, uri: str) -> dict:
        return {"platform": self.platform, "account": account.handle.lstrip("@"), "id": f"bluesky:{uri}"}

    def _items(self, kind: str, records: list[dict], account: AccountRef, did: str, pds: str) -> list[dict]:
        if kind == "post":
            handle = account.handle.lstrip("@")
            return [dict(self._base(account, r["uri"]), type="post",
                         **dict(self.post_fields(r["uri"], r["value"], pds), url=post_url(r["uri"], handle)))
                    for r in records]
        subjects = self.posts([r["value"].get("subject", {}).get("uri", "") for r in records])
        items = []
        for r in records:
            subject_uri = r["value"].get("subject", {}).get("uri", "")
            subject = subjects.get(subject_uri) or {"id": f"bluesky:{subject_uri}", "url": _safe_url(subject_uri)}
            created = utc_iso(r["value"].get("createdAt"))
            if kind == "repost":
                post = {k: v for k, v in subject.items() if k not in ("id", "kind", "created_at")}
                items.append(dict(self._base(account, r["uri"]), type="post", kind="repost", created_at=created,
                                  reposted_id=subject["id"], **post))
            else:
                items.append(dict(self._base(account, r["uri"]), type="like", created_at=created, post=subject))
        return items

    def post_fields(self, uri: str, record: dict, pds: str | None, author: dict | None = None,
                    depth: int = 0) -> dict:
        """A post record as contract fields. `pds` serves the blobs of the record's author."""
        did = split_uri(uri)[0]
        embed = record.get("embed") or {}
        etype = embed.get("$type", "")
        media_embed = embed.get("media") if etype == "app.bsky.embed.recordWithMedia" else embed
        quoted_ref = (embed.get("record") or {}) if etype == "app.bsky.embed.record" else \
            ((embed.get("record") or {}).get("record") or {}) if etype == "app.bsky.embed.recordWithMedia" else {}
        out: dict[str, Any] = {
            "id": f"bluesky:{uri}",
            "created_at": utc_iso(record.get("createdAt")),
            "url": post_url(uri, (author or {}).get("handle")),
            "kind": "quote" if quoted_ref.get("uri") else "reply" if record.get("reply") else "original",
            "text": record.get("text", ""),
            "media": self._media(media_embed or {}, did, pds),
            "place": None,
            "visibility": "public",
        }
        if author:
            out["author"] = author
        if record.get("reply"):
            out["in_reply_to"] = f"bluesky:{record['reply'].get('parent', {}).get('uri', '')}"
        external = (media_embed or {}).get("external") if (media_embed or {}).get("$type") == "app.bsky.embed.external" else None
        if external:
            out["links"] = [external.get("uri", "")]
        if quoted_ref.get("uri") and depth == 0:  # a quote's own quote is not followed further
            out["quoted"] = self.posts([quoted_ref["uri"]], depth + 1).get(quoted_ref["uri"]) or {
                "id": f"bluesky:{quoted_ref['uri']}", "url": _safe_url(quoted_ref["uri"])}
        return out

    def _media(self, embed: dict, did: str, pds: str | None) -> list[dict]:
        etype = embed.get("$type", "")
        media = []
        if etype == "app.bsky.embed.images":
            for img in embed.get("images", []):
                media.append({"type": "image", "alt": img.get("alt", ""), "url": self._blob_url(pds, did, img.get("image"))})
        elif etype == "app.bsky.embed.video":
            media.append({"type": "video", "alt": embed.get("alt", ""), "url": self._blob_url(pds, did, embed.get("video"))})
        return media

    @staticmethod
    def _blob_url(pds: str | None, did: str, blob: Any) -> str | None:
        cid = ((blob or {}).get("ref") or {}).get("$link") if isinstance(blob, dict) else None
        if not cid or not pds:
            return None
        return f"{pds.rstrip('/')}/xrpc/com.atproto.sync.getBlob?did={did}&cid={cid}"

    def posts(self, uris: list[str], depth: int = 1) -> dict[str, dict]:
        """Posts other accounts wrote (reposted, liked, quoted), as contract fields with author.
        From the AppView when configured (25 per call), else from each author's own PDS."""
        wanted = [u for u in dict.fromkeys(uris) if u.startswith("at://") and "/app.bsky.feed.post/" in u]
        found: dict[str, dict] = {}
        if self.appview_url:
            for i in range(0, len(wanted), APPVIEW_BATCH):
                data = self._xrpc(self.appview_url, "app.bsky.feed.getPosts", {"uris": wanted[i:i + APPVIEW_BATCH]})
                for view in data.get("posts", []):
                    a = view.get("author", {})
                    author = {"handle": a.get("handle"), "name": a.get("displayName"), "id": a.get("did")}
                    found[view["uri"]] = self.post_fields(view["uri"], view.get("record", {}), None, author, depth)
            return found
        for uri in wanted:
            did, collection, rkey = split_uri(uri)
            try:
                ident = self.identity(did)
                if not ident["pds"]:
                    continue
                rec = self._xrpc(ident["pds"], "com.atproto.repo.getRecord",
                                 {"repo": did, "collection": collection, "rkey": rkey})
            except NotFound:
                continue  # deleted or its author gone: the endorsement keeps its id and url
            except ConnectorError as exc:
                if "RecordNotFound" in str(exc) or "Could not locate" in str(exc):
                    continue
                raise
            author = {"handle": ident["handle"], "name": None, "id": did}
            found[uri] = self.post_fields(uri, rec.get("value", {}), ident["pds"], author, depth)
        return found

    def _follows(self, account: AccountRef, records: list[dict]) -> list[dict]:
        subjects = [r["value"].get("subject") for r in records if isinstance(r.get("value", {}).get("subject"), str)]
        profiles: dict[str, dict] = {}
        if self.appview_url:
            unique = list(dict.fromkeys(subjects))
            for i in range(0, len(unique), APPVIEW_BATCH):
                data = self._xrpc(self.appview_url, "app.bsky.actor.getProfiles", {"actors": unique[i:i + APPVIEW_BATCH]})
                for p in data.get("profiles", []):
                    profiles[p["did"]] = {"handle": p.get("handle"), "name": p.get("displayName"),
                                          "bio": p.get("description")}
        items = []
        for r in records:
            subject = r["value"].get("subject")
            if not isinstance(subject, str):
                continue
            target = profiles.get(subject)
            if target is None:
                try:
                    target = {"handle": self.identity(subject)["handle"]}
                except (NotFound, ConnectorError):
                    target = {"handle": None}
            handle = target.get("handle")
            items.append(dict(self._base(account, ""), id=f"bluesky:follow:{subject}", type="follow",
                              created_at=utc_iso(r["value"].get("createdAt")), record=r["uri"],
                              target=dict(target, id=subject, url=f"https://bsky.app/profile/{handle or subject}")))
        return items

    def _profile(self, account: AccountRef, did: str, pds: str, handle: str) -> dict:
        records = {split_uri(r["uri"])[2]: r["value"]
                   for r in self._xrpc(pds, "com.atproto.repo.listRecords",
                                       {"repo": did, "collection": PROFILE, "limit": 10}).get("records", [])}
        me = records.get("self", {})
        return dict(self._base(account, ""), id=f"bluesky:profile:{did}", type="profile",
                    name=me.get("displayName"), bio=me.get("description"),
                    url=f"https://bsky.app/profile/{handle}", links=[])


def _safe_url(uri: str) -> str | None:
    """The web address of a post URI; None for anything else (a liked feed generator, a list)."""
    if "/app.bsky.feed.post/" not in uri:
        return None
    try:
        return post_url(uri)
    except ValueError:
        return None
