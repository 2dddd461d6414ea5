"""Satisfaction survey (IKM) answers (issue 14): one row per application handed over and
surveyed, all nine elements 1..4 (Permenpan RB 14/2017), who collected it on which device, and
the transaction id that makes a replay answer the first submission.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("office_code", sa.String(length=20), nullable=False),
        sa.Column("service_code", sa.String(length=60), nullable=False),
        *(sa.Column(c, sa.SmallInteger(), nullable=False) for c in ELEMENTS),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_by", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        *(sa.CheckConstraint(f"{c} BETWEEN 1 AND 4", name=f"ck_survey_{c}") for c in ELEMENTS),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["collected_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", name="uq_survey_responses_application"),
        sa.UniqueConstraint("transaction_id", name="uq_survey_responses_transaction"),
    )
    op.create_index(
        "ix_survey_responses_office_submitted",
        "survey_responses",
        ["office_code", "submitted_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_survey_responses_office_submitted", table_name="survey_responses")
    op.drop_table("survey_responses")
