"""Request and response shapes of API v1 (pydantic), i.e. the published OpenAPI document.

Requests refuse unknown fields (a typo must never pass silently). Responses are built as plain
dicts by `serialize.py` for speed; these models describe them, and the schemathesis test checks
that the two agree.

Every request model derives from `Strict`, which is where the input rules live, so that a new
field gets them without anyone remembering:

- **Strict types**: a boolean is `true`/`false` and an integer a JSON integer; `"yes"`, `"1"`,
  `1.0` or `1` for a boolean are refused (pydantic strict mode). Ids, dates and times are JSON
  strings, parsed by the `Id`, `Day` and `Moment` types below (strictly: text only).
- **Invisible characters** (`server.text`): free text (`Name`, `OptText`, `Reason`) is cleaned
  (removed, NFC, single spaces) and refused when nothing readable is left; every other string
  (codes, usernames, kinds, hashes, tokens, e-mail addresses...) that holds one is refused,
  never silently rewritten. Opt out only with `RAW` (a log-in password, which is only hashed;
  the client's hash-chained audit `details`, stored as sent).
- **Times** are ISO 8601 with an offset, between `EARLIEST` and `LATEST`; dates of birth
  between `FIRST_DAY` and `LAST_DAY`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from server.text import INVISIBLE_MESSAGE, clean_text, holds_invisible

RoleName = Literal["operator", "verifier", "validator", "supervisor", "admin"]
StateName = Literal[
    "draft",
    "submitted",
    "needs_revision",
    "verified",
    "validated",
    "signed",
    "completed",
    "rejected",
    "cancelled",
]
ActionName = Literal[
    "submit",
    "discard",
    "verify",
    "request_revision",
    "reject",
    "resubmit",
    "cancel",
    "validate",
    "sign",
    "deliver",
]
OfficeLevelName = Literal["dinas", "kecamatan", "kelurahan"]


class RawText:
    """Marks a request field whose text is taken as sent (no invisible-character check)."""


RAW = RawText()


def _nonempty(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError("tidak boleh kosong (setelah karakter tak terlihat dibuang)")
    return value


def _optional_clean(value: str | None) -> str | None:
    """Blank is "none"; text that held only invisible characters is refused, so that e.g. a
    rejection can never be saved with a reason nobody can read."""
    if value is None or not value.strip():
        return None
    cleaned = clean_text(value)
    if not cleaned:
        raise ValueError("hanya berisi karakter tak terlihat; tulis teks yang dapat dibaca")
    return cleaned


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_nonempty)]
OptText = Annotated[
    str | None, Field(default=None, max_length=500), AfterValidator(_optional_clean)
]
Reason = Annotated[
    str | None, Field(default=None, max_length=2000), AfterValidator(_optional_clean)
]
Digits16 = Annotated[str, Field(pattern=r"^[0-9]{16}$")]
Id = Annotated[UUID, Field(strict=False)]
"""A UUID, sent as its canonical string."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""Times a request may carry: from 2000 (registration numbers have two-digit years from 2000;
a device clock reset to 1970 or 1980 is wrong, not history) up to, not including, 2100. Far
inside what every database and Python can convert, so no time can overflow into a 500."""
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2099, 12, 31)
"""Dates (of birth) a request may carry."""

_ISO_MOMENT = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MOMENT_FORMAT = "waktu ISO 8601 dengan zona waktu, mis. 2026-11-24T08:15:00Z"


def _moment_text(value: Any) -> Any:
    if not isinstance(value, str) or not _ISO_MOMENT.match(value):
        raise ValueError(f"harus {MOMENT_FORMAT}")
    return value


def bounded_moment(value: datetime) -> datetime:
    """`value` when it is aware and between `EARLIEST` and `LATEST`; else ValueError. Never
    overflows: the year is checked before any conversion."""
    if value.utcoffset() is None:
        raise ValueError(f"tanpa zona waktu; harus {MOMENT_FORMAT}")
    if not (
        EARLIEST.year - 1 <= value.year <= LATEST.year
        and EARLIEST <= value.astimezone(UTC) < LATEST
    ):
        raise ValueError(
            f"di luar rentang {EARLIEST:%Y-%m-%d} sampai sebelum {LATEST:%Y-%m-%d} (UTC)"
        )
    return value


def _day_text(value: Any) -> Any:
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        raise ValueError("harus tanggal YYYY-MM-DD")
    return value


def _bounded_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"di luar rentang {FIRST_DAY} sampai {LAST_DAY}")
    return value


Moment = Annotated[
    datetime,
    Field(
        strict=False,
        description="ISO 8601 with an offset (UTC preferred), 2000-01-01 to before 2100-01-01",
    ),
    BeforeValidator(_moment_text),
    AfterValidator(bounded_moment),
]
Day = Annotated[
    date,
    Field(strict=False, description="YYYY-MM-DD, 1900-01-01 to 2099-12-31"),
    BeforeValidator(_day_text),
    AfterValidator(_bounded_day),
]


class Strict(BaseModel):
    """Base of every request model: unknown fields refused, strict types, no invisible
    characters in any string (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_invisible_characters(cls, value: Any, info: ValidationInfo) -> Any:
        spec = cls.model_fields.get(info.field_name or "")
        if spec is not None and any(isinstance(m, RawText) for m in spec.metadata):
            return value
        if holds_invisible(value):
            raise ValueError(INVISIBLE_MESSAGE)
        return value


# -- problems ---------------------------------------------------------------------------------


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """Every error; extras depend on `code` (`errors`, `current`, `claim`, `locked_until`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError] | None = None
    current: dict[str, Any] | None = None
    claim: dict[str, Any] | None = None
    locked_until: datetime | None = None


# -- health, offices, auth --------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]
    api_version: str
    server_time: datetime
    server_version: str


class Office(BaseModel):
    code: str
    name: str
    level: OfficeLevelName
    parent_code: str | None


class OfficeList(BaseModel):
    items: list[Office]


class OfflinePolicy(BaseModel):
    max_offline_days: int


class Me(BaseModel):
    id: UUID
    username: str
    full_name: str
    nip: str | None = Field(
        default=None, description="NIP of an ASN official (18 digits), for the signature block"
    )
    roles: list[RoleName]
    office: Office
    device_code: str | None
    offline_policy: OfflinePolicy
    public_status_url: str = Field(
        description="Base of the public status link a receipt's QR code carries: "
        "`<public_status_url>/<status_token>`"
    )


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_expires_in: int
    user: Me


class LoginRequest(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    # Taken as sent: only hashed, never stored or shown; a password set before these rules
    # must keep working.
    password: Annotated[str, Field(min_length=1, max_length=256), RAW]
    device_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


# -- applications -----------------------------------------------------------------------------


class ApplicantIn(Strict):
    nik: Digits16
    name: Name
    birth_date: Day | None = None
    sex: Literal["L", "P"] | None = None
    kk_number: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{16}$")] = None
    phone: Annotated[str | None, Field(default=None, pattern=r"^\+?[0-9][0-9 -]{5,19}$")] = None
    email: Annotated[
        str | None, Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ] = None
    address: OptText = None
    birth_place: Annotated[
        str | None, Field(default=None, max_length=100), AfterValidator(_optional_clean)
    ] = None
    rt: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{1,3}$")] = None
    rw: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{1,3}$")] = None
    village_code: Annotated[
        str | None,
        Field(
            default=None,
            pattern=r"^[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}$",
            description="Kelurahan/desa of the address: 10-digit wilayah code, dotted or not",
        ),
    ] = None


SERVICE_DATA_KEY = r"^[a-z0-9_]{1,40}\.[a-z0-9_]{1,40}$"
ServiceData = Annotated[
    dict[
        Annotated[str, Field(pattern=SERVICE_DATA_KEY)],
        Annotated[str, Field(max_length=2000)],
    ],
    Field(
        max_length=200,
        description='The service\'s own fields, flat: `{"<section>.<field>": text}` '
        '(catalogue `isian`), e.g. `{"anak.nama": "Aisyah", "ayah.nik": "..."}`',
    ),
]
StatusToken = Annotated[
    str,
    Field(
        min_length=22,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]{22,64}$",
        description="Random, URL-safe (>= 22 characters, e.g. `secrets.token_urlsafe(16)`)",
    ),
]


class Applicant(BaseModel):
    nik: str
    name: str
    birth_date: date | None
    sex: Literal["L", "P"] | None
    kk_number: str | None
    phone: str | None
    email: str | None
    address: str | None
    birth_place: str | None
    rt: str | None
    rw: str | None
    village_code: str | None


class Claim(BaseModel):
    user_id: UUID
    username: str
    full_name: str
    expires_at: datetime


class ApplicationSummary(BaseModel):
    id: UUID
    registration_number: str | None
    provisional_number: str | None
    service_code: str
    status: StateName
    version: int
    office_code: str
    applicant: Applicant
    channel: Literal["counter", "online"]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    due_at: datetime | None
    claim: Claim | None
    seq: int


class DocumentOut(BaseModel):
    id: UUID
    requirement_code: str | None
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png", "image/tiff"]
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


class ChecklistItem(Strict):
    requirement_code: Annotated[str, Field(min_length=1, max_length=60)]
    ok: bool
    note: Reason = None


class Actor(BaseModel):
    user_id: UUID
    username: str
    full_name: str


class HistoryEntryOut(BaseModel):
    id: UUID
    action: str
    from_status: StateName | None
    to_status: StateName | None
    actor: Actor
    role: RoleName
    office_code: str
    device_id: str | None
    device_time: datetime | None
    server_time: datetime
    reason: str | None
    checklist: list[ChecklistItem] | None
    details: dict[str, Any] | None = Field(
        description="Per action: `edit` `{fields: [...]}` (names of what changed, never "
        "values); `deliver` `{handover: {collector, name, nik, letter_document_id}}`"
    )
    transaction_id: UUID | None = Field(
        description="The id of the request that made this entry: an action's `transaction_id`, "
        "a claim's or release's `Idempotency-Key`, a create's `Idempotency-Key` (on its "
        "`create` entry). Null when the request carried none."
    )


class ApplicationDetail(ApplicationSummary):
    documents: list[DocumentOut]
    history: list[HistoryEntryOut]
    data: dict[str, str]
    status_token: str | None = Field(
        description="Token of the public status link (`/me` `public_status_url` + `/` + token)"
    )
    expected_date: date | None = Field(
        description="Expected completion: the SLA in working days from the submission"
    )


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    next_cursor: str | None


class ChangesPage(BaseModel):
    items: list[ApplicationSummary]
    last_seq: int
    has_more: bool


class CreateApplication(Strict):
    id: Id
    service_code: Annotated[str, Field(min_length=1, max_length=60)]
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    applicant: ApplicantIn
    provisional_number: Annotated[
        str | None, Field(default=None, max_length=60, pattern=r"^SEM-[A-Z0-9-]+$")
    ] = None
    submit: bool = False
    device_time: Moment | None = None
    data: ServiceData = Field(default_factory=dict)
    status_token: StatusToken | None = Field(
        default=None, description="Made by the server (secrets) when absent"
    )


class UpdateApplication(Strict):
    """`PATCH /applications/{id}`: replaces the applicant and/or the service data (each as a
    whole) of a draft or an application returned for revision."""

    expected_version: Annotated[int, Field(ge=0, le=2**31)]
    transaction_id: Id
    applicant: ApplicantIn | None = None
    data: ServiceData | None = None
    device_time: Moment | None = None


class DuplicateOut(BaseModel):
    number: str
    status: StateName
    in_scope: bool
    id: UUID | None
    office_code: str | None
    applicant_name: str | None
    created_at: datetime | None


class DuplicateList(BaseModel):
    items: list[DuplicateOut]


class ClaimResult(BaseModel):
    claim: Claim
    version: int


class Handover(Strict):
    collector: Literal["pemohon", "kuasa"]
    name: Name
    nik: Digits16
    letter_document_id: Id | None = Field(
        default=None, description="`kuasa`: the surat kuasa, uploaded to this application"
    )


class ActionRequest(Strict):
    action: ActionName
    reason: Reason = None
    expected_version: Annotated[int, Field(ge=0, le=2**31)]
    transaction_id: Id
    device_time: Moment | None = None
    checklist: Annotated[list[ChecklistItem] | None, Field(default=None, max_length=100)] = None
    handover: Handover | None = Field(
        default=None, description="`deliver` only, and required there: who collected it"
    )
    document_sha256: Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        default=None,
        description="`sign` only: SHA-256 of the signed document, registered (valid) on this "
        "application under `/applications/{id}/issued`; recorded in the history entry",
    )


class ActionResult(BaseModel):
    application: ApplicationDetail
    entry: HistoryEntryOut


# -- numbers ----------------------------------------------------------------------------------

LetterType = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]


class LetterRequest(Strict):
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    letter_type: LetterType
    klasifikasi: Annotated[
        str | None, Field(default=None, max_length=20, pattern=r"^[0-9]{3}(\.[0-9]{1,3})*$")
    ] = None
    transaction_id: Id


class LetterNumber(BaseModel):
    number: int
    year: int
    formatted: str


class ReserveRequest(Strict):
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    letter_type: LetterType
    count: Annotated[int, Field(ge=1, le=100)]
    transaction_id: Id


class Reservation(BaseModel):
    year: int
    start: int
    end: int
    expires_at: datetime
    pattern: str = Field(description="The office's letter pattern, to format numbers offline")
    unit: str
    klasifikasi: str | None = Field(description="The letter type's default klasifikasi")


# -- audit ------------------------------------------------------------------------------------


class AuditEventIn(Strict):
    """One event of a desktop's hash-chained log (`desktop.domain.audit_chain`). `chain_id`,
    `device_id` and `user_id` are as hashed; left out, they are the sender's device (its chain)
    and user. Each chain must continue from its last accepted event."""

    id: Id
    chain_id: Id | None = None
    device_id: Annotated[str | None, Field(default=None, max_length=64)] = None
    user_id: Id | None = None
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    application_id: Id | None = None
    device_time: Moment | None = None
    # The client's hash chain covers the details as sent: stored unchanged, never displayed as
    # text (an altered character would break the client's chain).
    details: Annotated[dict[str, Any], RAW] = Field(default_factory=dict)
    prev_hash: Annotated[str | None, Field(default=None, max_length=128)] = None
    hash: Annotated[str, Field(min_length=1, max_length=128)]


class AuditBatch(Strict):
    events: Annotated[list[AuditEventIn], Field(max_length=1000)]


class AuditBatchResult(BaseModel):
    accepted: int
    duplicates: int


class ClientChainReport(BaseModel):
    chain_id: str
    device_id: str | None
    events: int
    ok: bool
    first_bad: str | None = Field(description="Id of the first event that does not verify")
    head: str | None


class AuditVerify(BaseModel):
    """The server's own chain (`ok`, `entries`, `first_bad`, `head`) and each client chain."""

    ok: bool
    entries: int
    first_bad: int | None
    head: str | None
    chains: list[ClientChainReport] = Field(default_factory=list)
    chains_ok: bool = True


# -- admin ------------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: UUID
    username: str
    full_name: str
    nip: str | None = None
    roles: list[RoleName]
    office_code: str
    disabled: bool
    created_at: datetime
    locked_until: datetime | None


class UserList(BaseModel):
    items: list[UserOut]


Username = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Password = Annotated[str, Field(min_length=8, max_length=256)]
Roles = Annotated[list[RoleName], Field(min_length=1, max_length=5)]
Nip = Annotated[
    str, Field(pattern=r"^([0-9]{18})?$", description="18 digits 0-9; '' clears it")
]  # not \d: it matches every script's digits (Arabic-Indic ones were stored)


class UserCreate(Strict):
    username: Username
    full_name: Name
    password: Password
    roles: Roles
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    nip: Nip | None = None


class UserPatch(Strict):
    full_name: Name | None = None
    password: Password | None = None
    roles: Roles | None = None
    office_code: Annotated[str | None, Field(default=None, min_length=1, max_length=20)] = None
    disabled: bool | None = None
    nip: Nip | None = None


class DeviceOut(BaseModel):
    device_id: str
    code: str
    office_code: str
    first_seen: datetime
    last_seen: datetime
    last_username: str | None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    revoked_by_username: str | None = None


class DeviceList(BaseModel):
    items: list[DeviceOut]


class DeviceRevoke(Strict):
    """Why an administrator revokes a PC (lost, stolen, retired); kept with the device."""

    reason: Annotated[str, Field(min_length=3, max_length=500), AfterValidator(_nonempty)]
    transaction_id: Id | None = None


class Catalogue(BaseModel):
    """`desktop.domain.catalogue.Catalogue.to_dict()`; see the catalogue format for fields."""

    model_config = ConfigDict(extra="allow")

    version: str
    region: str | None
    document_types: list[dict[str, Any]]
    services: list[dict[str, Any]]


class ReportSummary(BaseModel):
    """Queue figures for a supervisor's dashboard, within the caller's scope."""

    by_status: dict[str, int]
    overdue: int
    total: int


# -- public status check ----------------------------------------------------------------------


class PublicStatus(BaseModel):
    """What anyone holding the link (or the number and the check) may see: never the NIK."""

    number: str = Field(description="Registration number, else the provisional one")
    provisional: bool
    service_name: str
    applicant: str = Field(description="Masked name, e.g. `Bu*** Sa***`")
    status: StateName
    status_label: str
    expected_date: date | None
    office_name: str
    updated_at: datetime


# -- issued documents and their public verification (routes/verify.py) -------------------------

VERIFICATION_CODE_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{20}$"
Sha256Hex = Annotated[
    str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, 64 lower-case hex digits")
]
VoidReason = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_nonempty)]
IssuedStatus = Literal["valid", "void"]


