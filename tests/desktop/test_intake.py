"""Applications taken in at the counter while the server cannot be reached, then sent through
the outbox to the real reference server: each once, every document's SHA-256 equal, the
provisional number mapped to the official one and both searchable (issue 10)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from desktop.domain.records import Applicant
from desktop.models import local_apps
from desktop.models import store as store_module
from desktop.models.outbox import EntryKind, EntryState
from desktop.models.store import QueueQuery, Store
from desktop.services.api.client import ApiClient
from desktop.services.applications import ApplicationService
from desktop.services.auth import AuthService, UserInfo
from desktop.services.intake import (
    IntakeError,
    IntakeService,
    NewDocument,
    device_sequence_file,
)
from desktop.services.intake_sender import MAX_CHECKSUM_ATTEMPTS, intake_senders
from desktop.services.outbox import OutboxSender
from desktop.services.secrets import SecretStore
from tests.desktop.support import MemoryKeyring, Remote, TcpProxy, new_nik
from tests.faultproxy import FaultProxy
from tests.live_server import LiveServer

PASSWORD = "loket-demo"
SERVICE = "SK-DOMISILI"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Counter:
    """One operator's desktop: API client, store, intake and the outbox with its senders."""

    api: ApiClient
    user: UserInfo
    store: Store
    intake: IntakeService
    outbox: OutboxSender
    clock: Clock

    def drain(self, rounds: int = 20) -> None:
        """Send rounds until nothing is left to send (moving the clock past every backoff)."""
        for _ in range(rounds):
            self.outbox.send_due()
            if not [e for e in self.store.outbox_entries() if e.state.value in TO_SEND]:
                return
            self.clock.now += 3600
        raise AssertionError(f"outbox not empty: {self.store.outbox_entries()}")


TO_SEND = (EntryState.WAITING.value, EntryState.RETRY.value, EntryState.SENDING.value)


def counter(url: str, store: Store, username: str = "operator1") -> Counter:
    api = ApiClient(url, device_id=str(uuid.uuid4()), timeout=5)
    user = AuthService(api, SecretStore(MemoryKeyring())).sign_in(username, PASSWORD)
    apps = ApplicationService(api, store)
    apps.my_user_id = user.id
    clock = Clock()
    intake = IntakeService(
        store,
        office_code=user.office.code,
        device_code=user.device_code,
        user_id=user.id,
        sequence_file=device_sequence_file(store.path),
    )
    outbox = OutboxSender(
        apps, store, senders=intake_senders(api, store, apps=apps), clock=clock, rng=lambda: 0.5
    )
    return Counter(api, user, store, intake, outbox, clock)


def pdf(tmp_path: Path, size: int = 20_000) -> Path:
    path = tmp_path / f"scan-{uuid.uuid4().hex[:8]}.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n")
    return path


def applicant(name: str) -> Applicant:
    return Applicant(nik=new_nik(), name=name, sex="P", phone="081234567890", address="Jl. Riau")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def proxied(live_server: LiveServer) -> Iterator[TcpProxy]:
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    yield proxy
    proxy.close()


def server_search(remote: Remote, text: str) -> list[dict[str, Any]]:
    r = remote.http.get(remote.api + "/applications", params={"q": text, "limit": 50}, timeout=30)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# -- the offline day in small: five applications with documents ---------------------------


