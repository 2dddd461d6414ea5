"""A scan whose SHA-256 happens to hold a run of exactly 16 decimal digits (about 1 document in
300) must be taken in like any other: the audit record's NIK guard read the hex digest as a
NIK and refused the whole application, every time, for that file."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from desktop.models.store import Store
from desktop.services.intake import IntakeService, NewDocument
from tests.sync_faults.desk import REQUIREMENT, SERVICE, applicant

SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def unlucky_scan(folder: Path) -> Path:
    """A PDF whose SHA-256 hex digest holds an isolated run of 16 digits."""
    for n in range(100_000):
        data = b"%PDF-1.4\n" + os.urandom(64) + b"\n%%EOF\n"
        if SIXTEEN.search(hashlib.sha256(data).hexdigest()):
            path = folder / f"unlucky-{n}.pdf"
            path.write_bytes(data)
            return path
    raise AssertionError("no such digest found")


def test_a_digest_that_looks_like_a_nik_is_taken_in(store: Store, tmp_path: Path) -> None:
    scan = unlucky_scan(tmp_path)
    intake = IntakeService(store, office_code="14.71.01.1001", device_code="D01", user_id="u")
    app = intake.create(
        service_code=SERVICE,
        applicant=applicant("Hash Mirip NIK"),
        documents=[NewDocument(scan, REQUIREMENT)],
    )
    (doc,) = app.documents
    assert doc.sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert len(store.outbox_entries(app.id)) == 3
