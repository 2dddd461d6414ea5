"""The receipt's QR: reportlab's encoding with the standard's mask choice, made fast
(desktop/services/documents/qr.py). The fast scoring must pick the very mask reportlab's own
`make()` picks, for links of every length and every mask."""

from __future__ import annotations

import random
import string

from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRCode, QRErrorCorrectLevel

from desktop.services.documents.qr import qr_modules


def reportlab_make(value: str) -> tuple[tuple[bool, ...], ...]:
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(QR8bitByte(value))
    code.make()  # scores all eight masks, module by module
    return tuple(tuple(bool(dark) for dark in row) for row in code.modules)


def test_same_symbol_as_reportlabs_penalty_scored_choice() -> None:
    rnd = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "-_/.:?=&%"
    lengths = [0, 1, 22, 24, 40, 60, 90, 130, 200] + [rnd.randint(5, 160) for _ in range(70)]
    values = [
        "https://loket.example/status/" + "".join(rnd.choice(alphabet) for _ in range(length))
        for length in lengths
    ]
    chosen: set[int] = set()
    for value in values:
        expected = reportlab_make(value)
        assert qr_modules(value) == expected, value
        code = QRCode(None, QRErrorCorrectLevel.M)
        code.addData(QR8bitByte(value))
        code.version = code.calculate_version()
        chosen.add(code.getBestMaskPattern())
    assert chosen == set(range(8))  # every mask was the answer at least once
