"""Schema migrations, seeding, specimens, the CLI, and what the logs may contain."""

from __future__ import annotations

import io
import itertools
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from desktop.domain.identity import check_kk, check_nik
from server.config import Settings
from server.db import Database, migrate
from server.models import Application, Document, HistoryEntry, Office, User
from server.security import RedactingFilter, redact
from server.seed import seed_database
from server.specimens import WATERMARK, specimen
from tests.live_server import REPO, LiveServer


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret="test")


def test_migrations_match_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.models import Base

    settings = _settings(tmp_path)
    migrate(settings)
    migrate(settings)  # idempotent
    engine = create_engine(settings.effective_database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_seed_is_deterministic_and_consistent(tmp_path: Path) -> None:
    rows = []
    for name in ("a", "b"):
        settings = _settings(tmp_path / name)
        migrate(settings)
        report = seed_database(settings, seed=7, applications=120)
        assert report["applications"] == 120
        db = Database(settings)
        with db.session(write=False) as s:
            apps = s.execute(select(Application).order_by(Application.seq)).scalars().all()
            rows.append(
                [
                    (
                        a.id,
                        a.nik,
                        a.name,
                        a.status,
                        a.service_code,
                        a.office_code,
                        a.registration_number,
                    )
                    for a in apps
                ]
            )
            for app in apps:
                nik = check_nik(app.nik)
                assert nik.ok, (app.nik, nik.problems)
                assert nik.info is not None and nik.info.sex == app.sex
                assert app.birth_date in nik.info.birth_dates
                assert app.kk_number and check_kk(app.kk_number).ok
                history = (
                    s.execute(
                        select(HistoryEntry)
                        .where(HistoryEntry.application_id == app.id)
                        .order_by(HistoryEntry.position)
                    )
                    .scalars()
                    .all()
                )
                assert history[0].action == "create"
                assert history[-1].to_status == app.status
                for prev, nxt in itertools.pairwise(history):
                    assert nxt.from_status == prev.to_status
                assert app.version == len(history)
                assert (app.registration_number is None) == (app.submitted_at is None)
            assert s.execute(select(func.count()).select_from(Office)).scalar_one() == 99
            assert s.execute(select(func.count()).select_from(Document)).scalar_one() > 120
            shas = set(s.execute(select(Document.sha256)).scalars())
            for sha in shas:
                assert (settings.blob_dir / sha[:2] / sha[2:]).is_file()
        db.dispose()
    assert rows[0] == rows[1]
    # Seeding again adds no duplicates.
    settings = _settings(tmp_path / "a")
    again = seed_database(settings, seed=7, applications=120)
    assert again["applications"] == 0 and again["skipped_applications"] == 120


def test_specimens_are_small_and_watermarked() -> None:
    from desktop.domain.catalogue import load_catalogue

    for code, doc in load_catalogue("1471").document_types.items():
        data, content_type = specimen(code, doc.name)
        assert len(data) < 30 * 1024, code
        assert data == specimen(code, doc.name)[0]  # deterministic
        if content_type == "application/pdf":
            assert data.startswith(b"%PDF-")
        assert WATERMARK.encode() in data or content_type == "image/png"


def test_cli_create_user(tmp_path: Path) -> None:
    env = {"LOKET_SERVER_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    seed = subprocess.run(
        [sys.executable, "-m", "server", "seed", "--applications", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seed.returncode == 0, seed.stderr
    assert "operator1" in seed.stdout and "loket-demo" in seed.stdout
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "create-user",
            "budi",
            "--role",
            "operator",
            "--role",
            "verifier",
            "--office",
            "14.71.05",
            "--password-stdin",
        ],
        cwd=REPO,
        env=env,
        input="sandi-rahasia-1\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    dup = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "create-user",
            "budi",
            "--role",
            "operator",
            "--office",
            "14.71.05",
            "--password-stdin",
        ],
        cwd=REPO,
        env=env,
        input="sandi-rahasia-1\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dup.returncode == 2 and "sudah dipakai" in dup.stderr
    db = Database(_settings(tmp_path))
    with db.session(write=False) as s:
        user = s.execute(select(User).where(User.username == "budi")).scalar_one()
        assert user.roles == ["operator", "verifier"] and user.office_code == "14.71.05"
        assert user.password_hash.startswith("$argon2id$")
        assert "sandi-rahasia-1" not in user.password_hash
    db.dispose()


def test_redaction() -> None:
    text = (
        'login {"username": "a", "password": "rahasia"} Bearer abc.DEF-123 '
        "nik=1471015208900001 refresh_token=xyz q=3171 0152 0890 0001"
    )
    out = redact(text)
    for secret in ("rahasia", "abc.DEF-123", "1471015208900001", "xyz", "3171 0152 0890 0001"):
        assert secret not in out
    assert "147101******0001" in out
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET /applications?q=%s", ("1471015208900001",), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "GET /applications?q=147101******0001"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    try:
        log.error("password=%s", "hunter22")
    finally:
        log.removeHandler(handler)
    assert "hunter22" not in stream.getvalue()


def test_server_log_has_no_secrets(live_server: LiveServer, login: Any) -> None:
    op = login("operator")
    app = op.create()
    nik = app["applicant"]["nik"]
    op.get("/applications", params={"q": nik})
    log = live_server.log_text()
    assert "GET /api/v1/applications?q=" in log
    assert nik not in log
    assert "loket-demo" not in log
    assert op.tokens["access_token"] not in log and op.tokens["refresh_token"] not in log


@pytest.mark.postgres
def test_suite_really_runs_on_postgres(live_server: LiveServer, login: Any) -> None:
    """Under `make test-postgres` the live server's database is PostgreSQL."""
    if not live_server.is_postgres:
        pytest.skip("set LOKET_TEST_POSTGRES_URL (make test-postgres) to run against PostgreSQL")
    import psycopg
    from sqlalchemy.engine import make_url

    app = login("operator").create()
    url = make_url(live_server.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        row = conn.execute(
            "SELECT status, seq FROM applications WHERE id = %s", (app["id"],)
        ).fetchone()
    assert version is not None and row == ("submitted", app["seq"])
