"""Pengaturan > Tanda tangan elektronik: how this PC signs output documents, saved at once.

- **Cara**: none, a local PKCS#12 certificate, or the agency's BSrE esign client.
- **PKCS#12**: the file, and "Periksa sertifikat…": the passphrase is asked in a password
  dialog, the certificate opened on a worker and its holder and validity shown. The passphrase
  lives in that one call only: never in the settings, never on this object (it is asked again
  at every signature).
- **BSrE**: the address and API version (settings), the client user and password (OS keyring
  only, `signing_setup.BsreCredentials`, bound to the address) and "Periksa koneksi": the
  status of a typed NIK asked on a worker (the NIK is not kept either).
- **Akar tepercaya**: the PEM bundle the workbench checks opened PDFs' signatures against.

Like Pengaturan > Pemindai, each change goes through `save` (the settings page's: file write,
then `saved`) the moment it is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.formatting import format_date
from desktop.domain.identity import mask_nik
from desktop.services.operations import Op, OpKind, user_message
from desktop.services.secrets import SecretStore
from desktop.services.signing import BsreSigner, BsreUserStatus
from desktop.services.signing_setup import (
    BsreCredentials,
    CertificateInfo,
    bsre_config,
    read_certificate,
)
from desktop.services.tasks import TaskContext, TaskRunner
from desktop.settings import Settings

OK_STYLE = "QLabel { color: #0e700e; }"
FAIL_STYLE = "QLabel { color: #b3261e; }"
CHECK_TIMEOUT = 15.0
"""Seconds "Periksa koneksi" waits for the esign client (signing itself waits longer)."""


def signing_part(settings: Settings) -> tuple[object, ...]:
    """The settings this section shows and changes."""
    return (
        settings.sign_method,
        settings.sign_pkcs12_path,
        settings.bsre_url,
        settings.bsre_api,
        settings.tsa_url,
        settings.signature_trust_roots,
    )


def _normalise_url(text: str) -> str | None:
    """An http(s) address without its trailing slash; "" stays ""; None when it is not one."""
    url = text.strip().rstrip("/")
    if not url:
        return ""
    if not url.lower().startswith(("https://", "http://")) or " " in url:
        return None
    return url


class PathLabel(QLabel):
    """A file path on one line, elided in the middle so the file's name stays readable; the
    whole path is the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def set_path(self, path: str, empty: str) -> None:
        self.setText(path or empty)
        self.setToolTip(path)

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        rect = self.contentsRect()
        text = QFontMetrics(self.font()).elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, rect.width()
        )
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)


