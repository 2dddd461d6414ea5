"""Migration 0011 (deliveries) up and down on a database from revision 0010 that already holds
an application and its issued document: the table arrives empty, a transaction id is written
once (a retried delivery can never become a second row), and the downgrade removes the table
and keeps the issued document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from server.config import Settings

SETUP = (
    "INSERT INTO offices (code, name, level, unit) VALUES ('14.71.01.1002', 'Kel', "
    "'kelurahan', '')",
    "INSERT INTO users (id, username, full_name, password_hash, roles, office_code, disabled, "
    "created_at, failed_count) VALUES ('u1', 'operator', 'Operator', 'x', '[\"operator\"]', "
    "'14.71.01.1002', false, '2026-12-01 01:00:00', 0)",
    "INSERT INTO applications (id, service_code, status, version, office_code, channel, nik, "
    "name, created_at, updated_at, seq) VALUES ('a1', 'SK-DOMISILI', 'signed', 5, "
    "'14.71.01.1002', 'counter', '1471015208900001', 'Siti', '2026-12-01 01:00:00', "
    "'2026-12-01 01:00:00', 1)",
    "INSERT INTO issued_documents (code, application_id, document_type, letter_number, "
    "office_code, year, issued_on, sha256, signer_name, signer_id, registered_at, "
    "transaction_id, status) VALUES ('C1', 'a1', 'SK-DOMISILI', '470/1/Kel/XII/2026', "
    "'14.71.01.1002', 2026, '2026-12-02', '" + "0" * 64 + "', 'Lurah', 'u1', "
    "'2026-12-02 02:00:00', 't-issue', 'valid')",
)
DELIVERY = (
    "INSERT INTO deliveries (id, application_id, issued_code, channel, recipient, sha256, "
    "filename, message_id, status, transaction_id, sent_by, created_at) VALUES (:id, 'a1', "
    "'C1', 'email', 'siti@contoh.co.id', :sha, 'SK-DOMISILI_470-1.pdf', '<m@x>', 'sending', "
    ":tx, 'u1', '2026-12-02 03:00:00')"
)


def test_0011_up_and_down(tmp_path: Path) -> None:
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

    run(command.upgrade, "0010")
    with engine.begin() as conn:
        for statement in SETUP:
            conn.execute(text(statement))
    assert "deliveries" not in inspect(engine).get_table_names()
    run(command.upgrade, "0011")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM deliveries")).scalar() == 0
        conn.execute(text(DELIVERY), {"id": "d1", "sha": "0" * 64, "tx": "t1"})
        conn.execute(text("UPDATE deliveries SET status = 'sent', sent_at = created_at"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(DELIVERY), {"id": "d2", "sha": "0" * 64, "tx": "t1"})
    run(command.downgrade, "0010")
    assert "deliveries" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM issued_documents")).scalar() == "C1"
    engine.dispose()
