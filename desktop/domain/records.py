"""Applications as the desktop knows them, read from the central API's JSON.

Parsing lives here, not in the HTTP client, so the local store, the sync engine and the views
share one vocabulary. The parser is strict about what the desktop relies on (ids, versions,
numbers) and lenient about what a newer server may add: unknown fields are ignored and unknown
status or action values are kept as raw strings (``status`` is then ``None`` and ``status_raw``
says what the server sent), so an upgrade on the server never crashes a counter PC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from desktop.domain.workflow import Action, State, parse_action, parse_state


class RecordError(ValueError):
    """A server response that cannot be used; the message is Indonesian and names the field."""


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise RecordError(f"data dari server tidak lengkap: '{where}.{key}' tidak ada")
    return obj[key]


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _get(obj, key, where)
    if not isinstance(value, str):
        raise RecordError(f"data dari server tidak valid: '{where}.{key}' harus teks")
    return value


def _opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"data dari server tidak valid: '{where}.{key}' harus teks")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str) -> int:
    value = _get(obj, key, where)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError(f"data dari server tidak valid: '{where}.{key}' harus bilangan bulat")
    return value


def parse_datetime(value: str) -> datetime:
    """ISO 8601 to an aware UTC datetime (naive input is taken as UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _dt(obj: Mapping[str, Any], key: str, where: str) -> datetime:
    raw = _str(obj, key, where)
    try:
        return parse_datetime(raw)
    except ValueError as exc:
        raise RecordError(f"data dari server tidak valid: '{where}.{key}' bukan waktu") from exc


def _opt_dt(obj: Mapping[str, Any], key: str, where: str) -> datetime | None:
    return _dt(obj, key, where) if obj.get(key) is not None else None


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordError(f"data dari server tidak valid: '{where}' harus objek")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"data dari server tidak valid: '{where}' harus daftar")
    return value


@dataclass(frozen=True)
class Applicant:
    nik: str
    name: str
    birth_date: date | None = None
    sex: str | None = None
    kk_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    birth_place: str | None = None
    rt: str | None = None
    rw: str | None = None
    village_code: str | None = None
    """The kelurahan/desa of the address, a wilayah code (10 digits, dotted or not)."""

    @classmethod
    def from_json(cls, raw: Any, where: str = "applicant") -> Applicant:
        obj = _mapping(raw, where)
        birth = _opt_str(obj, "birth_date", where)
        try:
            birth_date = date.fromisoformat(birth) if birth else None
        except ValueError as exc:
            raise RecordError(f"data dari server tidak valid: '{where}.birth_date'") from exc
        return cls(
            nik=_str(obj, "nik", where),
            name=_str(obj, "name", where),
            birth_date=birth_date,
            sex=_opt_str(obj, "sex", where),
            kk_number=_opt_str(obj, "kk_number", where),
            phone=_opt_str(obj, "phone", where),
            email=_opt_str(obj, "email", where),
            address=_opt_str(obj, "address", where),
            birth_place=_opt_str(obj, "birth_place", where),
            rt=_opt_str(obj, "rt", where),
            rw=_opt_str(obj, "rw", where),
            village_code=_opt_str(obj, "village_code", where),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "nik": self.nik,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "kk_number": self.kk_number,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "birth_place": self.birth_place,
            "rt": self.rt,
            "rw": self.rw,
            "village_code": self.village_code,
        }


@dataclass(frozen=True)
class ClaimInfo:
    user_id: str
    username: str
    full_name: str
    expires_at: datetime

    @classmethod
    def from_json(cls, raw: Any, where: str = "claim") -> ClaimInfo:
        obj = _mapping(raw, where)
        return cls(
            user_id=_str(obj, "user_id", where),
            username=_str(obj, "username", where),
            full_name=_str(obj, "full_name", where),
            expires_at=_dt(obj, "expires_at", where),
        )


