"""Index for the overdue filter: (status, due_at) finds the open applications past their
deadline without walking the finished ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_applications_status_due", "applications", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_status_due", table_name="applications")