def test_five_applications_made_offline_arrive_once_with_every_document(
    live_server: LiveServer, store: Store, proxied: TcpProxy, tmp_path: Path
) -> None:
    desk = counter(proxied.url, store)
    remote = Remote(live_server.api, "operator1", PASSWORD)
    proxied.down()  # the server cannot be reached from this PC
    made = []
    for i in range(5):
        files = [pdf(tmp_path), pdf(tmp_path, 150_000)]
        app = desk.intake.create(
            service_code=SERVICE,
            applicant=applicant(f"Luring Loket {i} {uuid.uuid4().hex[:4]}"),
            documents=[NewDocument(f, "SURAT-PENGANTAR-RT-RW") for f in files],
        )
        made.append((app, [sha(f) for f in files]))
    numbers = [a.provisional_number for a, _ in made]
    assert len(set(numbers)) == 5 and all(n.startswith("SEM-") for n in numbers)
    assert numbers[0].endswith("-0001") and numbers[4].endswith("-0005")
    # Shown at once in the queue, "belum terkirim", found by its provisional number.
    for app, _ in made:
        assert app.state_label == "belum terkirim"
        (rid,) = store.query_rids(QueueQuery(text=app.provisional_number))
        assert rid == store.rid_of(app.id)
        kinds = [e.kind for e in store.outbox_entries(app.id)]
        assert kinds == ["application", "document", "document", "application"]
    desk.outbox.send_due()  # the server is down: kept, coba lagi, nothing lost
    assert {e.state for e in store.outbox_entries()} <= {EntryState.RETRY, EntryState.WAITING}

    proxied.up()
    desk.drain()
    for app, hashes in made:
        seen = remote.get(app.id)
        assert seen["provisional_number"] == app.provisional_number
        assert seen["status"] == "submitted" and seen["registration_number"]
        assert sorted(d["sha256"] for d in seen["documents"]) == sorted(hashes)
        assert [h["action"] for h in seen["history"]].count("create") == 1
        assert len(server_search(remote, app.provisional_number)) == 1  # once on the server
        local = desk.intake.get(app.id)
        assert local is not None and local.state == local_apps.SENT
        assert local.official_number == seen["registration_number"]
        assert local.state_label == "terkirim"
        # Both numbers find it: on this PC (queue search, barcode look-up, the mapping) ...
        rid = store.rid_of(app.id)
        for number in (app.provisional_number, local.official_number):
            assert rid in store.query_rids(QueueQuery(text=number))
            assert store.find_by_number(number) == app.id
            found = desk.intake.find(number)
            assert found is not None and found.id == app.id
        # ... and on the server.
        assert [i["id"] for i in server_search(remote, local.official_number)] == [app.id]
    assert desk.outbox.send_due().sent == []  # nothing twice


def test_the_queue_row_comes_back_after_the_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pc.sqlite3"
    first = Store(path)
    intake = IntakeService(first, office_code="14.71.01.1001", device_code="D01", user_id="u")
    app = intake.create(
        service_code=SERVICE,
        applicant=applicant("Bangun Ulang"),
        documents=[NewDocument(pdf(tmp_path))],
    )
    first.close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", store_module.SCHEMA_VERSION + 1)
    again = Store(path)  # the cache tables are dropped and made again
    try:
        assert again.count() == 0
        intake = IntakeService(again, office_code="14.71.01.1001", device_code="D01", user_id="u")
        assert again.rid_of(app.id) is not None
        assert again.query_rids(QueueQuery(text=app.provisional_number))
        assert len(again.outbox_entries(app.id)) == 3  # the work itself was never cache
        kept = intake.get(app.id)
        assert kept is not None and kept.documents[0].path.is_file()
        # The sequence survives too: the next number follows.
        nxt = intake.create(service_code=SERVICE, applicant=applicant("Berikutnya"))
        assert nxt.provisional_number.endswith("-0002")
    finally:
        again.close()


def test_two_people_on_one_pc_never_share_a_provisional_number(tmp_path: Path) -> None:
    """One device code, two users' stores (one per user): the device-wide counter decides."""
    folder = tmp_path / "stores" / "server"
    one, two = Store(folder / "ani" / "kantor.sqlite3"), Store(folder / "budi" / "kantor.sqlite3")
    try:
        made = []
        for s in (one, two, one, two):
            intake = IntakeService(
                s,
                office_code="14.71.01.1001",
                device_code="D01",
                user_id="u",
                sequence_file=device_sequence_file(s.path),
            )
            made.append(intake.create(service_code=SERVICE, applicant=applicant("Sama PC")))
        numbers = [a.provisional_number for a in made]
        assert len(set(numbers)) == 4, numbers
    finally:
        one.close()
        two.close()


