"""Migration 0010 (issued documents) up and down on a database from revision 0009 that already
holds an application: the table arrives empty, a letter number is unique per office and year
(documents without a number do not collide), and the downgrade removes the table and keeps the
application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from server.config import Settings

APP = (
    "INSERT INTO applications (id, service_code, status, version, office_code, channel, nik, "
    "name, created_at, updated_at, seq) VALUES ('a1', 'SK-DOMISILI', 'validated', 4, "
    "'14.71.01.1002', 'counter', '1471015208900001', 'Siti', '2026-12-01 01:00:00', "
    "'2026-12-01 01:00:00', 1)"
)
USER = (
    "INSERT INTO users (id, username, full_name, password_hash, roles, office_code, disabled, "
    "created_at, failed_count) VALUES ('u1', 'lurah', 'Lurah', 'x', '[\"validator\"]', "
    "'14.71.01.1002', false, '2026-12-01 01:00:00', 0)"
)
DOC = (
    "INSERT INTO issued_documents (code, application_id, document_type, letter_number, "
    "office_code, year, issued_on, sha256, signer_name, signer_id, registered_at, "
    "transaction_id, status) VALUES (:code, 'a1', 'SK-DOMISILI', :number, '14.71.01.1002', "
    ":year, '2026-12-02', :sha, 'Lurah', 'u1', '2026-12-02 02:00:00', :tx, 'valid')"
)


def test_0010_up_and_down(tmp_path: Path) -> None:
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

    def doc(code: str, number: str | None, year: int = 2026) -> dict[str, Any]:
        return {"code": code, "number": number, "year": year, "sha": "0" * 64, "tx": code}

    run(command.upgrade, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offices (code, name, level, unit) "
                "VALUES ('14.71.01.1002', 'Kel', 'kelurahan', '')"
            )
        )
        conn.execute(text(USER))
        conn.execute(text(APP))
    assert "issued_documents" not in inspect(engine).get_table_names()
    run(command.upgrade, "0010")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM issued_documents")).scalar() == 0
        conn.execute(text(DOC), doc("C1", "470/1/Kel/XII/2026"))
        conn.execute(text(DOC), doc("C2", None))
        conn.execute(text(DOC), doc("C3", None))  # no number: no collision
        conn.execute(text(DOC), doc("C4", "470/1/Kel/XII/2026", year=2027))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(DOC), doc("C5", "470/1/Kel/XII/2026"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(DOC), {**doc("C6", "470/2/Kel/XII/2026"), "tx": "C1"})
    run(command.downgrade, "0009")
    assert "issued_documents" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM applications")).scalar() == "Siti"
    engine.dispose()
