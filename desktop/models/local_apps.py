"""Work made on this PC that the server may not have yet: applications taken in at the counter
(with their documents and provisional numbers) and the letter-number blocks this device reserved.

Not a cache. The tables live in their own `MetaData` (`local_metadata`), like the outbox's:
`Store._migrate` creates them when missing and never drops them, `Store.clear` leaves them. The
queue's row of a local application is cache (dropped on a schema rebuild) and is made again from
`local_applications` (`desktop.services.intake.IntakeService.restore_queue_rows`).

- `local_applications`: one row per application made here, by its client UUID; the provisional
  number (unique: it is printed on the receipt), the official number once the server gave one,
  and ``state``: ``belum_terkirim`` until the server has the application, every document (same
  SHA-256) and the submission; ``terkirim`` after.
- `local_documents`: each document copied into the store's private folder, with its SHA-256 and
  media type, and the SHA-256 the server answered with once it arrived.
- `provisional_sequence`: the last provisional sequence per office, device and day. A device-wide
  twin (`desktop.services.intake.ProvisionalCounter`) keeps two users of one PC apart.
- `letter_blocks` / `letter_numbers_taken`: blocks of letter numbers reserved while online, and
  every number handed out from them (unique per office, year and number: never twice).

Qt-free. Every writer here runs inside one of the store's write transactions.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

local_metadata = MetaData()

NOT_SENT = "belum_terkirim"
SENT = "terkirim"

STATE_LABELS = {NOT_SENT: "belum terkirim", SENT: "terkirim"}

local_applications = Table(
    "local_applications",
    local_metadata,
    Column("id", String, primary_key=True),  # the client UUID, also the server's id
    Column("provisional_number", String, nullable=False, unique=True),
    Column("official_number", String),
    Column("office_code", String, nullable=False),
    Column("service_code", String, nullable=False),
    Column("user_id", String, nullable=False, default=""),
    Column("state", String, nullable=False),
    Column("create_tx", String, nullable=False),
    Column("submit_tx", String, nullable=False),
    Column("summary", Text, nullable=False),  # JSON: the queue row while the server has none
    Column("created_at", Integer, nullable=False),
    Column("created_on_server_at", Integer),
    Column("sent_at", Integer),
    Column("status_token", String),  # work step 4: the public status link's token (issue 11)
)
Index("ix_local_apps_official", local_applications.c.official_number)

local_documents = Table(
    "local_documents",
    local_metadata,
    Column("id", String, primary_key=True),  # the document's id on the server too
    Column("app_id", String, nullable=False),
    Column("requirement_code", String),
    Column("filename", String, nullable=False),
    Column("media_type", String, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String, nullable=False),
    Column("path", String, nullable=False),
    Column("server_sha256", String),
    Column("sent_at", Integer),
)
Index("ix_local_docs_app", local_documents.c.app_id)

provisional_sequence = Table(
    "provisional_sequence",
    local_metadata,
    Column("office_code", String, nullable=False),
    Column("device_code", String, nullable=False),
    Column("day", String, nullable=False),  # YYYY-MM-DD
    Column("last", Integer, nullable=False),
    PrimaryKeyConstraint("office_code", "device_code", "day"),
)

letter_blocks = Table(
    "letter_blocks",
    local_metadata,
    Column("transaction_id", String, primary_key=True),  # the reservation's idempotency key
    Column("office_code", String, nullable=False),
    Column("letter_type", String, nullable=False),
    Column("count", Integer, nullable=False),
    Column("state", String, nullable=False),  # "diminta" (answer not yet in) / "siap"
    Column("year", Integer),
    Column("start", Integer),
    Column("end", Integer),
    Column("next", Integer),  # the next number to hand out
    Column("expires_at", Integer),
    Column("pattern", String),
    Column("unit", String),
    Column("klasifikasi", String),
    Column("created_at", Integer, nullable=False),
)
Index("ix_letter_blocks_type", letter_blocks.c.office_code, letter_blocks.c.letter_type)

letter_numbers_taken = Table(
    "letter_numbers_taken",
    local_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("office_code", String, nullable=False),
    Column("letter_type", String, nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("formatted", String, nullable=False),
    Column("block_tx", String, nullable=False),
    Column("purpose", String, nullable=False, default=""),
    Column("user_id", String, nullable=False, default=""),
    Column("taken_at", Integer, nullable=False),
    UniqueConstraint("office_code", "year", "number"),
)

__all__ = [
    "NOT_SENT",
    "SENT",
    "STATE_LABELS",
    "letter_blocks",
    "letter_numbers_taken",
    "local_applications",
    "local_documents",
    "local_metadata",
    "provisional_sequence",
]