def test_the_provisional_numbers_day_is_the_offices_day(store: Store) -> None:
    """18.30 UTC on 3 December is 01.30 WIB on 4 December: the number carries the office's
    day, the one the receipt beside it prints, not the PC clock's zone (UTC here)."""
    moment = datetime(2026, 12, 3, 18, 30, tzinfo=UTC).timestamp()
    wib = timezone(timedelta(hours=7), "WIB")
    intake = IntakeService(
        store,
        office_code="14.71.01.1001",
        device_code="D01",
        user_id="u",
        clock=lambda: moment,
        tz=wib,
    )
    made = intake.create(service_code=SERVICE, applicant=applicant("Larut Malam"))
    assert made.provisional_number == "SEM-1471011001-D01-261204-0001"


def test_a_bad_file_keeps_nothing(store: Store, tmp_path: Path) -> None:
    intake = IntakeService(store, office_code="14.71.01.1001", device_code="D01", user_id="u")
    empty = tmp_path / "kosong.pdf"
    empty.write_bytes(b"")
    text = tmp_path / "catatan.txt"
    text.write_text("bukan pindaian")
    for bad, words in ((empty, "kosong"), (text, "tidak didukung"), (tmp_path / "x.pdf", "dibaca")):
        with pytest.raises(IntakeError, match=words):
            intake.create(
                service_code=SERVICE,
                applicant=applicant("Gagal"),
                documents=[NewDocument(pdf(tmp_path)), NewDocument(bad)],
            )
    assert store.outbox_entries() == [] and intake.all() == [] and store.count() == 0
    assert not any(p.is_file() for p in intake.folder.rglob("*"))


# -- faults: a lost answer, a cut upload, a missing file ---------------------------------------


