"""A counter PC typing into the real intake page, as a process of its own, for the SIGKILL test
(tests/gui/test_intake_crash.py).

    QT_QPA_PLATFORM=offscreen python -m tests.gui.intake_crash_driver STORE KEY_HEX SEED FILE...

The real `IntakePage` with its `IntakeController`, `DraftService` and the encrypted `Store`
(the same parts the shell builds), the real debounced saves. It picks SK-DOMISILI by typing,
attaches the files (the first two before typing, the third midway), and types the script of
`script(seed)` with real key events (QTest), one key per timer tick at a typist's pace, a
pause after each word. It says on stdout, one line each, flushed:

- ``typed <t> <field> <json value>`` after each key (t: seconds since start, monotonic);
- ``saved <t> <json {field: value}>`` when a save's write is committed (the values the save
  took when it started: saves run in order on one lane);
- ``attached <code> <sha256>`` when a file is kept;
- ``done`` when the script ran out (it then waits to be killed).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.controllers.intake import IntakeController, ReceiptSetup, RecentServices
from desktop.domain.catalogue import load_catalogue
from desktop.models.store import Store
from desktop.services.drafts import DraftService
from desktop.services.intake import IntakeService
from desktop.services.tasks import TaskRunner
from desktop.views.intake import IntakePage

SERVICE = "SK-DOMISILI"
TYPED = ("name", "birth_place", "surat.keperluan", "address")
"""The fields typed, in order; `address` goes on until the process is killed."""
KEY_MS = (20, 110)
"""Between two keys of a word (a quick typist)."""
PAUSE_MS = (600, 900)
"""After each word: longer than the save debounce (controllers.intake.SAVE_DELAY_MS), so the
typed text is saved between words."""
WORDS = [
    "Jalan",
    "Soekarno-Hatta",
    "Gang",
    "Melati",
    "nomor",
    "dua",
    "belas",
    "dekat",
    "masjid",
    "Al-Ikhlas",
    "sebelah",
    "warung",
    "Bu",
    "Ros",
    "Kelurahan",
    "Sukajadi",
    "Kecamatan",
    "Sukajadi",
    "Pekanbaru",
    "Riau",
]


@dataclass
class Counter:
    page: IntakePage
    controller: IntakeController
    drafts: DraftService
    runner: TaskRunner


def build_counter(store: Store, store_path: Path, user_id: str = "u-operator1") -> Counter:
    """The page as the shell builds it for operator1 (without a server: offline)."""
    runner = TaskRunner()
    intake = IntakeService(store, office_code="14.71.01.1002", device_code="PC1", user_id=user_id)
    drafts = DraftService(store, intake, user_id=user_id)
    controller = IntakeController(
        runner=runner,
        store=store,
        drafts=drafts,
        catalogue=load_catalogue("1471"),
        user_id=user_id,
        office_level="kelurahan",
        wait_official=intake.wait_official_number,
        receipt=ReceiptSetup(office_name="Kelurahan Jadirejo", office_code="14.71.01.1002"),
        recent=RecentServices(user_id, store_path.with_name("recent.json")),
    )
    page = IntakePage(controller, near="14.71.01.1002")
    page.resize(1366 - 150, 768 - 60)
    return Counter(page, controller, drafts, runner)


def script(seed: int) -> dict[str, str]:
    """What is typed into each field (the address long enough never to run out)."""
    rng = random.Random(seed)
    address = " ".join(rng.choice(WORDS) for _ in range(400))
    return {
        "name": "Siti Nur'aini binti Abdullah",
        "birth_place": "Pekanbaru",
        "surat.keperluan": "Pendaftaran sekolah anak dan membuka rekening tabungan",
        "address": address,
    }


def field(page: IntakePage, key: str) -> QWidget:
    rows = dict(page.applicant.rows)
    for section in page.service_sections:
        rows.update(section.rows)
    return rows[key].input.focus_widget()


def say(*parts: object) -> None:
    print(*parts, flush=True)


def main(argv: list[str]) -> int:
    store_path, key, seed, *files = argv
    app = QApplication.instance() or QApplication([])
    store = Store(Path(store_path), key=bytes.fromhex(key))
    counter = build_counter(store, Path(store_path))
    page, controller = counter.page, counter.controller
    started = time.monotonic()
    rng = random.Random(int(seed))
    pending: deque[dict[str, str]] = deque()

    def snapshot() -> None:  # a save starts now with what the form holds
        applicant, data = page.values()
        pending.append({k: v for k, v in {**applicant, **data}.items() if k in TYPED})

    def saved(_text: str) -> None:
        if pending:
            say("saved", f"{time.monotonic() - started:.3f}", json.dumps(pending.popleft()))

    controller._timer.timeout.connect(snapshot)  # after save_now (connected first)
    controller.saved.connect(saved)
    controller.attached.connect(lambda code, a: say("attached", code, a.sha256))
    page.show()

    def steps() -> Iterator[int]:
        """Yields the milliseconds to wait before the next step."""
        page.picker.setFocus()
        QTest.keyClicks(page.picker, SERVICE)
        popup = page.picker.completer_.popup()
        while not popup.isVisible():
            yield 20
        QTest.keyClick(popup, Qt.Key.Key_Down)  # the one match
        QTest.keyClick(popup, Qt.Key.Key_Return)
        while controller.current is None:
            yield 20
        boxes = list(page.requirements.boxes.values())
        for box, name in zip(boxes, files[:2], strict=False):
            box.request_import([Path(name)])
        while any(b.busy for b in boxes):
            yield 20
        texts = script(int(seed))
        for index, key in enumerate(TYPED):
            widget = field(page, key)
            widget.setFocus()
            typed = ""
            for char in texts[key]:
                QTest.keyClicks(widget, char)
                typed += char
                say("typed", f"{time.monotonic() - started:.3f}", key, json.dumps(typed))
                yield rng.randint(*PAUSE_MS) if char == " " else rng.randint(*KEY_MS)
            yield rng.randint(*PAUSE_MS)
            if index == 1 and len(files) > 2:  # a third file while the person types on
                boxes[-1].request_import([Path(files[2])])
        say("done")

    plan = steps()

    def tick() -> None:
        try:
            delay = next(plan)
        except StopIteration:
            return
        QTimer.singleShot(delay, tick)

    QTimer.singleShot(0, tick)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
