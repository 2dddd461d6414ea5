"""What one running server holds: settings, database, catalogue, blob store, clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.domain.catalogue import Catalogue, load_catalogue
from server.blobs import BlobStore
from server.clock import SYSTEM_CLOCK, Clock
from server.config import Settings
from server.db import Database
from server.status_limit import FailureLimiter


def local_zone(name: str) -> tzinfo:
    """The office time zone (registration numbers and letter years use the local date)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=7), "WIB")


@dataclass
class ServerState:
    settings: Settings
    db: Database
    secret: str
    clock: Clock = SYSTEM_CLOCK

    def now(self) -> datetime:
        """Now, by the server's clock (`server.clock`): the only way the server reads time."""
        return self.clock.now()

    @cached_property
    def catalogue(self) -> Catalogue:
        return load_catalogue(self.settings.region)

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.blob_dir)

    @cached_property
    def status_limiter(self) -> FailureLimiter:
        """Failed public status look-ups per client address (`server.status_limit`)."""
        return FailureLimiter(self.settings.status_failures, self.settings.status_refill_seconds)

    @cached_property
    def zone(self) -> tzinfo:
        return local_zone(self.settings.timezone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def letter_types(self) -> dict[str, str | None]:
        """Letter type -> default klasifikasi, from the catalogue's letter services."""
        types: dict[str, str | None] = {}
        for service in self.catalogue.services.values():
            if service.letter_type and service.letter_type not in types:
                types[service.letter_type] = service.klasifikasi
        return types
