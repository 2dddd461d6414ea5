"""Database tables (SQLAlchemy 2, typed). The Alembic migrations in `migrations/` mirror them.

Ids are canonical UUID strings (portable between SQLite and PostgreSQL, and what the wire uses).
Times are stored in UTC (`UTCDateTime`), whatever the database's own time zone handling is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; naive UTC on SQLite (sortable text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Office(Base):
    """One office of the tree dinas > kecamatan > kelurahan; `code` is its wilayah code."""

    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), index=True)
    unit: Mapped[str] = mapped_column(String(60), default="")
    letter_pattern: Mapped[str | None] = mapped_column(String(200))
    transfer_key: Mapped[str | None] = mapped_column(String(64))
    """Base64 AES-256 key of the office's USB transfer files (`routes/transfer.py`), made the
    first time one of its staff asks; None until then."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_window_start: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    escrow_secret: Mapped[str | None] = mapped_column(String(64))
    """Base64 of 32 random bytes, made on first use (`server/routes/escrow.py`): half of what
    unwraps this user's local store keys; the PC keeps the other half (a wrap under it)."""
    nip: Mapped[str | None] = mapped_column(String(18))
    """Nomor Induk Pegawai of an ASN official: under their name in a signed letter's block."""


class Device(Base):
    """A desktop installation seen at an office; `code` (D01, D02...) goes into provisional
    numbers, so it is unique per office and never reused."""

    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("office_code", "device_id"),
        UniqueConstraint("office_code", "code"),
        Index("ix_devices_device_id", "device_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    device_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(6))
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    last_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    public_key: Mapped[str | None] = mapped_column(String(64))
    """Base64 Ed25519 public key the device signs carried requests with (`server.origin`);
    the first registration wins, a different key later is refused and audited."""
    key_registered_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    """When an administrator revoked the device: its sessions' requests and sign-ins are refused
    (403 ``device_revoked``); work carried from it by another PC still arrives."""
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    revoked_reason: Mapped[str | None] = mapped_column(String(500))


class AuthSession(Base):
    """One log-in: the family of refresh tokens it rotates through and their access tokens."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    device_pk: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id"), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    grace_used_at: Mapped[datetime | None]
    """When this used token was accepted once more (a retried refresh, same answer)."""


class AccessToken(Base):
    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_created", "created_at", "id"),
        Index("ix_applications_office_created", "office_code", "created_at", "id"),
        Index("ix_applications_status_created", "status", "created_at", "id"),
        Index("ix_applications_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    provisional_number: Mapped[str | None] = mapped_column(String(60), index=True)
    service_code: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    channel: Mapped[str] = mapped_column(String(20), default="counter")
    nik: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
    birth_place: Mapped[str | None] = mapped_column(String(100))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    village_code: Mapped[str | None] = mapped_column(String(13))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The service's own fields, flat `{"<section>.<field>": text}` (catalogue `isian`)."""
    status_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    """Random token of the public status link (the receipt's QR code); see routes/status.py."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    expected_date: Mapped[date | None] = mapped_column(Date)
    """The SLA's last working day (local date); `due_at` is the end of that day."""
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    create_hash: Mapped[str | None] = mapped_column(String(64))
    claim_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None]
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)


