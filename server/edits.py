"""Edits of an application's applicant and service data (`PATCH /applications/{id}`).

The history of an edit names the fields that changed, never their values: a corrected NIK must
not end up in a text every later reader of the file sees.
"""

from __future__ import annotations

from datetime import datetime

from desktop.domain.catalogue import Service
from server import intake
from server.models import Application
from server.schemas import UpdateApplication
from server.state import ServerState

APPLICANT_LABELS = {
    "nik": "NIK",
    "name": "nama",
    "birth_date": "tanggal lahir",
    "birth_place": "tempat lahir",
    "sex": "jenis kelamin",
    "kk_number": "nomor KK",
    "phone": "telepon",
    "email": "e-mail",
    "address": "alamat",
    "rt": "RT",
    "rw": "RW",
    "village_code": "kelurahan/desa",
}


def apply(
    app: Application,
    body: UpdateApplication,
    service: Service | None,
    state: ServerState,
    now: datetime,
) -> list[str]:
    """Check and set what the body replaces; the changed fields (`applicant.<key>`,
    `data.<section>.<field>`) in a stable order. Raises 422 (per field) before changing
    anything."""
    person = (
        intake.checked_applicant(body.applicant, state, now) if body.applicant is not None else None
    )
    data = None
    if body.data is not None:
        data = intake.checked_data(service, body.data, state, now) if service else dict(body.data)
    changed: list[str] = []
    if person is not None:
        for column in intake.APPLICANT_COLUMNS:
            if getattr(app, column) != person[column]:
                changed.append(f"applicant.{column}")
                setattr(app, column, person[column])
    if data is not None:
        before = dict(app.data or {})
        for key in sorted(set(before) | set(data)):
            if before.get(key) != data.get(key):
                changed.append(f"data.{key}")
        if before != data:
            app.data = data
    return changed


def describe(changed: list[str]) -> str:
    """ "Data diubah: nama, alamat, anak.nama" - names only."""
    names = [
        APPLICANT_LABELS.get(field.removeprefix("applicant."), field)
        if field.startswith("applicant.")
        else field.removeprefix("data.")
        for field in changed
    ]
    return "Data diubah: " + ", ".join(names) + "."
