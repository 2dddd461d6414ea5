"""The counter's intake (issue 11): the applicant's birth place, RT/RW and kelurahan, the
service's own fields (`data`), the public status link's token, and history details (an edit's
changed fields, a delivery's handover), and the expected completion date (the SLA in
working days; `due_at` becomes the end of that day).

Applications made before this revision keep a NULL token (their receipts carry no link; the
number with its check still finds them) and NULL data (read as empty).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_place", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("rt", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("rw", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("village_code", sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column("data", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("status_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expected_date", sa.Date(), nullable=True))
        batch_op.create_unique_constraint("uq_applications_status_token", ["status_token"])
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_constraint("uq_applications_status_token", type_="unique")
        batch_op.drop_column("expected_date")
        batch_op.drop_column("status_token")
        batch_op.drop_column("data")
        batch_op.drop_column("village_code")
        batch_op.drop_column("rw")
        batch_op.drop_column("rt")
        batch_op.drop_column("birth_place")
