"""The page pipeline (issue 12, seam 8): one decoded page from any backend in, one small file
out, ready for the PDF without re-encoding.

Steps: deskew (the text lines' angle), crop to the chosen paper at the ASKED dpi (a flatbed
scans more than the paper; devices misreport their dpi: NAPS2 #71, #629, #411), blank
detection, paper whitening (scanner noise on white paper is most of a JPEG's bytes), then
compression: colour/grey -> JPEG, black-and-white -> adaptive threshold -> CCITT G4 TIFF.
Budgets (DESIGN 9): an A4 page at 300 dpi in <= 400 ms, <= 250 KB colour/grey, <= 60 KB bw.
A page too dense for its bytes at the lowest JPEG quality (or in G4) is stored at a lower
resolution (never below MIN_STORED_DPI); its page in the PDF stays exactly the paper, since the
PDF's page size comes from the paper, never from the image.

Memory (a 600 dpi colour F4 page is 118 MB decoded): the device's image is read in strips of
rows, so the only full-page array is the paper-sized output (built in BGR for OpenCV, the
rotation done strip by strip); with `release_source` the device's image is closed as soon as
that output exists, before the encoder's own full-page buffers are allocated.

Pure and thread-safe: no shared state, every call writes only its own file, so pages of a
batch can be processed on a worker while the device feeds the next one. OpenCV does the pixel
work on numpy arrays (it releases the GIL); Pillow only decodes what the device gave and
writes the G4 TIFF.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from desktop.services.scanning.device import (
    PAPER_MM,
    ColourMode,
    Paper,
    ScannedPage,
    ScanSettings,
)

U8 = npt.NDArray[np.uint8]

ANALYSIS_DPI = 100
"""Deskew and blank detection look at the page at this resolution: enough for 0.1 degree
(a text line 700 px long) and averaging (INTER_AREA) smooths scanner noise for free."""

MAX_SKEW = 12.0  # degrees searched either way; a page fed more crookedly than this is re-fed
MIN_CORRECTION = 0.05  # below this a resample costs time and sharpness for nothing
MAX_INK_SHARE = 0.5
"""A page with more ink than this (a photo, a solid picture, a dark copy) has no text lines to
measure: its projection is sharpest at the search's edge, and "correcting" tilts a straight page."""
MIN_PEAK = 1.3
"""The best angle's sharpness over the median angle's: text pages measure 2-3, a card copy on a
page 1.6, a grid or a photo 1.1. Below this the angle is a guess and the page is left as it is."""
INK_DELTA = 70  # grey levels below the paper that count as ink (show-through is fainter)
WHITEN_MARGIN = 28  # grey levels below the paper still made white (noise, faint show-through)
JPEG_QUALITIES = (50, 40, 30)
"""Tried in turn until the page fits its byte cap; 30 is the floor (below it JPEG's ringing
around letters starts to hurt reading), so a page denser than a typical letter may pass it."""
JPEG_CAP_A4_300 = 250 * 1024  # DESIGN 9; _fitted scales it to other papers and dpis
G4_CAP_A4_300 = 60 * 1024  # DESIGN 9, likewise
A4_300_PIXELS = 2480 * 3508
MIN_STORED_DPI = 150
"""A dense page steps down to fit its budget, but never below this (nor below half the asked
dpi): 11 pt text stays readable at 150 dpi; a page still over there keeps its bytes."""
FIT_MARGIN = 0.95  # aim a little under the budget: the size-to-resolution estimate is rough
STRIP_ROWS = 512  # rows of the device's image read at a time
PROGRESSIVE_SAVING = 0.8  # progressive + optimised Huffman against a plain baseline encode


@dataclass(frozen=True)
class ProcessedPage:
    """One page on disk. `path` is a .jpg (colour, grey) or a .tif with CCITT G4 (bw); its
    pixel size is the paper's at `dpi` (written into the file). `dpi` is the one asked for,
    whatever the device claimed, unless the page was too dense for its byte budget there: then
    the lower resolution it was stored at (`asked_dpi` keeps the asked one)."""

    path: Path
    width_px: int
    height_px: int
    dpi: int
    mode: ColourMode
    blank: bool
    skew_degrees: float  # the angle corrected (0.0 when deskew was off or found nothing)
    size_bytes: int
    asked_dpi: int = 0  # the scan's dpi (0: same as `dpi`)


