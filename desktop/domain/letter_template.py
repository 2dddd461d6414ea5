"""A kelurahan letter as data: a template an administrator edits (resources/letters/surat/*.toml)
and the rules that fill it with an application's values. Qt-free, no drawing: the PDF is made by
desktop.services.documents.letter.

Why a checked template: a letter that prints ``{pemohon.nmae}`` or an empty "Nama :" has gone to a
citizen and cannot be taken back. So `load_template` refuses, before any letter is made, a template
with a placeholder or format it does not know, a missing part, or a stray brace, and names the line
of the file and the placeholder, in Indonesian, for the administrator who typed it.

Placeholders: ``{key}`` or ``{key:format}``; ``{{`` and ``}}`` print a brace. Keys:

- ``pemohon.<key>``: the applicant's data (desktop.domain.applicant_rules.APPLICANT_KEYS, e.g.
  ``pemohon.name``, ``pemohon.birth_date``);
- ``<bagian>.<kolom>``: the service's own fields from the catalogue (``anak.nama``,
  ``surat.keperluan``), for the service whose output (keluaran) is this template's ``kode``;
- ``kantor.nama`` / ``kantor.tempat`` / ``kantor.alamat``, ``penandatangan.jabatan`` /
  ``penandatangan.nama`` / ``penandatangan.nip``, ``naskah.nomor`` / ``naskah.tanggal``.

Formats: see FORMATS.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from desktop.domain.applicant_rules import APPLICANT_KEYS, LABELS
from desktop.domain.catalogue import Catalogue, Service, load_catalogue
from desktop.domain.formatting import format_date

SCHEMA_VERSION: Final = 1

LETTER_KEYS: Final[Mapping[str, str]] = {
    "kantor.nama": "Nama kantor",
    "kantor.tempat": "Tempat surat",
    "kantor.alamat": "Alamat kantor",
    "penandatangan.jabatan": "Jabatan penandatangan",
    "penandatangan.nama": "Nama penandatangan",
    "penandatangan.nip": "NIP penandatangan",
    "naskah.nomor": "Nomor surat",
    "naskah.tanggal": "Tanggal surat",
}
"""Keys every template may use, filled from the letterhead, the official and the number."""


def _sex(value: str) -> str:
    return {"L": "Laki-laki", "P": "Perempuan"}.get(value.strip().upper(), value)


def _date(value: str) -> str:
    return format_date(date.fromisoformat(value.strip()))


def _rupiah(value: str) -> str:
    digits = value.strip().replace(".", "")
    if not digits.isdigit():
        raise ValueError(value)
    return "Rp" + f"{int(digits):,}".replace(",", ".")


def _rt_rw(value: str) -> str:
    text = value.strip()
    return text.zfill(3) if text.isdigit() else text


FORMATS: Final[Mapping[str, Callable[[str], str]]] = {
    "tanggal": _date,  # 2026-12-03 -> 3 Desember 2026
    "besar": str.upper,  # SITI AMINAH
    "jenis_kelamin": _sex,  # L -> Laki-laki
    "rupiah": _rupiah,  # 1500000 -> Rp1.500.000
    "rt_rw": _rt_rw,  # 3 -> 003
    "wilayah": lambda value: value,  # replaced by the caller (needs the wilayah list)
}
"""What may follow the colon in ``{key:format}``."""

EMPTY: Final = "-"
"""Printed for an optional field left empty: a blank after "Pukul :" looks like a misprint."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KEY = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
REQUIRED_PARTS: Final = ("kode", "judul", "klasifikasi", "hal", "isi")


class TemplateError(ValueError):
    """The template cannot be used. ``problems``: every problem found, each naming its line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class LetterDataError(ValueError):
    """The application's values cannot make this letter (a required field empty, a date that is
    not a date, a script the letter cannot print). The message is Indonesian and names the field."""


@dataclass(frozen=True)
class Paragraf:
    """A body paragraph with placeholders."""

    text: str


@dataclass(frozen=True)
class DataRows:
    """Label : value lines (Nama : ..., NIK : ...), the value with placeholders."""

    rows: tuple[tuple[str, str], ...]


Block = Paragraf | DataRows


@dataclass(frozen=True)
class LetterTemplate:
    code: str
    """The catalogue's output document code (keluaran), e.g. ``SK-DOMISILI``."""
    title: str
    klasifikasi: str
    sifat: str
    lampiran: str
    hal: str
    addressee: tuple[str, ...]
    """Lines under "Yth." (may be empty: a keterangan for whom it may concern)."""
    required: tuple[str, ...]
    """Keys that must not be empty to make this letter (``wajib``)."""
    blocks: tuple[Block, ...]
    source: str

    def texts(self) -> list[str]:
        """Every text that holds placeholders, in file order."""
        out = [self.hal, *self.addressee]
        for block in self.blocks:
            if isinstance(block, Paragraf):
                out.append(block.text)
            else:
                for row in block.rows:
                    out.extend(row)
        return out

    def used_keys(self) -> list[str]:
        """Every key the template prints, once each, in order."""
        seen: dict[str, None] = {}
        for value in self.texts():
            for key, _fmt in placeholders(value):
                seen.setdefault(key, None)
        return list(seen)


