"""A draft submitted while the server is reachable, against the real reference server: the
issue 11 fields arrive (service data, the applicant's birth place/RT/RW/kelurahan, the client's
status token), the operator's wait for the official number ends with it, and the duplicate
guard's server half answers through ``GET /applications/duplicates``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.identity import check_nik
from desktop.models.store import Store
from desktop.services.drafts import DraftService
from desktop.services.duplicates import check, find_open
from tests.desktop.support import Remote, new_nik
from tests.desktop.test_attachments import jpeg, pdf
from tests.desktop.test_intake import PASSWORD, counter
from tests.live_server import LiveServer

SERVICE = "SK-DOMISILI"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "stores" / "srv" / "u" / "loket.sqlite3")
    yield s
    s.close()


def test_submitted_draft_reaches_the_server_with_every_field(
    live_server: LiveServer, store: Store, tmp_path: Path
) -> None:
    desk = counter(live_server.url, store)
    drafts = DraftService(store, desk.intake, user_id=desk.user.id)
    nik = new_nik("P")
    info = check_nik(nik).info
    born = info.birth_date if info is not None else None
    assert born is not None
    draft = drafts.new(SERVICE)
    draft.applicant.update(
        nik=f"{nik[:6]} {nik[6:12]} {nik[12:]}",  # pasted with spaces
        name="Nur'aini",
        birth_place="Pekanbaru",
        birth_date=born.isoformat(),
        sex="P",
        phone="0812-3456-7890",
        address="Jl. Riau no. 1",
        rt="1",
        rw="02",
        village_code="1471011002",
    )
    draft.data["surat.keperluan"] = "Membuka rekening"
    drafts.save(draft)
    ktp = drafts.attach(draft.id, "KTP-EL", jpeg(tmp_path / "ktp.jpg"))
    letter = drafts.attach(draft.id, "SURAT-PENGANTAR-RT-RW", pdf(tmp_path / "pengantar.pdf"))
    app = drafts.submit(draft.id)

    got: list[str | None] = []
    waiter = threading.Thread(
        target=lambda: got.append(desk.intake.wait_official_number(app.id, 60))
    )
    waiter.start()
    desk.drain()
    waiter.join(60)
    assert got and got[0] is not None and got[0] == desk.intake.official_number(app.id)

    remote = Remote(live_server.api, "operator1", PASSWORD)
    seen = remote.get(app.id)
    assert seen["registration_number"] == got[0] and seen["status"] == "submitted"
    assert seen["data"] == {"surat.keperluan": "Membuka rekening"}
    assert seen["status_token"] == app.status_token
    applicant = seen["applicant"]
    assert (applicant["nik"], applicant["name"], applicant["phone"]) == (
        nik,
        "Nur'aini",
        "+6281234567890",
    )
    assert (applicant["birth_place"], applicant["rt"], applicant["rw"]) == (
        "Pekanbaru",
        "001",
        "002",
    )
    assert applicant["village_code"] == "1471011002"
    assert sorted(d["sha256"] for d in seen["documents"]) == sorted([ktp.sha256, letter.sha256])

    # The duplicate guard: the server knows it (and this PC does too).
    server = desk.api  # ApiClient.find_duplicates
    result = check(store, server, nik, SERVICE)
    assert result.server_checked
    assert [h.id for h in result.hits] == [app.id]  # local and server hit merged: once
    other_pc = Store(tmp_path / "other.sqlite3")  # a PC that never saw it: the server half
    try:
        hits = find_open(other_pc, server, nik, SERVICE)
        assert [(h.id, h.number, h.source) for h in hits] == [(app.id, got[0], "server")]
        assert find_open(other_pc, None, nik, SERVICE) == []  # offline: the local half only
    finally:
        other_pc.close()
