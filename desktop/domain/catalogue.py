"""The service catalogue: which services a counter offers, what each requires, and how fast.

The catalogue is data (``resources/catalogue/*.toml``), not code, so that a region can adapt it
without a release. It is validated whole at load, because a wrong catalogue would otherwise surface
later as a confusing failure at a counter; every problem is reported at once, in Indonesian, naming
the file, the entry and the field. The format is documented at the top of ``default.toml``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, cast, get_args

Category = Literal["adminduk", "surat_kelurahan"]
OfficeLevel = Literal["kelurahan", "kecamatan", "dinas"]
RoleCode = Literal["operator", "verifier", "validator", "supervisor", "admin"]
"""Same values as ``desktop.domain.workflow.Role``; literal so the two modules stay independent."""
FileType = Literal["pdf", "jpeg", "png", "tiff"]
FieldKind = Literal[
    "teks", "teks_panjang", "nik", "kk", "tanggal", "pilihan", "wilayah", "telepon", "angka"
]
"""What a service field holds; the form picks its widget and ``applicant_rules`` its check."""

CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
OFFICE_LEVELS: Final[tuple[OfficeLevel, ...]] = get_args(OfficeLevel)
ROLES: Final[tuple[RoleCode, ...]] = get_args(RoleCode)
FILE_TYPES: Final[tuple[FileType, ...]] = get_args(FileType)
FIELD_KINDS: Final[tuple[FieldKind, ...]] = get_args(FieldKind)

DECISION_LEVEL_BY_CATEGORY: Final[Mapping[Category, OfficeLevel]] = MappingProxyType(
    {"adminduk": "dinas", "surat_kelurahan": "kelurahan"}
)
"""The office level that decides a service when its entry has no ``tingkat_keputusan``:
Disdukcapil documents are verified, validated and signed at the dinas wherever they were taken
in; a kelurahan letter is the kelurahan's own (its lurah signs it)."""

SCHEMA_VERSION: Final = 1
DEFAULT_FILE: Final = "default.toml"
REGIONS_DIR: Final = "regions"

_CODE = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
_KLASIFIKASI = re.compile(r"\d{3}(?:\.\d{1,3})*")
_LETTER_TYPE = re.compile(r"[a-z][a-z0-9_]*")
_REGION = re.compile(r"\d{2}|\d{4}")
_FIELD_CODE = re.compile(r"[a-z][a-z0-9_]*")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")

_DOC_FIELDS = ("kode", "nama", "name_en", "keterangan")
_SERVICE_FIELDS = (
    "kode",
    "nama",
    "name_en",
    "kategori",
    "program",
    "formulir",
    "persyaratan",
    "keluaran",
    "sla_jam",
    "tingkat_loket",
    "peran_verifikasi",
    "peran_validasi",
    "tingkat_keputusan",
    "klasifikasi",
    "jenis_surat",
    "sumber",
    "isian",
)
_REQUIREMENT_FIELDS = ("dokumen", "wajib", "tipe", "catatan")
_SECTION_FIELDS = ("kode", "label", "kolom")
_FORM_FIELD_FIELDS = ("kode", "label", "jenis", "wajib", "pilihan", "petunjuk")


