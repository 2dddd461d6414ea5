"""Letter numbers: one agenda sequence per office and year across all letter types, and the
issued numbers in `letter_numbers`, unique per office, year and formatted number.

The counters were per (office, letter type, year), but the formatted number does not name the
type, so two types sharing a klasifikasi (470: domisili and beda nama) both issued
`470/1/Kel.Jadirejo/XII/2026`. Each office's new agenda counter for a year starts after the
highest number any of its old per-type counters reached that year, so no number issued before
the upgrade can come out again. The old counter rows are left in place, unused.

Numbers issued before this migration are not copied into `letter_numbers` (they may already
hold the duplicates this fixes; the audit chain keeps them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))


def _per_type_counters() -> list[tuple[str, str, str, int]]:
    """(office, letter type, year, value) of every old `letter:<office>:<type>:<year>` row."""
    rows = op.get_bind().execute(
        sa.select(counters.c.name, counters.c.value).where(counters.c.name.like("letter:%"))
    )
    found = []
    for name, value in rows:
        parts = name.split(":")
        if len(parts) == 4:
            found.append((parts[1], parts[2], parts[3], int(value)))
    return found


def upgrade() -> None:
    op.create_table(
        "letter_numbers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office_code", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("formatted", sa.String(length=200), nullable=False),
        sa.Column("letter_type", sa.String(length=60), nullable=False),
        sa.Column("klasifikasi", sa.String(length=20), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_code"], ["offices.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_code", "year", "formatted", name="uq_letter_numbers_formatted"),
        sa.UniqueConstraint("office_code", "year", "number", name="uq_letter_numbers_number"),
    )
    highest: dict[str, int] = {}
    for office, _letter_type, year, value in _per_type_counters():
        name = f"letter:{office}:{year}"
        highest[name] = max(highest.get(name, 0), value)
    bind = op.get_bind()
    for name, value in sorted(highest.items()):
        bind.execute(sa.insert(counters).values(name=name, value=value))


def downgrade() -> None:
    """Back to per-type counters: each is raised to its office's agenda value, so numbers
    issued from the agenda are not issued again by a type's counter."""
    bind = op.get_bind()
    agenda = {
        name: int(value)
        for name, value in bind.execute(
            sa.select(counters.c.name, counters.c.value).where(counters.c.name.like("letter:%"))
        )
        if len(name.split(":")) == 3
    }
    for office, letter_type, year, value in _per_type_counters():
        top = agenda.get(f"letter:{office}:{year}", 0)
        if top > value:
            bind.execute(
                sa.update(counters)
                .where(counters.c.name == f"letter:{office}:{letter_type}:{year}")
                .values(value=top)
            )
    if agenda:
        bind.execute(sa.delete(counters).where(counters.c.name.in_(sorted(agenda))))
    op.drop_table("letter_numbers")
