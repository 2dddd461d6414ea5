"""What an applicant's data and a service's own fields must look like, checked the same way at
the counter (as typed) and on the server (on create and edit).

Everything here is pure: no Qt, no I/O beyond the region list that ``identity`` and
``wilayah`` already read lazily. Checks never raise; they return every problem, each naming
its field (an applicant key such as ``"nik"`` or a service data key such as ``"anak.nama"``)
with an Indonesian message the operator can act on. ``blocking=False`` marks a warning: the
data may be right (an old NIK whose birth date was later corrected), the operator decides.

Names are taken as Indonesians write them: a single name ("Siti"), apostrophes ("Ma'ruf"),
hyphens, dots ("Muh. Ali"), commas before titles ("Ahmad, S.H."); never recased, because
"Ni Luh Putu" and "de Fretes" are spelled as on the KTP. What is refused is what cannot be on
a KTP: digits, emoji and symbols, invisible control and bidi characters, letters of other
scripts (Arabic, Javanese ...), each with a message that says what to do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from desktop.domain.catalogue import FormField, FormSection, Service
from desktop.domain.identity import (
    MAX_AGE_YEARS,
    NikInfo,
    check_kk,
    check_nik,
    cross_check_nik,
    normalise_number,
)
from desktop.domain.wilayah import Wilayah, code_digits, get_wilayah

APPLICANT_KEYS: Final = (
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "kk_number",
    "phone",
    "email",
    "address",
    "rt",
    "rw",
    "village_code",
)
MINIMUM_REQUIRED: Final = ("nik", "name")
"""What every application needs. The server checks only these by default, so an application
queued offline by an older counter (NIK and name only) is still accepted."""
COUNTER_REQUIRED: Final = (
    "nik",
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "rt",
    "rw",
    "village_code",
)
"""What the intake form asks for before submitting: the applicant's data as on the KTP."""

NAME_MAX: Final = 100
PLACE_MAX: Final = 100
ADDRESS_MAX: Final = 500
TEXT_MAX: Final = 200
LONG_TEXT_MAX: Final = 1000
EMAIL_MAX: Final = 254

