"""Indexes for the supervision reports (issue 14).
Placeholder reserved so parallel work keeps one linear chain; filled by its feature.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