@dataclass(frozen=True)
class ApplicationSummary:
    id: str
    registration_number: str | None
    provisional_number: str | None
    service_code: str
    status: State | None
    status_raw: str
    version: int
    office_code: str
    applicant: Applicant
    channel: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    due_at: datetime | None
    claim: ClaimInfo | None
    seq: int

    @classmethod
    def from_json(cls, raw: Any, where: str = "application") -> ApplicationSummary:
        obj = _mapping(raw, where)
        return cls(**cls._fields(obj, where))

    @staticmethod
    def _fields(obj: Mapping[str, Any], where: str) -> dict[str, Any]:
        status_raw = _str(obj, "status", where)
        claim_raw = obj.get("claim")
        return {
            "id": _str(obj, "id", where),
            "registration_number": _opt_str(obj, "registration_number", where),
            "provisional_number": _opt_str(obj, "provisional_number", where),
            "service_code": _str(obj, "service_code", where),
            "status": parse_state(status_raw),
            "status_raw": status_raw,
            "version": _int(obj, "version", where),
            "office_code": _str(obj, "office_code", where),
            "applicant": Applicant.from_json(_get(obj, "applicant", where), f"{where}.applicant"),
            "channel": _opt_str(obj, "channel", where) or "counter",
            "created_at": _dt(obj, "created_at", where),
            "updated_at": _dt(obj, "updated_at", where),
            "submitted_at": _opt_dt(obj, "submitted_at", where),
            "due_at": _opt_dt(obj, "due_at", where),
            "claim": ClaimInfo.from_json(claim_raw, f"{where}.claim") if claim_raw else None,
            "seq": _int(obj, "seq", where),
        }

    @property
    def number(self) -> str:
        """The number a person uses: the official one once assigned, else the provisional one."""
        return self.registration_number or self.provisional_number or ""


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    requirement_code: str | None
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str

    @classmethod
    def from_json(cls, raw: Any, where: str = "document") -> DocumentInfo:
        obj = _mapping(raw, where)
        return cls(
            id=_str(obj, "id", where),
            requirement_code=_opt_str(obj, "requirement_code", where),
            filename=_str(obj, "filename", where),
            content_type=_str(obj, "content_type", where),
            size=_int(obj, "size", where),
            sha256=_str(obj, "sha256", where),
            uploaded_at=_dt(obj, "uploaded_at", where),
            uploaded_by=_opt_str(obj, "uploaded_by", where) or "",
        )


@dataclass(frozen=True)
class ChecklistItem:
    requirement_code: str
    ok: bool
    note: str | None = None

    @classmethod
    def from_json(cls, raw: Any, where: str = "checklist") -> ChecklistItem:
        obj = _mapping(raw, where)
        ok = _get(obj, "ok", where)
        if not isinstance(ok, bool):
            raise RecordError(f"data dari server tidak valid: '{where}.ok' harus ya/tidak")
        return cls(_str(obj, "requirement_code", where), ok, _opt_str(obj, "note", where))

    def to_json(self) -> dict[str, Any]:
        return {"requirement_code": self.requirement_code, "ok": self.ok, "note": self.note}


COLLECTOR_APPLICANT = "pemohon"
COLLECTOR_PROXY = "kuasa"


