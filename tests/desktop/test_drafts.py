"""Drafts at the counter (issue 11): several at once, cheap saves that never go back in time,
attachments kept at once, orphans and missing files after a crash, submit in one write, and the
duplicate guard's local half. Real store files, real files."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.records import Applicant
from desktop.models import changes, local_apps
from desktop.models.changes import Part
from desktop.models.store import Store
from desktop.services.attachments import AttachmentError
from desktop.services.drafts import Draft, DraftGone, DraftService, _take_draft
from desktop.services.duplicates import find_open
from desktop.services.intake import IntakeError, IntakeService, NewDocument
from tests.desktop.support import new_nik
from tests.desktop.test_attachments import jpeg, pdf

SERVICE = "SK-DOMISILI"
OFFICE = "14.71.01.1002"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "stores" / "srv" / "u" / "loket.sqlite3")
    yield s
    s.close()


def service(store: Store) -> DraftService:
    intake = IntakeService(store, office_code=OFFICE, device_code="D01", user_id="u1")
    return DraftService(store, intake, user_id="u1")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def filled(d: DraftService, name: str = "Siti Aminah", nik: str | None = None) -> Draft:
    draft = d.new(SERVICE)
    draft.applicant.update(nik=nik or new_nik(), name=name, sex="P", address="Jl. Riau 1")
    draft.data["tujuan.keperluan"] = "Melamar kerja"
    assert d.save(draft)
    return draft


def test_several_drafts_are_kept_and_listed_newest_first(store: Store) -> None:
    d = service(store)
    first = filled(d, "Pertama")
    filled(d, "Kedua")
    first.applicant["phone"] = "0812 3456 7890"
    d.clock = lambda: 2_000_000_000.0
    assert d.save(first)
    listed = d.list()
    assert [x.applicant["name"] for x in listed] == ["Pertama", "Kedua"]
    again = d.load(first.id)
    assert again is not None and again.applicant["phone"] == "0812 3456 7890"
    assert again.data == {"tujuan.keperluan": "Melamar kerja"}
    other_user = DraftService(store, user_id="u2")
    assert other_user.list() == []


def test_a_late_save_never_puts_back_older_text(store: Store) -> None:
    d = service(store)
    draft = filled(d)
    older = Draft(draft.id, SERVICE, {"name": "Sit"}, {})
    newer = Draft(draft.id, SERVICE, {"name": "Siti Aminah Lengkap"}, {})
    old_seq = d._next_seq()  # the older save took its number first ...
    assert d.save(newer)
    # ... but reached the writer last (the debounced worker was slow): ignored.
    stale = store.write(
        lambda conn: (
            conn.exec_driver_sql(
                "UPDATE drafts SET applicant = ?, save_seq = ? WHERE id = ? AND save_seq < ?",
                (json.dumps(older.applicant), old_seq, draft.id, old_seq),
            ).rowcount
        )
    )
    assert stale == 0
    loaded = d.load(draft.id)
    assert loaded is not None and loaded.applicant["name"] == "Siti Aminah Lengkap"
    # A fresh service (the app restarted) numbers its saves after every stored one.
    again = DraftService(store, user_id="u1")
    newer.applicant["name"] = "Setelah Mulai Ulang"
    assert again.save(newer)


def test_a_save_after_discard_does_not_bring_the_draft_back(store: Store, tmp_path: Path) -> None:
    d = service(store)
    draft = filled(d)
    att = d.attach(draft.id, "KTP", jpeg(tmp_path / "ktp.jpg"))
    d.discard(draft.id)
    assert not d.save(draft)
    assert d.load(draft.id) is None and not att.path.exists()
    with pytest.raises(AttachmentError, match="draf ini sudah tidak ada"):
        d.attach(draft.id, "KK", jpeg(tmp_path / "kk.jpg"))
    assert not list((d.folder / draft.id).glob("*"))  # the refused copy went too


def test_attach_keeps_a_private_copy_at_once(store: Store, tmp_path: Path) -> None:
    d = service(store)
    draft = filled(d)
    source = pdf(tmp_path / "surat pengantar RT.pdf", pages=2)
    digest = sha(source)
    att = d.attach(draft.id, "SURAT-PENGANTAR-RT-RW", source)
    source.unlink()  # the citizen's stick is gone: the kept copy is enough
    assert att.path.is_file() and sha(att.path) == att.sha256 == digest
    assert att.path.stat().st_mode & 0o077 == 0
    assert (att.filename, att.media_type, att.pages) == (
        "surat pengantar RT.pdf",
        "application/pdf",
        2,
    )
    loaded = d.load(draft.id)
    assert loaded is not None and loaded.attachments == (att,)


def test_a_refused_file_loses_nothing_already_attached(store: Store, tmp_path: Path) -> None:
    d = service(store)
    draft = filled(d)
    kept = d.attach(draft.id, "KTP", jpeg(tmp_path / "ktp.jpg"))
    whole = jpeg(tmp_path / "kk.jpg", (1000, 800)).read_bytes()
    cut = tmp_path / "kk-terpotong.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(AttachmentError, match=r"'kk-terpotong\.jpg' rusak"):
        d.attach(draft.id, "KK", cut)
    loaded = d.load(draft.id)
    assert loaded is not None and [a.id for a in loaded.attachments] == [kept.id]
    assert sorted(p.name for p in (d.folder / draft.id).iterdir()) == [kept.id]  # no leftover
    assert d.detach(draft.id, kept.id) and not kept.path.exists()
    assert not d.detach(draft.id, kept.id)


def test_orphans_are_removed_and_missing_files_reported(store: Store, tmp_path: Path) -> None:
    d = service(store)
    draft = filled(d)
    one = d.attach(draft.id, "KTP", jpeg(tmp_path / "ktp.jpg"))
    two = d.attach(draft.id, "KK", pdf(tmp_path / "kk.pdf"))
    # A crash after the copy, before the row: a file no row names, and a temporary file.
    (d.folder / draft.id / "f00d").write_bytes(b"copied, never recorded")
    (d.folder / draft.id / "beef.tmp").write_bytes(b"half copied")
    (d.folder / "gone-draft").mkdir()
    (d.folder / "gone-draft" / "x").write_bytes(b"row deleted, file not yet")
    two.path.unlink()  # and a kept file deleted by hand
    again = DraftService(store, d.intake, user_id="u1")
    assert again.orphans_removed == 3
    assert sorted(p.name for p in (d.folder / draft.id).iterdir()) == [one.id]
    assert not (d.folder / "gone-draft").exists()
    loaded = again.load(draft.id)
    assert loaded is not None
    assert [(a.id, a.missing) for a in loaded.attachments] == [(one.id, False), (two.id, True)]
    with pytest.raises(IntakeError, match=r"'kk\.pdf'"):
        again.submit(draft.id)
    assert again.load(draft.id) is not None  # nothing changed
    assert again.intake is not None and again.intake.all() == []


def test_submit_takes_the_draft_in_and_removes_it_in_the_same_write(
    store: Store, tmp_path: Path
) -> None:
    d = service(store)
    draft = filled(d, "Budi")
    ktp = d.attach(draft.id, "KTP", jpeg(tmp_path / "ktp.jpg"))
    letter = d.attach(draft.id, "SURAT-PENGANTAR-RT-RW", pdf(tmp_path / "surat.pdf"))
    app = d.submit(draft.id)
    assert d.load(draft.id) is None and d.list() == []
    assert not (d.folder / draft.id).exists()
    assert app.status_token is not None and len(app.status_token) >= 22
    assert d.intake is not None
    kept = d.intake.get(app.id)
    assert kept is not None and kept.status_token == app.status_token
    assert [(k.requirement_code, k.sha256, k.filename) for k in kept.documents] == [
        ("KTP", ktp.sha256, "ktp.jpg"),
        ("SURAT-PENGANTAR-RT-RW", letter.sha256, "surat.pdf"),
    ]
    assert all(sha(k.path) == k.sha256 for k in kept.documents)
    create = store.outbox_entries(app.id)[0].payload["body"]
    assert create["data"] == {"tujuan.keperluan": "Melamar kerja"}
    assert create["status_token"] == app.status_token
    assert create["applicant"]["name"] == "Budi"
    with pytest.raises(IntakeError, match="sudah tidak ada"):
        d.submit(draft.id)  # twice: one application only
    assert d.intake is not None and len(d.intake.all()) == 1


def test_a_draft_gone_meanwhile_makes_no_application(store: Store, tmp_path: Path) -> None:
    """The draft's deletion runs inside the application's write: when it finds nothing (the
    draft was submitted or discarded in another window), the application is rolled back."""
    intake = IntakeService(store, office_code=OFFICE, device_code="D01", user_id="u1")
    d = DraftService(store, intake, user_id="u1")
    draft = filled(d)
    d.attach(draft.id, "KTP", jpeg(tmp_path / "ktp.jpg"))
    d.discard(draft.id)
    with pytest.raises(DraftGone):
        intake.create(
            service_code=SERVICE,
            applicant=Applicant(nik=new_nik(), name="X"),
            documents=[NewDocument(jpeg(tmp_path / "b.jpg"))],
            also=lambda conn: _take_draft(conn, draft.id),
        )
    assert intake.all() == [] and store.outbox_entries() == []
    assert not any(p.name != "draf" for p in intake.folder.iterdir())


def test_a_kept_file_changed_since_attach_is_refused(store: Store, tmp_path: Path) -> None:
    d = service(store)
    draft = filled(d)
    att = d.attach(draft.id, "KTP", pdf(tmp_path / "ktp.pdf"))
    with att.path.open("r+b") as f:  # same size, other bytes
        f.seek(20)
        f.write(b"XXXX")
    with pytest.raises(IntakeError, match=r"'ktp\.pdf' di komputer ini berubah"):
        d.submit(draft.id)
    assert d.load(draft.id) is not None
    assert d.intake is not None and d.intake.all() == []


def test_submit_needs_nik_and_name(store: Store) -> None:
    d = service(store)
    draft = d.new(SERVICE)
    with pytest.raises(IntakeError, match="NIK dan nama"):
        d.submit(draft.id)
    draft.applicant.update(nik=new_nik(), name="Ani", birth_date="1990-02-31")
    d.save(draft)
    with pytest.raises(IntakeError, match="Tanggal lahir"):
        d.submit(draft.id)


def test_official_number_wait_wakes_on_the_store_change(store: Store) -> None:
    d = service(store)
    draft = filled(d)
    app = d.submit(draft.id)
    assert d.intake is not None
    assert d.intake.official_number(app.id) is None
    assert d.intake.wait_official_number(app.id, 0.05) is None  # offline: provisional stands

    def sent() -> None:
        store.write(
            lambda conn: conn.exec_driver_sql(
                "UPDATE local_applications SET official_number = ?, state = ? WHERE id = ?",
                ("471/0001/KEL/2026", local_apps.SENT, app.id),
            )
        )
        store.write(lambda conn: changes.touch(conn.info, Part.QUEUE, (app.id,)))

    timer = threading.Timer(0.2, sent)
    timer.start()
    try:
        assert d.intake.wait_official_number(app.id, 10) == "471/0001/KEL/2026"
    finally:
        timer.join()


def test_duplicates_found_locally_offline(store: Store, tmp_path: Path) -> None:
    d = service(store)
    nik = new_nik()
    waiting = filled(d, "Citra", nik)
    editing = filled(d, "Citra", nik)
    submitted = filled(d, "Citra", nik)
    app = d.submit(submitted.id)
    other_service = d.new("SK-USAHA")
    other_service.applicant.update(nik=nik, name="Citra")
    d.save(other_service)
    hits = find_open(store, None, nik, SERVICE, exclude_draft=editing.id)
    assert [(h.id, h.source) for h in hits] == [(app.id, "lokal"), (waiting.id, "draf")]
    assert hits[0].number == app.provisional_number and hits[0].applicant_name == "Citra"
    spaced = f"{nik[:4]} {nik[4:8]}-{nik[8:]}"
    assert [h.id for h in find_open(store, None, spaced, SERVICE)] == [
        app.id,
        waiting.id,
        editing.id,
    ]
    assert find_open(store, None, new_nik(), SERVICE) == []
    # A finished application is not a duplicate.
    store.write(
        lambda conn: conn.exec_driver_sql(
            "UPDATE applications SET status = 'completed' WHERE id = ?", (app.id,)
        )
    )
    assert [h.id for h in find_open(store, None, nik, SERVICE, exclude_draft=editing.id)] == [
        waiting.id
    ]
    # The queue row gone (cache rebuilt), the local application still unsent: found there.
    store.write(lambda conn: conn.exec_driver_sql("DELETE FROM applications"))
    hits = find_open(store, None, nik, SERVICE, exclude_draft=editing.id)
    assert [(h.id, h.source) for h in hits] == [(app.id, "lokal"), (waiting.id, "draf")]
