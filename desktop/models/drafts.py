"""Drafts of applications at the counter: what the operator typed and attached, before submit.

Work, not cache (`models.work_schema` step 4 creates these tables; never dropped or cleared): a
draft exists only on this PC until it is submitted, and must survive a crash or a power cut.

- `drafts`: one row per draft (several at once: a citizen steps away, the next is served). The
  applicant's fields and the service's own fields as JSON objects of strings (the form's
  values as typed, not yet cleaned), and ``save_seq``: a save only replaces the row when its
  sequence is newer, so two debounced saves that reach the writer out of order never put back
  older text.
- `draft_attachments`: each file attached, already copied into the store's private folder
  (`services.drafts`) before the row was written, with its SHA-256, sniffed media type, size,
  page count or pixel size, the safe display name, and a note (e.g. a PDF that was repaired).

Qt-free. Every writer here runs inside one of the store's write transactions.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

drafts_metadata = MetaData()

drafts = Table(
    "drafts",
    drafts_metadata,
    Column("id", String, primary_key=True),
    Column("user_id", String, nullable=False, default=""),
    Column("service_code", String, nullable=False),
    Column("applicant", Text, nullable=False),  # JSON object of strings
    Column("data", Text, nullable=False),  # JSON object of strings ("<section>.<field>")
    Column("save_seq", Integer, nullable=False, default=0),
    Column("created_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
)
Index("ix_drafts_user", drafts.c.user_id, drafts.c.updated_at)

draft_attachments = Table(
    "draft_attachments",
    drafts_metadata,
    Column("id", String, primary_key=True),
    Column("draft_id", String, nullable=False),
    Column("requirement_code", String),
    Column("filename", String, nullable=False),  # the safe display name, never a path
    Column("media_type", String, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String, nullable=False),
    Column("path", String, nullable=False),  # the private copy
    Column("pages", Integer),
    Column("width", Integer),
    Column("height", Integer),
    Column("note", String, nullable=False, default=""),
    Column("added_at", Integer, nullable=False),
)
Index("ix_draft_attachments_draft", draft_attachments.c.draft_id)

__all__ = ["draft_attachments", "drafts", "drafts_metadata"]