class IssueRequest(Strict):
    """Register a signed output, after signing. `code` is the verification code the desktop
    put in the document's QR (20 Crockford base-32 characters, random); without one the server
    makes one (the document then cannot carry it)."""

    transaction_id: Id
    code: Annotated[str | None, Field(default=None, pattern=VERIFICATION_CODE_PATTERN)] = None
    document_type: Annotated[str, Field(min_length=1, max_length=60)]
    letter_number: Annotated[str | None, Field(default=None, min_length=1, max_length=200)] = None
    issued_on: Day
    sha256: Sha256Hex


class VoidRequest(Strict):
    transaction_id: Id
    reason: VoidReason


class IssuedDocumentOut(BaseModel):
    code: str
    application_id: str
    document_type: str
    letter_number: str | None
    office_code: str
    issued_on: date
    sha256: str
    signer_name: str
    status: IssuedStatus
    void_reason: str | None
    voided_at: datetime | None
    registered_at: datetime
    verify_path: str = Field(description="The public page, relative to the server: /verify/CODE")


class IssuedList(BaseModel):
    items: list[IssuedDocumentOut]


class PublicDocument(BaseModel):
    """What anyone holding the code may learn of an issued document: never the NIK or the
    address; the holder's name masked as on the status page."""

    code: str
    type: str = Field(description="Document type code of the catalogue (jenis_dokumen)")
    type_name: str
    number: str | None = Field(description="The letter number, when the document has one")
    office: str = Field(description="Name of the issuing office")
    office_code: str
    issued_on: date
    status: IssuedStatus
    void_reason: str | None
    voided_on: date | None
    sha256: str = Field(description="SHA-256 of the issued (signed) PDF")
    holder: str = Field(description="Masked name, e.g. `Bu*** Sa***`")
    signer: str


