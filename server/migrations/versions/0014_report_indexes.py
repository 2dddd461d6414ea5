"""Indexes for the supervision reports (issue 14).

history(server_time): every report reads one period's history rows; without it PostgreSQL
seq-scans all history (10M rows: a parallel seq scan of 1.1 s per report in the bench). The
steps report's look-up of each step's entering row uses the existing unique
(application_id, position). See docs/architecture/server.md, "Reports performance".

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_history_server_time", "history", ["server_time"])


def downgrade() -> None:
    op.drop_index("ix_history_server_time", table_name="history")