def placeholders(value: str) -> list[tuple[str, str | None]]:
    """(key, format) of each ``{key}``/``{key:format}`` in `value` (``{{`` and ``}}`` skipped).
    Raises ValueError with the offending piece when a brace is unbalanced."""
    found: list[tuple[str, str | None]] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if value.startswith("{{", i) or value.startswith("}}", i):
            i += 2
            continue
        if ch == "}":
            raise ValueError(value[max(0, i - 20) : i + 1])
        if ch == "{":
            end = value.find("}", i)
            inner = value[i + 1 : end] if end >= 0 else ""
            if end < 0 or "{" in inner:
                raise ValueError(value[i : i + 25])
            key, _, fmt = inner.partition(":")
            found.append((key.strip(), fmt.strip() if ":" in inner else None))
            i = end + 1
            continue
        i += 1
    return found


def fill(value: str, values: Mapping[str, str], formatted: Mapping[str, str] | None = None) -> str:
    """`value` with each placeholder replaced: `values` by key, then the format applied;
    `formatted` overrides by "key:format" (the caller's wilayah names). Empty prints EMPTY."""

    def one(match: re.Match[str]) -> str:
        key, _, fmt = match.group(1).partition(":")
        key, fmt = key.strip(), fmt.strip()
        if formatted is not None and f"{key}:{fmt}" in formatted:
            return formatted[f"{key}:{fmt}"]
        raw = values.get(key, "").strip()
        if not raw:
            return EMPTY
        if not fmt:
            return raw
        try:
            return FORMATS[fmt](raw)
        except ValueError:
            raise LetterDataError(
                f"Isian {label(key)} ({key}) berisi '{raw}', tidak dapat dicetak sebagai {fmt}."
            ) from None

    # braces doubled in the template are single ones in the letter
    parts = re.split(r"(\{\{|\}\})", value)
    return "".join(
        {"{{": "{", "}}": "}"}.get(part) or _PLACEHOLDER.sub(one, part) for part in parts
    )


def label(key: str) -> str:
    """A person's name for a key, for messages: 'Nama', else the key itself."""
    section, _, name = key.partition(".")
    if section == "pemohon" and name in LABELS:
        return f"'{LABELS[name]}'"
    return f"'{LETTER_KEYS.get(key, key)}'"


def known_keys(service: Service | None) -> set[str]:
    keys = {f"pemohon.{k}" for k in APPLICANT_KEYS} | set(LETTER_KEYS)
    if service is not None:
        keys |= set(service.fields())
    return keys


def service_for(code: str, catalogue: Catalogue) -> Service | None:
    """The kelurahan letter service whose output document is `code`."""
    for service in catalogue.services_for(category="surat_kelurahan"):
        if any(output.code == code for output in service.outputs):
            return service
    return None


# -- loading ---------------------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int | None:
    """1-based line of the first line holding `needle` (or its first line), None if absent."""
    probe = needle.strip().splitlines()[0] if needle.strip() else ""
    if not probe:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if probe in line:
            return number
    return None


def _where(source: str, text: str, needle: str) -> str:
    line = _line_of(text, needle)
    return f"{source} baris {line}" if line is not None else source


def _string(data: Mapping[str, Any], key: str, default: str | None, problems: list[str]) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        problems.append(f"'{key}' harus berupa teks")
        return ""
    return value.strip()


