"""Pindai dokumen: scan pages into a batch, edit them, attach one PDF per requirement.

Left: the scanner and its settings (profiles, device, source, DPI, colour, paper), "Pindai"
(F5) and "Batal". Right: the page editor, thumbnails in scan order that show up while the
feeder runs. Every edit is one undo step (Ctrl+Z / Ctrl+Y). "Lampirkan" (Ctrl+Enter) writes one
PDF per requirement and closes the dialog with `attachments` = {requirement code: Path}.

A device fault (jam, no paper, cover open, busy, unplugged) is shown in the dialog in plain
Indonesian; the pages scanned so far stay, and the officer scans on into the same batch.

Files come in three ways, all through the pipeline like scanned pages: the "Impor berkas"
device or "Impor berkas…" (Ctrl+O) with a file picker, files dragged onto the dialog, and the
hot folder ("Folder pindaian"), watched while the dialog is open: when the vendor's program
writes a file there, a line offers to take it ("Ambil sekarang").

Keys: Enter is "Pindai" (the dialog's main action: placing paper and pressing Enter is the
counter's rhythm); it never attaches or closes. Esc during a scan stops the scan; otherwise it
asks before throwing scanned pages away. "Tutup" or the window's X during a scan stops the
scan and then closes (asking first if pages were scanned).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.controllers.scan import ScanController, ScannerDirectory
from desktop.services.scanning.batch import ScanBatch, Step
from desktop.services.scanning.device import Capabilities, ScanError, ScannerInfo
from desktop.services.scanning.profiles import ScanProfile, load_profiles, with_profile
from desktop.services.scanning.scan_run import ScanOutcome
from desktop.services.tasks import TaskRunner
from desktop.settings import Settings
from desktop.views.dialogs import fitting_size, set_main_button
from desktop.views.scan.options import ScanOptions
from desktop.views.scan.page_list import PageListModel, PageListView, local_files

WANTED_SIZE = (1180, 680)
"""The window manager's title bar and borders (as the print preview: 1366x768 less a taskbar)."""
FILE_FILTER = "Gambar atau PDF (*.pdf *.jpg *.jpeg *.png *.tif *.tiff)"
FILE_DEVICE = "file:"
FOLDER_PREFIX = "folder:"