LABELS: Final[Mapping[str, str]] = {
    "nik": "NIK",
    "name": "Nama",
    "birth_place": "Tempat lahir",
    "birth_date": "Tanggal lahir",
    "sex": "Jenis kelamin",
    "kk_number": "Nomor KK",
    "phone": "Nomor telepon",
    "email": "E-mail",
    "address": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "village_code": "Kelurahan/desa",
}


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one field. ``field``: an applicant key or a ``"<section>.<field>"``."""

    field: str
    message: str
    blocking: bool = True


# -- phone ---------------------------------------------------------------------------------------

_PHONE_NOISE = re.compile(r"[\s\-.()/\u00a0\u2010-\u2015]")


def normalise_phone(text: str) -> str | None:
    """An Indonesian phone number as ``"+62..."``, or None when ``text`` is not one.

    Accepts what people type and paste: ``0812-3456-7890``, ``+62 812 3456 7890``,
    ``62812...``, ``(0761) 123456``, ``+62 (0)761 ...``. Mobile numbers (8 after the country
    code, not the 0800/0809 service ranges) have 9-12 digits after it; landlines (area code 2-7
    or 9) 8-11. Idempotent: a result normalises to itself."""
    if not isinstance(text, str):
        return None
    compact = _PHONE_NOISE.sub("", text.strip())
    if compact.startswith("+62"):
        national = compact[3:]
        if national.startswith("0"):  # "+62 (0)812..."
            national = national[1:]
    elif compact.startswith("0062"):
        national = compact[4:]
    elif compact.startswith("62"):
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        return None
    if not (national.isascii() and national.isdigit()):
        return None
    first = national[:1]
    if first == "8":
        ok = national[1:2] != "0" and 9 <= len(national) <= 12
    elif first and first in "2345679":
        ok = 8 <= len(national) <= 11
    else:
        ok = False
    return f"+62{national}" if ok else None


def _phone_problem(text: str) -> str | None:
    if normalise_phone(text) is not None:
        return None
    compact = _PHONE_NOISE.sub("", text.strip())
    if any(c.isalpha() for c in compact):
        return "Nomor telepon hanya berisi angka (boleh spasi, tanda hubung, titik, kurung, +)."
    if compact.startswith("+") and not compact.startswith("+62"):
        return "Hanya nomor Indonesia (+62) yang dapat dipakai untuk menghubungi pemohon."
    if compact[:1] in "123456789" and not compact.startswith("62"):
        return "Awali nomor telepon dengan 0 atau +62, mis. 0812 3456 7890."
    return (
        "Nomor telepon tidak dikenali: nomor HP 08… (10-13 angka) atau telepon rumah dengan "
        "kode wilayah, mis. 0761 123456."
    )


# -- text ----------------------------------------------------------------------------------------

_SCRIPT_NAMES: Final[Mapping[str, str]] = {
    "ARABIC": "Arab",
    "JAVANESE": "Jawa (hanacaraka)",
    "BALINESE": "Bali",
    "SUNDANESE": "Sunda",
    "BUGINESE": "Lontara",
    "BATAK": "Batak",
    "REJANG": "Rejang",
    "CJK": "Tionghoa",
    "HIRAGANA": "Jepang",
    "KATAKANA": "Jepang",
    "HANGUL": "Korea",
    "THAI": "Thai",
    "GREEK": "Yunani",
    "CYRILLIC": "Kiril",
    "DEVANAGARI": "Dewanagari",
    "HEBREW": "Ibrani",
}
_NAME_ASCII = re.compile(r"[A-Za-z .,'\-]+")
_NAME_PUNCTUATION = frozenset(" .,'-\u2019\u02bc`")
_PLACE_PUNCTUATION = _NAME_PUNCTUATION | frozenset("()/")
_FREE_PUNCTUATION = frozenset(" .,'-\u2019\u02bc`()/\\\"#:;&+?!%*=@_[]\u2013\u2014\u201c\u201d")
_BIDI_AND_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _script_of(ch: str) -> str | None:
    """The script of a non-Latin letter or mark, in Indonesian; None for a Latin one."""
    name = unicodedata.name(ch, "")
    if name.startswith(("LATIN ", "COMBINING ")):
        return None
    word = name.split(" ", 1)[0]
    return _SCRIPT_NAMES.get(word, "non-Latin")


def _char_problem(ch: str, what: str, *, digits: bool, punctuation: frozenset[str]) -> str | None:
    """Why ``ch`` may not appear in a ``what`` ("Nama", "Alamat"), or None."""
    if ch in punctuation or ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
        return None
    if ch in _BIDI_AND_INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl"):
        return (
            f"{what} berisi karakter tersembunyi atau kontrol (U+{ord(ch):04X}), biasanya dari "
            "teks yang ditempel; hapus lalu ketik ulang."
        )
    category = unicodedata.category(ch)
    if category == "Nd":
        if not digits:
            return f"{what} tidak boleh berisi angka ('{ch}'); tulis seperti pada KTP."
        if not ("0" <= ch <= "9"):
            return f"{what} berisi angka selain 0-9 ('{ch}'); ketik ulang dengan angka biasa."
        return None
    if category[0] in "LM":
        script = _script_of(ch)
        if script is None:
            return None
        return (
            f"{what} harus ditulis dengan huruf Latin seperti pada KTP, bukan huruf {script} "
            f"('{ch}')."
        )
    if category in ("So", "Sk", "Cs") or 0x1F000 <= ord(ch) <= 0x1FAFF:
        return f"{what} tidak boleh berisi emoji atau simbol ('{ch}')."
    if category == "Zs":
        return None
    allowed = " ".join(sorted(p for p in punctuation if p.strip() and p.isascii()))
    return f"{what} tidak boleh berisi tanda '{ch}'; yang boleh: huruf, spasi dan {allowed}"


def _thousands(n: int) -> str:
    """``2000`` -> ``"2.000"``, as Indonesian writes numbers."""
    return f"{n:,}".replace(",", ".")


def _text_problem(
    value: str,
    what: str,
    *,
    limit: int,
    digits: bool,
    punctuation: frozenset[str],
    lines: bool = False,
) -> str | None:
    if len(value) > limit:
        return (
            f"{what} terlalu panjang: {_thousands(len(value))} karakter, paling banyak "
            f"{_thousands(limit)}. Singkat seperlunya."
        )
    for ch in value:
        if lines and ch in "\r\n\t":
            continue
        problem = _char_problem(ch, what, digits=digits, punctuation=punctuation)
        if problem is not None:
            return problem
    return None


def _name_problem(value: str, what: str = "Nama") -> str | None:
    if _NAME_ASCII.fullmatch(value) and len(value) <= NAME_MAX:
        problem = None  # the usual case, without a look at each character
    else:
        problem = _text_problem(
            value, what, limit=NAME_MAX, digits=False, punctuation=_NAME_PUNCTUATION
        )
    if problem is None and not any(c.isalpha() for c in value):
        return f"{what} harus berisi huruf."
    return problem


def _clean_text(value: str, *, lines: bool = False) -> str:
    """NFC, trimmed, runs of spaces made one; line breaks kept when ``lines``. Never recased."""
    text = unicodedata.normalize("NFC", value)
    if lines:
        rows = [" ".join(row.split()) for row in text.replace("\r\n", "\n").split("\n")]
        return "\n".join(rows).strip()
    return " ".join(text.split())


# -- dates, numbers, codes -----------------------------------------------------------------------


def _parse_date(value: str) -> date | None:
    text = value.strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_problem(value: str, what: str, today: date) -> str | None:
    parsed = _parse_date(value)
    if parsed is None:
        # No format in the words: the counter's form takes DD-MM-YYYY (its placeholder says
        # so) and sends ISO, a program sends ISO; "tahun-bulan-tanggal" misled the officer.
        return f"{what} tidak valid: {value.strip()[:20]!r} bukan tanggal."
    if parsed > today:
        return f"{what} tidak boleh sesudah hari ini ({parsed.strftime('%d-%m-%Y')})."
    if parsed.year < today.year - MAX_AGE_YEARS:
        return f"{what} lebih dari {MAX_AGE_YEARS} tahun lalu ({parsed.year}); periksa tahunnya."
    return None


_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def _email_problem(value: str) -> str | None:
    text = value.strip()
    if len(text) > EMAIL_MAX:
        return f"E-mail terlalu panjang (paling banyak {EMAIL_MAX} karakter)."
    if not _EMAIL.fullmatch(text) or ".." in text or text.startswith("."):
        return "E-mail tidak valid: tulis seperti nama@contoh.com, tanpa spasi."
    return None


def _rt_rw(value: str) -> str | None:
    """``"1"``/``"01"``/``"001"`` -> ``"001"``; None when not 1-3 digits or zero."""
    text = value.strip()
    if 1 <= len(text) <= 3 and text.isascii() and text.isdigit() and int(text) > 0:
        return f"{int(text):03d}"
    return None


def _village_problem(value: str, wilayah: Wilayah, what: str) -> str | None:
    digits = code_digits(value)
    if digits is None or len(digits) != 10:
        return f"{what}: pilih kelurahan/desa dari daftar (kode 10 angka, mis. 14.71.01.1002)."
    if wilayah.lookup(digits) is None:
        return f"{what}: kode {value.strip()} bukan kelurahan/desa yang berlaku saat ini."
    return None


_SEX_WORDS: Final[Mapping[str, str]] = {
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


def _sex(value: str) -> str | None:
    return _SEX_WORDS.get(" ".join(value.split()).casefold())


# -- the applicant -------------------------------------------------------------------------------


def _nik_problems(
    key: str, value: str, today: date, wilayah: Wilayah, what: str = "NIK"
) -> tuple[list[FieldProblem], NikInfo | None]:
    result = check_nik(value, today=today, wilayah=wilayah)
    if result.ok:
        return [], result.info
    messages = "; ".join(p.message for p in result.problems[:3])
    return [FieldProblem(key, f"{what} tidak valid: {messages}.")], None


def _kk_problems(key: str, value: str, today: date, wilayah: Wilayah) -> list[FieldProblem]:
    result = check_kk(value, today=today, wilayah=wilayah)
    if result.ok:
        return []
    messages = "; ".join(p.message for p in result.problems[:3])
    return [FieldProblem(key, f"Nomor KK tidak valid: {messages}.")]


def _cross_check(
    info: NikInfo, key: str, sex: str | None, birth: date | None
) -> list[FieldProblem]:
    """Typed sex and birth date against what the NIK encodes. Warnings, not refusals: a NIK
    keeps its digits when the birth date in the registry is later corrected."""
    problems = cross_check_nik(info, sex=sex, birth_date=birth)
    return [FieldProblem(key, f"Periksa kembali: {p.message}.", blocking=False) for p in problems]


def check_applicant(
    values: Mapping[str, str],
    *,
    today: date,
    wilayah: Wilayah | None,
    required: Collection[str] = MINIMUM_REQUIRED,
) -> list[FieldProblem]:
    """Every problem with the applicant's data (keys as in ``APPLICANT_KEYS``; others are
    ignored). Empty fields are fine unless in ``required``: the form passes
    ``COUNTER_REQUIRED``, the server keeps ``MINIMUM_REQUIRED``. Works on raw typed values
    (a NIK with spaces, a phone with dashes) as well as on ``clean_applicant``'s output."""
    regions = wilayah or get_wilayah()
    problems: list[FieldProblem] = []

    def value(key: str) -> str:
        raw = values.get(key)
        return raw.strip() if isinstance(raw, str) else ""

    for key in APPLICANT_KEYS:
        if key in required and not value(key):
            problems.append(FieldProblem(key, f"{LABELS[key]} wajib diisi."))

    info: NikInfo | None = None
    if nik := value("nik"):
        found, info = _nik_problems("nik", nik, today, regions)
        problems += found
    if (name := value("name")) and (message := _name_problem(_clean_text(name))) is not None:
        problems.append(FieldProblem("name", message))
    if place := value("birth_place"):
        message = _text_problem(
            _clean_text(place),
            "Tempat lahir",
            limit=PLACE_MAX,
            digits=False,
            punctuation=_PLACE_PUNCTUATION,
        )
        if message is not None:
            problems.append(FieldProblem("birth_place", message))
    birth: date | None = None
    if birth_text := value("birth_date"):
        if (message := _date_problem(birth_text, "Tanggal lahir", today)) is not None:
            problems.append(FieldProblem("birth_date", message))
        else:
            birth = _parse_date(birth_text)
    sex: str | None = None
    if sex_text := value("sex"):
        sex = _sex(sex_text)
        if sex is None:
            problems.append(FieldProblem("sex", "Jenis kelamin: pilih L (laki-laki) atau P."))
    if info is not None:
        problems += _cross_check(info, "nik", sex, birth)
    if kk := value("kk_number"):
        problems += _kk_problems("kk_number", kk, today, regions)
    if (phone := value("phone")) and (message := _phone_problem(phone)) is not None:
        problems.append(FieldProblem("phone", message))
    if (email := value("email")) and (message := _email_problem(email)) is not None:
        problems.append(FieldProblem("email", message))
    if address := value("address"):
        message = _text_problem(
            _clean_text(address, lines=True),
            "Alamat",
            limit=ADDRESS_MAX,
            digits=True,
            punctuation=_FREE_PUNCTUATION,
            lines=True,
        )
        if message is not None:
            problems.append(FieldProblem("address", message))
    for key in ("rt", "rw"):
        if (text := value(key)) and _rt_rw(text) is None:
            problems.append(
                FieldProblem(key, f"{LABELS[key]} berisi 1-3 angka, bukan 0, mis. 001 atau 12.")
            )
    village = value("village_code")
    message = _village_problem(village, regions, "Kelurahan/desa") if village else None
    if message is not None:
        problems.append(FieldProblem("village_code", message))
    return problems


