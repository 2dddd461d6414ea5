"""The handover recorded on DELIVER, and the reasons of a return for revision.

Perwali Pekanbaru Pasal 30: the finished document is collected by the applicant, or by a
representative with a surat kuasa. The representative's name, NIK and the letter (a document
already uploaded to the application) go into the delivery's history entry (`details.handover`),
which staff read in the detail; the public status page never shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from desktop.domain.identity import check_nik
from desktop.domain.workflow import Action
from server.intake import Problems
from server.models import Application, Document
from server.problems import ProblemError
from server.schemas import Handover
from server.state import ServerState

LETTER_CODE = "SURAT-KUASA"
"""The catalogue's document type of a surat kuasa: uploadable to any application."""


def reasons_from_checklist(checklist: list[dict[str, Any]] | None) -> str | None:
    """A return's reason made from its per-requirement notes, when only those were given:
    "KTP-EL: buram; KK: halaman belakang tidak ada". None when there is none either (the
    workflow then refuses with `reason_required`)."""
    notes = [
        f"{item['requirement_code']}: {item['note']}"
        for item in checklist or ()
        if not item.get("ok") and item.get("note")
    ]
    return "; ".join(notes) if notes else None


def details_for(
    session: Session,
    app: Application,
    action: Action,
    handover: Handover | None,
    state: ServerState,
    now: datetime,
) -> dict[str, Any] | None:
    """The history details of an action: a delivery's checked handover, else None. A
    handover on any other action is refused (422)."""
    if handover is None:
        return None
    if action is not Action.DELIVER:
        raise ProblemError(
            422,
            "validation_error",
            "Data pengambil dokumen hanya untuk tindakan Serahkan.",
            errors=[{"loc": ["body", "handover"], "msg": "only for deliver"}],
        )
    problems = Problems()
    loc = ["body", "handover"]
    nik = check_nik(handover.nik, today=state.local_date(now))
    if not nik.ok:
        problems.add([*loc, "nik"], "NIK pengambil tidak valid: " + nik.problems[0].message)
    letter = None
    if handover.collector == "pemohon":
        if handover.nik != app.nik:
            problems.add(
                [*loc, "nik"],
                "NIK pengambil tidak sama dengan NIK pemohon; bila diambil orang lain, "
                "pilih 'kuasa' dan lampirkan surat kuasa.",
            )
    elif handover.letter_document_id is None:
        problems.add(
            [*loc, "letter_document_id"],
            "Pengambilan oleh kuasa memerlukan surat kuasa yang sudah diunggah.",
        )
    else:
        letter = session.get(Document, str(handover.letter_document_id))
        if letter is None or letter.application_id != app.id:
            problems.add(
                [*loc, "letter_document_id"],
                "Surat kuasa tidak ditemukan pada permohonan ini; unggah dulu berkasnya.",
            )
        elif letter.requirement_code != LETTER_CODE:
            # Any document of the application (the applicant's KTP scan) is no letter.
            problems.add(
                [*loc, "letter_document_id"],
                "Berkas itu bukan surat kuasa; unggah surat kuasa sebagai dokumen 'SURAT-KUASA'.",
            )
            letter = None
    if handover.collector == "kuasa" and handover.nik == app.nik:
        problems.add(
            [*loc, "nik"], "Kuasa adalah orang lain: NIK-nya tidak boleh sama dengan pemohon."
        )
    problems.raise_if_any("Data pengambil dokumen tidak valid")
    return {
        "handover": {
            "collector": handover.collector,
            "name": handover.name,
            "nik": handover.nik,
            "letter_document_id": letter.id if letter is not None else None,
        }
    }