class UploadCheck(BaseModel):
    """An uploaded file compared with the issued document."""

    matches: bool
    uploaded_sha256: str
    size: int
    document: PublicDocument


# -- delivery of issued documents (routes/delivery.py) ----------------------------------------

DeliveryChannel = Literal["email"]
DeliveryStatus = Literal["sending", "sent"]


class DeliveryRequest(Strict):
    """Send an issued document: replay-safe by `transaction_id` (a retry never sends twice)."""

    transaction_id: Id
    issued_code: Annotated[
        str, Field(min_length=1, max_length=80, description="The verification code (QR)")
    ]
    channel: DeliveryChannel
    to: Annotated[str, Field(min_length=1, max_length=1000, description="Recipient e-mail")]
    device_time: Moment | None = None
    issued_codes: Annotated[list[str], Field(max_length=20)] = Field(
        default_factory=list,
        description="More issued documents of the application attached to the SAME message "
        "(a birth registration's akta, KK and KIA); `issued_code` is the first",
    )


class DeliveredDocument(BaseModel):
    code: str
    sha256: str
    filename: str


class DeliveryOut(BaseModel):
    id: str
    application_id: str
    issued_code: str
    channel: DeliveryChannel
    to: str
    sha256: str = Field(description="SHA-256 of the PDF attached (the issued document's)")
    filename: str
    message_id: str
    status: DeliveryStatus
    sent_by: str = Field(description="User id of whoever had it sent")
    sent_by_name: str
    created_at: datetime
    sent_at: datetime | None
    transaction_id: str
    history_entry_id: str | None = Field(
        description="The `deliver` entry it completed the application with; null when the "
        "application was no longer `signed` when the relay took the message"
    )
    documents: list[DeliveredDocument] = Field(
        default_factory=list,
        description="Every issued document attached to the message (the first is `issued_code`)",
    )


