"""The demo data shows the counter's day (issue 11): applicant fields as the counter records
them, service data valid per the form's rules, status tokens, a return for revision with reasons
per requirement and a signed application ready to hand over at operator1's office."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import select

from desktop.domain.applicant_rules import APPLICANT_KEYS, check_applicant, check_service_data
from desktop.domain.catalogue import load_catalogue
from desktop.domain.identity import check_kk, check_nik
from desktop.domain.records import ApplicationDetail
from desktop.domain.wilayah import get_wilayah
from server.config import Settings
from server.db import Database, migrate
from server.demo import KELURAHAN
from server.handover import reasons_from_checklist
from server.models import Application, HistoryEntry
from server.seed import SHOWCASE, seed_database
from tests.live_server import REPO, LiveServer

NOW = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
TOKEN = re.compile(r"[A-Za-z0-9_-]{22,}")


def _seeded(tmp_path: Path, applications: int = 120) -> tuple[Settings, dict[str, object]]:
    settings = Settings(data_dir=tmp_path, secret="test")
    migrate(settings)
    return settings, seed_database(settings, seed=3, applications=applications, now=NOW)


def test_seeded_applicants_and_service_data_pass_the_counters_rules(tmp_path: Path) -> None:
    settings, _report = _seeded(tmp_path)
    catalogue = load_catalogue(settings.region)
    wilayah = get_wilayah()
    db = Database(settings)
    try:
        with db.session(write=False) as s:
            apps = s.execute(select(Application)).scalars().all()
            tokens = [a.status_token for a in apps]
            assert all(t is not None and TOKEN.fullmatch(t) for t in tokens), tokens[:3]
            assert len(set(tokens)) == len(apps)
            with_data = 0
            for app in apps:
                values = {
                    k: v.isoformat() if k == "birth_date" else v
                    for k in APPLICANT_KEYS
                    if (v := getattr(app, k))
                }
                assert check_applicant(values, today=NOW.date(), wilayah=wilayah) == []
                assert app.birth_place and app.rt and app.rw and app.village_code
                village = wilayah.lookup(app.village_code)
                assert village is not None and village.code.startswith("14.71."), app.village_code
                if app.office_code.count(".") == 3:  # a kelurahan serves its residents
                    assert village.code == app.office_code
                nik = check_nik(app.nik, today=NOW.date())
                assert nik.ok and nik.info is not None
                assert nik.info.sex == app.sex and app.birth_date in nik.info.birth_dates
                if app.nik.startswith("1471"):
                    assert app.nik[:6] == app.village_code[:6] and app.birth_place == "Pekanbaru"
                assert check_kk(app.kk_number or "").ok
                assert app.kk_number and app.kk_number[:6] == app.village_code[:6]
                assert app.phone and app.phone.startswith("+628")
                service = catalogue.services[app.service_code]
                data = dict(app.data or {})
                with_data += bool(data)
                problems = check_service_data(service, data, today=NOW.date(), wilayah=wilayah)
                assert problems == [], (app.service_code, problems)
                if app.submitted_at is not None:
                    assert app.expected_date is not None and app.due_at is not None
            assert with_data > len(apps) * 0.8
    finally:
        db.dispose()


def test_returns_carry_reasons_per_requirement_and_deliveries_a_handover(
    tmp_path: Path,
) -> None:
    settings, _report = _seeded(tmp_path)
    db = Database(settings)
    try:
        with db.session(write=False) as s:
            returns = s.execute(
                select(HistoryEntry).where(HistoryEntry.action == "request_revision")
            ).scalars()
            seen = 0
            for entry in returns:
                seen += 1
                assert entry.checklist, entry.id
                assert all(set(i) == {"requirement_code", "ok", "note"} for i in entry.checklist)
                assert any(not i["ok"] and i["note"] for i in entry.checklist)
                assert entry.reason == reasons_from_checklist(entry.checklist)
            assert seen > 3
            deliveries = s.execute(
                select(HistoryEntry, Application)
                .join(Application, Application.id == HistoryEntry.application_id)
                .where(HistoryEntry.action == "deliver")
            ).all()
            assert deliveries
            for entry, app in deliveries:
                assert entry.details == {
                    "handover": {
                        "collector": "pemohon",
                        "name": app.name,
                        "nik": app.nik,
                        "letter_document_id": None,
                    }
                }
    finally:
        db.dispose()


def test_small_seeds_have_no_showcase_and_large_ones_end_with_it(tmp_path: Path) -> None:
    """Test fixtures seed a handful of applications at random, as before; a demo's seed ends
    with the showcase, whose status link the report names."""
    _settings, small = _seeded(tmp_path / "small", applications=5)
    assert "status_url" not in small
    settings, report = _seeded(tmp_path / "large", applications=40)
    db = Database(settings)
    try:
        with db.session(write=False) as s:
            last = (
                s.execute(select(Application).order_by(Application.seq.desc()).limit(2))
                .scalars()
                .all()
            )
        shown = [(a.service_code, a.status, a.office_code) for a in reversed(last)]
        assert shown == [(c.service, c.final, KELURAHAN) for c in SHOWCASE]
        first = reversed(last).__next__()
        assert report["status_url"] == f"http://127.0.0.1:8765/status/{first.status_token}"
    finally:
        db.dispose()


def _login(server: LiveServer, who: str) -> requests.Session:
    username, password = server.accounts[who]
    session = requests.Session()
    r = session.post(
        server.api + "/auth/login",
        json={"username": username, "password": password, "device_id": "seed-test"},
        timeout=30,
    )
    r.raise_for_status()
    session.headers["Authorization"] = "Bearer " + r.json()["access_token"]
    return session


def test_operator1_sees_a_returned_and_a_signed_application_the_desktop_reads(
    live_server: LiveServer,
) -> None:
    """Through the real server and the desktop's records: the showcase's return gives its
    reasons per requirement (`revision_reasons`), the signed one is in operator1's queue, and
    the returned one's public status link answers."""
    operator = _login(live_server, "operator")

    def details(status: str) -> list[ApplicationDetail]:
        params: dict[str, str | int] = {"status": status, "limit": 200}
        page = operator.get(live_server.api + "/applications", params=params, timeout=30)
        page.raise_for_status()
        found = []
        for item in page.json()["items"]:
            r = operator.get(live_server.api + f"/applications/{item['id']}", timeout=30)
            r.raise_for_status()
            found.append(ApplicationDetail.from_json(r.json()))
        return found

    returned = [d for d in details("needs_revision") if d.service_code == "SK-DOMISILI"]
    expected = dict(SHOWCASE[0].notes)
    shown = [d for d in returned if d.revision_reasons() == expected]
    assert shown, [d.revision_reasons() for d in returned]
    app = shown[0]
    assert app.applicant.birth_place and app.applicant.rt and app.applicant.rw
    assert app.applicant.village_code == KELURAHAN.replace(".", "")
    assert app.data.get("surat.keperluan") and app.expected_date is not None
    assert app.status_token is not None and TOKEN.fullmatch(app.status_token)
    public = requests.get(
        f"{live_server.url}/status/{app.status_token}",
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert public.status_code == 200, public.text
    assert public.json()["status"] == "needs_revision"

    signed = [d for d in details("signed") if d.service_code == "SKTM"]
    assert signed and all(d.office_code == KELURAHAN for d in signed)
    assert signed[0].data.get("surat.keperluan")


def test_seed_command_prints_the_status_link(tmp_path: Path) -> None:
    env = {"LOKET_SERVER_DATA": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    seeded = subprocess.run(
        [sys.executable, "-m", "server", "seed", "--applications", "30"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert seeded.returncode == 0, seeded.stderr
    link = re.search(r"http://127\.0\.0\.1:8765/status/([A-Za-z0-9_-]+)", seeded.stdout)
    assert link and TOKEN.fullmatch(link.group(1)), seeded.stdout