def test_a_create_whose_answer_was_lost_is_not_doubled(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    with FaultProxy(live_server.url) as proxy:
        desk = counter(proxy.url, store)
        app = desk.intake.create(
            service_code=SERVICE,
            applicant=applicant("Jawaban Hilang " + uuid.uuid4().hex[:4]),
            documents=[NewDocument(pdf(tmp_path))],
        )
        proxy.reset_after_request(once=True)  # the server commits the create; answer lost
        report = desk.outbox.send_due()
        assert proxy.faults == 1
        assert report.retry and not report.sent
        (create, *_rest) = store.outbox_entries(app.id)
        assert create.state is EntryState.RETRY
        assert remote.get(app.id)["status"] == "draft"  # it did reach the server
        desk.drain()
        desk.api.close()
    seen = remote.get(app.id)
    assert [h["action"] for h in seen["history"]].count("create") == 1
    assert len(server_search(remote, app.provisional_number)) == 1
    assert seen["status"] == "submitted"
    # A crash after the server answered, before this PC wrote it down: the same entries are
    # sent again; the server answers them as the first time and nothing is doubled.
    store.write(lambda conn: conn.exec_driver_sql("UPDATE outbox SET state = 'menunggu'"))
    desk2 = counter(live_server.url, store)
    desk2.drain()
    again = remote.get(app.id)
    assert again["version"] == seen["version"] and len(again["documents"]) == 1
    assert [h["action"] for h in again["history"]].count("submit") == 1


def test_an_upload_cut_midway_is_sent_again_whole(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    big = pdf(tmp_path, 400_000)
    with FaultProxy(live_server.url) as proxy:
        desk = counter(proxy.url, store)
        app = desk.intake.create(
            service_code=SERVICE,
            applicant=applicant("Unggah Putus " + uuid.uuid4().hex[:4]),
            documents=[NewDocument(big, "SURAT-PENGANTAR-RT-RW")],
        )
        proxy.cut_request_body(100_000, once=True)  # the create's small body passes
        desk.outbox.send_due()
        assert proxy.faults == 1
        states = [e.state for e in store.outbox_entries(app.id)]
        assert states == [EntryState.SENT, EntryState.RETRY, EntryState.WAITING]
        assert remote.get(app.id)["documents"] == []  # nothing half-stored
        desk.drain()
        desk.api.close()
    (doc,) = remote.get(app.id)["documents"]
    assert doc["sha256"] == sha(big) and doc["size"] == big.stat().st_size
    local = desk.intake.get(app.id)
    assert local is not None and local.state == local_apps.SENT


def test_a_missing_local_file_is_refused_visibly_and_never_marked_sent(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    remote = Remote(live_server.api, "operator1", PASSWORD)
    desk = counter(live_server.url, store)
    app = desk.intake.create(
        service_code=SERVICE,
        applicant=applicant("Berkas Hilang " + uuid.uuid4().hex[:4]),
        documents=[NewDocument(pdf(tmp_path), filename="ktp.pdf"), NewDocument(pdf(tmp_path))],
    )
    app.documents[0].path.unlink()  # gone from the PC (a cleaner, a broken disk)
    report = desk.outbox.send_due()
    create, missing, other, submit = store.outbox_entries(app.id)
    assert create.state is EntryState.SENT
    assert missing.state is EntryState.REFUSED and missing.transaction_id in report.refused
    assert "ktp.pdf" in missing.reason and "tidak ada lagi" in missing.reason
    # The rest of this application waits behind it; nothing is submitted without the file.
    assert other.state is EntryState.WAITING and submit.state is EntryState.WAITING
    desk.clock.now += 10_000
    assert desk.outbox.send_due().refused == []  # not retried in a loop
    seen = remote.get(app.id)
    assert seen["status"] == "draft" and seen["documents"] == []
    local = desk.intake.get(app.id)
    assert local is not None and local.state == local_apps.NOT_SENT


def test_a_changed_local_file_is_refused_and_a_checksum_disagreement_is_retried_then_refused(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    desk = counter(live_server.url, store)
    app = desk.intake.create(
        service_code=SERVICE,
        applicant=applicant("Berkas Berubah " + uuid.uuid4().hex[:4]),
        documents=[NewDocument(pdf(tmp_path), filename="kk.pdf")],
    )
    path = app.documents[0].path
    path.write_bytes(path.read_bytes()[:-5] + b"XXXXX")
    desk.outbox.send_due()
    _create, doc, _submit = store.outbox_entries(app.id)
    assert doc.state is EntryState.REFUSED and "berubah atau rusak" in doc.reason

    # The server answering another SHA-256 than ours: not sent, tried again, then refused.
    other = desk.intake.create(
        service_code=SERVICE,
        applicant=applicant("Hash Lain " + uuid.uuid4().hex[:4]),
        documents=[NewDocument(pdf(tmp_path), filename="akta.pdf")],
    )
    real_request = desk.api.request

    def lying(method: str, path: str, **kw: Any) -> Any:
        answer = real_request(method, path, **kw)
        if method == "PUT":
            return {**answer, "sha256": "0" * 64}
        return answer

    desk.api.request = lying  # type: ignore[method-assign]
    for _ in range(MAX_CHECKSUM_ATTEMPTS):
        desk.outbox.send_due()
        desk.clock.now += 3600
    _create, doc, submit = store.outbox_entries(other.id)
    assert doc.state is EntryState.REFUSED and doc.attempts == MAX_CHECKSUM_ATTEMPTS
    assert "tidak sampai utuh" in doc.reason and "akta.pdf" in doc.reason
    assert submit.state is EntryState.WAITING
    local = desk.intake.get(other.id)
    assert local is not None and local.state == local_apps.NOT_SENT


def test_entry_kinds_and_order_per_application(store: Store, tmp_path: Path) -> None:
    intake = IntakeService(store, office_code="14.71.01.1001", device_code="D01", user_id="u")
    app = intake.create(
        service_code=SERVICE,
        applicant=applicant("Urutan"),
        documents=[NewDocument(pdf(tmp_path), "A"), NewDocument(pdf(tmp_path), "B")],
    )
    entries = store.outbox_entries(app.id)
    assert [e.kind for e in entries] == [
        EntryKind.APPLICATION.value,
        EntryKind.DOCUMENT.value,
        EntryKind.DOCUMENT.value,
        EntryKind.APPLICATION.value,
    ]
    assert entries[0].payload["body"]["id"] == app.id  # the client UUID is the server's id
    assert [e.payload.get("doc_id") for e in entries[1:3]] == [d.id for d in app.documents]
    assert entries[1].payload["sha256"] == app.documents[0].sha256
    assert entries[3].payload["step"] == "submit"
    # Private copies: the originals may go, the kept files stay (owner-only on POSIX).
    for doc in app.documents:
        assert doc.path.is_file() and doc.path.parent.parent == intake.folder
        if os.name == "posix":
            assert doc.path.stat().st_mode & 0o077 == 0
