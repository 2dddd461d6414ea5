"""Read the NIK (KTP) or KK number from a scanned card or family card (issue 12).

OCR is RapidOCR (PP-OCR ONNX models shipped INSIDE the `rapidocr` wheel, run by onnxruntime;
nothing is downloaded at run time, the same wheel works on Windows and Linux; the measurement
against Tesseract is in docs/architecture/ocr.md). The engine is loaded lazily, once, on first
use; RapidOCR updates its own parameters on every call, so calls are serialised by a lock and
any worker thread may call `read_card`.

Numbers are taken from the OCR text only when they pass the NIK/KK rules
(`desktop.domain.identity`), so noise that happens to be 16 digits long is dropped. Letters
that OCR confuses with digits (O->0, I/l/|->1, B->8, S->5, Z->2) are mapped only BETWEEN
digits, never at the edge of a word ("No." stays a label). A 17-digit run is never cut down to
16: guessing which digit is extra is how a wrong number would look right. Whether the read
matches what was typed is decided by `desktop.domain.scan_match`.

Call it on a worker (about a second per card); never log the numbers unmasked.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from desktop.domain.identity import NUMBER_LENGTH, check_kk, check_nik, mask_nik

log = logging.getLogger(__name__)

TOP_BAND = 0.4
"""Share of the image height tried first: a KTP's NIK line sits in its top quarter and a KK's
number under its title, with room for a 5-degree tilt. The whole page is read only when the
band holds no labelled number (a KTP laid anywhere on an A4 flatbed)."""
DET_MAX_SIDE = 960
"""Text detection runs on the image scaled to this longest side (RapidOCR's default scales the
SHORT side up to 736, which made a 300 dpi page band slower than the whole page); recognition
still reads each found line from the full-resolution crop."""

_CONFUSIONS = str.maketrans("OoDIl|!BSsZz", "000111188522")
_RUN = re.compile(r"[0-9OoDIl|!BSsZz](?:[ .\-]?[0-9OoDIl|!BSsZz])*")
"""Digits and digit look-alikes, single spaces/dots/dashes allowed between them."""
_NIK_LABEL = re.compile(r"N\s*[I1l|]\s*K\b", re.IGNORECASE)
_KK_LABEL = re.compile(r"(?:\bNo(?:mor)?\b\s*\.?\s*(?:KK\b)?|\bKK\b)", re.IGNORECASE)
_KK_TITLE = re.compile(r"KELUARGA", re.IGNORECASE)


@dataclass(frozen=True)
class CardReading:
    """What was read from one image. `nik`: the number printed after "NIK" (a KTP), `kk`: the
    number after "No."/"Nomor KK" (a KK); each None when no valid number was found there.
    `candidates`: every valid 16-digit number found, in reading order (a NIK may be on a KK's
    member table too). `seconds`: time spent in OCR."""

    nik: str | None
    kk: str | None
    candidates: tuple[str, ...]
    seconds: float

    def __repr__(self) -> str:  # never a full NIK in a log line or a traceback
        def m(x: str | None) -> str:
            return mask_nik(x) if x else "None"

        cands = ", ".join(mask_nik(c) for c in self.candidates)
        return (
            f"CardReading(nik={m(self.nik)}, kk={m(self.kk)}, candidates=[{cands}], "
            f"seconds={self.seconds:.2f})"
        )


# -- from text lines to numbers (engine-independent: the bench feeds Tesseract's lines too) --


def _digits_in_run(run: str) -> str | None:
    """The 16 digits a run spells, or None. Look-alike letters count only between digits."""
    chars = run.replace(" ", "").replace(".", "").replace("-", "")
    first = next((i for i, c in enumerate(chars) if c.isdigit()), None)
    if first is None:
        return None
    last = max(i for i, c in enumerate(chars) if c.isdigit())
    core = chars[first : last + 1].translate(_CONFUSIONS)
    if not core.isdigit():
        return None
    if len(core) == NUMBER_LENGTH:
        return core
    if len(core) == NUMBER_LENGTH - 1:
        # One look-alike at an edge ("l471..." for "1471..."): take it only if that is the
        # sole way to reach 16; both edges possible -> ambiguous -> nothing.
        before = chars[first - 1].translate(_CONFUSIONS) if first > 0 else ""
        after = chars[last + 1].translate(_CONFUSIONS) if last + 1 < len(chars) else ""
        options = [before + core] if before.isdigit() else []
        options += [core + after] if after.isdigit() else []
        if len(options) == 1:
            return options[0]
    return None


def _valid(number: str) -> bool:
    return check_nik(number).ok or check_kk(number).ok


@dataclass(frozen=True)
class Numbers:
    nik: str | None
    kk: str | None
    candidates: tuple[str, ...]


def numbers_from_lines(lines: Sequence[str]) -> Numbers:
    """Pick the NIK and KK numbers out of OCR text lines (in reading order).

    A number counts when its 16 digits pass the NIK or KK rules. NIK: the first valid NIK on
    a line with a "NIK" label before it; failing that, on a page that is not a KK ("KELUARGA"
    nowhere), the only valid NIK read. KK: the first valid KK number after "No."/"Nomor KK"."""
    candidates: list[str] = []
    nik: str | None = None
    kk: str | None = None
    unlabelled_niks: list[str] = []
    for line in lines:
        for match in _RUN.finditer(line):
            number = _digits_in_run(match.group())
            if number is None or not _valid(number):
                continue
            if number not in candidates:
                candidates.append(number)
            run = match.group()
            first_digit = next(i for i, c in enumerate(run) if c.isdigit())
            before = line[: match.start() + first_digit]  # "No.1471...": the "o" is label
            if nik is None and _NIK_LABEL.search(before) and check_nik(number).ok:
                nik = number
            elif kk is None and _KK_LABEL.search(before) and check_kk(number).ok:
                kk = number
            elif check_nik(number).ok:
                unlabelled_niks.append(number)
    is_kk_page = any(_KK_TITLE.search(line) for line in lines)
    if nik is None and not is_kk_page and len(set(unlabelled_niks)) == 1:
        nik = unlabelled_niks[0]
    return Numbers(nik, kk, tuple(candidates))


# -- OCR boxes to lines ----------------------------------------------------------------------

Box = Sequence[Sequence[float]]
"""Four corner points, clockwise from the top-left, as the detector gives them."""


def group_lines(boxes: Sequence[Box]) -> list[list[int]]:
    """Group text boxes into lines (indexes into `boxes`), top to bottom, each left to right.
    The page's tilt (the median slope of the wide boxes) is undone first, so the label "NIK"
    and its number stay on one line on a card scanned 5 degrees askew."""
    if not boxes:
        return []
    slopes = []
    heights = []
    for box in boxes:
        (x0, y0), (x1, y1) = box[0][:2], box[1][:2]
        height = math.dist(box[0][:2], box[3][:2])
        heights.append(max(height, 1.0))
        if math.dist((x0, y0), (x1, y1)) > 2 * height:
            slopes.append(math.atan2(y1 - y0, x1 - x0))
    angle = statistics.median(slopes) if slopes else 0.0
    cos, sin = math.cos(-angle), math.sin(-angle)
    placed = []
    for i, box in enumerate(boxes):
        cx = sum(p[0] for p in box) / 4
        cy = sum(p[1] for p in box) / 4
        placed.append((cx * sin + cy * cos, cx * cos - cy * sin, i))
    placed.sort()
    tolerance = 0.6 * statistics.median(heights)
    lines: list[list[tuple[float, int]]] = []
    line_y: list[float] = []
    for y, x, i in placed:
        if lines and abs(y - line_y[-1]) <= tolerance:
            lines[-1].append((x, i))
        else:
            lines.append([(x, i)])
            line_y.append(y)
    return [[i for _, i in sorted(line)] for line in lines]


def _crop(image: np.ndarray[Any, Any], box: Box) -> np.ndarray[Any, Any]:
    """The box straightened into its own upright image (recognition reads one line)."""
    points = np.array([p[:2] for p in box], dtype=np.float32)
    width = max(1, round(max(math.dist(box[0], box[1]), math.dist(box[3], box[2]))))
    height = max(1, round(max(math.dist(box[0], box[3]), math.dist(box[1], box[2]))))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(points, target)
    warped: np.ndarray[Any, Any] = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    return warped


# -- the engine ------------------------------------------------------------------------------


class _Engine:
    """RapidOCR, created on first use. Not thread-safe by itself (it updates its parameters on
    each call), hence `_lock`. Detection and recognition are called apart so that lines are
    recognised from the top down and reading stops at the first labelled number: a KTP's NIK
    is its third line, a KK's number its second, so most of the card is never recognised."""

    def __init__(self) -> None:
        # Heavy imports, only when a card is read. onnxruntime is imported by name because
        # rapidocr 3 does not depend on it (it offers several runtimes): a missing install fails
        # here, plainly, instead of deep inside rapidocr.
        import onnxruntime  # noqa: F401
        from rapidocr import RapidOCR

        self._ocr: Any = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,  # cards are upright or 180 degrees: handled here
                "Det.limit_type": "max",
                "Det.limit_side_len": DET_MAX_SIDE,
            }
        )

    def detect(self, image: np.ndarray[Any, Any]) -> list[Box]:
        result = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else list(boxes.tolist())

    def recognise(self, image: np.ndarray[Any, Any]) -> str:
        result = self._ocr(image, use_det=False, use_cls=False, use_rec=True)
        texts = getattr(result, "txts", None)
        return " ".join(texts) if texts else ""


