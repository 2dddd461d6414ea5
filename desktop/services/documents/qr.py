"""The receipt's QR code modules, from zxing-cpp's encoder (C++; wheels for Windows and Linux).

Until session 6 this module drove reportlab's pure-Python encoder and re-implemented the
standard's mask scoring (ISO 18004 penalty rules) by hand to make it fast; the Reed-Solomon
step alone still cost ~4 ms of the receipt's 20 ms budget. zxing-cpp encodes a link in ~0.3 ms
with the standard's own mask choice, and the same library already decodes our codes in tests.
"""

from __future__ import annotations

import functools

import numpy as np
import zxingcpp

Modules = tuple[tuple[bool, ...], ...]


@functools.lru_cache(maxsize=32)
def qr_modules(value: str) -> Modules:
    """The module matrix of `value` (error correction M: a creased or smudged receipt still
    reads), True = dark, without the quiet zone (the drawing adds it). Cached: the preview and
    the print render the same link."""
    code = zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = np.asarray(code.to_image(scale=1, add_quiet_zones=False))
    return tuple(tuple(row) for row in (image < 128).tolist())
