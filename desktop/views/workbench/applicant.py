"""Applicant data beside the pages, with what the NIK itself says.

The verifier's job is to compare the typed data with the scans, so the NIK is shown in full
here, ungrouped and in a monospaced font, exactly as the KTP-el prints it. It is never logged,
never put in a tooltip or window title, and never copied anywhere by this panel. Decoding the
NIK (sex, birth date, issuing region) and cross-checking it with the typed data catches the
commonest typing errors: a woman's NIK carries day + 40.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from desktop.domain.identity import NikInfo, check_kk, check_nik, cross_check_nik
from desktop.domain.records import Applicant
from desktop.views.workbench.formatting import format_date

_SEX = {"L": "Laki-laki", "P": "Perempuan"}
_WARN = "color: #a4262c; font-weight: bold;"


def sex_text(value: str | None) -> str:
    if not value:
        return "—"
    return f"{_SEX.get(value.upper(), value)} ({value.upper()})" if value.upper() in _SEX else value


class ApplicantPanel(QGroupBox):
    """Read-only applicant data and the NIK cross-check. Everything is selectable text so the
    verifier can compare character by character."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Data pemohon"), parent)
        self.problems: tuple[str, ...] = ()

        def value() -> QLabel:
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            return label

        self.name_value = value()
        name_font = self.name_value.font()
        name_font.setBold(True)
        self.name_value.setFont(name_font)
        self.nik_value = value()
        self.nik_value.setWordWrap(False)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF()) + 1.5)
        mono.setBold(True)
        mono.setLetterSpacing(mono.SpacingType.PercentageSpacing, 108)
        self.nik_value.setFont(mono)
        self.nik_value.setAccessibleName(self.tr("NIK"))
        self.kk_value = value()
        self.kk_value.setFont(mono)
        self.kk_value.setWordWrap(False)
        self.sex_value = value()
        self.birth_value = value()
        self.phone_value = value()
        self.email_value = value()
        self.address_value = value()

        left = QFormLayout()
        right = QFormLayout()
        for form in (left, right):
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
            form.setHorizontalSpacing(8)
            form.setVerticalSpacing(3)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        left.addRow(self.tr("Nama"), self.name_value)
        left.addRow(self.tr("NIK"), self.nik_value)
        left.addRow(self.tr("No. KK"), self.kk_value)
        left.addRow(self.tr("Alamat"), self.address_value)
        right.addRow(self.tr("Jenis kelamin"), self.sex_value)
        right.addRow(self.tr("Tgl. lahir"), self.birth_value)
        right.addRow(self.tr("Telepon"), self.phone_value)
        right.addRow(self.tr("Surel"), self.email_value)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)

        self.decoded_label = QLabel(self)
        self.decoded_label.setTextFormat(Qt.TextFormat.PlainText)
        self.decoded_label.setWordWrap(True)
        self.decoded_label.setStyleSheet("QLabel { color: #323130; }")
        self.problems_label = QLabel(self)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet(f"QLabel {{ {_WARN} }}")
        self.problems_label.setVisible(False)
        self.match_label = QLabel(self)
        self.match_label.setStyleSheet("QLabel { color: #107c10; }")
        self.match_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.decoded_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.match_label)

    def set_applicant(self, applicant: Applicant) -> None:
        self.name_value.setText(applicant.name or "—")
        self.nik_value.setText(applicant.nik or "—")
        self.kk_value.setText(applicant.kk_number or "—")
        self.sex_value.setText(sex_text(applicant.sex))
        self.birth_value.setText(format_date(applicant.birth_date) if applicant.birth_date else "—")
        self.phone_value.setText(applicant.phone or "—")
        self.email_value.setText(applicant.email or "—")
        self.address_value.setText(applicant.address or "—")
        self._check(applicant)

    def _check(self, applicant: Applicant) -> None:
        problems: list[str] = []
        flagged: set[str] = set()
        result = check_nik(applicant.nik)
        info: NikInfo | None = result.info
        problems.extend(self.tr("NIK: {m}").format(m=p.message) for p in result.problems)
        if info is not None:
            self.decoded_label.setText(self._decoded(info))
            for p in cross_check_nik(info, sex=applicant.sex, birth_date=applicant.birth_date):
                problems.append(self.tr("Tidak cocok: {m}").format(m=p.message))
                flagged.add("sex" if p.code.startswith("sex") else "birth")
        else:
            self.decoded_label.setText(self.tr("NIK tidak dapat dibaca; periksa dengan KTP-el."))
        if applicant.kk_number:
            kk = check_kk(applicant.kk_number)
            problems.extend(self.tr("No. KK: {m}").format(m=p.message) for p in kk.problems)
        self.problems = tuple(problems)
        self.problems_label.setText("\n".join(f"⚠ {p}" for p in problems))
        self.problems_label.setVisible(bool(problems))
        self.sex_value.setStyleSheet(f"QLabel {{ {_WARN} }}" if "sex" in flagged else "")
        self.birth_value.setStyleSheet(f"QLabel {{ {_WARN} }}" if "birth" in flagged else "")
        compared = [
            name
            for name, typed in (
                (self.tr("jenis kelamin"), applicant.sex),
                (self.tr("tanggal lahir"), applicant.birth_date),
            )
            if typed
        ]
        if info is not None and not flagged and compared:
            self.match_label.setText(
                self.tr("✓ NIK cocok dengan {fields} pada data").format(
                    fields=self.tr(" dan ").join(compared)
                )
            )
            self.match_label.setVisible(True)
        else:
            self.match_label.setVisible(False)
        bad_nik = bool(result.problems) or bool(flagged)
        self.nik_value.setStyleSheet("QLabel { color: #a4262c; }" if bad_nik else "")

    def _decoded(self, info: NikInfo) -> str:
        births = " atau ".join(format_date(d) for d in info.birth_dates) or "—"
        region = ", ".join(
            r.name for r in (info.district, info.regency, info.province) if r is not None
        )
        return self.tr("Menurut NIK: {sex}, lahir {birth}; diterbitkan di {region}").format(
            sex=_SEX.get(info.sex, info.sex), birth=births, region=region or "—"
        )