class DeliveryResult(BaseModel):
    delivery: DeliveryOut
    application: ApplicationDetail


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


# -- supervision reports (issue 14; server/reports/) ------------------------------------------


class ReportPeriod(BaseModel):
    from_: date = Field(alias="from", description="First local date, inclusive")
    to: date = Field(description="Last local date, inclusive")
    group: str = Field(description="`day` or `month`: the `period` text of each row")


class ReportRowKeys(BaseModel):
    """The dimensions a row is split by; absent (null) when not asked for in `by`."""

    period: str = Field(description="Local date `YYYY-MM-DD` or month `YYYY-MM`")
    office_code: str | None = None
    office_name: str | None = None
    office_parent: str | None = Field(
        default=None, description="The office's parent (a kelurahan's kecamatan), for grouping"
    )
    service_code: str | None = None
    officer_id: str | None = None
    officer_name: str | None = None
    officer_username: str | None = Field(
        default=None, description="The officer's user name: tells two officers of one name apart"
    )


class ActivityCounts(BaseModel):
    received: int = Field(description="`create` entries: applications entered")
    verified: int
    validated: int
    signed: int
    delivered: int = Field(description="`deliver` entries: completed")
    rejected: int
    sent_back: int = Field(description="`request_revision` entries: returned for revision")


