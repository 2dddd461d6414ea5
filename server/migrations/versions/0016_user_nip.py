"""A user's NIP (Nomor Induk Pegawai, 18 digits; issue 13): printed under an ASN official's name
in the signature block of the letters they sign (Permendagri 1/2023). Optional: not every
counter officer is an ASN.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("nip", sa.String(length=18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("nip")
