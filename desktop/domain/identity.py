"""NIK and KK numbers: normalise, check, decode, encode, cross-check with typed data, mask.

Both numbers are 16 digits: a 6-digit kecamatan code, a DDMMYY date and a 4-digit serial. For a
NIK the date is the birth date (women: day + 40) and the kecamatan is where the NIK was first
issued, so codes are checked against every code seen since 2016 (`kode_historis.csv`), not
only today's list. For a KK the date is the day the family card was recorded.

Checks never raise: they return every problem found, each with a machine code, an Indonesian
message and the (start, end) character span *in the text as typed*, so a form can highlight
the part. Messages show positions 1-based, as people count.

Input decisions: spaces, dots and dashes (also no-break spaces and typographic dashes from
pasted text) are accepted between digit groups (after digit 2, 4, 6, 8, 10 or 12); elsewhere
they are reported as `separator`. Full-width digits (`３１７１`, from Asian input methods) are
read as 0-9 because they map to them exactly; every other character, including digits of other
scripts, is reported as `non_digit`. Invisible zero-width characters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from desktop.domain.wilayah import Region, Wilayah, get_wilayah

Sex = Literal["L", "P"]

NUMBER_LENGTH = 16
MAX_AGE_YEARS = 130
"""A birth-year candidate older than this is dropped (no living person, no NIK holder)."""
KK_EARLIEST_YEAR = 1970
"""A KK recorded-date year before this is impossible: 16-digit KK numbers came with the
computerised civil registry (SIMDUK/SIAK, 1990s-2000s); 1970 leaves a wide safety margin."""
MAX_INPUT_CHARS = 100

_SEPARATORS = frozenset(" .-\t\u00a0\u2007\u202f\u3000\u2010\u2011\u2012\u2013\u2212\uff0d\uff0e")
_IGNORABLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_GROUP_BOUNDARIES = frozenset({2, 4, 6, 8, 10, 12})
_FULLWIDTH_ZERO = 0xFF10
_TYPED = re.compile(r" *(?:[0-9]{2}[ .\-]*){6}[0-9]{4} *")
"""Common typed forms, all accepted: a subset of what `_scan` accepts, checked faster."""
_DROP_ASCII_SEPARATORS = str.maketrans("", "", " .-")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a number. `start`/`end`: half-open span in the input text."""

    code: str
    message: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a valid NIK says. Several birth dates when the century is ambiguous."""

    nik: str
    sex: Sex
    birth_day: int
    birth_month: int
    birth_year_candidates: tuple[int, ...]
    birth_dates: tuple[date, ...]
    province: Region
    regency: Region
    district: Region
    serial: int

    @property
    def birth_date(self) -> date | None:
        """The birth date when only one century is possible, else None."""
        return self.birth_dates[0] if len(self.birth_dates) == 1 else None


@dataclass(frozen=True, slots=True)
class NikResult:
    nik: str
    problems: tuple[Problem, ...]
    info: NikInfo | None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class KkInfo:
    """What a valid KK number says: issuing kecamatan, date recorded, serial."""

    kk: str
    recorded_day: int
    recorded_month: int
    recorded_year_candidates: tuple[int, ...]
    recorded_dates: tuple[date, ...]
    province: Region
    regency: Region
    district: Region
    serial: int


@dataclass(frozen=True, slots=True)
class KkResult:
    kk: str
    problems: tuple[Problem, ...]
    info: KkInfo | None

    @property
    def ok(self) -> bool:
        return not self.problems


# -- normalisation -------------------------------------------------------------------------------


def _digit(ch: str) -> str | None:
    """ASCII digit for '0'-'9' and full-width '０'-'９', else None."""
    if "0" <= ch <= "9":
        return ch
    if "\uff10" <= ch <= "\uff19":
        return chr(ord(ch) - _FULLWIDTH_ZERO + ord("0"))
    return None


def _is_separator(ch: str) -> bool:
    return ch in _SEPARATORS or ch.isspace()


def normalise_number(text: str) -> str:
    """Drop separators and invisible characters, map full-width digits to 0-9; anything else
    is kept, so a checker can still point at it."""
    out = []
    for ch in text:
        if ch in _IGNORABLE or _is_separator(ch):
            continue
        out.append(_digit(ch) or ch)
    return "".join(out)


def _char_name(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


def _non_digit_hint(ch: str) -> str:
    if ch in "Oo":
        return " (huruf O, mungkin maksudnya angka 0)"
    if ch in "Il|":
        return " (mungkin maksudnya angka 1)"
    if ch.isdigit():
        return " (angka selain 0-9; ketik ulang dengan angka biasa)"
    return ""


def _separator_name(ch: str) -> str:
    return {" ": "spasi", ".": "titik '.'", "-": "tanda hubung '-'"}.get(ch, _char_name(ch))


@dataclass(frozen=True, slots=True)
class _Kind:
    """Wording and rules that differ between NIK and KK."""

    noun: str  # "NIK" / "nomor KK"
    date_noun: str  # "lahir" / "pencatatan"
    code_prefix: str  # "birth" / "recorded"
    female_offset: bool
    too_early: str  # why a year before the earliest possible one is impossible


_NIK = _Kind("NIK", "lahir", "birth", True, f"lebih dari {MAX_AGE_YEARS} tahun lalu")
_KK = _Kind(
    "nomor KK", "pencatatan", "recorded", False, f"nomor KK belum ada sebelum {KK_EARLIEST_YEAR}"
)


def _scan(text: str, kind: _Kind) -> tuple[str, list[int], list[Problem]]:
    """Split input into 16 slots (digits, or the offending character) with their positions."""
    chars: list[str] = []
    where: list[int] = []
    problems: list[Problem] = []
    n = len(text)
    lo, hi = 0, n
    while lo < hi and (text[lo].isspace() or text[lo] in _IGNORABLE):
        lo += 1
    while hi > lo and (text[hi - 1].isspace() or text[hi - 1] in _IGNORABLE):
        hi -= 1
    i = lo
    while i < hi:
        ch = text[i]
        digit = _digit(ch)
        if digit is not None:
            chars.append(digit)
            where.append(i)
        elif ch in _IGNORABLE:
            pass
        elif _is_separator(ch):
            start = i
            while i + 1 < hi and (_is_separator(text[i + 1]) or text[i + 1] in _IGNORABLE):
                i += 1
            if len(chars) not in _GROUP_BOUNDARIES:
                problems.append(
                    Problem(
                        "separator",
                        f"pemisah {_separator_name(ch)} pada posisi {start + 1} tidak berada "
                        f"di antara kelompok angka {kind.noun} "
                        "(contoh penulisan: 3171 0152 0890 0001)",
                        start,
                        i + 1,
                    )
                )
        else:
            chars.append(ch)
            where.append(i)
            problems.append(
                Problem(
                    "non_digit",
                    f"{kind.noun} mengandung karakter bukan angka: {_char_name(ch)} "
                    f"pada posisi {i + 1}{_non_digit_hint(ch)}",
                    i,
                    i + 1,
                )
            )
        i += 1
    return "".join(chars), where, problems


# -- structure -----------------------------------------------------------------------------------


def _is_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _fmt(d: date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def _resolve_dates(
    day: int, month: int, yy: int, today: date, earliest_year: int
) -> tuple[list[date], list[int], list[date], list[date]]:
    """Both century readings of DDMMYY, sorted into (possible, not a real date, future, too
    early)."""
    possible: list[date] = []
    unreal: list[int] = []
    future: list[date] = []
    early: list[date] = []
    for year in (1900 + yy, 2000 + yy):
        try:
            d = date(year, month, day)
        except ValueError:
            unreal.append(year)
            continue
        if d > today:
            future.append(d)
        elif year < earliest_year:
            early.append(d)
        else:
            possible.append(d)
    return possible, unreal, future, early


def _date_problem(
    kind: _Kind, raw_day: int, day: int, month: int, yy: int, today: date, earliest_year: int
) -> tuple[Problem | None, list[date]]:
    possible, unreal, future, early = _resolve_dates(day, month, yy, today, earliest_year)
    if possible:
        return None, possible
    code = f"{kind.code_prefix}_date"
    dm = f"{day:02d}-{month:02d}"
    offset_note = f" ({raw_day:02d} - 40, perempuan)" if raw_day != day else ""
    if len(unreal) == 2:
        if day == 29 and month == 2:
            message = (
                f"tanggal {kind.date_noun} pada {kind.noun} tidak valid: {dm}-{yy:02d}"
                f"{offset_note}; {unreal[0]} dan {unreal[1]} bukan tahun kabisat"
            )
        else:
            message = f"tanggal {kind.date_noun} pada {kind.noun} tidak valid: {dm}{offset_note}"
        return Problem(code, message, 6, 12), []
    if future:
        message = f"tanggal {kind.date_noun} pada {kind.noun} di masa depan: {_fmt(future[-1])}"
        if early:
            message += f" ({early[0].year} juga tidak mungkin: {kind.too_early})"
        return Problem(code, message, 6, 12), []
    message = (
        f"tanggal {kind.date_noun} pada {kind.noun} tidak mungkin: {dm}-{yy:02d} "
        f"({' dan '.join(str(d.year) for d in early)}: {kind.too_early})"
    )
    return Problem(code, message, 6, 12), []


@dataclass(frozen=True, slots=True)
class _Decoded:
    province: Region
    regency: Region
    district: Region
    sex: Sex
    day: int
    month: int
    dates: list[date]
    serial: int


def _check_structure(
    s: str, kind: _Kind, today: date, wilayah: Wilayah
) -> tuple[list[Problem], _Decoded | None]:
    """Check the parts of a 16-slot string. Spans are in slot indexes; a part holding a
    non-digit is skipped (already reported)."""
    problems: list[Problem] = []
    clean = _is_digits(s)  # usual case: no part needs its own check
    province: Region | None = None
    regency: Region | None = None
    district: Region | None = None
    if clean or _is_digits(s[0:2]):
        province = wilayah.lookup_digits(s[0:2])
        if province is None:
            problems.append(Problem("province", f"kode provinsi {s[0:2]} tidak dikenal", 0, 2))
    if province is not None and (clean or _is_digits(s[2:4])):
        regency = wilayah.lookup_digits(s[0:4])
        if regency is None:
            problems.append(
                Problem("regency", f"kode kabupaten/kota {s[0:2]}.{s[2:4]} tidak dikenal", 2, 4)
            )
    if regency is not None and (clean or _is_digits(s[4:6])):
        district = wilayah.lookup_digits(s[0:6])
        if district is None:
            problems.append(
                Problem(
                    "district", f"kode kecamatan {s[0:2]}.{s[2:4]}.{s[4:6]} tidak dikenal", 4, 6
                )
            )

    p = kind.code_prefix
    sex: Sex = "L"
    day = month = 0
    if clean or _is_digits(s[6:8]):
        raw_day = int(s[6:8])
        if 1 <= raw_day <= 31:
            day = raw_day
        elif kind.female_offset and 41 <= raw_day <= 71:
            day, sex = raw_day - 40, "P"
        else:
            rule = (
                "01-31 untuk laki-laki atau 41-71 untuk perempuan"
                if kind.female_offset
                else "01-31"
            )
            problems.append(
                Problem(
                    f"{p}_day",
                    f"tanggal {kind.date_noun} pada {kind.noun} tidak valid: {s[6:8]} "
                    f"(harus {rule})",
                    6,
                    8,
                )
            )
    if clean or _is_digits(s[8:10]):
        month = int(s[8:10])
        if not 1 <= month <= 12:
            problems.append(
                Problem(
                    f"{p}_month",
                    f"bulan {kind.date_noun} pada {kind.noun} tidak valid: {s[8:10]}",
                    8,
                    10,
                )
            )
            month = 0
    dates: list[date] = []
    if day and month and (clean or _is_digits(s[10:12])):
        earliest = today.year - MAX_AGE_YEARS if kind.female_offset else KK_EARLIEST_YEAR
        problem, dates = _date_problem(
            kind, int(s[6:8]), day, month, int(s[10:12]), today, earliest
        )
        if problem is not None:
            problems.append(problem)

    serial = 0
    if clean or _is_digits(s[12:16]):
        serial = int(s[12:16])
        if serial == 0:
            problems.append(
                Problem("serial", f"nomor urut pada {kind.noun} tidak boleh 0000", 12, 16)
            )

    if problems or province is None or regency is None or district is None or not dates:
        return problems, None
    return problems, _Decoded(province, regency, district, sex, day, month, dates, serial)


def _check(
    text: str, kind: _Kind, today: date | None, wilayah: Wilayah | None
) -> tuple[str, tuple[Problem, ...], _Decoded | None]:
    if not isinstance(text, str):  # defensive: callers in forms may pass None
        text = str(text or "")
    if len(text) > MAX_INPUT_CHARS:
        return (
            normalise_number(text),
            (
                Problem(
                    "length",
                    f"panjang {kind.noun} harus 16 digit; isian terlalu panjang "
                    f"({len(text)} karakter)",
                    0,
                    len(text),
                ),
            ),
            None,
        )
    where: list[int] | None = None  # position of each slot in `text`; None: the same
    problems: list[Problem] = []
    if len(text) == NUMBER_LENGTH and _is_digits(text):
        s = text  # fast path: plain 16 digits
    elif _TYPED.fullmatch(text):  # fast path: ASCII digits grouped with spaces, dots, dashes
        s = text.translate(_DROP_ASCII_SEPARATORS)
        where = [i for i, ch in enumerate(text) if "0" <= ch <= "9"]
        text = s
    else:
        s, where, problems = _scan(text, kind)
        normalised = normalise_number(text)
        if not s:
            message = (
                f"{kind.noun} kosong"
                if not text.strip()
                else f"{kind.noun} tidak berisi angka: {text.strip()!r}"
            )
            return normalised, (Problem("empty", message, 0, len(text)),), None
        digit_count = sum("0" <= c <= "9" for c in s)
        if len(s) != NUMBER_LENGTH and digit_count == NUMBER_LENGTH:
            # 16 digits with stray characters between them: check the digits as well.
            where = [w for c, w in zip(s, where, strict=True) if "0" <= c <= "9"]
            s = "".join(c for c in s if "0" <= c <= "9")
        elif len(s) != NUMBER_LENGTH:
            problems.append(
                Problem(
                    "length",
                    f"panjang {kind.noun} harus 16 digit, bukan {digit_count}",
                    where[0],
                    where[-1] + 1,
                )
            )
            return normalised, tuple(problems), None
        text = normalised
    structural, decoded = _check_structure(s, kind, today or date.today(), wilayah or get_wilayah())
    if where is not None:
        structural = [
            Problem(p.code, p.message, where[p.start], where[p.end - 1] + 1) for p in structural
        ]
    problems.extend(structural)
    problems.sort(key=lambda p: (p.start, p.end))
    return text, tuple(problems), decoded if not problems else None


def check_nik(text: str, *, today: date | None = None, wilayah: Wilayah | None = None) -> NikResult:
    """Check and decode a NIK as typed. `today` bounds the birth-year candidates."""
    nik, problems, d = _check(text, _NIK, today, wilayah)
    if d is None:
        return NikResult(nik, problems, None)
    info = NikInfo(
        nik=nik,
        sex=d.sex,
        birth_day=d.day,
        birth_month=d.month,
        birth_year_candidates=tuple(x.year for x in d.dates),
        birth_dates=tuple(d.dates),
        province=d.province,
        regency=d.regency,
        district=d.district,
        serial=d.serial,
    )
    return NikResult(nik, (), info)


def check_kk(text: str, *, today: date | None = None, wilayah: Wilayah | None = None) -> KkResult:
    """Check and decode a KK (Kartu Keluarga) number as typed."""
    kk, problems, d = _check(text, _KK, today, wilayah)
    if d is None:
        return KkResult(kk, problems, None)
    info = KkInfo(
        kk=kk,
        recorded_day=d.day,
        recorded_month=d.month,
        recorded_year_candidates=tuple(x.year for x in d.dates),
        recorded_dates=tuple(d.dates),
        province=d.province,
        regency=d.regency,
        district=d.district,
        serial=d.serial,
    )
    return KkResult(kk, (), info)


# -- encoding ------------------------------------------------------------------------------------


def _area_digits(code: str, what: str) -> str:
    digits = re.sub(r"[.\s]", "", code)
    if len(digits) != 6 or not _is_digits(digits):
        raise ValueError(f"{what} harus 6 digit (contoh 31.71.01): {code!r}")
    return digits


def _date_digits(d: date, day_offset: int = 0) -> str:
    if not 1900 <= d.year <= 2099:
        raise ValueError(f"tahun harus 1900-2099 (dua digit tahun), bukan {d.year}")
    return f"{d.day + day_offset:02d}{d.month:02d}{d.year % 100:02d}"


def _serial_digits(serial: int) -> str:
    if not 1 <= serial <= 9999:
        raise ValueError(f"nomor urut harus 1-9999, bukan {serial}")
    return f"{serial:04d}"


def encode_nik(district_code6: str, birth: date, sex: Sex, serial: int) -> str:
    """Build a NIK (for demo data and tests). No region lookup: the caller picks the code."""
    if sex not in ("L", "P"):
        raise ValueError(f"jenis kelamin harus 'L' atau 'P', bukan {sex!r}")
    area = _area_digits(district_code6, "kode kecamatan")
    stamp = _date_digits(birth, 40 if sex == "P" else 0)
    return f"{area}{stamp}{_serial_digits(serial)}"


def encode_kk(area6: str, recorded: date, serial: int) -> str:
    """Build a KK number (for demo data and tests)."""
    area = _area_digits(area6, "kode wilayah")
    return f"{area}{_date_digits(recorded)}{_serial_digits(serial)}"


# -- intake cross-check --------------------------------------------------------------------------

_SEX_WORDS: dict[str, Sex] = {
    "l": "L",
    "lk": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "pria": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
}


def cross_check_nik(
    info: NikInfo, *, sex: str | None, birth_date: date | None
) -> tuple[Problem, ...]:
    """Compare what the NIK says with what was typed on the intake form. Spans refer to
    `info.nik` (the normalised 16 digits). None means "not typed yet": nothing to compare."""
    problems: list[Problem] = []
    if sex is not None and sex.strip():
        typed = _SEX_WORDS.get(" ".join(sex.split()).casefold())
        if typed is None:
            problems.append(
                Problem(
                    "sex_value",
                    f"jenis kelamin pada data tidak dikenal: {sex!r} (isi L atau P)",
                    6,
                    8,
                )
            )
        elif typed != info.sex:
            problems.append(
                Problem(
                    "sex_mismatch",
                    f"jenis kelamin pada NIK ({info.sex}) tidak sama dengan data ({typed})",
                    6,
                    8,
                )
            )
    if birth_date is not None:
        typed_date = birth_date.date() if isinstance(birth_date, datetime) else birth_date
        if typed_date not in info.birth_dates:
            spans = []
            if typed_date.day != info.birth_day:
                spans.append((6, 8))
            if typed_date.month != info.birth_month:
                spans.append((8, 10))
            if typed_date.year not in info.birth_year_candidates:
                spans.append((10, 12))
            on_nik = " atau ".join(_fmt(d) for d in info.birth_dates)
            problems.append(
                Problem(
                    "birth_date_mismatch",
                    f"tanggal lahir pada NIK ({on_nik}) tidak sama dengan data "
                    f"({_fmt(typed_date)})",
                    min(s for s, _ in spans),
                    max(e for _, e in spans),
                )
            )
    return tuple(problems)


# -- masking for logs ----------------------------------------------------------------------------

_NIKISH = re.compile(r"(?<!\d)\d(?:[ .\-\u00a0]{0,2}\d){14,}(?!\d)")
"""15 or more digits, possibly grouped: NIK/KK numbers, including one-digit typos."""


def _mask_digits(digits: Sequence[str]) -> str:
    return "".join(digits[:6]) + "*" * (len(digits) - 10) + "".join(digits[-4:])


def _mask_match(match: re.Match[str]) -> str:
    return _mask_digits([c for c in match.group() if c.isdigit()])


def mask_niks_in_text(text: str) -> str:
    """Mask every NIK-like digit run (15+ digits, spaces/dots/dashes allowed between them)
    in free text, keeping the first 6 and last 4 digits. Never raises."""
    if not isinstance(text, str):
        text = str(text)
    return _NIKISH.sub(_mask_match, text)


def mask_nik(text: str) -> str:
    """`"3171015208900001"` -> `"317101******0001"`. Input that is not a NIK is passed through
    `mask_niks_in_text`, so nothing NIK-like ever survives. Never raises."""
    if not isinstance(text, str):
        text = str(text)
    compact = normalise_number(text)
    if len(compact) == NUMBER_LENGTH and _is_digits(compact):
        return _mask_digits(list(compact))
    return mask_niks_in_text(text)
