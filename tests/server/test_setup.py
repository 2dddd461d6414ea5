"""Schema migrations, seeding, specimens, the CLI, and what the logs may contain."""

from __future__ import annotations

import io
import itertools
import logging
import os
import random
import stat
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
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


def test_letter_agenda_migration_continues_after_every_old_counter(tmp_path: Path) -> None:
    """0004 replaces the per-type letter counters by one agenda per office and year, starting
    after the highest number any type reached, so no number issued before comes out again;
    the downgrade raises the per-type counters to the agenda."""
    from alembic import command
    from sqlalchemy import text

    from server.db import alembic_config

    settings = _settings(tmp_path)
    cfg = alembic_config(settings)
    engine = create_engine(settings.effective_database_url)
    old = {
        "letter:14.71.01.1002:sk_domisili:2026": 5,
        "letter:14.71.01.1002:sk_beda_nama:2026": 9,
        "letter:14.71.01.1002:sktm:2025": 3,
        "letter:14.71.02.1001:sktm:2026": 2,
        "reg:1471:2026-12-03": 40,
    }

    def counters() -> dict[str, int]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, value FROM counters"))
            return {str(name): int(value) for name, value in rows}

    def run(step: Any, revision: str) -> None:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)
            conn.commit()

    run(command.upgrade, "0003")
    with engine.begin() as conn:
        for name, value in old.items():
            conn.execute(text("INSERT INTO counters VALUES (:n, :v)"), {"n": name, "v": value})
    run(command.upgrade, "0004")
    after = counters()
    assert after["letter:14.71.01.1002:2026"] == 9
    assert after["letter:14.71.01.1002:2025"] == 3
    assert after["letter:14.71.02.1001:2026"] == 2
    assert {k: after[k] for k in old} == old  # left in place, unused
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE counters SET value = 12 WHERE name = 'letter:14.71.01.1002:2026'")
        )
    run(command.downgrade, "0003")
    before = counters()
    assert before["letter:14.71.01.1002:sk_domisili:2026"] == 12
    assert before["letter:14.71.01.1002:sk_beda_nama:2026"] == 12
    assert before["letter:14.71.01.1002:sktm:2025"] == 3
    assert "letter:14.71.01.1002:2026" not in before
    engine.dispose()


def test_seed_is_deterministic_and_consistent(tmp_path: Path) -> None:
    rows = []
    now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    for name in ("a", "b"):
        settings = _settings(tmp_path / name)
        migrate(settings)
        report = seed_database(settings, seed=7, applications=160, now=now)
        assert report["applications"] == 160
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
                times = [app.created_at, *(h.server_time for h in history)]
                assert times == sorted(times) and times[-1] < now, app.id
                assert (app.registration_number is None) == (app.submitted_at is None)
            assert s.execute(select(func.count()).select_from(Office)).scalar_one() == 99
            assert s.execute(select(func.count()).select_from(Document)).scalar_one() > 160
            _assert_queue_looks_like_today(apps, now)
            shas = set(s.execute(select(Document.sha256)).scalars())
            for sha in shas:
                assert (settings.blob_dir / sha[:2] / sha[2:]).is_file()
        db.dispose()
    assert rows[0] == rows[1]
    # Seeding again adds no duplicates.
    settings = _settings(tmp_path / "a")
    again = seed_database(settings, seed=7, applications=160)
    assert again["applications"] == 0 and again["skipped_applications"] == 160


def _assert_queue_looks_like_today(apps: Sequence[Application], now: datetime) -> None:
    """Open applications are recent (last submitted within their SLA, a minority a little
    late); finished ones are spread over the past months."""
    open_apps = [a for a in apps if a.status not in ("completed", "rejected", "cancelled")]
    closed = [a for a in apps if a.status in ("completed", "rejected", "cancelled")]
    assert 0.2 < len(open_apps) / len(apps) < 0.5
    ages = sorted(now - (a.submitted_at or a.created_at) for a in open_apps)
    assert ages[-1] < timedelta(days=21) and ages[len(ages) // 2] < timedelta(days=3), ages
    with_due = [a for a in open_apps if a.due_at is not None]
    late = [now - a.due_at for a in with_due if a.due_at is not None and a.due_at < now]
    assert 0.08 <= len(late) / len(with_due) <= 0.25, (len(late), len(with_due))
    assert max(late) < timedelta(days=14)
    assert max(now - a.created_at for a in closed) > timedelta(days=90)
    assert sum(now - a.created_at > timedelta(days=30) for a in closed) > len(closed) / 2


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
    # URL-encoded NIKs anywhere in a message, and query strings of request lines.
    for form in (
        "1471+0152+0890+0001",
        "1471%200152%200890%200001",
        "147101.520890.0001",
        "1471-0152-0890-0001",
        "1471%2E0152%2E0890%2E0001",
    ):
        assert "520890" not in redact(f"x={form}&y=1"), form
    line = (
        '127.0.0.1:5 - "GET /api/v1/applications?q=Rahasia+Pemohon&status=submitted'
        '&limit=50 HTTP/1.1" 200'
    )
    assert redact(line) == (
        '127.0.0.1:5 - "GET /api/v1/applications?q=***&status=submitted&limit=50 HTTP/1.1" 200'
    )
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
    name = "Rahasia Pemohon " + "".join(random.choice("KLMNPRSTW") for _ in range(6))
    app = op.create(name=name, phone="081299998888", email="rahasia@example.com")
    nik = app["applicant"]["nik"]
    groups = [nik[:4], nik[4:8], nik[8:12], nik[12:]]
    forms = {
        nik,
        " ".join(groups),  # sent as 1471+0168+...
        "-".join(groups),
        f"{nik[:6]}.{nik[6:12]}.{nik[12:]}",
    }
    for form in forms:
        op.get("/applications", params={"q": form, "status": "submitted"})
    op.http.get(live_server.api + "/applications?q=" + "%20".join(groups), timeout=30)
    op.get("/applications", params={"q": name})
    log = live_server.log_text()
    assert "GET /api/v1/applications?q=***&status=submitted HTTP/1.1" in log
    encoded = {"+".join(groups), "%20".join(groups), "%2E".join(groups)}
    for secret in (*forms, *encoded, nik[6:12], name, name.replace(" ", "+"), name.split()[-1]):
        assert secret not in log, secret
    assert "081299998888" not in log and "rahasia@example.com" not in log
    assert "loket-demo" not in log
    assert op.tokens["access_token"] not in log and op.tokens["refresh_token"] not in log


def test_data_files_are_owner_only(live_server: LiveServer) -> None:
    """The database and the scans are personal data: 0600 files, 0700 directories (POSIX)."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if live_server.db_path is not None:
        assert stat.S_IMODE(live_server.db_path.stat().st_mode) == 0o600
    blobs = live_server.data_dir / "blobs"
    assert stat.S_IMODE(blobs.stat().st_mode) == 0o700
    first = next(p for p in blobs.iterdir() if p.is_dir())
    assert stat.S_IMODE(first.stat().st_mode) == 0o700
    assert stat.S_IMODE(next(first.iterdir()).stat().st_mode) == 0o600


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
