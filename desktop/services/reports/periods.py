"""The period presets of the Laporan page: hari ini, kemarin, minggu ini (Monday..today),
bulan ini (1st..today), bulan lalu (the whole previous month), or a custom from/to.

Both ends are local dates, inclusive, as the server's report endpoints take them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Preset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """'4 Desember 2026' or '1 November 2026 s.d. 30 November 2026'."""
        if self.start == self.end:
            return long_date(self.start)
        return f"{long_date(self.start)} s.d. {long_date(self.end)}"


MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def period_for(preset: Preset, today: date, custom: Period | None = None) -> Period:
    """The dates a preset means on `today`; CUSTOM needs `custom` (kept as given)."""
    if preset is Preset.TODAY:
        return Period(today, today)
    if preset is Preset.YESTERDAY:
        day = today - timedelta(days=1)
        return Period(day, day)
    if preset is Preset.THIS_WEEK:
        return Period(today - timedelta(days=today.weekday()), today)
    if preset is Preset.THIS_MONTH:
        return Period(today.replace(day=1), today)
    if preset is Preset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    if custom is None:
        raise ValueError("a custom period needs its dates")
    return custom
