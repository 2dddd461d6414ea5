"""Indonesian dates, times and sizes for the queue and the workbench, independent of the PC's
locale setting (counter PCs are often installed in English).

Times use the Indonesian dot ("pukul 10.45"), never a colon, and are shown in the office's own
zone (WIB/WITA/WIT, `zone_for_region`), not the PC's: a counter PC is often set to UTC.
Everything the staff read about a deadline uses one term, "tenggat", one wording
(`format_deadline`) and one amber threshold (`DEADLINE_SOON_SECONDS`). Pure Python (no Qt,
no I/O) in the domain, so the queue model and the views share it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

DEADLINE_SOON_SECONDS = 8 * 3600
"""Under eight hours (one working day) before the tenggat: amber in the queue and in the
workbench alike, so what must be done today is noticed before it is missed."""
TIME_FORMAT = "%H.%M"
"""10.45: the Indonesian standard writes times with a dot."""

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

WIB = timezone(timedelta(hours=7), "WIB")
"""Waktu Indonesia Barat: Sumatra, Java, Kalimantan Barat and Kalimantan Tengah."""
WITA = timezone(timedelta(hours=8), "WITA")
"""Waktu Indonesia Tengah: Bali, Nusa Tenggara, Kalimantan Selatan/Timur/Utara, Sulawesi."""
WIT = timezone(timedelta(hours=9), "WIT")
"""Waktu Indonesia Timur: Maluku and Papua."""
_WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65"})
_WIB_KALIMANTAN = frozenset({"61", "62"})


def zone_for_region(code: str) -> tzinfo | None:
    """The legal time zone (Keppres 41/1987) of an office from its region code: the province,
    the first two digits ("14.71.01.1002" and "1471" are Riau, WIB). None when the code names
    no Indonesian province (the caller then uses the PC's zone).

    Zones follow provinces: 1x (Sumatra, Kepulauan Riau) and 3x (Java) are WIB, and so are
    Kalimantan Barat (61) and Tengah (62); Bali and Nusa Tenggara (51-53), Kalimantan Selatan,
    Timur and Utara (63-65) and Sulawesi (7x) are WITA; Maluku (8x) and Papua (91-97) are WIT.
    No zone observes daylight saving, so fixed offsets are exact.
    """
    digits = code.strip().replace(".", "")[:2]
    if len(digits) != 2 or not (digits.isascii() and digits.isdigit()):
        return None
    first = digits[0]
    if first in "123" or digits in _WIB_KALIMANTAN:
        return WIB
    if first == "7" or digits in _WITA_PROVINCES:
        return WITA
    if "81" <= digits <= "89" or "91" <= digits <= "97":
        return WIT
    return None


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
    """10.45 (in the display zone)."""
    return local(dt, tz).strftime(TIME_FORMAT)


def format_datetime(dt: datetime, tz: tzinfo | None, *, zone: bool = True) -> str:
    """Rab, 25 Nov 2026 16.00 WIB."""
    loc = local(dt, tz)
    text = (
        f"{DAYS[loc.weekday()]}, {loc.day} {MONTHS[loc.month - 1]} {loc.year} "
        f"{loc.strftime(TIME_FORMAT)}"
    )
    return f"{text} {zone_name(loc)}" if zone else text


def format_clock(dt: datetime, now: datetime, tz: tzinfo | None) -> str:
    """ "10.45" today, "Rab, 25 Nov 10.45" on another day: enough to read a lease at a glance."""
    loc, today = local(dt, tz), local(now, tz)
    if loc.date() == today.date():
        return loc.strftime(TIME_FORMAT)
    return f"{DAYS[loc.weekday()]}, {loc.day} {MONTHS[loc.month - 1]} {loc.strftime(TIME_FORMAT)}"


def format_epoch_short(epoch: int | None, tz: tzinfo | None = None) -> str:
    """``24/11/2026 08.15`` in `tz` (None: the PC's zone), for table cells ("" for None)."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, tz).strftime("%d/%m/%Y " + TIME_FORMAT)


def unknown_status_label(raw: str) -> str:
    """How a status this version does not know is shown (queue and workbench alike)."""
    return f"{raw} (status tidak dikenal)"


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


def format_deadline(remaining: timedelta, *, in_column: bool = False) -> str:
    """The one wording of a deadline, in the queue and the workbench alike: "sisa 21 jam 40
    menit" before the tenggat, "lewat tenggat 1 hari 22 jam" after it. `in_column`: under a
    heading that already says "Tenggat" (the queue), "lewat 1 hari 22 jam"."""
    if remaining.total_seconds() < 0:
        late = "lewat" if in_column else "lewat tenggat"
        return f"{late} {format_duration(remaining)}"
    if remaining.total_seconds() < 60:
        return "sisa kurang dari 1 menit"
    return f"sisa {format_duration(remaining)}"


def format_size(size: int) -> str:
    """245 KB / 1,2 MB (Indonesian decimal comma)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1_048_576:.1f} MB".replace(".", ",")