def paper_pixels(paper: Paper, dpi: int) -> tuple[int, int]:
    """The paper's width and height in pixels at `dpi` (what every page is cropped/padded to)."""
    width_mm, height_mm = PAPER_MM[paper]
    return round(width_mm / 25.4 * dpi), round(height_mm / 25.4 * dpi)


def process_page(
    page: ScannedPage,
    settings: ScanSettings,
    folder: Path,
    name: str,
    *,
    release_source: bool = False,
) -> ProcessedPage:
    """Deskew, crop to `settings.paper` at `settings.dpi`, detect a blank page and write
    `folder/name.jpg` or `folder/name.tif`. Blank pages are written too (the caller decides
    whether to drop them: the page editor may want a blank separator sheet).
    `release_source`: close `page.image` once the paper-sized copy is made (the caller owns
    the page and is done with it: `run_scan`), so two full pages are never held with the
    encoder's buffers."""
    dpi = settings.dpi  # the asked dpi: a device reporting 96 for a 300 dpi scan is ignored
    colour = settings.mode is ColourMode.COLOUR
    source = page.image
    width, height = paper_pixels(settings.paper, dpi)

    small, small_dpi = _analysis_grey_of(source, width, height, dpi, colour)
    paper_level = _paper_level(small)
    blank = _blank(small, small_dpi, paper_level)
    skew = 0.0 if blank or not settings.deskew else _estimate_skew(small, paper_level)

    if abs(skew) >= MIN_CORRECTION:
        out = _rotated_crop(source, colour, skew, width, height)
    else:
        out = _padded(source, colour, width, height)
    if release_source:
        source.close()
    del source
    _whiten(out, colour)

    folder.mkdir(parents=True, exist_ok=True)
    if settings.mode is ColourMode.BW:
        data, stored_dpi, shape = _fitted(out, dpi, G4_CAP_A4_300, _g4_at, 1.0)
        path = folder / f"{name}.tif"
    else:
        data, stored_dpi, shape = _fitted(out, dpi, JPEG_CAP_A4_300, _capped_jpeg, 0.5)
        path = folder / f"{name}.jpg"
    del out
    _write_atomically(path, data)
    return ProcessedPage(
        path=path,
        width_px=shape[1],
        height_px=shape[0],
        dpi=stored_dpi,
        mode=settings.mode,
        blank=blank,
        skew_degrees=round(skew, 2),
        size_bytes=len(data),
        asked_dpi=dpi,
    )


def is_blank(image: Image.Image, dpi: int | None = None) -> bool:
    """True when a page carries no content: robust to scanner noise, dust, a punched hole and
    faint show-through from the back; a page with one short line of text is NOT blank.
    Without `dpi` the image is taken to be as wide as an A4 page."""
    if dpi is None:
        dpi = max(1, round(image.width / (PAPER_MM[Paper.A4][0] / 25.4)))
    small, small_dpi = _analysis_grey_of(image, image.width, image.height, dpi, colour=False)
    return _blank(small, small_dpi, _paper_level(small))


def thumbnail(page: ProcessedPage, side: int) -> Image.Image:
    """A small RGB or L image fitting in `side` x `side` for the page editor (decoded with
    Pillow's draft mode for JPEG, so a 600 dpi page is not decoded at full size)."""
    with Image.open(page.path) as image:
        if image.format == "JPEG":
            image.draft(image.mode, (side, side))
        small = image.convert("L") if image.mode == "1" else image.convert(image.mode)
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    return small


# --- steps -----------------------------------------------------------------------------------


def _rows(image: Image.Image, top: int, bottom: int, colour: bool) -> U8:
    """Rows [top, bottom) of the device's image as a new array: BGR for colour (OpenCV's
    order, so the full page is never converted again), L otherwise (SANE gives L or RGB;
    lineart comes as mode "1"). Only this strip is converted and copied."""
    strip = image.crop((0, top, image.width, bottom))
    wanted = "RGB" if colour else "L"
    if strip.mode != wanted:
        strip = strip.convert(wanted)
    rows = np.asarray(strip)
    if colour:
        return np.asarray(cv2.cvtColor(rows, cv2.COLOR_RGB2BGR), dtype=np.uint8)
    return np.array(rows, dtype=np.uint8)  # writable, own memory