@dataclass(frozen=True)
class Handover:
    """Who collected the finished document on DELIVER (Perwali Pekanbaru Pasal 30): the
    applicant, or a representative (``kuasa``) with name, NIK and the surat kuasa uploaded to
    the application beforehand (``letter_document_id``)."""

    collector: str
    name: str
    nik: str
    letter_document_id: str | None = None

    @property
    def by_proxy(self) -> bool:
        return self.collector == COLLECTOR_PROXY

    @classmethod
    def from_json(cls, raw: Any, where: str = "handover") -> Handover:
        obj = _mapping(raw, where)
        return cls(
            collector=_str(obj, "collector", where),
            name=_str(obj, "name", where),
            nik=_str(obj, "nik", where),
            letter_document_id=_opt_str(obj, "letter_document_id", where),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "collector": self.collector,
            "name": self.name,
            "nik": self.nik,
            "letter_document_id": self.letter_document_id,
        }


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    action: Action | None
    action_raw: str
    from_status: State | None
    to_status: State | None
    actor_username: str
    actor_full_name: str
    role: str
    office_code: str
    device_id: str | None
    device_time: datetime | None
    server_time: datetime
    reason: str | None
    checklist: tuple[ChecklistItem, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    """Per action: an ``edit`` has ``{"fields": [...]}`` (names of what changed, never values),
    a ``deliver`` ``{"handover": {...}}``; empty for the others."""

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """An edit's changed fields: ``applicant.<key>`` and ``data.<section>.<field>``."""
        fields = self.details.get("fields")
        if not isinstance(fields, list):
            return ()
        return tuple(f for f in fields if isinstance(f, str))

    @property
    def handover(self) -> Handover | None:
        """A delivery's handover, or None (also for one recorded before handovers existed)."""
        raw = self.details.get("handover")
        if not isinstance(raw, Mapping):
            return None
        try:
            return Handover.from_json(raw, "history.details.handover")
        except RecordError:
            return None

    @property
    def revision_reasons(self) -> dict[str, str]:
        """A ``request_revision``'s reasons per requirement (document code -> note): the
        checklist items marked not ok that carry a note."""
        return {c.requirement_code: c.note for c in self.checklist if not c.ok and c.note}

    @classmethod
    def from_json(cls, raw: Any, where: str = "history") -> HistoryEntry:
        obj = _mapping(raw, where)
        actor = _mapping(_get(obj, "actor", where), f"{where}.actor")
        action_raw = _str(obj, "action", where)
        from_raw = _opt_str(obj, "from_status", where)
        to_raw = _opt_str(obj, "to_status", where)
        return cls(
            id=_str(obj, "id", where),
            action=parse_action(action_raw),
            action_raw=action_raw,
            from_status=parse_state(from_raw) if from_raw else None,
            to_status=parse_state(to_raw) if to_raw else None,
            actor_username=_str(actor, "username", f"{where}.actor"),
            actor_full_name=_opt_str(actor, "full_name", f"{where}.actor") or "",
            role=_opt_str(obj, "role", where) or "",
            office_code=_opt_str(obj, "office_code", where) or "",
            device_id=_opt_str(obj, "device_id", where),
            device_time=_opt_dt(obj, "device_time", where),
            server_time=_dt(obj, "server_time", where),
            reason=_opt_str(obj, "reason", where),
            checklist=tuple(
                ChecklistItem.from_json(item, f"{where}.checklist[{i}]")
                for i, item in enumerate(_list(obj.get("checklist"), f"{where}.checklist"))
            ),
            details=dict(_mapping(obj.get("details") or {}, f"{where}.details")),
        )


def _data(raw: Any, where: str) -> dict[str, str]:
    """Service data: a flat ``{"<section>.<field>": text}``; non-text values are refused."""
    if raw is None:
        return {}
    obj = _mapping(raw, where)
    out: dict[str, str] = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise RecordError(f"data dari server tidak valid: '{where}.{key}' harus teks")
        out[key] = value
    return out


@dataclass(frozen=True)
class ApplicationDetail(ApplicationSummary):
    documents: tuple[DocumentInfo, ...] = field(default=())
    history: tuple[HistoryEntry, ...] = field(default=())
    data: Mapping[str, str] = field(default_factory=dict)
    """The service's own fields (catalogue sections), flat: ``{"anak.nama": "...", ...}``."""
    status_token: str | None = None
    """The random token of the public status link (`<public_status_url>/<token>`, the
    receipt's QR code); given to staff in scope only."""
    expected_date: date | None = None
    """When the application should be finished: the SLA counted in working days from the
    submission (`desktop.domain.sla`); None before it is submitted."""

    @property
    def handover(self) -> Handover | None:
        """Who collected the document (the last delivery's handover), or None."""
        for entry in reversed(self.history):
            if entry.action_raw == "deliver":
                return entry.handover
        return None

    def revision_reasons(self) -> dict[str, str]:
        """The reasons of the last return for revision, per requirement (for the operator)."""
        for entry in reversed(self.history):
            if entry.action_raw == "request_revision":
                return entry.revision_reasons
        return {}

    @classmethod
    def from_json(cls, raw: Any, where: str = "application") -> ApplicationDetail:
        obj = _mapping(raw, where)
        fields = ApplicationSummary._fields(obj, where)
        docs = _list(obj.get("documents"), f"{where}.documents")
        hist = _list(obj.get("history"), f"{where}.history")
        return cls(
            **fields,
            documents=tuple(
                DocumentInfo.from_json(d, f"{where}.documents[{i}]") for i, d in enumerate(docs)
            ),
            history=tuple(
                HistoryEntry.from_json(h, f"{where}.history[{i}]") for i, h in enumerate(hist)
            ),
            data=_data(obj.get("data"), f"{where}.data"),
            status_token=_opt_str(obj, "status_token", where),
            expected_date=_opt_date(obj, "expected_date", where),
        )


def _opt_date(obj: Mapping[str, Any], key: str, where: str) -> date | None:
    raw = _opt_str(obj, key, where)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RecordError(f"data dari server tidak valid: '{where}.{key}' bukan tanggal") from exc


@dataclass(frozen=True)
class DuplicateInfo:
    """An open application with the same NIK and service (`GET /applications/duplicates`).

    In the caller's scope it carries the id, number, office and applicant's name; one at an
    office outside it only that office and the status (``in_scope`` False, no id, number "")."""

    number: str
    status: State | None
    status_raw: str
    in_scope: bool
    id: str | None = None
    office_code: str | None = None
    applicant_name: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, raw: Any, where: str = "duplicate") -> DuplicateInfo:
        obj = _mapping(raw, where)
        status_raw = _str(obj, "status", where)
        in_scope = obj.get("in_scope")
        if not isinstance(in_scope, bool):
            raise RecordError(f"data dari server tidak valid: '{where}.in_scope' harus ya/tidak")
        return cls(
            number=_str(obj, "number", where),
            status=parse_state(status_raw),
            status_raw=status_raw,
            in_scope=in_scope,
            id=_opt_str(obj, "id", where),
            office_code=_opt_str(obj, "office_code", where),
            applicant_name=_opt_str(obj, "applicant_name", where),
            created_at=_opt_dt(obj, "created_at", where),
        )
