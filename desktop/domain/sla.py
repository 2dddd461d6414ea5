"""When a service should be done: the SLA in the catalogue (``sla_jam``) counted in working days.

The rule, the same for the receipt at the counter and the server's deadline:

- Office hours are 08:00-16:00 local time (``OPEN``/``CLOSE``), Monday to Friday, except the
  Indonesian public holidays and the cuti bersama (joint leave days, on which government
  offices close) as the ``holidays`` package lists them ("public" and "government" categories).
- An application received outside office hours (evening, weekend, holiday) counts as received
  when the office next opens.
- ``sla_jam`` is read as the regulations write it: "1 x 24 jam" is ONE WORKING DAY, so each
  full 24 hours is one working day later at the same time of day. Hours beyond whole days
  (the 3 h and 8 h SLAs of services done while the citizen waits) are office hours: what does
  not fit before closing continues when the office next opens.
- The answer is the date on which that moment falls; the time of day is not promised.

A timezone-aware ``start`` (the server stores UTC) is first converted to the office's time zone
(``tz``, WIB by default; WITA/WIT offices pass theirs); a naive ``start`` is taken as local time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final

WIB: Final = timezone(timedelta(hours=7), "WIB")
OPEN: Final = time(8, 0)
CLOSE: Final = time(16, 0)
_DAY_HOURS: Final = 24


@lru_cache(maxsize=64)
def _holidays_in(year: int) -> frozenset[date]:
    # Imported here: ``holidays`` and its Indonesian calendar take ~250 ms to load, which
    # neither the app's start nor every importer of desktop.domain should pay.
    import holidays

    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(calendar.keys())


def warm_up(today: date | None = None) -> None:
    """Load the holiday tables of this year and the next (~250 ms the first time in a
    process). Call it on a worker at start-up, so the first receipt does not pay it."""
    year = (today or date.today()).year
    _holidays_in(year)
    _holidays_in(year + 1)


def is_working_day(day: date) -> bool:
    """Monday-Friday and neither a public holiday nor a cuti bersama day."""
    return day.weekday() < 5 and day not in _holidays_in(day.year)


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _office_start(moment: datetime) -> datetime:
    """``moment`` itself during office hours, else when the office next opens."""
    day, clock = moment.date(), moment.time()
    if is_working_day(day) and OPEN <= clock < CLOSE:
        return moment
    if is_working_day(day) and clock < OPEN:
        return datetime.combine(day, OPEN)
    return datetime.combine(next_working_day(day), OPEN)


def expected_completion(start: datetime, sla_hours: int, *, tz: tzinfo = WIB) -> date:
    """The date a service received at ``start`` with an SLA of ``sla_hours`` is due (rule in
    the module docstring). ``sla_hours`` 0 or less means the day it is received."""
    local = start.astimezone(tz).replace(tzinfo=None) if start.tzinfo is not None else start
    moment = _office_start(local)
    days, rest = divmod(max(sla_hours, 0), _DAY_HOURS)
    day = moment.date()
    for _ in range(days):
        day = next_working_day(day)
    remaining = timedelta(hours=rest)
    clock = datetime.combine(day, moment.time())
    while remaining > timedelta(0):
        left_today = datetime.combine(clock.date(), CLOSE) - clock
        if remaining <= left_today:
            clock += remaining
            break
        remaining -= left_today
        clock = datetime.combine(next_working_day(clock.date()), OPEN)
    return clock.date()