def clean_applicant(values: Mapping[str, str]) -> dict[str, str]:
    """The applicant's data as stored: NIK/KK as 16 digits, phone ``+62...``, RT/RW ``001``,
    village code 10 digits, sex ``L``/``P``, names and texts NFC with spaces tidied but
    never recased. A value that cannot be cleaned is kept (trimmed) for the check to report;
    keys not in ``APPLICANT_KEYS`` pass through trimmed. Idempotent."""
    cleaned: dict[str, str] = {}
    for key, raw in values.items():
        text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        if key in ("nik", "kk_number"):
            cleaned[key] = normalise_number(text)
        elif key == "phone":
            cleaned[key] = normalise_phone(text) or _clean_text(text)
        elif key in ("rt", "rw"):
            cleaned[key] = _rt_rw(text) or _clean_text(text)
        elif key == "village_code":
            digits = code_digits(text)
            cleaned[key] = digits if digits is not None else _clean_text(text)
        elif key == "sex":
            cleaned[key] = _sex(text) or _clean_text(text)
        elif key == "email":
            local, at, domain = _clean_text(text).rpartition("@")
            cleaned[key] = f"{local}@{domain.lower()}" if at else _clean_text(text)
        elif key == "address":
            cleaned[key] = _clean_text(text, lines=True)
        else:
            cleaned[key] = _clean_text(text)
    return cleaned


