"""The electronic-signature line under the document viewer (issue 13: imported signed PDFs are
verified on open).

When the workbench puts a PDF on screen, its signatures are checked with
`services.signing.verify_pdf` on a worker, in a lane of its own with one thread (a check is
~0.1 s, a mangled file more; it never holds up a page render or a decision), against the trust
roots of the settings (`signature_trust_roots`, a PEM bundle; none = every signer unknown).
Results are kept per sha256, so flipping back or reopening never checks the same bytes twice;
a change of the trust roots file forgets them. One line says the verdict:

- green "Ditandatangani secara elektronik oleh … pada … — sah"
- amber "… — tanda tangan tidak dikenal (penerbit sertifikat tidak dipercaya)"
- red "Dokumen telah diubah setelah ditandatangani"
- grey "Tanda tangan tidak dapat diperiksa" (a broken file or signature)
- nothing for an unsigned PDF, an image, or while the check runs (no flicker for the many
  unsigned scans).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import tzinfo

from cryptography import x509
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from desktop.domain.formatting import format_datetime
from desktop.domain.records import DocumentInfo
from desktop.services.operations import Op, OpKind
from desktop.services.rendering import DocumentKind, detect
from desktop.services.signing import SignatureCheck, SignatureStatus, verify_pdf
from desktop.services.signing_setup import load_trust_roots
from desktop.services.tasks import TaskHandle, TaskRunner

SIGNATURE_LANE = "signature"
SIGNATURE_THREADS = 1
CACHE_SIZE = 128

STYLES = {
    SignatureStatus.VALID: "QLabel { color: #0e700e; background: #e7f4e4; padding: 3px 6px; }",
    SignatureStatus.UNKNOWN_SIGNER: (
        "QLabel { color: #6b4a00; background: #fff4ce; padding: 3px 6px; }"
    ),
    SignatureStatus.CHANGED: "QLabel { color: #b3261e; background: #fde7e9; padding: 3px 6px; }",
    SignatureStatus.BROKEN: "QLabel { color: #605e5c; background: #f3f2f1; padding: 3px 6px; }",
}


class SignatureChecks(QObject):
    """Checks PDFs on a worker and keeps the results by sha256 (GUI thread API)."""

    checked = Signal(str)
    """The sha256 of a document whose check just arrived (`result(sha)`)."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        runner.add_lane(SIGNATURE_LANE, SIGNATURE_THREADS)
        self._tasks = runner.group(self)
        self._results: OrderedDict[str, SignatureCheck] = OrderedDict()
        self._checking: dict[str, TaskHandle] = {}
        self._trust_file = ""
        self._generation = 0
        self.verify: Callable[[bytes, list[x509.Certificate]], SignatureCheck] = verify_pdf
        """What checks a PDF (the real verify_pdf; swappable so a test can hold the worker)."""

    @property
    def trust_file(self) -> str:
        return self._trust_file

    def set_trust_file(self, path: str) -> None:
        """Another trust roots file: every verdict so far may differ, so all are forgotten."""
        if path == self._trust_file:
            return
        self._trust_file = path
        self.clear()

    def result(self, sha256: str) -> SignatureCheck | None:
        found = self._results.get(sha256)
        if found is not None:
            self._results.move_to_end(sha256)
        return found

    def busy(self, sha256: str) -> bool:
        return sha256 in self._checking

    @property
    def pending(self) -> int:
        return self._tasks.pending

    def request(self, sha256: str, data: bytes) -> None:
        if sha256 in self._results or sha256 in self._checking:
            return
        trust_file, generation, verify = self._trust_file, self._generation, self.verify

        def check(_ctx: object) -> SignatureCheck:
            return verify(data, load_trust_roots(trust_file))

        self._checking[sha256] = (
            Op(
                OpKind.DOCUMENT,
                self.tr("Memeriksa tanda tangan elektronik"),
                check,
                lane=SIGNATURE_LANE,
                quiet=True,
            )
            .success(lambda found: self._done(sha256, generation, found))
            .failure(
                lambda exc, _message: self._done(
                    sha256,
                    generation,
                    SignatureCheck(SignatureStatus.BROKEN, detail=type(exc).__name__),
                )
            )
            .run(self._tasks)
        )

    def clear(self) -> None:
        """Forget every verdict and drop the checks under way (their answers are stale)."""
        self._generation += 1
        self._results.clear()
        for handle in self._checking.values():
            handle.cancel()
        self._checking.clear()

    def _done(self, sha256: str, generation: int, found: SignatureCheck) -> None:
        if generation != self._generation:
            return
        self._checking.pop(sha256, None)
        self._results[sha256] = found
        while len(self._results) > CACHE_SIZE:
            self._results.popitem(last=False)
        self.checked.emit(sha256)