class ActivityRow(ReportRowKeys, ActivityCounts):
    pass


class ActivityReport(BaseModel):
    period: ReportPeriod
    scope: str = Field(description="The office whose subtree is reported")
    no_data: bool = Field(description="True: nothing in the period (tidak ada data), not zero")
    rows: list[ActivityRow]
    totals: ActivityCounts | None = Field(description="Null when `no_data`")


class StepRow(ReportRowKeys):
    step: str = Field(description="The state stayed in: submitted, verified, validated, ...")
    count: int = Field(description="Steps that ended in this row's period (>= 1)")
    median_seconds: float | None = Field(description="Nearest-rank median; null without samples")
    p90_seconds: float | None
    mean_seconds: float | None


class StepsReport(BaseModel):
    period: ReportPeriod
    scope: str
    no_data: bool
    rows: list[StepRow]


class SlaCounts(BaseModel):
    met: int = Field(description="Delivered at or before `due_at` (exactly at it: met)")
    missed: int
    unknown: int = Field(description="Delivered applications without a deadline")
    met_ratio: float | None = Field(description="met / (met + missed); null when both are 0")


class SlaRow(ReportRowKeys, SlaCounts):
    pass


class SlaReport(BaseModel):
    period: ReportPeriod
    scope: str
    no_data: bool
    rows: list[SlaRow]
    totals: SlaCounts | None = Field(description="Null when `no_data`")


