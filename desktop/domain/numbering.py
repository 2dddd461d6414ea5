"""Registration, provisional and letter numbers: how they look, and how typed ones are read back.

Registration numbers are typed by people (status checks over the phone, barcode readers that
drop a character), so they carry a Damm check digit that catches every single-digit error and
every swap of adjacent digits. Provisional numbers are made offline and must not collide across
devices, so they name the office and the device. Letter numbers follow a per-office pattern; the
server allocates the sequence, this module only renders it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import damm

_SEPARATORS = re.compile(r"[\s.\-/]+")

# -- registration numbers --------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationNumber:
    """A server-issued number: kabupaten/kota code, date of issue, daily sequence, check digit."""

    area: str
    issued: date
    sequence: int

    def __str__(self) -> str:
        return format_registration_number(self.area, self.issued, self.sequence)


class NumberError(ValueError):
    """A typed or configured number that cannot be used; the message is Indonesian."""


def _registration_digits(area: str, issued: date, sequence: int) -> str:
    if not (len(area) == 4 and area.isdigit()):
        raise NumberError(f"kode kabupaten/kota harus 4 digit, bukan '{area}'")
    if sequence < 1:
        raise NumberError("nomor urut pendaftaran dimulai dari 1")
    return f"{area}{issued:%y%m%d}{sequence:04d}"


def format_registration_number(area: str, issued: date, sequence: int) -> str:
    """E.g. ``1471-261124-0042-6``: groups a person can read aloud, last digit a check digit."""
    digits = _registration_digits(area, issued, sequence)
    check = damm.calc_check_digit(digits)
    return f"{digits[:4]}-{digits[4:10]}-{digits[10:]}-{check}"


def parse_registration_number(text: str) -> RegistrationNumber:
    """Read a typed or scanned registration number; separators are optional."""
    digits = _SEPARATORS.sub("", text.strip())
    if not digits:
        raise NumberError("nomor pendaftaran terlalu pendek (kosong)")
    if not (digits.isascii() and digits.isdigit()):
        raise NumberError(f"nomor pendaftaran hanya berisi angka: '{text.strip()}'")
    if len(digits) < 15:
        raise NumberError(f"nomor pendaftaran terlalu pendek ({len(digits)} digit, minimal 15)")
    if damm.checksum(digits) != 0:
        raise NumberError("nomor pendaftaran salah ketik (digit pemeriksa tidak cocok)")
    body = digits[:-1]
    try:
        issued = date(2000 + int(body[4:6]), int(body[6:8]), int(body[8:10]))
    except ValueError as exc:
        raise NumberError(f"tanggal pada nomor pendaftaran tidak valid: {body[4:10]}") from exc
    return RegistrationNumber(area=body[:4], issued=issued, sequence=int(body[10:]))


def looks_like_registration_number(text: str) -> bool:
    """True when `text` parses as a registration number (for search boxes and barcode input)."""
    try:
        parse_registration_number(text)
    except NumberError:
        return False
    return True


# -- provisional numbers (offline intake) ----------------------------------------------------

_DEVICE_CODE = re.compile(r"^[A-Z0-9]{1,6}$")
_OFFICE_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{10})$")


def format_provisional_number(office_code: str, device_code: str, day: date, sequence: int) -> str:
    """E.g. ``SEM-1471011001-D03-261124-0007``: unique across devices without a server.

    `office_code` is the office's wilayah code without dots; `device_code` is the short code the
    server gave this device when it was registered.
    """
    office = office_code.replace(".", "")
    if not _OFFICE_CODE.match(office):
        raise NumberError(f"kode kantor tidak valid: '{office_code}'")
    if not _DEVICE_CODE.match(device_code):
        raise NumberError(f"kode perangkat harus 1-6 huruf besar/angka: '{device_code}'")
    if sequence < 1:
        raise NumberError("nomor urut sementara dimulai dari 1")
    return f"SEM-{office}-{device_code}-{day:%y%m%d}-{sequence:04d}"


def is_provisional_number(text: str) -> bool:
    return text.strip().upper().startswith("SEM-")


# -- letter numbers --------------------------------------------------------------------------

_ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_TOKEN = re.compile(r"\[([a-z_0-9]+)(?::(\d+))?\]")
LETTER_TOKENS = frozenset(
    {"klasifikasi", "nomor", "unit", "bulan", "bulan_romawi", "tahun", "tahun2"}
)
DEFAULT_LETTER_PATTERN = "[klasifikasi]/[nomor]/[unit]/[bulan_romawi]/[tahun]"


def roman_month(month: int) -> str:
    if not 1 <= month <= 12:
        raise NumberError(f"bulan tidak valid: {month}")
    return _ROMAN_MONTHS[month - 1]


def check_letter_pattern(pattern: str) -> list[str]:
    """Problems with a configured pattern, in Indonesian; empty when it is usable.

    The sequence resets every year, so a pattern without the year would repeat numbers.
    """
    problems: list[str] = []
    names = [m.group(1) for m in _TOKEN.finditer(pattern)]
    for name in names:
        if name not in LETTER_TOKENS:
            problems.append(f"bagian [{name}] tidak dikenal")
    if names.count("nomor") != 1:
        problems.append("pola harus memuat [nomor] tepat satu kali")
    if "tahun" not in names and "tahun2" not in names:
        problems.append("pola harus memuat [tahun] atau [tahun2] karena nomor diulang tiap tahun")
    leftover = _TOKEN.sub("", pattern)
    if "[" in leftover or "]" in leftover:
        problems.append("tanda kurung siku tidak berpasangan")
    return problems


def format_letter_number(
    pattern: str, *, number: int, issued: date, klasifikasi: str = "", unit: str = ""
) -> str:
    """Render a letter number; ``[nomor:3]`` pads the sequence to three digits."""
    problems = check_letter_pattern(pattern)
    if problems:
        raise NumberError("pola nomor surat tidak valid: " + "; ".join(problems))
    if number < 1:
        raise NumberError("nomor surat dimulai dari 1")
    values = {
        "klasifikasi": klasifikasi,
        "unit": unit,
        "bulan": f"{issued.month:02d}",
        "bulan_romawi": roman_month(issued.month),
        "tahun": f"{issued.year:04d}",
        "tahun2": f"{issued.year % 100:02d}",
    }

    def render(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name == "nomor":
            return f"{number:0{int(width)}d}" if width else str(number)
        return values[name]

    return _TOKEN.sub(render, pattern)
