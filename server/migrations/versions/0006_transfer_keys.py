"""USB transfer: each device's Ed25519 public key, each office's transfer key.

`devices.public_key` verifies requests another PC carries for a device (`server/origin.py`);
`offices.transfer_key` encrypts the office's transfer files (`server/routes/transfer.py`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-11 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_key", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("key_registered_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transfer_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("transfer_key")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("key_registered_at")
        batch_op.drop_column("public_key")
