"""The requested period: local dates [from, to], checked, and its UTC bounds.

Dates are the office's local calendar dates (the server's zone, `ServerState.zone`: WIB by
default). Indonesian zones (WIB, WITA, WIT) keep no daylight saving time, so one UTC offset,
taken at the period's start, turns every stored UTC moment into its local date in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from server.problems import ProblemError

MAX_YEARS = 5


class Grain(StrEnum):
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    """Inclusive, like the dates a supervisor types."""
    grain: Grain
    zone: tzinfo

    @property
    def utc_start(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def utc_end(self) -> datetime:
        """Exclusive: the start of the day after `end`."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=self.zone).astimezone(
            UTC
        )

    @property
    def offset_seconds(self) -> int:
        offset = datetime.combine(self.start, time(), tzinfo=self.zone).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


def invalid(message: str) -> ProblemError:
    return ProblemError(422, "invalid_period", message)


def parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(
            f"Tanggal '{name}' tidak dapat dibaca: '{text[:40]}'. Gunakan format TTTT-BB-HH, "
            "misalnya 2025-05-31."
        ) from None


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_period(start: str, end: str, grain: str, zone: tzinfo) -> Period:
    """The period, or 422 `invalid_period` with an Indonesian message saying what to fix.
    At most five years: `to` may be the same calendar day five years after `from`."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if last < first:
        raise invalid(
            f"Tanggal akhir ({last.isoformat()}) lebih awal dari tanggal awal "
            f"({first.isoformat()})."
        )
    if first.year < 2000 or last.year > 2100:
        raise invalid("Periode harus di antara tahun 2000 dan 2100.")
    if last > _plus_years(first, MAX_YEARS):
        raise invalid(f"Periode paling panjang {MAX_YEARS} tahun; persempit periodenya.")
    try:
        unit = Grain(grain)
    except ValueError:
        raise invalid("Pengelompokan waktu harus 'day' (harian) atau 'month' (bulanan).") from None
    return Period(first, last, unit, zone)
