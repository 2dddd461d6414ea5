"""Request and response shapes of API v1 (pydantic), i.e. the published OpenAPI document.

Requests refuse unknown fields (a typo must never pass silently). Responses are built as plain
dicts by `serialize.py` for speed; these models describe them, and the schemathesis test checks
that the two agree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)


def clean_text(value: str) -> str:
    """NFC, no control or invisible direction characters, single spaces, trimmed."""
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value)
    return " ".join(value.split())


def _nonempty(value: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError("tidak boleh kosong")
    return value


def _optional_clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(value)
    return value or None


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_nonempty)]
OptText = Annotated[
    str | None, Field(default=None, max_length=500), AfterValidator(_optional_clean)
]
Reason = Annotated[
    str | None, Field(default=None, max_length=2000), AfterValidator(_optional_clean)
]
Digits16 = Annotated[str, Field(pattern=r"^[0-9]{16}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    roles: list[RoleName]
    office: Office
    device_code: str | None
    offline_policy: OfflinePolicy


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_expires_in: int
    user: Me


class LoginRequest(Strict):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    device_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class RefreshRequest(Strict):
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


# -- applications -----------------------------------------------------------------------------


class ApplicantIn(Strict):
    nik: Digits16
    name: Name
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = None
    kk_number: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{16}$")] = None
    phone: Annotated[str | None, Field(default=None, pattern=r"^\+?[0-9][0-9 -]{5,19}$")] = None
    email: Annotated[
        str | None, Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ] = None
    address: OptText = None


class Applicant(BaseModel):
    nik: str
    name: str
    birth_date: date | None
    sex: Literal["L", "P"] | None
    kk_number: str | None
    phone: str | None
    email: str | None
    address: str | None


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


class ApplicationDetail(ApplicationSummary):
    documents: list[DocumentOut]
    history: list[HistoryEntryOut]


class ApplicationPage(BaseModel):
    items: list[ApplicationSummary]
    next_cursor: str | None


class ChangesPage(BaseModel):
    items: list[ApplicationSummary]
    last_seq: int
    has_more: bool


class CreateApplication(Strict):
    id: UUID
    service_code: Annotated[str, Field(min_length=1, max_length=60)]
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    applicant: ApplicantIn
    provisional_number: Annotated[
        str | None, Field(default=None, max_length=60, pattern=r"^SEM-[A-Z0-9-]+$")
    ] = None
    submit: bool = False
    device_time: datetime | None = None


class ClaimResult(BaseModel):
    claim: Claim
    version: int


class ActionRequest(Strict):
    action: ActionName
    reason: Reason = None
    expected_version: Annotated[int, Field(ge=0, le=2**31)]
    transaction_id: UUID
    device_time: datetime | None = None
    checklist: Annotated[list[ChecklistItem] | None, Field(default=None, max_length=100)] = None


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
    transaction_id: UUID


class LetterNumber(BaseModel):
    number: int
    year: int
    formatted: str


class ReserveRequest(Strict):
    office_code: Annotated[str, Field(min_length=1, max_length=20)]
    letter_type: LetterType
    count: Annotated[int, Field(ge=1, le=100)]
    transaction_id: UUID


class Reservation(BaseModel):
    year: int
    start: int
    end: int
    expires_at: datetime


# -- audit ------------------------------------------------------------------------------------


class AuditEventIn(Strict):
    id: UUID
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    application_id: UUID | None = None
    device_time: datetime | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: Annotated[str | None, Field(default=None, max_length=128)] = None
    hash: Annotated[str, Field(min_length=1, max_length=128)]


class AuditBatch(Strict):
    events: Annotated[list[AuditEventIn], Field(max_length=1000)]


class AuditBatchResult(BaseModel):
    accepted: int
    duplicates: int


class AuditVerify(BaseModel):
    ok: bool
    entries: int
    first_bad: int | None
    head: str | None


# -- admin ------------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: UUID
    username: str
    full_name: str
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


class UserCreate(Strict):
    username: Username
    full_name: Name
    password: Password
    roles: Roles
    office_code: Annotated[str, Field(min_length=1, max_length=20)]


class UserPatch(Strict):
    full_name: Name | None = None
    password: Password | None = None
    roles: Roles | None = None
    office_code: Annotated[str | None, Field(default=None, min_length=1, max_length=20)] = None
    disabled: bool | None = None


class DeviceOut(BaseModel):
    device_id: str
    code: str
    office_code: str
    first_seen: datetime
    last_seen: datetime
    last_username: str | None


class DeviceList(BaseModel):
    items: list[DeviceOut]


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