class ScanDialog(QDialog):
    """Open with `exec()`; on Accepted, `attachments` maps each requirement code to its PDF
    (in `folder/lampiran`, the caller's to attach and then remove). The page files are removed
    when the dialog finishes, either way."""

    settingsChanged = Signal(object)
    """Settings with this PC's last scanner or a new profile (a `Settings`); save them."""

    def __init__(
        self,
        runner: TaskRunner,
        scanners: ScannerDirectory,
        requirements: Sequence[tuple[str, str]],
        *,
        settings: Settings,
        folder: Path,
        requirement: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`requirements`: (document code, name) in checklist order. `requirement`: the one
        whose "Pindai" opened the dialog; new pages go there until assigned elsewhere."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pindai dokumen"))
        self.requirements = list(requirements)
        self.names = dict(self.requirements)
        self._settings = settings
        self.folder = folder
        self.attachments: dict[str, Path] = {}
        self.batch = ScanBatch(
            folder / "halaman", [c for c, _ in self.requirements], default_requirement=requirement
        )
        self.controller = ScanController(runner, scanners, self.batch, self)
        self.scanners = scanners
        self._resetting = False
        self._chosen_keys: list[int] = []
        self._run_keys: list[int] | None = None  # the pages of the run going on, while chosen
        self._fallback_row: int | None = None
        self.confirm_box: QMessageBox | None = None
        self._quiet_close = False
        self._close_after_scan = False
        self._arrivals: list[str] = []
        self._build()
        self._wire()
        self._update_actions()
        self.options.set_devices(None)
        self.controller.list_devices()

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.resize(*fitting_size(self, WANTED_SIZE))
        self.options = ScanOptions(self)
        self.options.set_profiles(load_profiles(self._settings))
        self.scan_button = QPushButton(self.tr("&Pindai (F5)"), self)
        self.scan_button.setObjectName("scan-start")
        self.cancel_button = QPushButton(self.tr("&Batal"), self)
        self.import_button = QPushButton(self.tr("&Impor berkas… (Ctrl+O)"), self)
        self.import_button.setObjectName("scan-import")
        self.import_button.setToolTip(
            self.tr("Ambil halaman dari berkas gambar atau PDF (boleh juga diseret ke sini)")
        )
        self.arrival_label = QLabel(self)
        self.arrival_label.setObjectName("scan-arrivals")
        self.arrival_label.setWordWrap(True)
        self.take_button = QPushButton(self.tr("&Ambil sekarang"), self)
        self.take_button.setObjectName("scan-take")
        self.arrival_label.hide()
        self.take_button.hide()
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(8)
        self.busy_bar.hide()
        left = QVBoxLayout()
        left.addWidget(self.options)
        run_row = QHBoxLayout()
        run_row.addWidget(self.scan_button, 1)
        run_row.addWidget(self.cancel_button)
        left.addLayout(run_row)
        left.addWidget(self.import_button)
        left.addWidget(self.busy_bar)
        left.addWidget(self.arrival_label)
        left.addWidget(self.take_button)
        left.addStretch(1)

        self.rotate_left_button = self._tool(self.tr("↺ Putar kiri"), "Ctrl+Shift+R")
        self.rotate_right_button = self._tool(self.tr("↻ Putar kanan"), "Ctrl+R")
        self.delete_button = self._tool(self.tr("Hapus"), "Del")
        self.rescan_button = self._tool(self.tr("Pindai ulang"), "Shift+F5")
        self.move_left_button = self._tool(self.tr("◀ Geser"), "Ctrl+Left")
        self.move_right_button = self._tool(self.tr("Geser ▶"), "Ctrl+Right")
        self.undo_button = self._tool(self.tr("Urungkan"), "Ctrl+Z")
        self.redo_button = self._tool(self.tr("Ulangi"), "Ctrl+Y")
        tools = QHBoxLayout()
        for button in (
            self.rotate_left_button,
            self.rotate_right_button,
            self.delete_button,
            self.rescan_button,
            self.move_left_button,
            self.move_right_button,
        ):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.undo_button)
        tools.addWidget(self.redo_button)

        self.assign_box = QComboBox(self)
        self.assign_box.setObjectName("scan-assign")
        for number, (code, name) in enumerate(self.requirements, start=1):
            self.assign_box.addItem(f"{number}. {name}" if number <= 9 else name, code)
        self.assign_box.addItem(self.tr("(belum ditetapkan)"), "")
        self._show_requirement(self.batch.default_requirement)
        self.assign_button = self._tool(self.tr("&Tetapkan"), "")
        self.assign_button.setToolTip(
            self.tr("Tetapkan halaman terpilih ke persyaratan ini (atau tekan angkanya, 1–9)")
        )
        self.split_button = self._tool(self.tr("Pisah di lembar kosong"), "Ctrl+B")
        assign_label = QLabel(self.tr("Halaman terpilih u&ntuk:"), self)
        assign_label.setBuddy(self.assign_box)
        assign_row = QHBoxLayout()
        assign_row.addWidget(assign_label)
        assign_row.addWidget(self.assign_box, 1)
        assign_row.addWidget(self.assign_button)
        assign_row.addWidget(self.split_button)

        self.model = PageListModel(
            self.batch, lambda p: self.controller.thumbnail_of(p.page), self.names, self
        )
        self.view = PageListView(self)
        self.view.setObjectName("scan-pages")
        self.view.setModel(self.model)
        self.status = QLabel(self.tr("Letakkan dokumen di pemindai, lalu tekan Pindai (F5)."), self)
        self.status.setObjectName("scan-status")
        self.status.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setObjectName("scan-message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("QLabel { color: #b3261e; }")
        self.message.hide()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        right = QVBoxLayout()
        right.addLayout(tools)
        right.addLayout(assign_row)
        right.addWidget(self.view, 1)
        right.addWidget(self.summary)
        right.addWidget(self.status)
        right.addWidget(self.message)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        self.attach_button = QPushButton(self.tr("&Lampirkan (Ctrl+Enter)"), self)
        self.attach_button.setObjectName("scan-attach")
        self.close_button = QPushButton(self.tr("T&utup"), self)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        set_main_button(self, self.scan_button)
        self.setAcceptDrops(True)

    def _tool(self, text: str, key: str) -> QPushButton:
        button = QPushButton(text, self)
        if key:
            button.setToolTip(f"{text} ({key})")
        return button

    def _wire(self) -> None:
        c = self.controller
        c.devices_listed.connect(self._devices_listed)
        c.devices_failed.connect(self._devices_failed)
        c.capabilities_known.connect(self._capabilities_known)
        c.capabilities_failed.connect(lambda _id, message: self._show_message(message))
        c.started.connect(self._update_actions)
        c.page_added.connect(self._page_added)
        c.progress.connect(lambda _n, text: self.status.setText(text))
        c.failed.connect(self._show_message)
        c.finished.connect(self._finished)
        c.exported.connect(self._exported)
        c.export_failed.connect(self._export_failed)
        c.files_arrived.connect(self._file_arrived)
        self.batch.subscribe(self._update_actions)
        self.model.modelAboutToBeReset.connect(self._about_to_reset)
        self.model.modelReset.connect(self._restore_selection)
        selection = self.view.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.view.number_pressed.connect(self._assign_number)
        self.view.dropped.connect(lambda rows: self._select_rows(rows))
        self.view.files_dropped.connect(self.import_files)

        self.options.device_chosen.connect(self.controller.ask_capabilities)
        self.options.refresh_requested.connect(self._refresh_devices)
        self.options.save_profile_requested.connect(self._save_profile)
        self.scan_button.clicked.connect(self.start_scan)
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.import_button.clicked.connect(self.choose_files)
        self.take_button.clicked.connect(self.take_arrivals)
        self.rotate_left_button.clicked.connect(lambda: self._rotate(-90))
        self.rotate_right_button.clicked.connect(lambda: self._rotate(90))
        self.delete_button.clicked.connect(self._delete)
        self.rescan_button.clicked.connect(self.rescan_current)
        self.move_left_button.clicked.connect(lambda: self._shift(-1))
        self.move_right_button.clicked.connect(lambda: self._shift(1))
        self.undo_button.clicked.connect(self._undo)
        self.redo_button.clicked.connect(self._redo)
        self.assign_button.clicked.connect(self._assign_chosen)
        self.split_button.clicked.connect(self._split)
        self.attach_button.clicked.connect(self.attach)
        self.close_button.clicked.connect(self._close_asked)

        keys: dict[str, Callable[[], None]] = {
            "F5": self.start_scan,
            "Shift+F5": self.rescan_current,
            "Ctrl+R": lambda: self._rotate(90),
            "Ctrl+Shift+R": lambda: self._rotate(-90),
            "Del": self._delete,
            "Ctrl+Left": lambda: self._shift(-1),
            "Ctrl+Right": lambda: self._shift(1),
            "Ctrl+Z": self._undo,
            "Ctrl+Y": self._redo,
            "Ctrl+Shift+Z": self._redo,
            "Ctrl+B": self._split,
            "Ctrl+O": self.choose_files,
            "Ctrl+Return": self.attach,
            "Ctrl+Enter": self.attach,
        }
        self.keys: dict[str, QShortcut] = {}
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self.keys[key] = shortcut

    # -- devices ------------------------------------------------------------------------------

    def _refresh_devices(self) -> None:
        self.options.set_devices(None)
        self.controller.list_devices()

    def _devices_listed(self, devices: list[ScannerInfo]) -> None:
        self.options.set_devices(devices, self._settings.scan_device)
        folder = next((d.id for d in devices if d.id.startswith(FOLDER_PREFIX)), "")
        if folder:
            self.controller.watch_folder(folder)
        if self.options.device_id():
            self.controller.ask_capabilities(self.options.device_id())
        self._update_actions()

    def _devices_failed(self, message: str) -> None:
        self.options.set_devices([])
        self._show_message(message)
        self._update_actions()

    def _capabilities_known(self, device_id: str, caps: Capabilities) -> None:
        if device_id == self.options.device_id():
            self.options.set_capabilities(caps)

    # -- scanning -----------------------------------------------------------------------------

    def start_scan(self) -> None:
        if not self.scan_button.isEnabled():
            return
        self._scan(None)

    def rescan_current(self) -> None:
        """Scan one page again in place of the current page (same place, same requirement)."""
        rows = self._rows()
        if len(rows) != 1 or not self.rescan_button.isEnabled():
            return
        self._scan(self.batch[rows[0]].key)

    def _scan(self, replace_key: int | None) -> None:
        device_id = self.options.device_id()
        if not device_id or not self._prepare_files(device_id):
            return
        self._show_message("")
        started = self.controller.scan(device_id, self.options.settings(), replace_key=replace_key)
        if started and replace_key is None:
            self._run_keys = []
        if started and device_id != self._settings.scan_device:
            self._settings = self._settings.with_changes(scan_device=device_id)
            self.settingsChanged.emit(self._settings)
        self._update_actions()

    def _prepare_files(self, device_id: str) -> bool:
        """The file import "device" scans the files chosen now."""
        if not device_id.startswith(FILE_DEVICE):
            return True
        paths = self._pick_files()
        return bool(paths) and self._hand_files(paths)

    def _pick_files(self) -> list[Path]:
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Pilih berkas gambar atau PDF"), "", self.tr(FILE_FILTER)
        )
        return [Path(n) for n in names]

    def _hand_files(self, paths: Sequence[Path]) -> bool:
        """Give the file import backend its files; False (and a message) without one."""
        try:
            backend = self.scanners.backend_for(FILE_DEVICE)
        except ScanError as exc:
            self._show_message(exc.message)
            return False
        set_files = getattr(backend, "set_files", None)
        if not callable(set_files):
            return False
        set_files(list(paths))
        return True

    def choose_files(self) -> None:
        """Ctrl+O / "Impor berkas…": pick files and bring their pages in, whichever scanner
        is chosen."""
        if self._busy():
            return
        paths = self._pick_files()
        if paths:
            self.import_files(paths)

    def import_files(self, paths: Sequence[Path]) -> None:
        """Files picked or dropped: their pages come in through the pipeline like a scan
        (the checks of `attachments.check_file` refuse what is no image or PDF)."""
        if self._busy() or not paths or not self._hand_files(paths):
            return
        self._show_message("")
        if self.controller.scan(FILE_DEVICE, self.options.settings()):
            self._run_keys = []
        self._update_actions()

    def _busy(self) -> bool:
        return self.controller.scanning or self.controller.exporting

    # -- files dragged onto the dialog ---------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._offer_drop(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._offer_drop(event)

    def _offer_drop(self, event: QDragMoveEvent) -> None:
        if local_files(event.mimeData()) and not self._busy():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_files(files)

    # -- the hot folder ------------------------------------------------------------------------

    def _file_arrived(self, name: str) -> None:
        """The vendor's program wrote a file into the hot folder: offer to take it (a scan
        from that folder now would take it anyway)."""
        if self.controller.scanning and self.options.device_id().startswith(FOLDER_PREFIX):
            return
        if name not in self._arrivals:
            self._arrivals.append(name)
        shown = ", ".join(self._arrivals[:3]) + (" …" if len(self._arrivals) > 3 else "")
        self.arrival_label.setText(
            self.tr("Berkas baru di folder pindaian: %1").replace("%1", shown)
        )
        self.arrival_label.show()
        self.take_button.show()
        self._update_actions()

    def take_arrivals(self) -> None:
        """ "Ambil sekarang": scan from the hot folder (it waits until each file is written)."""
        if self._busy() or not self._arrivals:
            return
        folder = self.controller.watched_folder
        if not folder:
            return
        self._arrivals = []
        self.arrival_label.hide()
        self.take_button.hide()
        self._show_message("")
        if self.controller.scan(folder, self.options.settings()):
            self._run_keys = []
        self._update_actions()

    def _page_added(self, index: int) -> None:
        """The pages of a run are chosen as they come (a number key or "Tetapkan" then applies
        to what was just scanned or imported), unless the officer chose others meanwhile; the
        first page of a run takes the keyboard to the pages from a button (in a real window the
        focus stayed on "Impor berkas…" after Ctrl+O, and "4" assigned nothing)."""
        run = self._run_keys
        chosen = [self.batch[r].key for r in self._rows()]
        if run is not None and (chosen == run or not run):
            run.append(self.batch[index].key)
            rows = [r for r in (self.batch.index_of(k) for k in run) if r is not None]
            self._select_rows(rows)
            self.view.selectionModel().setCurrentIndex(
                self.model.index(index, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            focus = QApplication.focusWidget()
            if len(run) == 1 and (focus is None or isinstance(focus, QPushButton)):
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        elif not chosen:
            self._select_rows([index])
        else:
            self._run_keys = None  # the officer chose other pages: leave their choice alone
        self.view.scrollTo(self.model.index(index, 0))

    def _finished(self, _outcome: ScanOutcome) -> None:
        self._run_keys = None
        self._update_actions()
        if self._close_after_scan:
            self._close_after_scan = False
            self.reject()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- editing ------------------------------------------------------------------------------

    def _rows(self) -> list[int]:
        selection = self.view.selectionModel()
        rows = sorted({i.row() for i in selection.selectedIndexes()})
        return [r for r in rows if 0 <= r < len(self.batch)]

    def _rotate(self, degrees: int) -> None:
        if self._rows() and not self.controller.exporting:
            self.batch.rotate(self._rows(), degrees)

    def _delete(self) -> None:
        rows = self._rows()
        if rows and not self.controller.exporting:
            self._fallback_row = rows[0]
            self.batch.delete(rows)
            self.status.setText(self.tr("%n halaman dihapus (Ctrl+Z mengurungkan).", "", len(rows)))

    def _shift(self, delta: int) -> None:
        if self._rows() and not self.controller.exporting:
            self.batch.shift(self._rows(), delta)
            self._scroll_to_current()

    def _assign_number(self, number: int) -> None:
        if 1 <= number <= min(9, len(self.requirements)):
            self._assign(self.requirements[number - 1][0])

    def _assign_chosen(self) -> None:
        code = self.assign_box.currentData()
        self._assign(code if isinstance(code, str) and code else None)

    def _assign(self, code: str | None) -> None:
        rows = self._rows()
        if rows and not self.controller.exporting:
            self.batch.assign(rows, code)

    def _split(self) -> None:
        if self.controller.scanning or self.controller.exporting:
            return
        found = self.batch.split_at_separators()
        if found:
            self.status.setText(
                self.tr("Dipisah di %n lembar kosong; lembar pemisah dibuang.", "", found)
            )
        else:
            self.status.setText(self.tr("Tidak ada lembar kosong di antara halaman."))

    def _undo(self) -> None:
        if not self.controller.exporting:
            self._step_back_or_forth(self.batch.undo)

    def _redo(self) -> None:
        if not self.controller.exporting:
            self._step_back_or_forth(self.batch.redo)

    def _step_back_or_forth(self, step: Callable[[], Step | None]) -> None:
        """Undo/redo; pages that come back (a delete undone) are selected, else the
        selection stays on the same pages (or the same place when they are gone)."""
        before = {p.key for p in self.batch.pages}
        self._fallback_row = self._current_row()
        if step() is None:
            self._fallback_row = None
            return
        back = [i for i, p in enumerate(self.batch.pages) if p.key not in before]
        if back:
            self._select_rows(back)
            self._scroll_to_current()

    def _current_row(self) -> int | None:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    # -- selection across model resets (keys, not rows) ----------------------------------------

    def _selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        if not self._resetting:
            rows = self._rows()
            self._chosen_keys = [self.batch[r].key for r in rows]
            codes = {self.batch[r].requirement for r in rows}
            if len(codes) == 1:
                self._show_requirement(codes.pop())
            self._update_actions()

    def _show_requirement(self, code: str | None) -> None:
        """The assign list shows where the chosen pages are (in a real window it said the first
        requirement while the new page had gone to the KK): "Tetapkan" must not surprise."""
        index = self.assign_box.findData(code or "")
        if index >= 0:
            self.assign_box.setCurrentIndex(index)

    def _about_to_reset(self) -> None:
        self._resetting = True

    def _restore_selection(self) -> None:
        self._resetting = False
        rows = [r for r in (self.batch.index_of(k) for k in self._chosen_keys) if r is not None]
        if not rows and self._fallback_row is not None and len(self.batch):
            rows = [min(self._fallback_row, len(self.batch) - 1)]
        self._fallback_row = None
        self._select_rows(rows)

    def _select_rows(self, rows: Sequence[int]) -> None:
        selection = self.view.selectionModel()
        chosen = QItemSelection()
        for row in rows:
            index = self.model.index(row, 0)
            chosen.select(index, index)
        flag = QItemSelectionModel.SelectionFlag
        if rows:
            selection.setCurrentIndex(self.model.index(rows[0], 0), flag.NoUpdate)
        selection.select(chosen, flag.ClearAndSelect)
        self._chosen_keys = [self.batch[r].key for r in rows if 0 <= r < len(self.batch)]
        self._update_actions()

    def _scroll_to_current(self) -> None:
        rows = self._rows()
        if rows:
            self.view.scrollTo(self.model.index(rows[0], 0))

    # -- state of the buttons ------------------------------------------------------------------

    def _update_actions(self) -> None:
        if self._resetting:
            return
        c = self.controller
        scanning, exporting = c.scanning, c.exporting
        has_device = bool(self.options.device_id())
        rows = self._rows()
        editable = bool(rows) and not exporting
        self.scan_button.setEnabled(has_device and not scanning and not exporting)
        self.import_button.setEnabled(not scanning and not exporting)
        self.take_button.setEnabled(not scanning and not exporting)
        self.cancel_button.setEnabled(scanning)
        self.busy_bar.setVisible(scanning or exporting)
        self.options.setEnabled(not scanning and not exporting)
        for button in (
            self.rotate_left_button,
            self.rotate_right_button,
            self.delete_button,
            self.assign_button,
        ):
            button.setEnabled(editable)
        self.move_left_button.setEnabled(editable and rows[0] > 0)
        self.move_right_button.setEnabled(editable and rows[-1] < len(self.batch) - 1)
        self.rescan_button.setEnabled(
            len(rows) == 1 and has_device and not scanning and not exporting
        )
        self.undo_button.setEnabled(self.batch.can_undo and not exporting)
        self.redo_button.setEnabled(self.batch.can_redo and not exporting)
        self.undo_button.setToolTip(self._step_tip(self.tr("Urungkan"), self.batch.undo_step))
        self.redo_button.setToolTip(self._step_tip(self.tr("Ulangi"), self.batch.redo_step))
        self.split_button.setEnabled(len(self.batch) > 0 and not scanning and not exporting)
        to_attach = any(p.exported for p in self.batch.pages)
        self.attach_button.setEnabled(to_attach and not scanning and not exporting)
        self._update_summary()

    def _step_tip(self, verb: str, step: Step | None) -> str:
        names = {
            Step.ADD: self.tr("halaman masuk"),
            Step.MOVE: self.tr("geser"),
            Step.ROTATE: self.tr("putar"),
            Step.DELETE: self.tr("hapus"),
            Step.REPLACE: self.tr("pindai ulang"),
            Step.ASSIGN: self.tr("tetapkan"),
            Step.SPLIT: self.tr("pisah"),
        }
        return f"{verb} {names[step]}" if step is not None else verb

    def _update_summary(self) -> None:
        if not len(self.batch):
            self.summary.setText(self.tr("Belum ada halaman."))
            return
        parts = [self.tr("%n halaman", "", len(self.batch))]
        for code, name in self.requirements:
            count = len(self.batch.pages_for(code))
            if count:
                parts.append(f"{name}: {count}")
        loose = len(self.batch.unassigned())
        if loose:
            parts.append(self.tr("belum ditetapkan: %1").replace("%1", str(loose)))
        blanks = self.batch.dropped_blanks()
        if blanks:
            parts.append(self.tr("%n kosong (tidak ikut dilampirkan)", "", blanks))
        self.summary.setText(" · ".join(parts))

    # -- attach and close ----------------------------------------------------------------------

    def attach(self) -> None:
        """Ctrl+Enter: one PDF per requirement, then close with `attachments`."""
        if not self.attach_button.isEnabled():
            return
        loose = self.batch.unassigned()
        if loose:
            self._show_message(
                self.tr(
                    "%n halaman belum ditetapkan ke persyaratan. Pilih halamannya, lalu tekan "
                    "angka persyaratannya (1–9) atau hapus halamannya.",
                    "",
                    len(loose),
                )
            )
            self._select_rows(loose)
            return
        self._show_message("")
        if self.controller.export(self.folder / "lampiran"):
            self.status.setText(self.tr("Menyusun PDF…"))
        self._update_actions()

    def _exported(self, result: dict[str, Path]) -> None:
        self.attachments = dict(result)
        self._update_actions()
        self.status.setText(self.tr("%n dokumen siap dilampirkan.", "", len(result)))
        self.accept()

    def _export_failed(self, message: str) -> None:
        self._update_actions()
        self._show_message(message)

    def reject(self) -> None:
        """Esc / Tutup: a running scan is stopped first; scanned pages are never thrown away
        without a question whose default is "Kembali"."""
        if self._quiet_close:  # closed by the program (the session ended), not a person
            super().reject()
            return
        if self.controller.scanning:
            self.controller.cancel()
            return
        if self.controller.exporting:
            return
        if len(self.batch) and not self._confirm_discard():
            return
        super().reject()

    def _close_asked(self) -> None:
        """ "Tutup" or the window's X: during a scan, stop it and close once it has stopped
        (the pages it brought are then asked about like any others)."""
        if self.controller.scanning:
            self._close_after_scan = True
            self.controller.cancel()
            self.status.setText(self.tr("Menghentikan pemindaian, lalu menutup…"))
            return
        self.reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's X is "Tutup"; `close()` called by the program closes at once (a scan
        still running is cancelled and its files removed: `done`)."""
        if event.spontaneous() and self.controller.scanning:
            event.ignore()
            self._close_asked()
            return
        self._quiet_close = not event.spontaneous()
        try:
            super().closeEvent(event)
        finally:
            self._quiet_close = False

    def _confirm_discard(self) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Tutup pemindaian"),
            self.tr(
                "%n halaman terpindai belum dilampirkan dan akan dibuang.", "", len(self.batch)
            ),
            parent=self,
        )
        discard = box.addButton(self.tr("Buang dan tutup"), QMessageBox.ButtonRole.DestructiveRole)
        back = box.addButton(self.tr("Kembali"), QMessageBox.ButtonRole.RejectRole)
        box.setEscapeButton(back)
        set_main_button(box, back)
        self.confirm_box = box
        try:
            box.exec()
            return box.clickedButton() is discard
        finally:
            self.confirm_box = None

    def done(self, result: int) -> None:
        self.controller.close()
        super().done(result)

    def _save_profile(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Simpan profil"), self.tr("Nama profil:"))
        name = name.strip()
        if not ok or not name:
            return
        profile = ScanProfile(name, self.options.device_id(), self.options.settings())
        self._settings = with_profile(self._settings, profile)
        self.options.set_profiles(load_profiles(self._settings), name)
        self.settingsChanged.emit(self._settings)
