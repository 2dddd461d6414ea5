"""The verifier sees what issue 11 added to an application: the birth place, RT/RW and the
named kelurahan in the applicant panel, and the service's own data ("Isi permohonan") in the
catalogue's order and wording. Older applications, without them, show no empty captions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.domain.catalogue import Catalogue
from desktop.domain.records import ApplicationDetail
from desktop.domain.workflow import Role
from desktop.views.workbench import WorkbenchWidget
from desktop.views.workbench.places import region_text
from desktop.views.workbench.service_data import Row
from tests.gui.conftest import OFFSCREEN_SIZE_HINTS
from tests.gui.workbench import factories
from tests.gui.workbench.test_new_user_findings import fully_shown

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_SIZE_HINTS)

MakeWorkbench = Callable[..., tuple[WorkbenchWidget, factories.Loader]]

PURPOSE = (
    "Anak lahir di rumah sakit ketika orang tua sedang merantau; surat keterangan lahir dari "
    "rumah sakit terlampir dan saksi kedua adalah bidan yang menolong persalinan di ruang bersalin"
)


def birth_registration() -> ApplicationDetail:
    raw: dict[str, Any] = factories.application_json(service_code="AKTA-LAHIR")
    raw["applicant"].update(
        address="Jl. Cempedak No. 53",
        birth_place="Pekanbaru",
        rt="3",
        rw="005",
        village_code="1471011002",
    )
    raw["data"] = {
        # Out of catalogue order on purpose: the panel follows the catalogue.
        "ibu.nama": "Siti Rahmawati",
        "anak.tanggal_lahir": "2026-11-20",
        "anak.nama": "Nur Aisyah Putri",
        "anak.jenis_kelamin": "P",
        "anak.jam": "",
        "anak.tempat_dilahirkan": "rumah sakit/rumah bersalin",
        "catatan.petugas": PURPOSE,
        "pelapor.hubungan": "ibu",
    }
    return ApplicationDetail.from_json(raw)


def test_new_fields_and_service_data_are_shown(qtbot: QtBot, make_workbench: MakeWorkbench) -> None:
    widget, _ = make_workbench(birth_registration())
    panel = widget.applicant_panel
    assert panel.birth_caption.text() == "Tempat/tgl lahir"
    assert panel.birth_value.text() == "Pekanbaru, 12 Agustus 1990"
    assert panel.address_value.text() == (
        "Jl. Cempedak No. 53, RT 003/RW 005, Kel. Jadirejo, Kec. Sukajadi, Kota Pekanbaru"
    )
    data = widget.service_data
    assert data.isVisible()
    assert list(data.rows) == [
        Row("Data anak", "Nama anak", "Nur Aisyah Putri"),
        Row("Data anak", "Jenis kelamin", "Perempuan (P)"),
        Row("Data anak", "Tanggal lahir", "20 November 2026"),
        Row("Data anak", "Tempat dilahirkan", "rumah sakit/rumah bersalin"),
        Row("Data ibu", "Nama ibu", "Siti Rahmawati"),
        Row("Pelapor", "Hubungan pelapor (pemohon) dengan anak", "ibu"),
        Row("Lainnya", "catatan.petugas", PURPOSE),
    ]
    shown = {label.text() for label in data.findChildren(QLabel) if label.isVisible()}
    assert {"Data anak", "Data ibu", "Pelapor", "Lainnya", "Nama anak"} <= shown
    assert "Pukul" not in shown  # its value is empty
    labels = data.value_labels()
    assert [label.text() for label in labels] == [row.value for row in data.rows]
    # Long text wraps inside the column, whole: nothing cut at the edge or the bottom.
    qtbot.waitUntil(lambda: all(fully_shown(label) for label in labels))
    long = labels[-1]
    assert long.height() > 2 * long.fontMetrics().height()
    content = data.scroller.widget()
    assert content is not None
    right_edge = long.mapTo(content, long.rect().topRight()).x()
    assert right_edge <= data.scroller.viewport().width()
    # The checklist keeps room below.
    assert widget.tabs.height() >= 200


def test_old_application_shows_no_empty_captions(
    qtbot: QtBot, make_workbench: MakeWorkbench, catalogue: Catalogue
) -> None:
    widget, _ = make_workbench(birth_registration())
    assert widget.service_data.isVisible()
    old = factories.detail()  # issue 10's application: no birth place, RT/RW, village, data
    widget.set_application(
        old,
        catalogue.services.get(old.service_code),
        catalogue.document_types,
        (Role.VERIFIER,),
        factories.USER_ID,
        factories.standard_loader(),
    )
    panel = widget.applicant_panel
    assert panel.birth_caption.text() == "Tgl. lahir"
    assert panel.birth_value.text() == "12 Agustus 1990"
    assert panel.address_value.text() == old.applicant.address
    assert not widget.service_data.isVisible()
    assert widget.service_data.rows == ()
    empty = [
        label
        for label in panel.findChildren(QLabel)
        if label.isVisible() and not label.text().strip()
    ]
    assert empty == []


def test_region_text_names_kelurahan_and_desa() -> None:
    assert region_text("14.71.01.1002") == "Kel. Jadirejo, Kec. Sukajadi, Kota Pekanbaru"
    assert region_text("1406012002") == "Desa Suka Damai, Kec. Ujung Batu, Kabupaten Rokan Hulu"
    assert region_text("9999999999") == "9999999999"  # unknown: the code, never nothing


def test_screenshot_full_data_scrolls(qtbot: QtBot, make_workbench: MakeWorkbench) -> None:
    """Every section filled: the panel keeps its share and scrolls; the checklist keeps room."""
    detail = birth_registration()
    full = dict(detail.data)
    for who in ("ayah", "saksi1", "saksi2"):
        full[f"{who}.nik"] = "1471010505870002"
        full[f"{who}.nama"] = f"Nama {who} yang cukup panjang untuk dibaca"
    full["ibu.nik"] = factories.NIK_FEMALE
    widget, _ = make_workbench(replace(detail, data=full))
    assert widget.size().width() == 1366
    data = widget.service_data
    assert len(data.rows) == 14
    qtbot.waitUntil(lambda: data.scroller.verticalScrollBar().maximum() > 0)
    assert widget.tabs.height() >= 200
    assert widget.grab().save("/tmp/workbench_service_data.png")
    # Scrolled to the end, the last rows are whole (the long caption wraps, not the column).
    bar = data.scroller.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: all(fully_shown(label) for label in data.value_labels()))
    assert data.grab().save("/tmp/workbench_service_data_end.png")