_engine: _Engine | None = None
_lock = threading.Lock()


def _engine_instance() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def _read_part(image: Image.Image) -> Numbers:
    """Detect the lines of one part of the page, then recognise them top down until a labelled
    number is found."""
    pixels = np.asarray(image)
    with _lock:
        engine = _engine_instance()
        boxes = engine.detect(pixels)
        lines: list[str] = []
        found = Numbers(None, None, ())
        for line in group_lines(boxes):
            lines.append(" ".join(engine.recognise(_crop(pixels, boxes[i])) for i in line))
            found = numbers_from_lines(lines)
            if found.nik or found.kk:
                break
    return found


def _attempts(rgb: Image.Image) -> list[Image.Image]:
    """Where to look, cheapest first: the top band, the bottom band turned 180 degrees (a card
    laid upside down), the whole image."""
    w, h = rgb.size
    band = max(1, round(h * TOP_BAND))
    if band >= h:
        return [rgb]
    top = rgb.crop((0, 0, w, band))
    bottom = rgb.crop((0, h - band, w, h)).transpose(Image.Transpose.ROTATE_180)
    return [top, bottom, rgb]


def read_card(image: Image.Image) -> CardReading:
    """OCR one scanned KTP or KK page and pick its number. Thread-safe; blocks (worker only).
    Never raises for an unreadable image: it returns a reading with nothing found (and logs the
    engine's fault without any number)."""
    started = time.perf_counter()
    candidates: list[str] = []
    nik: str | None = None
    kk: str | None = None
    try:
        rgb = image.convert("RGB")
        for part in _attempts(rgb):
            found = _read_part(part)
            candidates += [c for c in found.candidates if c not in candidates]
            nik = nik or found.nik
            kk = kk or found.kk
            if nik or kk:
                break
    except Exception:
        log.exception("OCR of a scanned card failed")
    return CardReading(nik, kk, tuple(candidates), time.perf_counter() - started)
