"""Which document is on screen. The chooser above the pages, the checklist's selected row and
the viewer always agree: picking in any one of them moves the other two, in checklist order, so
the chooser and Ctrl+PgDown walk the documents the same way.

While the server is down (`set_documents(..., listed=, reachable=False)`), a document whose
bytes are not in memory is not asked for: the viewer says plainly that its contents are not on
this PC. When only the queue's summary is here (`listed=False`), the documents themselves are
not known, and that is what is said, never "no documents"."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPaintEvent, QPalette
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter, QWidget

from desktop.domain.catalogue import DocumentType
from desktop.domain.formatting import format_size
from desktop.domain.records import DocumentInfo
from desktop.services.rendering import MAX_BYTES
from desktop.views.workbench import shortcuts
from desktop.views.workbench.checklist import OTHER_CODE, ChecklistWidget
from desktop.views.workbench.document_viewer import DocumentViewer
from desktop.views.workbench.documents import DocumentFetcher


class ElidingComboBox(QComboBox):
    """Shows "Kartu Keluarga — kk-14710…" rather than a cut-off word when the toolbar is
    narrow (a long applicant e-mail widens the data pane); the full text is in the list. With
    nothing chosen it shows the placeholder, greyed, as QComboBox itself does."""

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        if self.currentIndex() < 0 and self.placeholderText():
            option.palette.setBrush(
                QPalette.ColorRole.ButtonText,
                option.palette.brush(QPalette.ColorRole.PlaceholderText),
            )
            option.currentText = self.placeholderText()
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class DocumentChooser(QObject):
    """Owns `combo` (placed in the viewer's toolbar) and the current document."""

    document_shown = Signal(object, bytes)
    """(DocumentInfo, its bytes): a document's contents were put on screen (the card check
    reads a KTP-el / KK from there)."""

    def __init__(
        self,
        viewer: DocumentViewer,
        checklist: ChecklistWidget,
        fetcher: DocumentFetcher,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._viewer = viewer
        self._checklist = checklist
        self._fetcher = fetcher
        self._documents: tuple[DocumentInfo, ...] = ()
        self._types: Mapping[str, DocumentType] = {}
        self._syncing = False
        self._listed = True
        self._reachable = True
        self.current: DocumentInfo | None = None

        self.combo = ElidingComboBox(parent)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(16)
        self.combo.setToolTip(
            self.tr("Dokumen yang ditampilkan ({next} / {prev})").format(
                next=shortcuts.BY_ID["next_document"].keys_text,
                prev=shortcuts.BY_ID["previous_document"].keys_text,
            )
        )
        self.combo.setAccessibleName(self.tr("Pilih dokumen"))
        self.combo.currentIndexChanged.connect(self._combo_changed)
        viewer.set_leading_widget(self.combo)
        checklist.item_selected.connect(self._item_selected)
        checklist.document_activated.connect(self._document_clicked)
        fetcher.fetched.connect(self._fetched)
        fetcher.failed.connect(self._failed)

    # -- filling ----------------------------------------------------------------------------

    def set_documents(
        self,
        documents: tuple[DocumentInfo, ...],
        types: Mapping[str, DocumentType],
        *,
        listed: bool = True,
        reachable: bool = True,
    ) -> None:
        """Fill the chooser (after the checklist rows are built: their order is used).
        `listed` False: the copy shown does not list its documents (not: it has none).
        `reachable` False: the server is down; only bytes already in memory are shown."""
        self._documents = documents
        self._types = types
        self._listed = listed
        self._reachable = reachable
        self._syncing = True
        self.combo.clear()
        for doc in self.ordered():
            self.combo.addItem(f"{self.title(doc)} ({format_size(doc.size)})", doc.id)
        self.combo.setEnabled(bool(documents))
        if not documents:
            self.combo.setPlaceholderText(
                self.tr("Tidak ada dokumen") if listed else self.tr("Dokumen tidak tersedia")
            )
            self.combo.setCurrentIndex(-1)
        self._syncing = False

    def show_initial(self, previous: DocumentInfo | None) -> None:
        """After a (re)load: stay on `previous` if it is unchanged, else show the first."""
        self.current = None
        keep = previous is not None and any(
            d.id == previous.id and d.sha256 == previous.sha256 for d in self._documents
        )
        if keep and previous is not None:
            self.activate(previous)
        elif self._documents:
            ordered = self.ordered()
            self.activate(ordered[0] if ordered else self._documents[0])
        else:
            self._viewer.show_empty(
                self.tr("Permohonan ini tidak memiliki dokumen unggahan.")
                if self._listed
                else self._not_listed_text()
            )
            rows = self._checklist.rows
            if rows:
                self._checklist.select(rows[0].data.code)

    def clear(self) -> None:
        self.current = None
        self._documents = ()
        self._listed = True
        self._reachable = True
        self._syncing = True
        self.combo.clear()
        self._syncing = False

    def ordered(self) -> list[DocumentInfo]:
        """Documents in checklist order."""
        ordered: list[DocumentInfo] = []
        for row in self._checklist.rows:
            ordered.extend(row.data.documents)
        return ordered

    def title(self, doc: DocumentInfo) -> str:
        code = doc.requirement_code or ""
        doc_type = self._types.get(code)
        name = doc_type.name if doc_type else (code or self.tr("Dokumen lain"))
        return f"{name} — {doc.filename}"

    # -- showing ----------------------------------------------------------------------------

    def activate(self, doc: DocumentInfo) -> None:
        """Show `doc` and point the chooser and the checklist at it."""
        self.current = doc
        self._syncing = True
        self.combo.setCurrentIndex(self.combo.findData(doc.id))
        row_code = doc.requirement_code or ""
        if self._checklist.row(row_code) is None:
            row_code = OTHER_CODE
        self._checklist.select(row_code)
        self._syncing = False
        self._show(doc)

    def _show(self, doc: DocumentInfo) -> None:
        title = self.title(doc)
        if doc.size > MAX_BYTES:
            self._viewer.show_error(
                self.tr(
                    "Dokumen terlalu besar ({size}) untuk ditampilkan; batasnya {limit} MB."
                ).format(size=format_size(doc.size), limit=MAX_BYTES // 1_048_576),
                title=title,
            )
            return
        data = self._fetcher.cached(doc)
        if data is not None:
            self._viewer.set_document(doc.sha256, data, doc.content_type, title)
            self.document_shown.emit(doc, data)
            if self._reachable:
                self._fetcher.prefetch(self.ordered())
            return
        if not self._reachable:
            self._viewer.show_empty(
                self.tr(
                    "Isi dokumen ini tidak tersimpan di komputer ini dan server tidak "
                    "tersambung. Dokumen tampil dengan sendirinya begitu server tersambung."
                ),
                title=title,
            )
            return
        self._viewer.show_loading(title, self.tr("Mengambil dokumen dari server…"))
        self._fetcher.fetch(doc)  # after a failure, showing it again retries

    def _fetched(self, doc: DocumentInfo, data: bytes) -> None:
        current = self.current
        if current is not None and current.sha256 == doc.sha256:
            self._viewer.set_document(doc.sha256, data, current.content_type, self.title(current))
            self.document_shown.emit(current, data)
        if self._reachable:
            self._fetcher.prefetch(self.ordered())

    def _failed(self, doc: DocumentInfo, text: str) -> None:
        current = self.current
        if current is not None and current.sha256 == doc.sha256:
            self._viewer.show_error(text, title=self.title(current))
        if self._reachable:
            self._fetcher.prefetch(self.ordered())

    # -- following the chooser and the checklist --------------------------------------------

    def _combo_changed(self, index: int) -> None:
        if self._syncing or index < 0:
            return
        doc_id = self.combo.itemData(index)
        doc = next((d for d in self._documents if d.id == doc_id), None)
        if doc is not None:
            self.activate(doc)

    def _document_clicked(self, doc: object) -> None:
        if isinstance(doc, DocumentInfo):
            self.activate(doc)

    def _item_selected(self, code: str) -> None:
        if self._syncing:
            return
        row = self._checklist.row(code)
        if row is None:
            return
        docs = row.data.documents
        if self.current is not None and self.current in docs:
            return
        if docs:
            self.activate(docs[0])
            return
        self.current = None
        self._syncing = True
        self.combo.setCurrentIndex(-1)
        self._syncing = False
        if not self._listed:
            self._viewer.show_empty(self._not_listed_text(), title=row.data.name)
            return
        self._viewer.show_empty(
            self.tr("Belum ada dokumen untuk persyaratan “{name}”.").format(name=row.data.name),
            title=row.data.name,
        )

    def _not_listed_text(self) -> str:
        return self.tr(
            "Dokumen permohonan ini tidak tersedia di salinan komputer ini; dimuat dengan "
            "sendirinya begitu server tersambung."
        )
