"""Applicant data beside the pages, with what the NIK itself says.

The verifier's job is to compare the typed data with the scans, so the NIK is shown in full
here, ungrouped and in a monospaced font, exactly as the KTP-el prints it. It is never logged,
never put in a tooltip or window title, and never copied anywhere by this panel. Decoding the
NIK (sex, birth date, issuing region) and cross-checking it with the typed data catches the
commonest typing errors: a woman's NIK carries day + 40.

Under that, the number read from the scanned KTP-el / KK itself (issue 12), when the verifier
has that document on screen: "NIK pada KTP terpindai: …, cocok" in green, "berbeda" in red
(and then also one of `problems`, so a positive decision asks first), or a grey line when the
scan could not be read with certainty. The read number is shown in full for the same reason as
the NIK above; it never goes into a log or a tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.formatting import format_date
from desktop.domain.identity import NikInfo, check_kk, check_nik, cross_check_nik
from desktop.domain.records import Applicant
from desktop.domain.scan_match import NumberKind, NumberMatch
from desktop.views.workbench.places import address_text
from desktop.views.workbench.wrap_row import WrapRow

_SEX = {"L": "Laki-laki", "P": "Perempuan"}
_WARN = "color: #a4262c; font-weight: bold;"
_SCAN_STYLE = {
    "cocok": "QLabel { color: #107c10; }",
    "berbeda": f"QLabel {{ {_WARN} }}",
    "tidak_terbaca": "QLabel { color: #605e5c; }",
    "belum_diketik": "QLabel { color: #605e5c; }",
}
_SCAN_MARK = {"cocok": "✓ ", "berbeda": "⚠ ", "tidak_terbaca": "", "belum_diketik": ""}


def sex_text(value: str | None) -> str:
    if not value:
        return "—"
    return f"{_SEX.get(value.upper(), value)} ({value.upper()})" if value.upper() in _SEX else value


class ApplicantPanel(QGroupBox):
    """Read-only applicant data and the NIK cross-check. Everything is selectable text so the
    verifier can compare character by character.

    Names and addresses are shown whole: they take the full width and wrap, and the panel is as
    tall as its text needs at its width (`heightForWidth`), so its parent lays it out without
    cutting a line. No value widens the panel: the e-mail address, the one value without
    spaces, may be cut at the panel's edge (whole in its tooltip) rather than push the document
    panel aside."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Data pemohon"), parent)
        self._typed_problems: tuple[str, ...] = ()
        self.scan_matches: dict[NumberKind, NumberMatch] = {}
        """The scanned card's reading shown per number kind (none: no line)."""

        def value(*, wrap: bool = True) -> QLabel:
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(wrap)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            return label

        self.name_value = value()
        name_font = self.name_value.font()
        name_font.setBold(True)
        name_font.setPointSizeF(name_font.pointSizeF() + 1)
        self.name_value.setFont(name_font)
        self.name_value.setAccessibleName(self.tr("Nama"))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF()) + 1.5)
        mono.setBold(True)
        mono.setLetterSpacing(mono.SpacingType.PercentageSpacing, 108)
        self.nik_value = value(wrap=False)
        self.nik_value.setFont(mono)
        self.nik_value.setAccessibleName(self.tr("NIK"))
        self.kk_value = value(wrap=False)
        self.kk_value.setFont(mono)
        self.kk_value.setAccessibleName(self.tr("No. KK"))
        self.sex_value = value()
        self.birth_value = value()
        self.address_value = value()
        self.address_value.setAccessibleName(self.tr("Alamat"))
        self.phone_value = value(wrap=False)
        self.phone_value.setAccessibleName(self.tr("Telepon"))
        self.email_value = value(wrap=False)
        self.email_value.setAccessibleName(self.tr("Surel"))
        # The only value without spaces to wrap at: it never widens the panel.
        self.email_value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.email_value.setMinimumWidth(0)

        def caption(text: str) -> QLabel:
            label = QLabel(text, self)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setStyleSheet("QLabel { color: #605e5c; }")
            return label

        # One form: its fields wrap and report their height for the width they get. The two
        # short pairs (NIK | jenis kelamin, No. KK | tanggal lahir) share a row each, their
        # second captions equally wide so the values line up.
        # The birth caption names the place too when the application has one (issue 11).
        self._birth_captions = (self.tr("Tgl. lahir"), self.tr("Tempat/tgl lahir"))
        second = [caption(self.tr("Jenis kelamin")), caption(self._birth_captions[1])]
        width = max(c.sizeHint().width() for c in second)
        for c in second:
            c.setFixedWidth(width)
        self.birth_caption = second[1]

        def pair(left: QLabel, title: QLabel, right: QLabel) -> QHBoxLayout:
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addWidget(left, 0, Qt.AlignmentFlag.AlignTop)
            row.addSpacing(8)
            row.addWidget(title, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(right, 1)
            return row

        contact = WrapRow(self, spacing=18)
        self.phone_value.setParent(contact)
        self.email_value.setParent(contact)
        contact.add_widget(self.phone_value)
        contact.add_widget(self.email_value)
        contact.setAccessibleName(self.tr("Telepon dan surel"))

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(3)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(caption(self.tr("Nama")), self.name_value)
        form.addRow(caption(self.tr("NIK")), pair(self.nik_value, second[0], self.sex_value))
        form.addRow(caption(self.tr("No. KK")), pair(self.kk_value, second[1], self.birth_value))
        form.addRow(caption(self.tr("Alamat")), self.address_value)
        form.addRow(caption(self.tr("Kontak")), contact)

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
        self.match_label.setWordWrap(True)
        self.match_label.setStyleSheet("QLabel { color: #107c10; }")
        self.match_label.setVisible(False)
        self.scan_labels: dict[NumberKind, QLabel] = {}
        names: dict[NumberKind, str] = {
            "nik": self.tr("NIK pada KTP terpindai"),
            "kk": self.tr("Nomor KK pada KK terpindai"),
        }
        for kind, name in names.items():
            line = QLabel(self)
            line.setTextFormat(Qt.TextFormat.PlainText)
            line.setWordWrap(True)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            line.setAccessibleName(name)
            line.setVisible(False)
            self.scan_labels[kind] = line

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.decoded_label)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.match_label)
        for line in self.scan_labels.values():
            layout.addWidget(line)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_applicant(self, applicant: Applicant) -> None:
        self.name_value.setText(applicant.name or "—")
        self.nik_value.setText(applicant.nik or "—")
        self.kk_value.setText(applicant.kk_number or "—")
        self.sex_value.setText(sex_text(applicant.sex))
        place = (applicant.birth_place or "").strip()
        born = [place, format_date(applicant.birth_date) if applicant.birth_date else ""]
        self.birth_value.setText(", ".join(b for b in born if b) or "—")
        self.birth_caption.setText(self._birth_captions[1 if place else 0])
        self.phone_value.setText(applicant.phone or "—")
        self.email_value.setText(applicant.email or "—")
        self.email_value.setToolTip(applicant.email or "")
        self.address_value.setText(address_text(applicant) or "—")
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
        self._typed_problems = tuple(problems)
        self._show_problems()
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

    @property
    def problems(self) -> tuple[str, ...]:
        """What speaks against the typed data: the NIK's own checks, and a scanned card whose
        number differs from the typed one."""
        differs = tuple(m.message for m in self.scan_matches.values() if m.status == "berbeda")
        return self._typed_problems + differs

    def _show_problems(self) -> None:
        problems = self._typed_problems
        self.problems_label.setText("\n".join(f"⚠ {p}" for p in problems))
        self.problems_label.setVisible(bool(problems))

    def set_scan_reading(self, kind: NumberKind, match: NumberMatch | None) -> None:
        """The line for the scanned card of `kind`: its comparison, or None for no line."""
        line = self.scan_labels[kind]
        if match is None:
            self.scan_matches.pop(kind, None)
            line.setVisible(False)
            line.clear()
            return
        self.scan_matches[kind] = match
        line.setStyleSheet(_SCAN_STYLE[match.status])
        line.setText(_SCAN_MARK[match.status] + match.message)
        line.setVisible(True)

    def set_scan_busy(self, kind: NumberKind) -> None:
        """The card is being read: a grey line says so (no verdict yet)."""
        self.scan_matches.pop(kind, None)
        line = self.scan_labels[kind]
        line.setStyleSheet(_SCAN_STYLE["tidak_terbaca"])
        line.setText(
            self.tr("Membaca NIK pada KTP terpindai…")
            if kind == "nik"
            else self.tr("Membaca nomor KK pada KK terpindai…")
        )
        line.setVisible(True)

    def _decoded(self, info: NikInfo) -> str:
        births = " atau ".join(format_date(d) for d in info.birth_dates) or "—"
        region = ", ".join(
            r.name for r in (info.district, info.regency, info.province) if r is not None
        )
        return self.tr("Menurut NIK: {sex}, lahir {birth}; diterbitkan di {region}").format(
            sex=_SEX.get(info.sex, info.sex), birth=births, region=region or "—"
        )
