"""The offline day (issue 10, acceptance): one kelurahan counter PC shared by two staff, the
server down for the whole working day.

Before the outage each of them signs in online once on this PC (that makes their offline
sign-in), the operator's PC reserves a block of letter numbers. Then the server is stopped.
The operator signs in through the real sign-in dialog ("Masuk luring", by keyboard), takes in
50 applications with two small PDF scans each (IntakeService, on a worker) and hands out letter
numbers from the block; signs out. The server comes back: nothing is clicked — the operator
signs in again and the outbox sends everything by itself. On the server: every application
once, every document's SHA-256 equal, the provisional number mapped to the official one and
both found on this PC, the letter numbers unique and inside the block, and the audit chain of
each store on this PC verifies end to end (`GET /audit/verify`, as an administrator).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.app import LoketApp
from desktop.domain.records import Applicant
from desktop.models import local_apps
from desktop.models.store import QueueQuery
from desktop.services.intake import (
    IntakeService,
    LocalApplication,
    NewDocument,
    device_sequence_file,
)
from desktop.services.letter_numbers import READY, LetterNumbers, TakenNumber
from tests.desktop.support import MemoryKeyring, Remote, new_nik
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.offline_day_support import (
    chain_of,
    describe_unsent,
    on_worker,
    password_once_when_back,
    server_search,
    sha256,
    sign_in_offline,
    small_pdf,
    unsent,
)
from tests.gui.shell_helpers import (
    PASSWORD,
    WAIT,
    focused,
    running_app,
    search,
    sign_in,
    type_slowly,
    wait_open,
)
from tests.gui.test_reconnect import start_again, stop
from tests.live_server import LiveServer, start_server

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

OPERATOR = "operator1"  # Kelurahan: the counter
SERVICE = "SK-DOMISILI"
LETTER = "sk_domisili"  # the service's letter type
REQUIREMENTS = ("SURAT-PENGANTAR-RT-RW", "KTP-EL")
APPLICATIONS = 50
LETTERS = 20
SYNC_WAIT = 60_000


@pytest.fixture
def server() -> Iterator[LiveServer]:
    """Its own server: it is stopped and started again, and everything on it is counted."""
    with start_server(applications=0) as server:
        yield server


def intake_for(loket: LoketApp) -> IntakeService:
    """The counter's intake on the signed-in session's store (the form's service)."""
    session, store = loket.session, loket.store
    assert session is not None and store is not None
    user = session.user
    return IntakeService(
        store,
        office_code=user.office.code,
        device_code=user.device_code,
        user_id=user.id,
        sequence_file=device_sequence_file(store.path),
    )


def letters_for(loket: LoketApp) -> LetterNumbers:
    session, store, connection = loket.session, loket.store, loket.connection
    assert session is not None and store is not None and connection is not None
    user = session.user
    return LetterNumbers(
        connection.api, store, office_code=user.office.code, user_id=user.id, block_size=LETTERS
    )


def take_in(
    intake: IntakeService, folder: Path, tag: str
) -> list[tuple[LocalApplication, list[str]]]:
    """50 applicants at the counter, two scans each; (the application, the scans' SHA-256)."""
    made = []
    for i in range(APPLICATIONS):
        files = [small_pdf(folder, f"{tag}-{i:02d}-{code}") for code in REQUIREMENTS]
        applicant = Applicant(
            nik=new_nik(),
            name=f"{tag} Warga {i:02d}",
            sex="P",
            phone="081234567890",
            address="Jl. Riau No. 5, Pekanbaru",
        )
        app = intake.create(
            service_code=SERVICE,
            applicant=applicant,
            documents=[NewDocument(f, code) for f, code in zip(files, REQUIREMENTS, strict=True)],
        )
        made.append((app, [sha256(f) for f in files]))
    return made


def test_offline_day(
    qtbot: QtBot, server: LiveServer, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    started = time.monotonic()
    tag = "Harian" + uuid.uuid4().hex[:6]
    scans = tmp_path / "pindaian"
    scans.mkdir()
    with running_app(server.url, memory_keyring, refresh_interval_seconds=3600) as loket:
        # -- the morning, online: the operator signs in once, the PC reserves letter numbers
        sign_in(qtbot, loket, OPERATOR)
        assert loket.store is not None and loket.store.encrypted
        operator_store_path = loket.store.path
        letters = letters_for(loket)
        assert on_worker(qtbot, loket, "cadangan", lambda: letters.reserve(LETTER), WAIT) == LETTERS
        loket.sign_out()

        # -- the outage: the server is stopped for the whole day ---------------------------
        stop(server)
        sign_in_offline(qtbot, loket, OPERATOR)
        store = loket.store
        assert store is not None and store.path == operator_store_path
        intake = intake_for(loket)
        made = on_worker(qtbot, loket, "pendaftaran", lambda: take_in(intake, scans, tag), 60_000)
        numbers = [a.provisional_number for a, _ in made]
        assert len(set(numbers)) == APPLICATIONS and all(n.startswith("SEM-") for n in numbers)
        # Letters printed during the day take their numbers from the reserved block.
        letters = letters_for(loket)
        taken: list[TakenNumber] = on_worker(
            qtbot,
            loket,
            "nomor surat",
            lambda: [letters.take(LETTER, purpose=n) for n in numbers[:LETTERS]],
            WAIT,
        )
        assert letters.available(LETTER) == 0
        shell = loket.shell
        assert shell is not None
        qtbot.waitUntil(lambda: "menunggu" in shell.outbox_label.text(), timeout=WAIT)
        chain_id, events = chain_of(store)
        assert events == APPLICATIONS * (1 + len(REQUIREMENTS))  # created + each document
        offline_done = time.monotonic()

        # -- the server is back: nothing is clicked ----------------------------------------
        start_again(server)
        password_once_when_back(qtbot, loket, SYNC_WAIT)
        try:
            qtbot.waitUntil(lambda: unsent(store) == 0, timeout=SYNC_WAIT)
        except Exception:
            print("left:", describe_unsent(store))
            raise
        qtbot.waitUntil(lambda: shell.outbox_label.text() == "", timeout=WAIT)
        synced = time.monotonic()

        # Provisional numbers mapped to official ones, both found on this PC.
        for app, _hashes in made:
            local = intake.get(app.id)
            assert local is not None and local.state == local_apps.SENT, local
            assert local.official_number and local.official_number != app.provisional_number
            rid = store.rid_of(app.id)
            for number in (app.provisional_number, local.official_number):
                assert rid in store.query_rids(QueueQuery(text=number))
                assert store.find_by_number(number) == app.id
        last = intake.get(made[-1][0].id)
        assert last is not None and last.official_number
        # ... and by a person: the official number typed into the queue's search finds its
        # row; the provisional number on the receipt, scanned, opens it.
        page = loket.queue_page
        assert page is not None
        search(qtbot, loket, "")
        qtbot.mouseClick(page.status_buttons[""], Qt.MouseButton.LeftButton)  # "Semua"
        page.search_edit.setFocus()
        type_slowly(qtbot, last.official_number)
        qtbot.waitUntil(
            lambda: page.model.rowCount() == 1 and page.model.id_at(0) == last.id, timeout=WAIT
        )
        page.search_edit.clear()
        qtbot.keyClicks(focused(), made[-1][0].provisional_number)  # a reader's burst
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
        wait_open(qtbot, loket, last.id)
        officials = {a.id: (intake.get(a.id) or a).official_number for a, _ in made}
        block = store.read(
            lambda conn: conn.exec_driver_sql(
                'SELECT start, "end" FROM letter_blocks WHERE letter_type = ? AND state = ?',
                (LETTER, READY),
            ).one()
        )

    # -- on the server ----------------------------------------------------------------------
    remote = Remote(server.api, OPERATOR, PASSWORD)
    for app, hashes in made:
        seen = remote.get(app.id)
        assert seen["provisional_number"] == app.provisional_number
        assert seen["registration_number"] == officials[app.id]
        assert seen["status"] == "submitted"
        assert sorted(d["sha256"] for d in seen["documents"]) == sorted(hashes)
        assert [h["action"] for h in seen["history"]].count("create") == 1
        assert [h["action"] for h in seen["history"]].count("submit") == 1
    assert len(server_search(remote, tag)) == APPLICATIONS  # each once, none more
    # Letter numbers: unique, inside the block the server gave this device, and the server's
    # next number (a colleague online now) comes after the block.
    got = [t.number for t in taken]
    assert len(set(got)) == LETTERS and all(block[0] <= n <= block[1] for n in got)
    assert len({t.formatted for t in taken}) == LETTERS
    office = remote.me["office"]["code"]
    r = remote.http.post(
        remote.api + "/numbers/letter",
        json={"office_code": office, "letter_type": LETTER, "transaction_id": str(uuid.uuid4())},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["number"] > block[1]
    # The audit chain of this PC's store, end to end on the server.
    admin = Remote(server.api, "admin", PASSWORD)
    r = admin.http.get(admin.api + "/audit/verify", timeout=60)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ok"] and report["chains_ok"], report
    (chain,) = [c for c in report["chains"] if c["chain_id"] == chain_id]
    assert chain["ok"] and chain["events"] == events, chain
    print(
        f"offline part {offline_done - started:.1f} s, sync {synced - offline_done:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )
