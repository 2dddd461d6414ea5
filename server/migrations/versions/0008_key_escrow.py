"""Key escrow: a random secret per user, under which each desktop also wraps that user's local
store keys (`server/routes/escrow.py`, `desktop/services/vault.py`).

NULL until the user (or an administrator recovering the user's unsent work) first asks for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-11 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escrow_secret", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("escrow_secret")