def _analysis_grey_of(
    image: Image.Image, width: int, height: int, dpi: int, colour: bool
) -> tuple[U8, float]:
    """The paper's part of the image (at most `width` x `height`) near ANALYSIS_DPI in grey,
    and its dpi: shrunk by a whole factor (INTER_AREA's exact block mean; area-averaging also
    shrinks noise while text stays), read in strips whose heights are multiples of the
    factor, so the result is the same as from the whole page at once."""
    factor = max(1, round(dpi / ANALYSIS_DPI))
    cols, rows = min(width, image.width), min(height, image.height)
    out_cols = max(1, cols // factor)
    band = factor * max(1, STRIP_ROWS // factor)
    parts: list[U8] = []
    for top in range(0, max(rows // factor, 1) * factor, band):
        bottom = min(top + band, rows)
        strip = _rows(image, top, bottom, colour)[:, :cols]
        grey = strip if strip.ndim == 2 else cv2.cvtColor(strip, cv2.COLOR_BGR2GRAY)
        if factor == 1:
            parts.append(np.ascontiguousarray(grey))
            continue
        used = max(1, (bottom - top) // factor)  # a page shorter than one factor: one row
        cut = grey[: used * factor, : out_cols * factor]
        parts.append(
            np.asarray(
                cv2.resize(cut, (out_cols, used), interpolation=cv2.INTER_AREA), dtype=np.uint8
            )
        )
    small = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return np.asarray(small, dtype=np.uint8), dpi / factor


def _paper_level(small: U8) -> int:
    """The paper's grey level: the most common level in the bright half (a page is mostly
    paper; the median would be pulled down by a dense page or a photo)."""
    histogram = np.bincount(small.ravel(), minlength=256)
    bright = histogram[96:]
    return 96 + int(np.argmax(bright)) if bright.any() else 255


def _ink(small: U8, paper_level: int) -> U8:
    return np.asarray((small < paper_level - INK_DELTA).astype(np.uint8))


def _blank(small: U8, small_dpi: float, paper_level: int) -> bool:
    """Ink left after dropping what is not content: specks (noise, dust), components touching
    the edge (scanner shadows, the feeder's backing) and round blobs the size of a punched
    hole. A page needs about 4 mm^2 of ink (two or three letters) to count as written."""
    mask = _ink(small, paper_level)
    if not mask.any():
        return True
    if mask.mean() > 0.05:  # a dark page or a full-page picture: content, whatever its edges
        return False
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    rows, cols = mask.shape
    px_per_mm = small_dpi / 25.4
    min_speck = 4
    ink = 0
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < min_speck:
            continue
        if x == 0 or y == 0 or x + w >= cols or y + h >= rows:
            continue
        hole = (
            3.0 * px_per_mm <= min(w, h)
            and max(w, h) <= 12.0 * px_per_mm
            and max(w, h) <= 1.4 * min(w, h)
            and area >= 0.6 * w * h
        )
        if hole:
            continue
        ink += area
    return ink < 4.0 * px_per_mm * px_per_mm


def _estimate_skew(small: U8, paper_level: int) -> float:
    """The text lines' angle in degrees, counter-clockwise positive, by projection profile:
    the angle at which the ink's row histogram is sharpest (lines and the gaps between them
    line up). Coarse 0.5 degree steps, then 0.05 around the best. 0.0 when the page has no
    lines to trust (MAX_INK_SHARE, MIN_PEAK)."""
    ys, xs = np.nonzero(_ink(small, paper_level))
    if ys.size < 50 or ys.size > MAX_INK_SHARE * small.shape[0] * small.shape[1]:
        return 0.0
    if ys.size > 40_000:  # a dense page: a fixed sample keeps it fast and deterministic
        pick = np.linspace(0, ys.size - 1, 40_000).astype(np.intp)
        ys, xs = ys[pick], xs[pick]
    y = ys.astype(np.float64)
    x = xs.astype(np.float64) - small.shape[1] / 2

    def sharpness(degrees: float) -> float:
        theta = math.radians(degrees)
        rows = np.rint(y * math.cos(theta) + x * math.sin(theta)).astype(np.intp)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    profile = np.array([sharpness(float(a)) for a in coarse])
    if profile.max() < MIN_PEAK * float(np.median(profile)):
        return 0.0  # no clear lines (a grid, a photo): leave the page as it came
    best = float(coarse[int(profile.argmax())])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    return float(max(fine, key=sharpness))


def _rotated_crop(image: Image.Image, colour: bool, skew: float, width: int, height: int) -> U8:
    """Rotate back by `skew` about the paper's centre and cut the paper out (one resample);
    what lies outside the scan comes in white. Done in strips of output rows, each from just
    the source rows it needs (the rotation's inverse at the strip's corners, plus a margin for
    the interpolation), so the device's image is never copied whole."""
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), -skew, 1.0)
    inverse = cv2.invertAffineTransform(matrix)
    white = (255, 255, 255) if colour else 255
    out = np.empty((height, width, 3) if colour else (height, width), dtype=np.uint8)
    for top in range(0, height, STRIP_ROWS):
        bottom = min(top + STRIP_ROWS, height)
        corners = np.array([[0, top, 1], [width, top, 1], [0, bottom, 1], [width, bottom, 1]])
        ys = corners @ inverse[1]
        first = max(0, math.floor(ys.min()) - 2)
        last = min(image.height, math.ceil(ys.max()) + 3)
        if first >= last:  # the strip lies wholly outside the scan
            out[top:bottom] = 255
            continue
        shifted = matrix.copy()
        shifted[:, 2] += matrix[:, 1] * first  # source rows counted from the strip's first
        shifted[1, 2] -= top
        out[top:bottom] = cv2.warpAffine(
            _rows(image, first, last, colour),
            shifted,
            (width, bottom - top),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=white,
        )
    return out


def _padded(image: Image.Image, colour: bool, width: int, height: int) -> U8:
    """The paper-sized part of the image as a new array, read in strips, padded with white on
    the right and bottom when the scan is smaller than the paper."""
    out = np.full((height, width, 3) if colour else (height, width), 255, dtype=np.uint8)
    cols, rows = min(width, image.width), min(height, image.height)
    for top in range(0, rows, STRIP_ROWS):
        bottom = min(top + STRIP_ROWS, rows)
        out[top:bottom, :cols] = _rows(image, top, bottom, colour)[:, :cols]
    return out


def _whiten(out: U8, colour: bool) -> None:
    """In place: levels near the paper's become pure white and the rest is stretched to
    match, per channel for colour (a cream or yellow paper turns white, ink keeps its hue).
    Scanner noise on the paper is what makes a scanned page's JPEG big."""
    step = (max(1, out.shape[0] // 400), max(1, out.shape[1] // 300))
    sample = out[:: step[0], :: step[1]]
    planes = [sample[:, :, c] for c in range(3)] if colour else [sample]
    luts = []
    for plane in planes:
        level = _paper_level(np.ascontiguousarray(plane))
        white_point = max(128, level - WHITEN_MARGIN)
        levels = np.arange(256, dtype=np.float64) * 255.0 / white_point
        luts.append(np.clip(np.rint(levels), 0, 255).astype(np.uint8))
    lut = np.stack(luts, axis=-1).reshape(1, 256, 3) if colour else luts[0]
    cv2.LUT(out, lut, dst=out)


def _binarise(grey: U8, dpi: int) -> U8:
    """Adaptive threshold (text 0, paper 255): a local mean over ~4 mm follows uneven
    lighting and coloured paper that a single global threshold would blacken. A 3x3 blur
    first: the scanner's noise on a letter's edge would otherwise become a ragged edge, and
    every extra black/white run costs G4 bytes (~5% on a dense page)."""
    if grey.ndim == 3:
        grey = np.asarray(cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    block = max(3, round(dpi / 6)) | 1
    return np.asarray(
        cv2.adaptiveThreshold(
            smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 20
        ),
        dtype=np.uint8,
    )


Encoder = Callable[[U8, int, float], tuple[bytes | None, float]]
"""(pixels, dpi, cap) -> (the file, its size), or (None, a predicted size) when it is surely
over the cap: the caller steps the resolution down without paying for that encode."""

CLEARLY_OVER = 1.15  # a sample-predicted size this far over the cap is not worth encoding


def _fitted(
    out: U8, dpi: int, cap_a4_300: int, encode: Encoder, power: float
) -> tuple[bytes, int, tuple[int, ...]]:
    """Encode the page; when it is over its byte cap at the asked dpi, store it at a lower
    one estimated from the overshoot (bytes ~ dpi ** (1 / power): JPEG's go with the pixel
    count, power 0.5; G4's with the number of rows, power 1), at most three steps, never
    below MIN_STORED_DPI or half the asked dpi. Returns the bytes, the dpi stored and the
    stored array's shape.

    The cap is the A4 300 dpi budget scaled by the paper's area, and above 300 dpi by the
    pixel count too (a 600 dpi page may take four times the bytes); a page scanned at 300 dpi
    or less gets the whole budget (a 200 dpi letter is not pushed down to 170 dpi for bytes
    per pixel that only a 300 dpi page could reach)."""
    cap = cap_a4_300 * out.shape[0] * out.shape[1] / A4_300_PIXELS * max(1.0, (300 / dpi) ** 2)
    floor = max(min(dpi, MIN_STORED_DPI), dpi // 2)
    data, size = encode(out, dpi, cap)
    stored, shape = dpi, out.shape
    for step in range(1, 4):
        if data is not None and (size <= cap or stored <= floor):
            break
        stored = max(floor, min(stored - 1, int(stored * (cap / size) ** power * FIT_MARGIN)))
        dims = (round(out.shape[1] * stored / dpi), round(out.shape[0] * stored / dpi))
        smaller = np.asarray(cv2.resize(out, dims, interpolation=cv2.INTER_AREA), dtype=np.uint8)
        last = step == 3 or stored <= floor
        data, size = encode(smaller, stored, 0.0 if last else cap)
        shape = smaller.shape
    assert data is not None  # at the floor the encoders always encode (cap 0: no prediction)
    return data, stored, shape


def _g4_at(grey: U8, dpi: int, cap: float) -> tuple[bytes | None, float]:
    del cap  # G4 has no quality to trade; _fitted steps the resolution instead
    data = _g4_tiff(_binarise(grey, dpi), dpi)
    return data, len(data)


def _g4_tiff(binary: U8, dpi: int) -> bytes:
    """CCITT G4 in a single strip: img2pdf copies a single-strip G4 payload into the PDF as
    is (several strips it would have to re-encode)."""
    height, width = binary.shape
    bits = np.packbits(binary > 127, axis=1)  # PIL mode "1": a set bit is white
    image = Image.frombytes("1", (width, height), bits.tobytes())
    buffer = io.BytesIO()
    image.save(
        buffer,
        "TIFF",
        compression="group4",
        dpi=(dpi, dpi),
        strip_size=(width + 7) // 8 * height,
    )
    return buffer.getvalue()


def _capped_jpeg(bgr_or_grey: U8, dpi: int, cap: float) -> tuple[bytes | None, float]:
    """The best of JPEG_QUALITIES that fits `cap` bytes (a mostly white page keeps quality
    50; a dense one steps down). The quality is chosen on a quarter of the page (every fourth
    band of 64 rows, quick baseline encodes) so the page itself is encoded once, progressive;
    only a misprediction costs a second encode. (None, predicted size) when even the lowest
    quality is predicted CLEARLY_OVER the cap; `cap` 0 means encode whatever it costs."""
    bands = [bgr_or_grey[top : top + 64] for top in range(0, bgr_or_grey.shape[0], 256)]
    sample = np.ascontiguousarray(np.concatenate(bands))
    scale = bgr_or_grey.shape[0] / sample.shape[0] * PROGRESSIVE_SAVING
    chosen = len(JPEG_QUALITIES) - 1
    predicted = 0.0
    for index, quality in enumerate(JPEG_QUALITIES if cap else ()):
        predicted = _jpeg_size(sample, quality) * scale
        if predicted <= cap:
            chosen = index
            break
    if cap and predicted > cap * CLEARLY_OVER:
        return None, predicted
    del sample, bands
    for quality in JPEG_QUALITIES[chosen:]:
        data = _jpeg(bgr_or_grey, dpi, quality)
        if not cap or len(data) <= cap:
            break
    return data, len(data)


def _jpeg_size(pixels: U8, quality: int) -> int:
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return int(encoded.size) if ok else 0


def _jpeg(bgr_or_grey: U8, dpi: int, quality: int) -> bytes:
    """OpenCV's libjpeg-turbo (4:2:0 for colour), then the JFIF density set to `dpi`
    (OpenCV writes none, and the PDF's page size must never depend on it anyway)."""
    ok, encoded = cv2.imencode(
        ".jpg",
        bgr_or_grey,
        [
            cv2.IMWRITE_JPEG_QUALITY,
            quality,
            cv2.IMWRITE_JPEG_OPTIMIZE,
            1,
            cv2.IMWRITE_JPEG_PROGRESSIVE,
            1,
        ],
    )
    if not ok:
        raise ValueError("JPEG encoding failed")
    data = bytearray(encoded.tobytes())
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        data[13] = 1  # units: dots per inch
        data[14:16] = dpi.to_bytes(2, "big")
        data[16:18] = dpi.to_bytes(2, "big")
    return bytes(data)


def _write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
