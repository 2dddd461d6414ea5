"""Client audit chains checked on arrival: each event's place in its desktop chain, and each
chain's last accepted event.

`client_audit_events` gains `chain_id`, `chain_idx` (position from 1, unique per chain) and
`user_ref` (the user as hashed); `client_audit_chains` holds each chain's head, which the next
batch must continue (`server/routes/audit.py`). Events stored before this revision keep NULLs:
they belong to no checked chain.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_id", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("chain_idx", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("user_ref", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(
            "uq_client_audit_events_chain_id", ["chain_id", "chain_idx"]
        )
    op.create_table(
        "client_audit_chains",
        sa.Column("chain_id", sa.String(length=80), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("head_event_id", sa.String(length=36), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain_id"),
    )
    with op.batch_alter_table("client_audit_chains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_audit_chains_device_id"), ["device_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("client_audit_chains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_audit_chains_device_id"))
    op.drop_table("client_audit_chains")
    with op.batch_alter_table("client_audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_client_audit_events_chain_id", type_="unique")
        batch_op.drop_column("user_ref")
        batch_op.drop_column("chain_idx")
        batch_op.drop_column("chain_id")