class BacklogRow(BaseModel):
    office_code: str | None = None
    office_name: str | None = None
    office_parent: str | None = None
    service_code: str | None = None
    total: int
    overdue: int = Field(description="Open past their `due_at`")
    oldest_working_days: int
    buckets: dict[str, int] = Field(
        description="Open applications by working days since submission: 0-1, 2-3, 4-7, 8-14, >14"
    )


class BacklogReport(BaseModel):
    as_of: date = Field(description="Today's local date, by the server's clock")
    scope: str
    no_data: bool = Field(description="True: no open application in scope (tidak ada data)")
    rows: list[BacklogRow]


# -- audit viewer (issue 14) --------------------------------------------------------------------


class AuditBreak(BaseModel):
    """Where a chain breaks: its first bad row and the check that failed."""

    check: Literal["content", "prev_hash", "missing", "head"] = Field(
        description="content: the row's own hash does not match its content (edited); "
        "prev_hash: its previous hash does not match the row before; missing: rows absent "
        "before it (or at the end: `id` null); head: the recorded chain head differs"
    )
    position: int = Field(description="Sequence number: server `idx` or the chain's position")
    id: str | None = Field(description="The row: server idx as text, or the event id")
    at: datetime | None
    kind: str | None
    missing: int = Field(description="How many rows are absent (check `missing`), else 0")
    message: str = Field(description="Indonesian explanation")


