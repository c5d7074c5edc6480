"""What every command opens: the settings, the database (migrated), and on demand the roster key."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from auditor.config import Settings, load_settings
from auditor.roster_crypto import RosterKey, load_key
from auditor.store.db import Database

log = logging.getLogger("auditor")


@dataclass
class Runtime:
    settings: Settings
    _db: Database | None = field(default=None, repr=False)

    @cached_property
    def db(self) -> Database:
        return self._db or Database(self.settings.database_url)

    def key(self) -> RosterKey:
        return load_key(self.settings.resolve_path(self.settings["security"]["key_file"]))

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()


def open_runtime(config_path: str | None = None) -> Runtime:
    return Runtime(load_settings(config_path))
