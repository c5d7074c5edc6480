"""The contract between the scanner and every connector.

A connector reads an account from a resume cursor and yields Pages. Each page carries the
items it read and the cursor that is safe to store *once those items are stored*: the scanner
commits a page's items, findings and cursor in one transaction, so a crash between pages neither
skips nor duplicates anything. A connector whose API lists newest-first (X's since_id) keeps
yielding the old cursor until its last page, where it hands over the new high-water mark.

`Coverage` tells the scanner what this read saw in full, which is what lets a finding become
"gone" (its item was read again and no longer breaks the rule) or "removed" (a full listing of
that item type no longer has the item, e.g. an unfollow or a deleted post).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConnectorError(Exception):
    """Base for errors a connector raises; the scanner records the message on the account."""

    status = "error"


class AuthError(ConnectorError):
    """401/403/revoked token: the account needs re-authorization by a person."""

    status = "needs-reauth"


class RateLimited(ConnectorError):
    """The platform said wait; `reset_at` is a UNIX time when known."""

    status = "deferred"

    def __init__(self, message: str, reset_at: float | None = None):
        super().__init__(message)
        self.reset_at = reset_at


class NotFound(ConnectorError):
    """The account no longer exists or was renamed."""

    status = "not-found"


class TransientError(ConnectorError):
    """Network trouble or a 5xx that outlived the retries; try again next run."""

    status = "error"


class CredentialError(ConnectorError):
    """The credential reference cannot be resolved (unset variable, unreadable file)."""

    status = "needs-reauth"


@dataclass
class Coverage:
    """What a read saw completely.

    `item_ids`: every item id read this time (findings on them are re-judged).
    `complete_types`: item types listed in full (follows, profile; all types for an export),
    so stored items of those types that were not read are gone from the platform.
    """

    item_ids: set[str] = field(default_factory=set)
    complete_types: set[str] = field(default_factory=set)


@dataclass
class Page:
    items: list[dict]
    cursor: dict[str, Any] | None
    coverage: Coverage = field(default_factory=Coverage)
    api_calls: int = 0


@dataclass
class AccountRef:
    """What a connector knows about the account it reads: never the token itself, only where it is."""

    platform: str
    handle: str
    credential: str = ""
    platform_user_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)  # connector-private, e.g. last following_count


class Connector(ABC):
    platform: str
    # Whether the scanner should download the items' images (bounded, connectors/media.py) so the
    # image checks can read them. Sources that already carry local files or no real media say no.
    fetches_media: bool = True

    @abstractmethod
    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        """Yield pages of normalized items newer than `cursor`."""


def resolve_credential(reference: str, env: dict[str, str] | None = None) -> str:
    """Turn `env:NAME` or `file:/path` into the secret, at the last moment, without logging it."""
    env = os.environ if env is None else env
    if not reference:
        raise CredentialError("no credential configured for this account")
    scheme, _, rest = reference.partition(":")
    if scheme == "env":
        value = env.get(rest)
        if not value:
            raise CredentialError(f"environment variable {rest} is not set")
        return value.strip()
    if scheme == "file":
        try:
            return Path(rest).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialError(f"credential file {rest} cannot be read: {exc.strerror}") from exc
    raise CredentialError(f"credential reference must start with env: or file:, got scheme {scheme!r}")