class ClientChainCheck(ClientChainReport):
    where: AuditBreak | None = Field(None, description="Present only when the chain is broken")


class AuditVerifyReport(AuditVerify):
    """`AuditVerify` plus, when broken, exactly where (`where`, also per desktop chain)."""

    where: AuditBreak | None = Field(None, description="Present only when the chain is broken")
    chains: list[ClientChainCheck] = Field(default_factory=list)  # type: ignore[assignment]


class AuditEventRow(BaseModel):
    source: Literal["server", "desktop"]
    id: str = Field(description="Server idx as text, or the desktop event id")
    position: int | None = Field(description="Server idx, or the event's place in its chain")
    chain_id: str | None
    at: datetime = Field(description="Server: when recorded; desktop: the device's time")
    received_at: datetime | None = Field(description="Desktop events: when the server got it")
    kind: str
    actor_id: str | None
    actor_username: str | None
    application_id: str | None
    registration_number: str | None
    device_id: str | None
    details: dict[str, Any] = Field(description="As stored, NIK-like digit runs masked")
    hash: str
    prev_hash: str | None


class AuditEventPage(BaseModel):
    items: list[AuditEventRow]
    next_cursor: str | None


class ClaimHolder(BaseModel):
    id: UUID
    username: str
    full_name: str


class ClaimApplication(BaseModel):
    id: UUID
    registration_number: str | None
    service_code: str
    status: StateName
    office_code: str


class ActiveClaim(BaseModel):
    """One active claim (`GET /claims`): held for `held_seconds` since `since` (the holder's
    claim entry in the history), the lease ending at `expires_at`."""

    application: ClaimApplication
    holder: ClaimHolder
    since: datetime | None
    expires_at: datetime
    held_seconds: int


class ClaimList(BaseModel):
    items: list[ActiveClaim]
    now: datetime


class ClaimReassign(Strict):
    """A supervisor hands an application's claim to another officer who can act on it now."""

    to_user_id: Id
    reason: Annotated[str, Field(min_length=3, max_length=500), AfterValidator(_nonempty)]
    transaction_id: Id


# -- report drill-down (issue 14) ----------------------------------------------------------------


class DrillItem(ApplicationSummary):
    times: int = Field(description="Events behind the number for this application (>= 1)")


class DrillAnswer(BaseModel):
    """The applications behind one number of a report (`GET /reports/applications`)."""

    report: str
    measure: str
    period: ReportPeriod | None = Field(description="Null for the backlog (open now)")
    scope: str
    count: int = Field(description="The report's number: the sum of `times`")
    applications: int = Field(description="Distinct applications behind it")
    truncated: bool = Field(description="True: `items` holds only the first `limit`")
    limit: int
    items: list[DrillItem]