class CatalogueError(ValueError):
    """The catalogue cannot be used. ``problems`` holds every problem found, not only the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    name_en: str
    description: str


@dataclass(frozen=True)
class Requirement:
    document_code: str
    mandatory: bool
    accepted_types: tuple[FileType, ...]
    note: str | None


@dataclass(frozen=True)
class OutputDocument:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class FormField:
    """One field of a service's own data (``[[layanan.isian]]`` ``kolom``), e.g. the child's
    birth date. Its value is stored under ``"<section>.<field>"`` (see ``FormSection.keys``)."""

    code: str
    label: str
    kind: FieldKind
    required: bool = True
    choices: tuple[str, ...] = ()
    """The allowed values of a ``pilihan`` field, as stored and shown; empty for other kinds."""
    hint: str = ""


@dataclass(frozen=True)
class FormSection:
    """A titled group of fields, e.g. "Data anak", "Saksi 1"."""

    code: str
    label: str
    fields: tuple[FormField, ...]

    def key(self, form_field: FormField) -> str:
        """The flat key of a field's value in the service data, e.g. ``"anak.nama"``."""
        return f"{self.code}.{form_field.code}"


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    name_en: str
    category: Category
    program: str | None
    form_code: str | None
    requirements: tuple[Requirement, ...]
    outputs: tuple[OutputDocument, ...]
    sla_hours: int
    intake_levels: tuple[OfficeLevel, ...]
    verifier_roles: tuple[RoleCode, ...]
    validator_roles: tuple[RoleCode, ...]
    decision_level: OfficeLevel
    """``tingkat_keputusan``: offices at this level or above decide (verify, validate, sign);
    defaults to ``DECISION_LEVEL_BY_CATEGORY``. Judged in ``desktop.domain.authority``."""
    klasifikasi: str | None
    letter_type: str | None
    source: str
    sections: tuple[FormSection, ...] = ()
    """The service's own fields (``isian``), beyond the applicant's; empty when it has none.
    Its data is a flat ``{"<section>.<field>": str}``, checked by
    ``desktop.domain.applicant_rules.check_service_data``."""

    def fields(self) -> dict[str, FormField]:
        """Every own field by its flat key (``"anak.nama"``), in form order."""
        return {section.key(f): f for section in self.sections for f in section.fields}


