"""Device revocation (issue 14): `devices.revoked_at`, `revoked_by`, `revoked_reason`.

A revoked device's sessions are refused with 403 ``device_revoked`` (`server/deps.py`); the
index on `devices.device_id` serves that check, made on every authenticated request.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key("fk_devices_revoked_by_users", "users", ["revoked_by"], ["id"])
        batch_op.create_index("ix_devices_device_id", ["device_id"])


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index("ix_devices_device_id")
        batch_op.drop_constraint("fk_devices_revoked_by_users", type_="foreignkey")
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