class HistoryEntry(Base):
    __tablename__ = "history"
    __table_args__ = (
        UniqueConstraint("application_id", "position"),
        Index("ix_history_server_time", "server_time"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"))
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(20))
    office_code: Mapped[str] = mapped_column(String(20))
    device_id: Mapped[str | None] = mapped_column(String(64))
    device_time: Mapped[datetime | None]
    server_time: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    checklist: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Per action: an edit's changed field names, a delivery's handover."""
    transaction_id: Mapped[str | None] = mapped_column(String(36), unique=True)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    requirement_code: Mapped[str | None] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Named counters whose row lock serialises allocation with the commit (see counters.py)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class IdempotencyRecord(Base):
    """The first answer to an idempotent request, replayed for the same key and body."""

    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(36))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class NumberReservation(Base):
    __tablename__ = "number_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    letter_type: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class IssuedLetterNumber(Base):
    """A letter number issued online (`POST /numbers/letter`). The number comes from one agenda
    sequence per office and year, across all letter types (counters.letter_counter); the unique
    constraints are the database's backstop for the promise that an office never issues the same
    number, or the same formatted number, twice in a year. Numbers of reserved blocks are in
    `number_reservations` (their formatted form is made offline)."""

    __tablename__ = "letter_numbers"
    __table_args__ = (
        UniqueConstraint("office_code", "year", "formatted", name="uq_letter_numbers_formatted"),
        UniqueConstraint("office_code", "year", "number", name="uq_letter_numbers_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    formatted: Mapped[str] = mapped_column(String(200))
    letter_type: Mapped[str] = mapped_column(String(60))
    klasifikasi: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    transaction_id: Mapped[str] = mapped_column(String(36))
    issued_at: Mapped[datetime]


class AuditLog(Base):
    """The server's own hash chain: `idx` is gap-free, `hash` covers `prev_hash`."""

    __tablename__ = "audit_log"

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    application_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ClientAuditEvent(Base):
    """Events a desktop recorded (with its own chain), stored as sent, idempotent by id.

    `application_ref` is the application id as sent (the client's chain covers it);
    `application_id` links the event to the application only when the sender could see it,
    so no one can attach events to another office's application. `user_id` is who delivered
    it; `user_ref` and `device_id` are the user and device as hashed in the client's chain
    (`chain_id`, position `chain_idx` from 1; both None for events from before the check)."""

    __tablename__ = "client_audit_events"
    __table_args__ = (UniqueConstraint("chain_id", "chain_idx"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    chain_id: Mapped[str | None] = mapped_column(String(80))
    chain_idx: Mapped[int | None] = mapped_column(BigInteger)
    user_ref: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[str | None] = mapped_column(String(36))
    application_ref: Mapped[str | None] = mapped_column(String(36))
    device_time: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str | None] = mapped_column(String(128))
    hash: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


class ClientAuditChain(Base):
    """The last accepted event of each client chain (one local log: a device's store for one
    user and office): the next batch must continue from `head_hash` (`routes/audit.py`)."""

    __tablename__ = "client_audit_chains"

    chain_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(64), index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    head_event_id: Mapped[str] = mapped_column(String(36))
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class IssuedDocument(Base):
    """A signed output handed out (`routes/verify.py`): the public verification page finds it
    by `code` (random, on the document's QR; never the letter number, which is guessable). A
    voided one stays, so its letter number is never issued again (unique per office and year;
    NULL numbers - documents without one - do not collide)."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("office_code", "year", "letter_number", name="uq_issued_documents_number"),
        UniqueConstraint("transaction_id", name="uq_issued_documents_transaction"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    document_type: Mapped[str] = mapped_column(String(60))
    letter_number: Mapped[str | None] = mapped_column(String(200))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    year: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime]
    transaction_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10))
    """`valid` or `void`."""
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None]


class Delivery(Base):
    """An issued document sent to someone (`routes/delivery.py`): which code, which bytes, to
    whom, by whom, when. Written `sending` before the relay is contacted (one row per
    `transaction_id`, so a retried request can never send twice) and `sent` once it took the
    message, together with the `deliver` action; a failed send leaves no row."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("transaction_id", name="uq_deliveries_transaction"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    issued_code: Mapped[str] = mapped_column(ForeignKey("issued_documents.code"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10))
    """`sending` (the relay is being contacted, or the server stopped meanwhile) or `sent`."""
    transaction_id: Mapped[str] = mapped_column(String(36))
    sent_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    history_entry_id: Mapped[str | None] = mapped_column(String(36))


SURVEY_ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
"""The nine IKM elements' columns (`desktop.domain.ikm.CODES`, lower case)."""


class SurveyResponse(Base):
    """One citizen's satisfaction survey (IKM, Permenpan RB 14/2017) after a handover
    (`routes/survey.py`): at most one per application, all nine answers 1..4, who collected it
    on which device. One row per `transaction_id` as well, so a replay never makes a second."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("application_id", name="uq_survey_responses_application"),
        UniqueConstraint("transaction_id", name="uq_survey_responses_transaction"),
        Index("ix_survey_responses_office_submitted", "office_code", "submitted_at"),
        *(CheckConstraint(f"{c} BETWEEN 1 AND 4", name=f"ck_survey_{c}") for c in SURVEY_ELEMENTS),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"))
    office_code: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(60))
    u1: Mapped[int] = mapped_column(SmallInteger)
    u2: Mapped[int] = mapped_column(SmallInteger)
    u3: Mapped[int] = mapped_column(SmallInteger)
    u4: Mapped[int] = mapped_column(SmallInteger)
    u5: Mapped[int] = mapped_column(SmallInteger)
    u6: Mapped[int] = mapped_column(SmallInteger)
    u7: Mapped[int] = mapped_column(SmallInteger)
    u8: Mapped[int] = mapped_column(SmallInteger)
    u9: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[datetime]
    """Server time of arrival (the report's period)."""
    device_time: Mapped[datetime | None]
    """When the citizen answered, by the collecting PC's clock (may be hours earlier offline)."""
    collected_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str] = mapped_column(String(36))


class ClaimNotice(Base):
    """A claim a supervisor took away (released or reassigned, `server/claims.py`), kept for
    its former holder until their desktop next asks for that application's claim: that answer
    carries the notice once (`seen_at`), so a renewal timer never silently takes it back."""

    __tablename__ = "claim_notices"
    __table_args__ = (
        Index("ix_claim_notices_user_app_seen", "user_id", "application_id", "seen_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    """The former holder, who is told."""
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(10))
    """`release` or `reassign`."""
    by_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]
