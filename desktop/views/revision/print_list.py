"""'Cetak daftar kekurangan': the returned application's list of what the citizen must bring,
rendered by `render_revision_list` and shown in the `PrintPreviewDialog` (the very PDF that is
printed), on this PC's paper (A4 or F4, as for receipts). The preview's `settingsChanged` (the
printer chosen) is saved here: the printer is remembered per PC, whichever paper printed last."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from PySide6.QtWidgets import QWidget

from desktop.domain.catalogue import DocumentType, Service
from desktop.domain.identity import mask_nik
from desktop.domain.records import ApplicationDetail
from desktop.services.documents.pdf_parts import Paper
from desktop.services.documents.revision_list import (
    RevisionItem,
    RevisionListData,
    render_revision_list,
)
from desktop.services.revision import Reasons
from desktop.settings import Settings, load_settings, save_settings
from desktop.views.print_preview import PrintPreviewDialog


def list_data(
    detail: ApplicationDetail,
    service: Service | None,
    reasons: Reasons,
    document_types: Mapping[str, DocumentType],
    *,
    office_name: str | None,
    officer: str = "",
) -> RevisionListData:
    """What the paper says: each requirement to fix with the verifier's note."""

    def name(code: str) -> str:
        found = document_types.get(code)
        return found.name if found is not None else code

    items = [
        RevisionItem(name(r.code), r.note or "Belum sesuai; bawa dokumen yang benar.")
        for r in reasons.to_fix
    ]
    entry = reasons.entry
    return RevisionListData(
        office_name=office_name or detail.office_code,
        office_address="",
        number=detail.number,
        provisional=detail.registration_number is None,
        service_name=service.name if service is not None else detail.service_code,
        applicant_name=detail.applicant.name,
        masked_nik=mask_nik(detail.applicant.nik),
        items=items,
        bring=[f"{i.requirement} (asli dan fotokopi)" for i in items],
        office_hours="",
        returned_at=entry.server_time if entry is not None else datetime.now(UTC),
        officer=officer or (entry.actor_full_name if entry is not None else ""),
        office_code=detail.office_code,
        note=reasons.overall,
    )


log = logging.getLogger(__name__)


def show_revision_list(
    parent: QWidget,
    data: RevisionListData,
    settings: Callable[[], Settings] = load_settings,
    save: Callable[[Settings], None] = save_settings,
) -> PrintPreviewDialog:
    """Render and open the preview (non-modal; returned for tests)."""
    current = settings()
    paper: Paper = "F4" if current.receipt_paper == "F4" else "A4"
    pdf = render_revision_list(data, paper=paper)
    dialog = PrintPreviewDialog(
        pdf,
        title=f"Daftar kekurangan {data.number}",
        settings=current,
        parent=parent,
        file_name=f"daftar-kekurangan-{data.number}",
    )

    def chosen(changed: Settings) -> None:
        try:
            save(changed)
        except OSError:  # printed all the same; the printer is asked again next time
            log.exception("printer choice not saved")

    dialog.settingsChanged.connect(chosen)
    dialog.open()
    return dialog
