"""Migration 0009 (the counter's intake) up and down on a database that already holds an
application: the old row keeps its data, gains empty new columns, and the unique status token
holds; the downgrade removes the columns and keeps the row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from server.config import Settings

APP = (
    "INSERT INTO applications (id, service_code, status, version, office_code, channel, nik, "
    "name, created_at, updated_at, seq) VALUES (:id, 'SK-DOMISILI', 'submitted', 2, "
    "'14.71.01.1002', 'counter', '1471015208900001', 'Siti', '2026-12-01 01:00:00', "
    "'2026-12-01 01:00:00', :seq)"
)


def test_0009_up_and_down(tmp_path: Path) -> None:
    from alembic import command

    from server.db import alembic_config

    settings = Settings(data_dir=tmp_path)
    cfg = alembic_config(settings)
    engine = create_engine(settings.effective_database_url)

    def run(step: Any, revision: str) -> None:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)
            conn.commit()

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns(table)}

    run(command.upgrade, "0008")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (code, name, level, unit) "
                "VALUES ('14.71.01.1002', 'Kel', 'kelurahan', '')"
            )
        )
        conn.execute(text(APP), {"id": "a1", "seq": 1})
    run(command.upgrade, "0009")
    new = {"birth_place", "rt", "rw", "village_code", "data", "status_token", "expected_date"}
    assert new <= columns("applications") and "details" in columns("history")
    with engine.begin() as conn:
        row = conn.execute(text("SELECT name, status_token, data FROM applications")).one()
        assert tuple(row) == ("Siti", None, None)
        conn.execute(text(APP), {"id": "a2", "seq": 2})
        conn.execute(text("UPDATE applications SET status_token = 'x' WHERE id = 'a1'"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE applications SET status_token = 'x' WHERE id = 'a2'"))
    run(command.downgrade, "0008")
    assert not new & columns("applications") and "details" not in columns("history")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM applications")).scalar() == 2
    engine.dispose()
