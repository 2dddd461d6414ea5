"""The receipt's QR code: reportlab's encoder, with its standard mask choice made fast.

A QR symbol's data is XOR-ed with one of eight mask patterns; ISO 18004 has the encoder score
each masked symbol (runs, 2x2 blocks, finder-like patterns, dark balance) and keep the lowest,
so no unlucky pattern confuses a phone's reader. reportlab does this in `QRCode.make()`, but
its scoring walks Python lists module by module: ~9 ms of the receipt's 20 ms budget.

Hand-written here (why): the SAME scoring as reportlab's `QRUtil.getLostPoint` (its four rules,
including its quirks, so the chosen mask is the one `make()` chooses; the tests compare both
over many links), computed on the whole symbol at once as one big integer per orientation,
where a rule is a few shifts, ANDs and popcounts. The encoding itself (segments, Reed-Solomon,
placement, format bits) stays reportlab's. The `qrcode`/`segno` libraries are not installed
(segno measured ~6 ms per link here).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRCode, QRErrorCorrectLevel, QRUtil

Modules = tuple[tuple[bool, ...], ...]

FINDER_LIKE: Final = (1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0)
"""reportlab's rule 3 pattern (dark-light-dark x3-light-dark, then four light), one direction."""


@functools.lru_cache(maxsize=32)
def qr_modules(value: str) -> Modules:
    """The module matrix of `value` (byte mode: a URL is mixed case; level M: a creased or
    smudged receipt still reads), masked as reportlab's `make()` would. Cached: the preview
    and the print render the same link."""
    code = QRCode(None, QRErrorCorrectLevel.M)
    code.addData(QR8bitByte(value))
    code.version = code.calculate_version()
    code.makeImpl(True, 0)  # test symbol: format bits light, as reportlab scores them
    best = best_mask(code.version, code.modules)
    code.makeImpl(False, best)
    return tuple(tuple(bool(dark) for dark in row) for row in code.modules)


def best_mask(version: int, test_modules: Sequence[Sequence[bool]]) -> int:
    """The mask reportlab's `getBestMaskPattern` picks, from the mask-0 test symbol: the other
    seven differ from it only on the data modules, by the XOR of the two mask patterns."""
    n = len(test_modules)
    layout = _Layout.of(version, n)
    rows = _pack(test_modules, n)
    cols = _pack(list(zip(*test_modules, strict=True)), n)
    scores = [
        layout.lost_points(rows ^ layout.row_flip[k], cols ^ layout.col_flip[k]) for k in range(8)
    ]
    return min(range(8), key=lambda k: (scores[k], k))  # first lowest, as reportlab


def _pack(lines: Sequence[Sequence[bool]], n: int) -> int:
    """Line i, module j at bit i*(n+1)+j: one spare zero bit per line keeps shifts in a line."""
    stride = n + 1
    value = 0
    for i, line in enumerate(lines):
        for j, dark in enumerate(line):
            if dark:
                value |= 1 << (i * stride + j)
    return value


class _Layout:
    """Per version: the valid-bit masks of the rules and each mask pattern's flips."""

    def __init__(self, version: int, n: int) -> None:
        stride = n + 1
        self.n = n
        self.stride = stride

        def bits(cells: object) -> int:
            value = 0
            for i, j in cells:  # type: ignore[attr-defined]
                value |= 1 << (i * stride + j)
            return value

        self.pair_in_line = bits((i, j) for i in range(n) for j in range(n - 1))
        self.pair_across = bits((i, j) for i in range(n - 1) for j in range(n))
        # reportlab's rule 3 loop stops at j < n - 11 (the last start is never tried)
        self.pattern_start = bits((i, j) for i in range(n) for j in range(n - len(FINDER_LIKE)))
        probe = QRCode(version, QRErrorCorrectLevel.M)
        probe.moduleCount = n
        positions = [(row, col) for col, row in probe.dataPosIterator()]
        mask0 = QRUtil.getMask(0)
        self.row_flip: list[int] = []
        self.col_flip: list[int] = []
        for k in range(8):
            mask = QRUtil.getMask(k)
            flips = [(r, c) for r, c in positions if bool(mask0(r, c)) != bool(mask(r, c))]
            self.row_flip.append(bits(flips))
            self.col_flip.append(bits((c, r) for r, c in flips))

    @staticmethod
    @functools.lru_cache(maxsize=8)
    def of(version: int, n: int) -> _Layout:
        return _Layout(version, n)

    def runs(self, lines: int) -> int:
        """Rule 1 in one direction: a run of L >= 5 same modules costs L - 2."""
        same = ~(lines ^ (lines >> 1)) & self.pair_in_line
        windows = same & (same >> 1) & (same >> 2) & (same >> 3)  # five equal from here
        starts = windows & ~(windows >> 1)  # the last window of each run: one per run
        return windows.bit_count() + 2 * starts.bit_count()

    def blocks(self, rows: int) -> int:
        """Rule 2: 3 per 2x2 block of one colour (overlapping blocks each count)."""
        across = ~(rows ^ (rows >> self.stride)) & self.pair_across
        along = ~(rows ^ (rows >> 1)) & self.pair_in_line
        return 3 * (along & across & (across >> 1)).bit_count()

    def finder_like(self, rows: int) -> int:
        """Rule 3: 40 per 1011101 0000 along a row. reportlab scores that order only and rows
        only (its column pass compares tuples with a list, never equal): so here too."""
        match = self.pattern_start
        for k, dark in enumerate(FINDER_LIKE):
            shifted = rows >> k
            match &= shifted if dark else ~shifted
        return 40 * match.bit_count()

    def balance(self, rows: int) -> int:
        """Rule 4: 10 per 5 % the dark share strays from half."""
        cells = self.n * self.n
        return 10 * (abs(100 * rows.bit_count() // cells - 50) // 5)

    def lost_points(self, rows: int, cols: int) -> int:
        return (
            self.runs(rows)
            + self.runs(cols)
            + self.blocks(rows)
            + self.finder_like(rows)
            + self.balance(rows)
        )