# -- a service's own fields ----------------------------------------------------------------------

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


def _is_person_name(form_field: FormField) -> bool:
    """Convention documented in default.toml: a ``teks`` field coded ``nama`` or ``..._nama``
    holds a person's name and gets the name rules."""
    return form_field.code == "nama" or form_field.code.endswith("_nama")


def _is_time(form_field: FormField) -> bool:
    return form_field.code == "jam" or form_field.code.startswith("jam_")


EXPECTED_SEX: Final[Mapping[str, str]] = {
    "ayah": "L",
    "suami": "L",
    "ayah_angkat": "L",
    "ibu": "P",
    "istri": "P",
    "ibu_angkat": "P",
}
"""Sections whose person has a known sex; their NIK is cross-checked against it."""


_MEMBER = re.compile(r"((?:[0-9][ .\-]?){15}[0-9])\s*(.*)")
"""A member line: 16 digits, grouped as pasted or not, then the name."""


def _member_problems(key: str, value: str, what: str, today: date, wilayah: Wilayah) -> list[str]:
    """A ``teks_panjang`` coded ``anggota``: one family member per line, NIK then name."""
    problems: list[str] = []
    for number, line in enumerate(value.splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        match = _MEMBER.fullmatch(text)
        nik, name = match.groups() if match else text.partition(" ")[::2]
        result = check_nik(nik, today=today, wilayah=wilayah)
        if not result.ok:
            problems.append(
                f"{what}, baris {number}: awali dengan NIK 16 angka lalu nama "
                f"({result.problems[0].message})."
            )
        elif not name.strip():
            problems.append(f"{what}, baris {number}: tulis nama sesudah NIK.")
        elif (message := _name_problem(_clean_text(name), f"{what}, baris {number}")) is not None:
            problems.append(message)
    return problems


def _field_problem(
    section: FormSection,
    form_field: FormField,
    value: str,
    data: Mapping[str, str],
    today: date,
    wilayah: Wilayah,
) -> list[FieldProblem]:
    key = section.key(form_field)
    what = f"{section.label}: {form_field.label}"
    kind = form_field.kind
    message: str | None = None
    if kind == "teks":
        if _is_person_name(form_field):
            message = _name_problem(_clean_text(value), what)
        elif _is_time(form_field):
            if not _TIME.fullmatch(value):
                message = f"{what}: tulis jam dan menit, mis. 14:30."
        else:
            message = _text_problem(
                _clean_text(value),
                what,
                limit=TEXT_MAX,
                digits=True,
                punctuation=_FREE_PUNCTUATION,
            )
    elif kind == "teks_panjang" and form_field.code == "anggota":
        return [FieldProblem(key, m) for m in _member_problems(key, value, what, today, wilayah)]
    elif kind == "teks_panjang":
        message = _text_problem(
            _clean_text(value, lines=True),
            what,
            limit=LONG_TEXT_MAX,
            digits=True,
            punctuation=_FREE_PUNCTUATION,
            lines=True,
        )
    elif kind == "nik":
        found, info = _nik_problems(key, value, today, wilayah, what)
        if info is not None:
            sex_key = f"{section.code}.jenis_kelamin"
            birth_key = f"{section.code}.tanggal_lahir"
            sex = _sex(data.get(sex_key, "")) if data.get(sex_key) else None
            sex = sex or EXPECTED_SEX.get(section.code)
            birth = _parse_date(data.get(birth_key, ""))
            found += _cross_check(info, key, sex, birth)
        return found
    elif kind == "kk":
        return _kk_problems(key, value, today, wilayah)
    elif kind == "tanggal":
        message = _date_problem(value, what, today)
    elif kind == "pilihan":
        if value not in form_field.choices:
            message = f"{what}: pilih salah satu: {', '.join(form_field.choices)}."
    elif kind == "wilayah":
        message = _village_problem(value, wilayah, what)
    elif kind == "telepon":
        found_message = _phone_problem(value)
        message = f"{what}: {found_message}" if found_message else None
    elif kind == "angka" and not (value.isascii() and value.isdigit() and len(value) <= 9):
        message = f"{what}: isi dengan angka saja (0-9)."
    return [] if message is None else [FieldProblem(key, message)]


def check_service_data(
    service: Service, data: Mapping[str, str], *, today: date, wilayah: Wilayah | None
) -> list[FieldProblem]:
    """Every problem with a service's own fields (``service.sections``); ``data`` is the flat
    ``{"<section>.<field>": str}``. A key the catalogue does not know is a warning (the
    catalogue may have changed since a draft was begun); the same NIK in two sections is a
    warning too (the reporter may well be the father, two witnesses may not be one person)."""
    regions = wilayah or get_wilayah()
    problems: list[FieldProblem] = []
    niks: dict[str, str] = {}
    for section in service.sections:
        for form_field in section.fields:
            key = section.key(form_field)
            raw = data.get(key)
            value = raw.strip() if isinstance(raw, str) else ""
            if not value:
                if form_field.required:
                    what = f"{section.label}: {form_field.label}"
                    problems.append(FieldProblem(key, f"{what} wajib diisi."))
                continue
            found = _field_problem(section, form_field, value, data, today, regions)
            problems += found
            if form_field.kind == "nik" and not any(p.blocking for p in found):
                digits = normalise_number(value)
                if digits in niks:
                    problems.append(
                        FieldProblem(
                            key,
                            f"{section.label}: NIK sama dengan {niks[digits]}; periksa kembali.",
                            blocking=False,
                        )
                    )
                else:
                    niks[digits] = section.label
    known = service.fields()
    for key in data:
        if key not in known:
            problems.append(
                FieldProblem(key, f"Isian '{key}' tidak dikenal untuk layanan ini.", blocking=False)
            )
    return problems


def clean_service_data(service: Service, data: Mapping[str, str]) -> dict[str, str]:
    """The service data as stored: only the catalogue's keys, empty ones dropped, NIK/KK as
    digits, phones ``+62...``, region codes as digits, texts tidied (never recased).
    Idempotent."""
    cleaned: dict[str, str] = {}
    for key, form_field in service.fields().items():
        raw = data.get(key)
        text = raw if isinstance(raw, str) else ""
        kind = form_field.kind
        if kind in ("nik", "kk"):
            value = normalise_number(text)
        elif kind == "telepon":
            value = normalise_phone(text) or _clean_text(text)
        elif kind == "wilayah":
            value = code_digits(text) or _clean_text(text)
        elif kind == "teks_panjang":
            value = _clean_text(text, lines=True)
        else:
            value = _clean_text(text)
        if value:
            cleaned[key] = value
    return cleaned