class SigningSettings(QGroupBox):
    """The "Tanda tangan elektronik" section. `save(settings)` writes them (raises OSError)."""

    def __init__(
        self,
        settings: Settings,
        save: Callable[[Settings], None],
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        secrets: SecretStore | None = None,
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        super().__init__(
            self.tr("Tanda tangan elektronik (setiap perubahan langsung tersimpan)"), parent
        )
        self.setObjectName("signing-settings")
        self._settings = settings
        self._save = save
        self._runner = runner
        self._credentials = BsreCredentials(secrets or SecretStore())
        self._check_timeout = check_timeout
        self._closed = [False]

        self.method_combo = QComboBox(self)
        self.method_combo.setObjectName("sign-method")
        self.method_combo.addItem(self.tr("(belum diatur)"), "")
        self.method_combo.addItem(self.tr("Sertifikat PKCS#12 di komputer ini"), "pkcs12")
        self.method_combo.addItem(self.tr("BSrE (esign client instansi)"), "bsre")
        self.method_combo.setAccessibleName(self.tr("Cara tanda tangan"))

        # -- PKCS#12 ---------------------------------------------------------------------------
        self.pkcs12_pane = QWidget(self)
        self.p12_label = PathLabel(self.pkcs12_pane)
        self.choose_p12_button = QPushButton(self.tr("Pilih berkas…"), self.pkcs12_pane)
        self.choose_p12_button.setAutoDefault(False)
        self.check_cert_button = QPushButton(self.tr("Periksa sertifikat…"), self.pkcs12_pane)
        self.check_cert_button.setAutoDefault(False)
        p12_row = QHBoxLayout()
        p12_row.addWidget(self.p12_label, 1)
        p12_row.addWidget(self.choose_p12_button)
        p12_row.addWidget(self.check_cert_button)
        self.tsa_edit = QLineEdit(self.pkcs12_pane)
        self.tsa_edit.setObjectName("sign-tsa")
        self.tsa_edit.setPlaceholderText(self.tr("kosong: tanpa cap waktu"))
        self.tsa_edit.setAccessibleName(self.tr("Alamat server cap waktu (TSA)"))
        p12_form = QFormLayout(self.pkcs12_pane)
        p12_form.setContentsMargins(0, 0, 0, 0)
        p12_form.addRow(self.tr("Berkas sertifikat"), p12_row)
        p12_form.addRow(self.tr("Server cap waktu (TSA)"), self.tsa_edit)

        # -- BSrE ------------------------------------------------------------------------------
        self.bsre_pane = QWidget(self)
        self.url_edit = QLineEdit(self.bsre_pane)
        self.url_edit.setObjectName("bsre-url")
        self.url_edit.setPlaceholderText(self.tr("mis. https://esign.pekanbaru.go.id"))
        self.url_edit.setAccessibleName(self.tr("Alamat esign client BSrE"))
        self.api_combo = QComboBox(self.bsre_pane)
        self.api_combo.setObjectName("bsre-api")
        self.api_combo.addItem(self.tr("API v1 (multipart)"), "v1")
        self.api_combo.addItem(self.tr("API v2 (JSON)"), "v2")
        self.api_combo.setAccessibleName(self.tr("Versi API BSrE"))
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.api_combo)
        self.user_edit = QLineEdit(self.bsre_pane)
        self.user_edit.setObjectName("bsre-user")
        self.user_edit.setAccessibleName(self.tr("Pengguna klien BSrE"))
        self.password_edit = QLineEdit(self.bsre_pane)
        self.password_edit.setObjectName("bsre-password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("Kata sandi klien BSrE"))
        self.save_credentials_button = QPushButton(self.tr("Simpan kredensial"), self.bsre_pane)
        self.save_credentials_button.setAutoDefault(False)
        cred_row = QHBoxLayout()
        cred_row.addWidget(self.password_edit, 1)
        cred_row.addWidget(self.save_credentials_button)
        self.nik_edit = QLineEdit(self.bsre_pane)
        self.nik_edit.setObjectName("bsre-nik")
        self.nik_edit.setMaxLength(16)
        self.nik_edit.setPlaceholderText(self.tr("NIK penanda tangan (16 angka)"))
        self.nik_edit.setAccessibleName(self.tr("NIK penanda tangan untuk pemeriksaan"))
        self.check_bsre_button = QPushButton(self.tr("Periksa koneksi"), self.bsre_pane)
        self.check_bsre_button.setAutoDefault(False)
        nik_row = QHBoxLayout()
        nik_row.addWidget(self.nik_edit, 1)
        nik_row.addWidget(self.check_bsre_button)
        bsre_form = QFormLayout(self.bsre_pane)
        bsre_form.setContentsMargins(0, 0, 0, 0)
        bsre_form.addRow(self.tr("Alamat BSrE"), url_row)
        bsre_form.addRow(self.tr("Pengguna klien"), self.user_edit)
        bsre_form.addRow(self.tr("Sandi klien"), cred_row)
        bsre_form.addRow(self.tr("Periksa dengan NIK"), nik_row)

        # -- trust roots -----------------------------------------------------------------------
        self.roots_label = PathLabel(self)
        self.choose_roots_button = QPushButton(self.tr("Pilih berkas PEM…"), self)
        self.choose_roots_button.setAutoDefault(False)
        self.clear_roots_button = QPushButton(self.tr("Kosongkan"), self)
        self.clear_roots_button.setAutoDefault(False)
        roots_row = QHBoxLayout()
        roots_row.addWidget(self.roots_label, 1)
        roots_row.addWidget(self.choose_roots_button)
        roots_row.addWidget(self.clear_roots_button)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("sign-settings-status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Cara tanda tangan"), self.method_combo)
        form.addRow(self.tr("Akar tepercaya (periksa)"), roots_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.pkcs12_pane)
        layout.addWidget(self.bsre_pane)
        layout.addWidget(self.status_label)

        self.method_combo.activated.connect(self._method_chosen)
        self.choose_p12_button.clicked.connect(self.choose_pkcs12)
        self.check_cert_button.clicked.connect(self.check_certificate)
        self.tsa_edit.editingFinished.connect(self._tsa_edited)
        self.url_edit.editingFinished.connect(self._url_edited)
        self.api_combo.activated.connect(self._api_chosen)
        self.save_credentials_button.clicked.connect(self.save_credentials)
        self.password_edit.returnPressed.connect(self.save_credentials)
        self.nik_edit.returnPressed.connect(self.check_bsre)
        self.check_bsre_button.clicked.connect(self.check_bsre)
        self.choose_roots_button.clicked.connect(self.choose_roots)
        self.clear_roots_button.clicked.connect(self.clear_roots)
        closed = self._closed
        self.destroyed.connect(lambda: closed.__setitem__(0, True))
        self._open: Callable[[], bool] = lambda: not closed[0]
        self._show()

    # -- showing ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self._settings

    def set_settings(self, settings: Settings) -> None:
        """The settings as saved elsewhere; shown again only when a signing setting differs
        (what is being typed stays otherwise)."""
        changed = signing_part(settings) != signing_part(self._settings)
        self._settings = settings
        if changed:
            self._show()

    def _show(self) -> None:
        s = self._settings
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(s.sign_method)))
        self.p12_label.set_path(s.sign_pkcs12_path, self.tr("(belum dipilih)"))
        self.check_cert_button.setEnabled(bool(s.sign_pkcs12_path))
        self.tsa_edit.setText(s.tsa_url)
        self.url_edit.setText(s.bsre_url)
        self.api_combo.setCurrentIndex(max(0, self.api_combo.findData(s.bsre_api)))
        stored = self._credentials.load(s.bsre_url)
        self.user_edit.setText(stored[0] if stored else "")
        self.password_edit.clear()
        self.password_edit.setPlaceholderText(
            self.tr("tersimpan di keyring") if stored else self.tr("kata sandi klien")
        )
        self.roots_label.set_path(s.signature_trust_roots, self.tr("(tidak ada)"))
        self.clear_roots_button.setEnabled(bool(s.signature_trust_roots))
        self.pkcs12_pane.setVisible(s.sign_method == "pkcs12")
        self.bsre_pane.setVisible(s.sign_method == "bsre")

    def _say(self, text: str, ok: bool = True) -> None:
        self.status_label.setStyleSheet(OK_STYLE if ok else FAIL_STYLE)
        self.status_label.setText(text)

    def _store(self, new: Settings, done: str) -> bool:
        try:
            self._save(new)
        except OSError as exc:
            self._say(self.tr("Gagal menyimpan: %1").replace("%1", str(exc)), ok=False)
            return False
        self._settings = new
        self._show()
        self._say(done)
        return True

    # -- method ----------------------------------------------------------------------------

    def _method_chosen(self, _index: int) -> None:
        data = self.method_combo.currentData()
        method = data if isinstance(data, str) else ""
        if method == self._settings.sign_method:
            return
        self._store(
            self._settings.with_changes(sign_method=method),
            self.tr("Cara tanda tangan: %1").replace("%1", self.method_combo.currentText()),
        )

    # -- PKCS#12 ---------------------------------------------------------------------------

    def choose_pkcs12(self) -> None:
        start = self._settings.sign_pkcs12_path
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Berkas sertifikat elektronik"),
            str(Path(start).parent) if start else "",
            self.tr("Sertifikat PKCS#12 (*.p12 *.pfx);;Semua berkas (*)"),
        )
        if path:
            self.set_pkcs12_path(path)

    def set_pkcs12_path(self, path: str) -> None:
        self._store(
            self._settings.with_changes(sign_pkcs12_path=path),
            self.tr("Berkas sertifikat: %1. Periksa dengan “Periksa sertifikat…”.").replace(
                "%1", path
            ),
        )

    def check_certificate(self) -> None:
        """Ask the passphrase (never kept) and open the certificate on a worker."""
        path = self._settings.sign_pkcs12_path
        if not path:
            self._say(self.tr("Pilih berkas sertifikat dulu."), ok=False)
            return
        passphrase, accepted = QInputDialog.getText(
            self,
            self.tr("Periksa sertifikat"),
            self.tr("Passphrase sertifikat (tidak disimpan):"),
            QLineEdit.EchoMode.Password,
        )
        if not accepted:
            return
        self.check_cert_button.setEnabled(False)
        self._say(self.tr("Membuka sertifikat…"))
        file = Path(path)

        def opened(_ctx: TaskContext) -> CertificateInfo:
            return read_certificate(file, passphrase)

        Op(OpKind.PROBE, self.tr("Memeriksa sertifikat elektronik"), opened).success(
            self._certificate_read
        ).failure(self._certificate_refused).relevant_while(self._open).run(self._runner)

    def _certificate_read(self, info: CertificateInfo) -> None:
        self.check_cert_button.setEnabled(True)
        text = (
            self.tr("Sertifikat milik %1, diterbitkan oleh %2, berlaku %3 s.d. %4.")
            .replace("%1", info.holder)
            .replace("%2", info.issuer)
            .replace("%3", format_date(info.not_before.date()))
            .replace("%4", format_date(info.not_after.date()))
        )
        now = datetime.now(UTC)
        if now > info.not_after:
            self._say(text + " " + self.tr("Sertifikat ini sudah kedaluwarsa."), ok=False)
        elif now < info.not_before:
            self._say(text + " " + self.tr("Sertifikat ini belum berlaku."), ok=False)
        else:
            self._say(text)

    def _certificate_refused(self, _exc: Exception, message: str) -> None:
        self.check_cert_button.setEnabled(True)
        self._say(message, ok=False)

    def _tsa_edited(self) -> None:
        url = _normalise_url(self.tsa_edit.text())
        if url is None:
            self._say(
                self.tr("Alamat TSA harus diawali http:// atau https://; tidak disimpan."),
                ok=False,
            )
            return
        if url == self._settings.tsa_url:
            return
        self._store(
            self._settings.with_changes(tsa_url=url),
            self.tr("Server cap waktu: %1").replace("%1", url)
            if url
            else self.tr("Tanpa server cap waktu."),
        )

    # -- BSrE ------------------------------------------------------------------------------

    def _url_edited(self) -> None:
        url = _normalise_url(self.url_edit.text())
        if url is None:
            self._say(
                self.tr("Alamat BSrE harus diawali https:// (atau http://); tidak disimpan."),
                ok=False,
            )
            return
        if url == self._settings.bsre_url:
            return
        self._store(
            self._settings.with_changes(bsre_url=url),
            self.tr("Alamat BSrE: %1").replace("%1", url or "-"),
        )

    def _api_chosen(self, _index: int) -> None:
        data = self.api_combo.currentData()
        api = data if isinstance(data, str) else "v1"
        if api == self._settings.bsre_api:
            return
        self._store(
            self._settings.with_changes(bsre_api=api),
            self.tr("Versi API BSrE: %1").replace("%1", api),
        )

    def save_credentials(self) -> None:
        """The client user and password into the OS keyring, for the saved address."""
        self._url_edited()  # an address typed and not yet left is the one meant
        url = self._settings.bsre_url
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        if not url:
            self._say(self.tr("Isi alamat BSrE dulu."), ok=False)
            return
        if not user or not password:
            self._say(self.tr("Isi pengguna dan kata sandi klien BSrE."), ok=False)
            return
        try:
            self._credentials.save(url, user, password)
        except Exception as exc:
            self._say(user_message(exc), ok=False)
            return
        self.password_edit.clear()
        self.password_edit.setPlaceholderText(self.tr("tersimpan di keyring"))
        self._say(self.tr("Kredensial klien BSrE tersimpan di keyring sistem operasi."))

    def check_bsre(self) -> None:
        """Ask the esign client for the typed NIK's certificate status, on a worker."""
        self._url_edited()
        nik = self.nik_edit.text().strip()
        url = self._settings.bsre_url
        if not url:
            self._say(self.tr("Isi alamat BSrE dulu."), ok=False)
            return
        if len(nik) != 16 or not nik.isdigit():
            self._say(self.tr("Tulis NIK penanda tangan (16 angka)."), ok=False)
            self.nik_edit.setFocus()
            return
        typed = (self.user_edit.text().strip(), self.password_edit.text())
        auth = typed if all(typed) else self._credentials.load(url)
        config = bsre_config(self._settings, auth)
        timeout = self._check_timeout
        self.check_bsre_button.setEnabled(False)
        self._say(self.tr("Menghubungi BSrE…"))

        def ask(_ctx: TaskContext) -> BsreUserStatus:
            return BsreSigner(replace(config, timeout=timeout)).user_status(nik)

        masked = mask_nik(nik)
        Op(OpKind.PROBE, self.tr("Memeriksa koneksi BSrE"), ask).success(
            lambda status: self._bsre_answered(masked, status)
        ).failure(self._bsre_failed).relevant_while(self._open).run(self._runner)

    def _bsre_answered(self, masked: str, status: BsreUserStatus) -> None:
        self.check_bsre_button.setEnabled(True)
        texts = {
            BsreUserStatus.ACTIVE: self.tr(
                "BSrE tersambung. Sertifikat NIK %1 aktif: siap menandatangani."
            ),
            BsreUserStatus.EXPIRED: self.tr(
                "BSrE tersambung, tetapi sertifikat NIK %1 sudah kedaluwarsa."
            ),
            BsreUserStatus.REVOKED: self.tr(
                "BSrE tersambung, tetapi sertifikat NIK %1 sudah dicabut."
            ),
            BsreUserStatus.NOT_REGISTERED: self.tr(
                "BSrE tersambung, tetapi NIK %1 tidak terdaftar sebagai penanda tangan."
            ),
            BsreUserStatus.UNKNOWN: self.tr(
                "BSrE tersambung, tetapi status sertifikat NIK %1 tidak dikenali."
            ),
        }
        self._say(texts[status].replace("%1", masked), ok=status is BsreUserStatus.ACTIVE)

    def _bsre_failed(self, _exc: Exception, message: str) -> None:
        self.check_bsre_button.setEnabled(True)
        self._say(message, ok=False)

    # -- trust roots -----------------------------------------------------------------------

    def choose_roots(self) -> None:
        start = self._settings.signature_trust_roots
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Sertifikat akar tepercaya (PEM)"),
            str(Path(start).parent) if start else "",
            self.tr("Sertifikat PEM (*.pem *.crt *.cer);;Semua berkas (*)"),
        )
        if path:
            self.set_roots(path)

    def set_roots(self, path: str) -> None:
        self._store(
            self._settings.with_changes(signature_trust_roots=path),
            self.tr("Akar tepercaya: %1").replace("%1", path),
        )

    def clear_roots(self) -> None:
        self._store(
            self._settings.with_changes(signature_trust_roots=""),
            self.tr("Tidak ada akar tepercaya: setiap tanda tangan tampil “tidak dikenal”."),
        )