def load_template(
    text: str, *, source: str = "templat surat", catalogue: Catalogue | None = None
) -> LetterTemplate:
    """Parse and check a letter template (TOML). Raises TemplateError listing every problem,
    each with ``<source> baris N`` and the placeholder concerned. `catalogue` (default: the
    national one) gives the service's own field keys for the template's ``kode``."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        reason = message[: match.start()] if match else message
        where = f"baris {match.group(1)}" if match and match.group(1) else "akhir berkas"
        raise TemplateError([f"{source} {where}: sintaks TOML tidak valid: {reason}"]) from None

    problems: list[str] = []
    for part in REQUIRED_PARTS:
        if part not in data:
            problems.append(f"{source}: bagian '{part}' wajib ada tetapi tidak ditemukan")
    version = data.get("versi_skema", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        problems.append(f"{source}: versi_skema {version!r} tidak dikenal (harus {SCHEMA_VERSION})")
    if problems:
        raise TemplateError(problems)

    code = _string(data, "kode", None, problems)
    if code and not _CODE.fullmatch(code):
        problems.append(f"{_where(source, text, code)}: kode '{code}' tidak valid")
    service = service_for(code, catalogue or load_catalogue())
    if code and service is None:
        problems.append(
            f"{_where(source, text, code)}: kode '{code}' bukan dokumen keluaran surat "
            "kelurahan di katalog"
        )
    keys = known_keys(service)

    addressee_raw = data.get("kepada", [])
    if not (isinstance(addressee_raw, list) and all(isinstance(v, str) for v in addressee_raw)):
        problems.append(f"{source}: 'kepada' harus daftar teks")
        addressee_raw = []
    required_raw = data.get("wajib", [])
    if not (isinstance(required_raw, list) and all(isinstance(v, str) for v in required_raw)):
        problems.append(f"{source}: 'wajib' harus daftar kunci isian")
        required_raw = []
    for key in required_raw:
        if key not in keys:
            problems.append(
                f"{_where(source, text, key)}: isian wajib '{key}' tidak dikenal" + _hint(key, keys)
            )

    blocks: list[Block] = []
    raw_blocks = data.get("isi")
    if not isinstance(raw_blocks, list) or not raw_blocks:
        problems.append(f"{source}: 'isi' harus berisi minimal satu [[isi]]")
        raw_blocks = []
    for index, entry in enumerate(raw_blocks, 1):
        block = _block(entry, index, source, problems)
        if block is not None:
            blocks.append(block)

    template = LetterTemplate(
        code=code,
        title=_string(data, "judul", None, problems),
        klasifikasi=_string(data, "klasifikasi", None, problems),
        sifat=_string(data, "sifat", "Biasa", problems),
        lampiran=_string(data, "lampiran", "-", problems),
        hal=_string(data, "hal", None, problems),
        addressee=tuple(v.strip() for v in addressee_raw),
        required=tuple(required_raw),
        blocks=tuple(blocks),
        source=source,
    )
    for value in template.texts():
        try:
            found = placeholders(value)
        except ValueError as exc:
            piece = str(exc)
            problems.append(
                f"{_where(source, text, piece)}: kurung kurawal tidak berpasangan di "
                f"'{piece}' (tulis {{{{ atau }}}} untuk mencetak kurung kurawal)"
            )
            continue
        for key, fmt in found:
            shown = "{" + key + (f":{fmt}" if fmt is not None else "") + "}"
            where = _where(source, text, shown)
            if not _KEY.fullmatch(key) or key not in keys:
                problems.append(f"{where}: placeholder {shown} tidak dikenal" + _hint(key, keys))
            if fmt is not None and fmt not in FORMATS:
                problems.append(
                    f"{where}: format '{fmt}' pada {shown} tidak dikenal "
                    f"(yang ada: {', '.join(FORMATS)})"
                )
    if problems:
        raise TemplateError(problems)
    return template


def _hint(key: str, keys: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, sorted(keys), n=1, cutoff=0.7)
    return f" (maksud Anda {{{close[0]}}}?)" if close else ""


def _block(entry: object, index: int, source: str, problems: list[str]) -> Block | None:
    where = f"{source}: [[isi]] ke-{index}"
    if not isinstance(entry, dict):
        problems.append(f"{where} harus berupa tabel")
        return None
    if set(entry) == {"paragraf"} and isinstance(entry["paragraf"], str):
        return Paragraf(" ".join(entry["paragraf"].split()))
    rows = entry.get("data")
    if set(entry) == {"data"} and isinstance(rows, list):
        out: list[tuple[str, str]] = []
        for row in rows:
            if (
                isinstance(row, list)
                and len(row) == 2
                and all(isinstance(cell, str) for cell in row)
            ):
                out.append((row[0].strip(), row[1].strip()))
            else:
                problems.append(f'{where}: tiap baris data berupa ["Label", "{{isian}}"]')
        return DataRows(tuple(out))
    problems.append(f'{where} harus memuat tepat satu dari paragraf = "..." atau data = [...]')
    return None
