"""Client audit events keep the application id as sent (`application_ref`); `application_id`
links only applications the sender could see.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_ref", sa.String(length=36), nullable=True))
    op.execute("UPDATE client_audit_events SET application_ref = application_id")


def downgrade() -> None:
    with op.batch_alter_table("client_audit_events", schema=None) as batch_op:
        batch_op.drop_column("application_ref")
