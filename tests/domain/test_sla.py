"""Expected completion dates: working days, Indonesian holidays and cuti bersama, office hours."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.sla import expected_completion, is_working_day, next_working_day

WITA = timezone(timedelta(hours=8), "WITA")


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tuesday 2025-09-02; Friday 5 September is Maulid Nabi, then the weekend
        (datetime(2025, 9, 2, 10, 0), 24, date(2025, 9, 3)),
        (datetime(2025, 9, 2, 10, 0), 72, date(2025, 9, 8)),
        (datetime(2025, 9, 2, 10, 0), 120, date(2025, 9, 10)),
        (datetime(2025, 9, 2, 7, 30), 24, date(2025, 9, 3)),  # before opening: that day
        (datetime(2025, 9, 2, 16, 0), 24, date(2025, 9, 4)),  # at closing: the next day
        (datetime(2025, 9, 2, 21, 0), 24, date(2025, 9, 4)),
        # Friday after closing, Saturday, Sunday all start on Monday 2025-09-15
        (datetime(2025, 9, 12, 17, 0), 24, date(2025, 9, 16)),
        (datetime(2025, 9, 13, 9, 0), 24, date(2025, 9, 16)),
        (datetime(2025, 9, 14, 12, 0), 24, date(2025, 9, 16)),
        (datetime(2025, 9, 12, 15, 59), 24, date(2025, 9, 15)),
        # hours beyond whole days are office hours (08:00-16:00)
        (datetime(2025, 9, 2, 9, 0), 3, date(2025, 9, 2)),
        (datetime(2025, 9, 2, 14, 0), 3, date(2025, 9, 3)),
        (datetime(2025, 9, 2, 8, 0), 8, date(2025, 9, 2)),
        (datetime(2025, 9, 2, 8, 1), 8, date(2025, 9, 3)),
        (datetime(2025, 9, 12, 15, 0), 3, date(2025, 9, 15)),
        (datetime(2025, 9, 2, 10, 0), 0, date(2025, 9, 2)),
    ],
)
def test_working_days(start: datetime, hours: int, due: date) -> None:
    assert expected_completion(start, hours) == due


def test_public_holidays_are_skipped() -> None:
    # Thursday 2025-08-14; Sunday 17 August, Monday 18 August 2025 is cuti bersama
    assert expected_completion(datetime(2025, 8, 15, 10), 24) == date(2025, 8, 19)
    # Christmas 2025 (Thursday) and its cuti bersama (Friday)
    assert expected_completion(datetime(2025, 12, 24, 10), 24) == date(2025, 12, 29)
    # Idul Fitri 2025: 31 March - 7 April closed (holidays and cuti bersama), 28 March Nyepi leave
    assert expected_completion(datetime(2025, 3, 27, 10), 24) == date(2025, 4, 8)
    assert not is_working_day(date(2025, 3, 31))
    assert not is_working_day(date(2025, 4, 7))  # cuti bersama
    assert next_working_day(date(2025, 3, 27)) == date(2025, 4, 8)


def test_new_year_across_years() -> None:
    # Wednesday 31 December 2025; 1 January 2026 is a holiday
    due = expected_completion(datetime(2025, 12, 31, 10), 24)
    assert due == date(2026, 1, 2)


def test_aware_start_is_read_in_the_office_time_zone() -> None:
    # 02:30 UTC is 09:30 WIB (open) but 10:30 WITA; 09:30 UTC is 16:30 WIB (closed)
    assert expected_completion(datetime(2025, 9, 2, 2, 30, tzinfo=UTC), 24) == date(2025, 9, 3)
    assert expected_completion(datetime(2025, 9, 2, 9, 30, tzinfo=UTC), 24) == date(2025, 9, 4)
    # 08:30 UTC: 15:30 WIB (still open), 16:30 WITA (closed)
    start = datetime(2025, 9, 2, 8, 30, tzinfo=UTC)
    assert expected_completion(start, 24) == date(2025, 9, 3)
    assert expected_completion(start, 24, tz=WITA) == date(2025, 9, 4)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    st.integers(min_value=1, max_value=24 * 30),
)
def test_due_is_a_working_day_after_the_start_and_monotonic(start: datetime, hours: int) -> None:
    due = expected_completion(start, hours)
    assert is_working_day(due)
    assert due >= start.date()
    assert due > start.date() or hours < 24
    assert expected_completion(start, hours + 24) > due
    # at most one working day per 24 hours plus the wait for the office to open
    assert (due - start.date()).days <= (hours // 24 + 1) * 7 + 14


def test_importing_does_not_load_the_holiday_calendar() -> None:
    """``holidays`` costs ~250 ms to load; the app's start and the server's import must not pay
    it, only the first completion date (or ``warm_up`` on a worker)."""
    code = (
        "import sys, desktop.domain.sla as s; assert 'holidays' not in sys.modules;"
        "s.warm_up(); assert 'holidays' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
