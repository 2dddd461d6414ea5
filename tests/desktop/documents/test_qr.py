"""The receipt's QR modules (desktop/services/documents/qr.py, zxing-cpp's encoder): read back
by a decoder for links of every length, at the error-correction level the receipt promises."""

from __future__ import annotations

import random
import string

import numpy as np
import zxingcpp
from PIL import Image

from desktop.services.documents.qr import qr_modules


def rendered(modules: tuple[tuple[bool, ...], ...], scale: int = 4, quiet: int = 4) -> Image.Image:
    """The symbol as a phone sees it: white quiet zone, each module `scale` pixels."""
    dark = np.array(modules, dtype=bool)
    padded = np.pad(dark, quiet, constant_values=False)
    pixels = np.where(padded, 0, 255).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)
    return Image.fromarray(pixels)


def test_links_of_every_length_read_back() -> None:
    rnd = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "-_/.:?=&%"
    lengths = [0, 1, 22, 24, 40, 60, 90, 130, 200] + [rnd.randint(5, 160) for _ in range(30)]
    for length in lengths:
        value = "https://loket.example/status/" + "".join(
            rnd.choice(alphabet) for _ in range(length)
        )
        modules = qr_modules(value)
        size = len(modules)
        assert all(len(row) == size for row in modules) and (size - 17) % 4 == 0  # a QR version
        found = zxingcpp.read_barcodes(rendered(modules), formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [value]
        assert found[0].ec_level == "M"


def test_a_changed_link_changes_the_symbol() -> None:
    assert qr_modules("https://loket.example/status/a") != qr_modules(
        "https://loket.example/status/b"
    )
