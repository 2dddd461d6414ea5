"""Issued documents (issue 13): every signed output an office hands out, under a random
verification code (the QR on the letter opens `/verify/{code}`), with the SHA-256 of the signed
PDF and, once voided, the reason, who and when. A voided row stays: its letter number is never
issued again (unique per office and year).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issued_documents",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("document_type", sa.String(length=60), nullable=False),
        sa.Column("letter_number", sa.String(length=200), nullable=True),
        sa.Column("office_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_id", sa.String(length=36), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("voided_by", sa.String(length=36), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"]),
        sa.ForeignKeyConstraint(["signer_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["voided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("transaction_id", name="uq_issued_documents_transaction"),
        sa.UniqueConstraint(
            "office_code", "year", "letter_number", name="uq_issued_documents_number"
        ),
    )
    op.create_index("ix_issued_documents_application_id", "issued_documents", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_issued_documents_application_id", table_name="issued_documents")
    op.drop_table("issued_documents")