class SignatureLine(QLabel):
    """The one line under the viewer for the PDF on screen (hidden when there is nothing to
    say). `shown(doc, data)` is connected to the document chooser's `document_shown`;
    `follow(current)` to every change of the chosen document."""

    def __init__(
        self,
        checks: SignatureChecks,
        parent: QWidget | None = None,
        *,
        tz: Callable[[], tzinfo | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signature-line")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checks = checks
        self._tz = tz
        self._sha = ""
        self._data = b""  # the PDF on screen, to check again when the trust roots change
        self.status: SignatureStatus | None = None
        """The verdict on screen (None: the line is hidden); for tests and assistive text."""
        checks.checked.connect(self._arrived)
        self.setVisible(False)

    def shown(self, doc: DocumentInfo, data: bytes) -> None:
        if detect(data) is not DocumentKind.PDF:
            self.clear_line()
            return
        self._sha, self._data = doc.sha256, data
        self.checks.request(doc.sha256, data)
        self._update()

    def follow(self, current: DocumentInfo | None) -> None:
        """The chosen document changed: a line about another one goes (until it is shown)."""
        if current is None or current.sha256 != self._sha:
            self.clear_line()

    def clear_line(self) -> None:
        self._sha, self._data = "", b""
        self._update()

    def set_trust_file(self, path: str) -> None:
        """The settings' trust roots file; a change checks the PDF on screen again."""
        if path == self.checks.trust_file:
            return
        self.checks.set_trust_file(path)
        if self._sha:
            self.checks.request(self._sha, self._data)
        self._update()

    def _arrived(self, sha256: str) -> None:
        if sha256 == self._sha:
            self._update()

    def _update(self) -> None:
        found = self.checks.result(self._sha) if self._sha else None
        text = self._text(found) if found is not None else ""
        self.status = found.status if found is not None and text else None
        if found is not None and text:
            self.setStyleSheet(STYLES[found.status])
            self.setText(text)
            self.setToolTip(found.message)
            self.setAccessibleName(text)
        self.setVisible(bool(text))

    def _text(self, check: SignatureCheck) -> str:
        when = (
            " " + self.tr("pada %1").replace("%1", format_datetime(check.signing_time, self._tz()))
            if check.signing_time is not None
            else ""
        )
        name = check.signer_name or self.tr("(tanpa nama)")
        if check.status is SignatureStatus.VALID:
            return (
                self.tr("✓ Ditandatangani secara elektronik oleh %1%2 — sah")
                .replace("%1", name)
                .replace("%2", when)
            )
        if check.status is SignatureStatus.UNKNOWN_SIGNER:
            return (
                self.tr(
                    "⚠ Ditandatangani oleh %1%2 — tanda tangan tidak dikenal "
                    "(penerbit sertifikat tidak dipercaya)"
                )
                .replace("%1", name)
                .replace("%2", when)
            )
        if check.status is SignatureStatus.CHANGED:
            return self.tr("✗ Dokumen telah diubah setelah ditandatangani")
        if check.status is SignatureStatus.BROKEN:
            return self.tr("Tanda tangan tidak dapat diperiksa")
        return ""  # NOT_SIGNED: nothing to say
