"""Indonesian dates, times and sizes for the workbench, independent of the PC's locale setting
(counter PCs are often installed in English)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
MONTHS_LONG = (
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
_ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}


def local(dt: datetime, tz: tzinfo | None) -> datetime:
    """`dt` in the display zone (None: the PC's own zone)."""
    return dt.astimezone(tz) if tz is not None else dt.astimezone()


def zone_name(dt: datetime) -> str:
    """WIB/WITA/WIT for Indonesian offsets, else "UTC+h"."""
    offset = dt.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    if hours in _ZONES:
        return _ZONES[int(hours)]
    sign = "+" if hours >= 0 else "-"
    whole = abs(hours)
    text = f"{int(whole)}" if whole == int(whole) else f"{whole:.1f}"
    return f"UTC{sign}{text}"


def format_date(d: date) -> str:
    """12 Agustus 1990."""
    return f"{d.day} {MONTHS_LONG[d.month - 1]} {d.year}"


def format_time(dt: datetime, tz: tzinfo | None) -> str:
    """10:45 (in the display zone)."""
    return local(dt, tz).strftime("%H:%M")


def format_datetime(dt: datetime, tz: tzinfo | None, *, zone: bool = True) -> str:
    """Rab, 25 Nov 2026 16:00 WIB."""
    loc = local(dt, tz)
    text = (
        f"{DAYS[loc.weekday()]}, {loc.day} {MONTHS[loc.month - 1]} {loc.year} "
        f"{loc.strftime('%H:%M')}"
    )
    return f"{text} {zone_name(loc)}" if zone else text


def format_clock(dt: datetime, now: datetime, tz: tzinfo | None) -> str:
    """ "10:45" today, "Rab, 25 Nov 10:45" on another day: enough to read a lease at a glance."""
    loc, today = local(dt, tz), local(now, tz)
    if loc.date() == today.date():
        return loc.strftime("%H:%M")
    return f"{DAYS[loc.weekday()]}, {loc.day} {MONTHS[loc.month - 1]} {loc.strftime('%H:%M')}"


def format_duration(delta: timedelta) -> str:
    """2 hari 3 jam / 5 jam 10 menit / 12 menit (absolute value; the caller says which way)."""
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} hari {hours} jam" if hours else f"{days} hari"
    if hours:
        return f"{hours} jam {minutes} menit" if minutes else f"{hours} jam"
    return f"{minutes} menit"


def format_size(size: int) -> str:
    """245 KB / 1,2 MB (Indonesian decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1_048_576:.1f} MB".replace(".", ",")