@dataclass(frozen=True)
class Catalogue:
    """One validated catalogue. ``version`` hashes the content, so it serves as an HTTP ETag."""

    version: str
    region: str | None
    document_types: Mapping[str, DocumentType]
    services: Mapping[str, Service]

    def service(self, code: str) -> Service:
        try:
            return self.services[code]
        except KeyError:
            where = f" wilayah {self.region}" if self.region else ""
            raise KeyError(f"layanan '{code}' tidak ada di katalog{where}") from None

    def services_for(
        self, *, category: Category | None = None, level: OfficeLevel | None = None
    ) -> tuple[Service, ...]:
        """Services in file order, e.g. those a kelurahan counter may take in."""
        return tuple(
            s
            for s in self.services.values()
            if (category is None or s.category == category)
            and (level is None or level in s.intake_levels)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form served by ``GET /catalogue``."""
        content = _content(self.region, self.document_types, self.services)
        return {"version": self.version, **content}


def _content(
    region: str | None, docs: Mapping[str, DocumentType], services: Mapping[str, Service]
) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
        return value

    return {
        "region": region,
        "document_types": [plain(d) for d in docs.values()],
        "services": [plain(s) for s in services.values()],
    }


# -- reading one table ----------------------------------------------------------------------------


def _type_name(value: object) -> str:
    names = (
        (bool, "boolean"),
        (int, "bilangan bulat"),
        (float, "bilangan pecahan"),
        (str, "teks"),
        (list, "daftar"),
        (dict, "tabel"),
    )
    name = next((n for t, n in names if isinstance(value, t)), "tanggal/waktu")
    shown = repr(value)
    return f"{name} ({shown[:40]}...)" if len(shown) > 40 else f"{name} ({shown})"


def _suggest(value: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1)
    return f" (maksudnya '{close[0]}'?)" if close else ""


@dataclass
class _Reader:
    """Typed access to one TOML table that records problems instead of raising."""

    table: Mapping[str, Any]
    locate: Callable[[str], str]
    problems: list[str]
    prefix: str = ""

    def problem(self, name: str, message: str) -> None:
        top = name.split("[", 1)[0].split(".", 1)[0]
        self.problems.append(f"{self.locate(top)}: field '{self.prefix}{name}' {message}")

    def unknown(self, known: tuple[str, ...]) -> None:
        for name in self.table:
            if name not in known:
                self.problem(name, "tidak dikenal" + _suggest(name, known))

    def raw(self, name: str, required: bool) -> Any:
        if name not in self.table:
            if required:
                self.problem(name, "wajib diisi")
            return None
        return self.table[name]

    def text(
        self,
        name: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        value = self.raw(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(name, f"harus berupa teks, bukan {_type_name(value)}")
        elif not value.strip():
            self.problem(name, "tidak boleh kosong")
        elif pattern is not None and not pattern.fullmatch(value):
            self.problem(name, f"bernilai '{value}' yang tidak sah: {hint}")
        else:
            return value.strip()
        return None

    def positive_int(self, name: str) -> int | None:
        value = self.raw(name, True)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, f"harus berupa bilangan bulat, bukan {_type_name(value)}")
        elif value <= 0:
            self.problem(name, f"harus lebih dari 0, bukan {value}")
        else:
            return value
        return None

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(name, f"harus berupa true atau false, bukan {_type_name(value)}")
            return default
        return value

    def strings(
        self,
        name: str,
        *,
        allowed: tuple[str, ...] | None = None,
        documents: Mapping[str, object] | None = None,
    ) -> tuple[str, ...] | None:
        """A non-empty list of distinct strings, each one of ``allowed`` or of ``documents``."""
        value = self.raw(name, True)
        if value is None:
            return None
        if not isinstance(value, list):
            self.problem(name, f"harus berupa daftar teks, bukan {_type_name(value)}")
            return None
        wrong = [(i, v) for i, v in enumerate(value, 1) if not isinstance(v, str)]
        for i, item in wrong:
            self.problem(f"{name}[{i}]", f"harus berupa teks, bukan {_type_name(item)}")
        if wrong:
            return None
        if not value:
            self.problem(name, "tidak boleh kosong")
            return None
        ok = True
        for i, item in enumerate(value, 1):
            if value.index(item) != i - 1:
                self.problem(f"{name}[{i}]", f"ganda: '{item}' sudah disebut")
                ok = False
            elif allowed is not None and item not in allowed:
                self.problem(
                    f"{name}[{i}]",
                    f"bernilai '{item}' yang tidak dikenal; pilihan: {', '.join(allowed)}",
                )
                ok = False
            elif documents is not None and item not in documents:
                self.problem(
                    f"{name}[{i}]",
                    f"merujuk jenis dokumen '{item}' yang tidak ada di "
                    f"jenis_dokumen{_suggest(item, documents)}",
                )
                ok = False
        return tuple(value) if ok else None

    def choice(self, name: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.text(name, required=required)
        if value is not None and value not in allowed:
            options = ", ".join(allowed)
            self.problem(name, f"bernilai '{value}' yang tidak dikenal; pilihan: {options}")
            return None
        return value


_CODE_HINT = "hanya huruf besar A-Z, angka dan '-', mis. 'KK-KTPEL-WNI'"


# -- one file, then the merge ---------------------------------------------------------------------


@dataclass
class _RawService:
    """A service as merged so far, remembering which file entry set each field."""

    fields: dict[str, Any]
    origin: str
    where: dict[str, str] = field(default_factory=dict)

    def locate(self, name: str) -> str:
        return self.where.get(name, self.origin)


@dataclass
class _Merge:
    problems: list[str] = field(default_factory=list)
    docs: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    services: dict[str, _RawService] = field(default_factory=dict)
    orphans: list[_RawService] = field(default_factory=list)


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        if match and match.group(1):
            reason = message[: match.start()]
            where = f"baris {match.group(1)}, kolom {match.group(2)}"
        else:
            reason = message[: match.start()] if match else message
            where = f"akhir berkas (baris {text.count(chr(10)) + 1})"
        raise CatalogueError([f"{source}: sintaks TOML tidak valid di {where}: {reason}"]) from None


def _location(source: str, table: str, index: int, code: object) -> str:
    """How problems name an entry: 1-based, like counting ``[[layanan]]`` blocks in the file."""
    named = f" (kode '{code}')" if isinstance(code, str) else ""
    return f"{source}: {table}[{index}]{named}"


def _entries(data: dict[str, Any], key: str, source: str, problems: list[str]) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append(
            f"{source}: field '{key}' harus berupa daftar tabel [[{key}]], "
            f"bukan {_type_name(value)}"
        )
        return []
    return value


def _apply_layer(merge: _Merge, data: dict[str, Any], source: str, region: str | None) -> None:
    """Add one file to the merge; ``region`` is None for the base file."""
    problems = merge.problems
    known_top = (
        ("wilayah", "jenis_dokumen", "layanan")
        if region
        else ("versi_skema", "jenis_dokumen", "layanan")
    )
    top = _Reader(data, lambda _: source, problems)
    top.unknown(known_top)
    if region is None:
        version = top.raw("versi_skema", True)
        if version is not None and (isinstance(version, bool) or version != SCHEMA_VERSION):
            top.problem("versi_skema", f"harus {SCHEMA_VERSION}, bukan {_type_name(version)}")
        top.raw("jenis_dokumen", True)
        top.raw("layanan", True)
    elif "wilayah" in data:
        head = data["wilayah"]
        if not isinstance(head, dict):
            top.problem("wilayah", f"harus berupa tabel [wilayah], bukan {_type_name(head)}")
        else:
            reader = _Reader(head, lambda _: f"{source}: [wilayah]", problems)
            reader.unknown(("kode", "nama"))
            code = reader.text("kode")
            if code is not None and code != region:
                reader.problem("kode", f"bernilai '{code}', padahal berkas ini untuk {region}")
            reader.text("nama", required=False)

    seen: dict[str, int] = {}
    for i, entry in enumerate(_entries(data, "jenis_dokumen", source, problems), 1):
        code = entry.get("kode")
        loc = _location(source, "jenis_dokumen", i, code)
        if isinstance(code, str) and code in seen:
            problems.append(
                f"{loc}: field 'kode' ganda: '{code}' sudah dipakai jenis_dokumen[{seen[code]}]"
            )
            continue
        if isinstance(code, str) and _CODE.fullmatch(code):
            seen[code] = i
            merge.docs[code] = (entry, loc)
        else:
            _document_type(entry, loc, problems)  # reports what is wrong with it

    seen = {}
    for i, entry in enumerate(_entries(data, "layanan", source, problems), 1):
        code = entry.get("kode")
        loc = _location(source, "layanan", i, code)
        if not (isinstance(code, str) and _CODE.fullmatch(code)):
            merge.orphans.append(_RawService(dict(entry), loc))
            continue
        if code in seen:
            where = f"layanan[{seen[code]}]"
            problems.append(f"{loc}: field 'kode' ganda: '{code}' sudah dipakai {where}")
            continue
        seen[code] = i
        fields = {k: v for k, v in entry.items() if k != "hapus"}
        if "hapus" in entry:
            remove = entry["hapus"]
            if region is None:
                problems.append(f"{loc}: field 'hapus' hanya boleh dipakai di berkas wilayah")
            elif not isinstance(remove, bool):
                problems.append(
                    f"{loc}: field 'hapus' harus berupa true atau false, bukan {_type_name(remove)}"
                )
            elif remove:
                if set(fields) != {"kode"}:
                    extra = ", ".join(sorted(set(fields) - {"kode"}))
                    problems.append(f"{loc}: field 'hapus' tak boleh disertai field lain: {extra}")
                elif merge.services.pop(code, None) is None:
                    problems.append(f"{loc}: field 'hapus': layanan '{code}' tak ada untuk dihapus")
                continue
        existing = merge.services.get(code)
        if existing is None:
            merge.services[code] = _RawService(fields, loc)
        else:
            existing.fields.update(fields)
            existing.where.update(dict.fromkeys(fields, loc))


def _document_type(entry: Mapping[str, Any], loc: str, problems: list[str]) -> DocumentType | None:
    reader = _Reader(entry, lambda _: loc, problems)
    reader.unknown(_DOC_FIELDS)
    values = (
        reader.text("kode", pattern=_CODE, hint=_CODE_HINT),
        reader.text("nama"),
        reader.text("name_en"),
        reader.text("keterangan"),
    )
    code, name, name_en, description = values
    if code is None or name is None or name_en is None or description is None:
        return None
    return DocumentType(code, name, name_en, description)


def _requirements(
    reader: _Reader, declared: Mapping[str, object]
) -> tuple[Requirement, ...] | None:
    items = reader.raw("persyaratan", True)
    if items is None:
        return None
    if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
        reader.problem("persyaratan", f"harus berupa daftar tabel, bukan {_type_name(items)}")
        return None
    if not items:
        reader.problem("persyaratan", "minimal berisi satu persyaratan")
        return None
    where = reader.locate("persyaratan")
    result: list[Requirement] = []
    first_use: dict[str, int] = {}
    for i, item in enumerate(items, 1):
        sub = _Reader(item, lambda _: where, reader.problems, prefix=f"persyaratan[{i}].")
        sub.unknown(_REQUIREMENT_FIELDS)
        code = sub.text("dokumen")
        if code is not None and code not in declared:
            sub.problem(
                "dokumen",
                f"merujuk jenis dokumen '{code}' yang tidak ada di "
                f"jenis_dokumen{_suggest(code, declared)}",
            )
            code = None
        elif code is not None and code in first_use:
            earlier = f"persyaratan[{first_use[code]}]"
            sub.problem("dokumen", f"ganda: '{code}' sudah disebut di {earlier}")
            code = None
        mandatory = sub.boolean("wajib", True)
        types = sub.strings("tipe", allowed=FILE_TYPES) if "tipe" in item else FILE_TYPES
        note = sub.text("catatan", required=False)
        if code is None or types is None:
            continue
        first_use[code] = i
        result.append(Requirement(code, mandatory, cast(tuple[FileType, ...], types), note))
    return tuple(result) if len(result) == len(items) else None


def _form_field(sub: _Reader) -> FormField | None:
    sub.unknown(_FORM_FIELD_FIELDS)
    code = sub.text("kode", pattern=_FIELD_CODE, hint="huruf kecil, angka dan '_', mis. 'nama'")
    label = sub.text("label")
    kind = sub.choice("jenis", FIELD_KINDS)
    required = sub.boolean("wajib", True)
    hint = sub.text("petunjuk", required=False) or ""
    choices: tuple[str, ...] | None = ()
    if kind == "pilihan":
        choices = sub.strings("pilihan")
    elif "pilihan" in sub.table:
        sub.problem("pilihan", f"hanya untuk jenis 'pilihan', bukan '{kind}'")
        choices = None
    if code is None or label is None or kind is None or choices is None:
        return None
    return FormField(code, label, cast(FieldKind, kind), required, choices, hint)


def _sections(reader: _Reader) -> tuple[FormSection, ...] | None:
    """``isian``: absent or empty means the service has no own fields (a region file may write
    ``isian = []`` to drop the default's)."""
    items = reader.raw("isian", False)
    if items is None:
        return ()
    if not isinstance(items, list) or not all(isinstance(v, dict) for v in items):
        reader.problem(
            "isian", f"harus berupa daftar tabel [[layanan.isian]], bukan {_type_name(items)}"
        )
        return None
    where = reader.locate("isian")
    result: list[FormSection] = []
    first_use: dict[str, int] = {}
    ok = True
    for i, item in enumerate(items, 1):
        sub = _Reader(item, lambda _: where, reader.problems, prefix=f"isian[{i}].")
        sub.unknown(_SECTION_FIELDS)
        code = sub.text("kode", pattern=_FIELD_CODE, hint="huruf kecil, angka dan '_', mis. 'anak'")
        if code is not None and code in first_use:
            sub.problem("kode", f"ganda: '{code}' sudah dipakai isian[{first_use[code]}]")
            code = None
        label = sub.text("label")
        columns = sub.raw("kolom", True)
        fields: list[FormField] = []
        if columns is not None:
            if not isinstance(columns, list) or not all(isinstance(v, dict) for v in columns):
                sub.problem("kolom", f"harus berupa daftar tabel, bukan {_type_name(columns)}")
                columns = None
            elif not columns:
                sub.problem("kolom", "minimal berisi satu kolom")
                columns = None
        seen: dict[str, int] = {}
        for j, column in enumerate(columns or [], 1):
            col = _Reader(
                column, lambda _: where, reader.problems, prefix=f"isian[{i}].kolom[{j}]."
            )
            form_field = _form_field(col)
            if form_field is not None and form_field.code in seen:
                col.problem(
                    "kode",
                    f"ganda: '{form_field.code}' sudah dipakai kolom[{seen[form_field.code]}]",
                )
                form_field = None
            if form_field is None:
                ok = False
                continue
            seen[form_field.code] = j
            fields.append(form_field)
        if code is None or label is None or columns is None:
            ok = False
            continue
        first_use[code] = i
        result.append(FormSection(code, label, tuple(fields)))
    return tuple(result) if ok else None


def _service(
    raw: _RawService,
    docs: Mapping[str, DocumentType],
    declared: Mapping[str, object],
    problems: list[str],
) -> Service | None:
    """Validate one merged service; ``declared`` also holds document types that are themselves
    invalid, so a broken document type is reported once rather than again at every use."""
    r = _Reader(raw.fields, raw.locate, problems)
    r.unknown(_SERVICE_FIELDS)
    code = r.text("kode", pattern=_CODE, hint=_CODE_HINT)
    name, name_en = r.text("nama"), r.text("name_en")
    category = r.choice("kategori", CATEGORIES)
    program = r.text("program", required=False)
    form_code = r.text("formulir", required=False)
    requirements = _requirements(r, declared)
    outputs = r.strings("keluaran", documents=declared)
    sla = r.positive_int("sla_jam")
    levels = r.strings("tingkat_loket", allowed=OFFICE_LEVELS)
    verifiers = r.strings("peran_verifikasi", allowed=ROLES)
    validators = r.strings("peran_validasi", allowed=ROLES)
    decides = r.choice("tingkat_keputusan", OFFICE_LEVELS, required=False)
    if decides is None and "tingkat_keputusan" not in raw.fields and category is not None:
        decides = DECISION_LEVEL_BY_CATEGORY[cast(Category, category)]
    is_letter = category == "surat_kelurahan"
    klasifikasi = r.text(
        "klasifikasi",
        required=is_letter,
        pattern=_KLASIFIKASI,
        hint="tiga digit dengan subkode bertitik, mis. '474.1'",
    )
    letter_type = r.text(
        "jenis_surat",
        required=is_letter,
        pattern=_LETTER_TYPE,
        hint="huruf kecil, angka dan '_', mis. 'sk_domisili'",
    )
    source = r.text("sumber")
    sections = _sections(r)
    if (
        code is None
        or name is None
        or name_en is None
        or category is None
        or requirements is None
        or outputs is None
        or sla is None
        or levels is None
        or verifiers is None
        or validators is None
        or decides is None
        or source is None
        or sections is None
        or (is_letter and (klasifikasi is None or letter_type is None))
        or any(c not in docs for c in outputs)
    ):
        return None
    return Service(
        code=code,
        name=name,
        name_en=name_en,
        category=cast(Category, category),
        program=program,
        form_code=form_code,
        requirements=requirements,
        outputs=tuple(OutputDocument(c, docs[c].name, docs[c].name_en) for c in outputs),
        sla_hours=sla,
        intake_levels=cast(tuple[OfficeLevel, ...], levels),
        verifier_roles=cast(tuple[RoleCode, ...], verifiers),
        validator_roles=cast(tuple[RoleCode, ...], validators),
        decision_level=cast(OfficeLevel, decides),
        klasifikasi=klasifikasi,
        letter_type=letter_type,
        source=source,
        sections=sections,
    )


def _build(layers: list[tuple[str, str]], region: str | None) -> Catalogue:
    """Merge ``(source, text)`` layers, base first, and validate the result as one catalogue."""
    merge = _Merge()
    for n, (source, text) in enumerate(layers):
        layer_region = None if n == 0 else Path(source).stem
        _apply_layer(merge, _parse_toml(text, source), source, layer_region)
    problems = merge.problems
    docs: dict[str, DocumentType] = {}
    for code, (entry, loc) in merge.docs.items():
        doc = _document_type(entry, loc, problems)
        if doc is not None:
            docs[code] = doc
    services: dict[str, Service] = {}
    for code, raw in merge.services.items():
        service = _service(raw, docs, merge.docs, problems)
        if service is not None:
            services[code] = service
    for raw in merge.orphans:
        _service(raw, docs, merge.docs, problems)
    if problems:
        raise CatalogueError(problems)
    content = _content(region, docs, services)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return Catalogue(
        version=hashlib.sha256(canonical.encode()).hexdigest()[:20],
        region=region,
        document_types=MappingProxyType(docs),
        services=MappingProxyType(services),
    )


# -- public entry points --------------------------------------------------------------------------


def parse_catalogue(text: str, *, source_name: str) -> Catalogue:
    """Validate one catalogue text (the format of ``default.toml``); for tests and tools."""
    return _build([(source_name, text)], None)


def default_directory() -> Path:
    """``$LOKET_RESOURCES/catalogue`` when set (installed builds, tests), else the repository's."""
    env = os.environ.get("LOKET_RESOURCES")
    if env:
        return Path(env) / "catalogue"
    return Path(__file__).resolve().parents[2] / "resources" / "catalogue"


def _layer_names(region: str | None) -> list[str]:
    """Base file, then the province file, then the regency/city file: wider rules first."""
    names = [DEFAULT_FILE]
    if region is not None:
        names.append(f"{REGIONS_DIR}/{region[:2]}.toml")
        if len(region) == 4:
            names.append(f"{REGIONS_DIR}/{region}.toml")
    return names


def _read(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogueError([f"{name}: berkas katalog tidak ditemukan ({path})"]) from None
    except OSError as exc:
        raise CatalogueError([f"{name}: berkas katalog tidak dapat dibaca: {exc}"]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{name}: bukan teks UTF-8 yang sah (byte ke-{exc.start + 1})"
        raise CatalogueError([message]) from None


def load_catalogue(region: str | None = None, *, directory: Path | None = None) -> Catalogue:
    """Load ``default.toml`` with the overrides of ``region`` (e.g. ``"1471"``) merged over it.

    A region without its own file gets the default catalogue. The files are read on every call
    (small) but parsed and validated once per content, so an edited file is picked up at once.
    """
    if region is not None and not (isinstance(region, str) and _REGION.fullmatch(region)):
        raise CatalogueError(
            [
                f"kode wilayah {region!r} tidak valid: harus 2 digit (provinsi) atau 4 digit "
                "(kabupaten/kota) tanpa titik, mis. '1471'"
            ]
        )
    root = directory if directory is not None else default_directory()
    layers: list[tuple[str, str]] = []
    for n, name in enumerate(_layer_names(region)):
        path = root / name
        if n > 0 and not path.is_file():
            continue  # a region without overrides of its own
        layers.append((name, _read(path, name)))
    return _build_cached(tuple(layers), region)


@lru_cache(maxsize=32)
def _build_cached(layers: tuple[tuple[str, str], ...], region: str | None) -> Catalogue:
    return _build(list(layers), region)
