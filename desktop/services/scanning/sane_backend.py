"""SANE scanners (Linux) through python-sane.

SANE is process-global and not thread-safe: `sane.init()` runs once per process and every
call into libsane goes through one lock (`_SANE_LOCK`), held per call and never across a
`yield`, so listing devices on one worker while another scans waits for a page at most.

Drivers name things differently ("Flatbed", "ADF Front", "Automatic Document Feeder",
"ADF Duplex", an `adf-mode` Simplex/Duplex option; "Gray", "Grayscale", "Lineart",
"Binary"), so sources and modes are mapped by lowercase keywords. Faults come from libsane as
`_sane.error` with `sane_strstatus()`'s English text (SANE never translates it), mapped to a
`ScanProblem` by that text; the end of the feeder (`SANE_STATUS_NO_DOCS` after at least one
page) ends the stream, and at the start it means no paper.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import sane  # type: ignore[import-untyped]  # python-sane has no type hints

from desktop.services.scanning.device import (
    PAPER_MM,
    CancelToken,
    Capabilities,
    ColourMode,
    ScanError,
    ScannedPage,
    ScannerInfo,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.sigpipe import make_sigpipe_harmless

log = logging.getLogger(__name__)

make_sigpipe_harmless()  # at import, when that is on the main thread (tools, tests)

PREFIX = "sane:"
STANDARD_DPIS = (75, 100, 150, 200, 300, 400, 600, 1200)
"""What a continuous resolution range is offered as (snapped to the device's steps)."""

_SANE_LOCK = threading.RLock()
_initialised = False


def ensure_init() -> None:
    """`sane.init()` once per process. SANE reads its configuration (SANE_CONFIG_DIR, dll.conf)
    here and never again, so whatever environment is in effect at the first call stays."""
    global _initialised
    with _SANE_LOCK:
        if not _initialised:
            if not make_sigpipe_harmless():
                log.warning("SIGPIPE left as it is: SANE initialised off the main thread")
            version = sane.init()
            _initialised = True
            log.info("SANE initialised, version %s", version)


def is_initialised() -> bool:
    return _initialised


def _problem_of(text: str) -> ScanProblem:
    """The counter's problem for a libsane status text (`sane_strstatus`)."""
    t = text.lower()
    if "jam" in t:
        return ScanProblem.JAMMED
    if "out of documents" in t or "no docs" in t:
        return ScanProblem.NO_PAPER
    if "cover" in t:
        return ScanProblem.COVER_OPEN
    if "busy" in t:
        return ScanProblem.BUSY
    if "i/o" in t or "no such" in t or "invalid argument" in t:
        # I/O error: the device went away mid-scan (USB pulled, powered off). Invalid argument
        # at open: the device name is not known (any more).
        return ScanProblem.UNPLUGGED
    if "cancel" in t:
        return ScanProblem.CANCELLED
    if "not supported" in t:
        return ScanProblem.UNSUPPORTED
    return ScanProblem.FAILED


def _error(exc: BaseException, pages_done: int) -> ScanError:
    problem = _problem_of(str(exc))
    return ScanError(problem, pages_done=pages_done, detail=f"SANE: {exc}")


def devname_of(device_id: str) -> str:
    if not device_id.startswith(PREFIX):
        raise ScanError(ScanProblem.UNPLUGGED, detail=f"not a SANE device: {device_id!r}")
    return device_id[len(PREFIX) :]


def _source_kind(name: str) -> Source | None:
    """A driver's source name as ours; None for sources we do not offer (back side only,
    film/transparency units)."""
    n = name.lower()
    if "duplex" in n or "both" in n:
        return Source.DUPLEX
    if "back" in n or "film" in n or "transparen" in n or "tpu" in n or "negative" in n:
        return None
    if any(k in n for k in ("adf", "feeder", "automatic", "document feed")):
        return Source.FEEDER
    if any(k in n for k in ("flatbed", "platen", "glass", "normal", "document table")):
        return Source.FLATBED
    return None


def _mode_kind(name: str) -> ColourMode | None:
    n = name.lower()
    if "color" in n or "colour" in n or "rgb" in n:
        return ColourMode.COLOUR
    if "gray" in n or "grey" in n:
        return ColourMode.GREY
    if "lineart" in n or "binary" in n or "black" in n or n == "bw":
        return ColourMode.BW
    return None


def _steps(constraint: Any) -> tuple[int, ...]:
    """The DPIs offered: a word list as is, a range as the standard steps snapped to its
    quantisation and clipped to it."""
    if isinstance(constraint, tuple) and len(constraint) == 3:  # python-sane: (min, max, quant)
        lo, hi, quant = (float(v) for v in constraint)
        out: set[int] = set()
        for dpi in STANDARD_DPIS:
            value = min(max(float(dpi), lo), hi)
            if quant > 0:
                value = lo + int((value - lo) / quant + 0.5) * quant
                value = min(value, hi)
            out.add(round(value))
        return tuple(sorted(out))
    if isinstance(constraint, list):
        return tuple(sorted({round(float(v)) for v in constraint}))
    return STANDARD_DPIS


@dataclass(frozen=True)
class _DeviceModel:
    """How one opened device's options map onto ours."""

    sources: dict[Source, tuple[str | None, str | None]]  # (source value, adf_mode value)
    modes: dict[ColourMode, str]
    resolution_option: str | None
    resolutions: tuple[int, ...]
    area_mm: bool
    max_w: float | None
    max_h: float | None


def _options(dev: Any) -> dict[str, Any]:
    return {k: o for k, o in dev.opt.items() if o.is_active()}


def _model(dev: Any) -> _DeviceModel:
    opts = _options(dev)
    sources: dict[Source, tuple[str | None, str | None]] = {}
    source_opt = opts.get("source")
    if source_opt is not None and isinstance(source_opt.constraint, list):
        for value in source_opt.constraint:
            kind = _source_kind(str(value))
            if kind is not None and kind not in sources:
                sources[kind] = (str(value), None)
        adf_mode = opts.get("adf_mode")
        feeder = sources.get(Source.FEEDER)
        if feeder and adf_mode is not None and isinstance(adf_mode.constraint, list):
            for value in adf_mode.constraint:
                if "duplex" in str(value).lower() and Source.DUPLEX not in sources:
                    sources[Source.DUPLEX] = (feeder[0], str(value))
                elif "simplex" in str(value).lower():
                    sources[Source.FEEDER] = (feeder[0], str(value))
    if not sources:
        sources[Source.FLATBED] = (None, None)  # no source option: the one it has
    modes: dict[ColourMode, str] = {}
    mode_opt = opts.get("mode")
    if mode_opt is not None and isinstance(mode_opt.constraint, list):
        for mode_value in mode_opt.constraint:
            mode = _mode_kind(str(mode_value))
            if mode is not None and mode not in modes:
                modes[mode] = str(mode_value)
    res_name = next((n for n in ("resolution", "x_resolution") if n in opts), None)
    resolutions = _steps(opts[res_name].constraint) if res_name else ()
    area_mm = all(k in opts and opts[k].unit == sane._sane.UNIT_MM for k in ("br_x", "br_y"))
    max_w = max_h = None
    if area_mm:
        max_w = _range_max(opts["br_x"].constraint)
        max_h = _range_max(opts["br_y"].constraint)
    return _DeviceModel(sources, modes, res_name, resolutions, area_mm, max_w, max_h)


def _range_max(constraint: Any) -> float | None:
    if isinstance(constraint, tuple) and len(constraint) == 3:
        return float(constraint[1])
    if isinstance(constraint, list) and constraint:
        return float(max(constraint))
    return None


class SaneBackend:
    """Scanners SANE can reach (USB, SCSI, saned on the network). Device id: "sane:<devname>".

    `extra_options`: driver options set before every scan by SANE name (underscores), for a
    driver that needs one ("test_picture", "read_return_value" of the `test` backend)."""

    name = "sane"

    def __init__(self, extra_options: Mapping[str, str | int | float] | None = None) -> None:
        self._extra = dict(extra_options or {})
        ensure_init()

    def devices(self) -> list[ScannerInfo]:
        with _SANE_LOCK:
            found = sane.get_devices()
        out = []
        for devname, vendor, model, kind in found:
            label = " ".join(p for p in (str(vendor), str(model)) if p and p != "Noname")
            out.append(
                ScannerInfo(
                    id=PREFIX + str(devname),
                    name=label or str(devname),
                    backend=self.name,
                    detail=f"{devname} ({kind})",
                )
            )
        return out

    def _open(self, device_id: str) -> Any:
        devname = devname_of(device_id)
        with _SANE_LOCK:
            try:
                return sane.open(devname)
            except sane._sane.error as exc:
                raise _error(exc, 0) from exc

    def _close(self, dev: Any) -> None:
        with _SANE_LOCK:
            try:
                dev.close()
            except Exception:  # already gone: nothing left to release
                log.debug("closing SANE device failed", exc_info=True)

    def capabilities(self, device_id: str) -> Capabilities:
        dev = self._open(device_id)
        try:
            with _SANE_LOCK:
                model = _model(dev)
        finally:
            self._close(dev)
        modes = set(model.modes)
        if modes & {ColourMode.GREY, ColourMode.COLOUR}:
            modes.add(ColourMode.BW)  # made from grey by the page pipeline when no lineart
        if not modes:
            modes = {ColourMode.GREY}
        order = list(ColourMode)
        return Capabilities(
            sources=tuple(s for s in Source if s in model.sources),
            resolutions=model.resolutions,
            modes=tuple(sorted(modes, key=order.index)),
            max_width_mm=model.max_w,
            max_height_mm=model.max_h,
        )

    def _set(self, dev: Any, name: str, value: Any, *, required: bool = False) -> None:
        """Set one driver option. One we rely on (source, mode, the caller's extras) that the
        driver refuses is UNSUPPORTED; a refused nicety (area, depth) is logged."""
        try:
            setattr(dev, name, value)
        except (AttributeError, sane._sane.error) as exc:
            if required:
                raise ScanError(
                    ScanProblem.UNSUPPORTED, detail=f"SANE: {name}={value!r}: {exc}"
                ) from exc
            log.warning("SANE option %s=%r not set: %s", name, value, exc)

    def _configure(self, dev: Any, settings: ScanSettings) -> int | None:
        """Set source, mode, resolution and the paper's area; the DPI the device took."""
        model = _model(dev)
        if settings.source not in model.sources:
            raise ScanError(
                ScanProblem.UNSUPPORTED, detail=f"SANE: no source {settings.source.value}"
            )
        source, adf_mode = model.sources[settings.source]
        if source is not None:
            self._set(dev, "source", source, required=True)
        if adf_mode is not None:
            self._set(dev, "adf_mode", adf_mode, required=True)
        model = _model(dev)  # a source change may change the other options (RELOAD_OPTIONS)
        mode = model.modes.get(settings.mode)
        if mode is None and settings.mode is ColourMode.BW:
            mode = model.modes.get(ColourMode.GREY)  # the pipeline thresholds it
        if mode is not None:
            self._set(dev, "mode", mode, required=True)
        opts = _options(dev)
        depth = opts.get("depth")
        if (
            depth is not None
            and settings.mode is not ColourMode.BW
            and isinstance(depth.constraint, list)
            and 8 in depth.constraint
        ):
            self._set(dev, "depth", 8)  # 16-bit samples would not decode as "L"/"RGB"
        reported: int | None = None
        if model.resolution_option:
            self._set(dev, model.resolution_option, settings.dpi)
            if model.resolution_option == "x_resolution" and "y_resolution" in opts:
                self._set(dev, "y_resolution", settings.dpi)
            reported = round(float(getattr(dev, model.resolution_option)))
        width, height = PAPER_MM[settings.paper]
        for name, value in (("page_width", width), ("page_height", height)):
            if name in opts:  # sheet-fed drivers (fujitsu, canon_dr) centre on the page size
                self._set(dev, name, _fit(value, opts[name].constraint))
        if model.area_mm:
            self._set(dev, "tl_x", 0.0)
            self._set(dev, "tl_y", 0.0)
            self._set(dev, "br_x", _fit(width, opts["br_x"].constraint))
            self._set(dev, "br_y", _fit(height, opts["br_y"].constraint))
        for extra, extra_value in self._extra.items():
            self._set(dev, extra, extra_value, required=True)
        return reported

    def _before_page(self, dev: Any, index: int) -> None:
        """Called (under the SANE lock) before each page is started; for a subclass that must
        change a driver option between pages (the `test` driver's jam after N pages)."""

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Generator[ScannedPage, None, None]:
        if cancel.cancelled:
            raise ScanError(ScanProblem.CANCELLED)
        dev = self._open(device_id)
        feeder = settings.source in (Source.FEEDER, Source.DUPLEX)
        index = 0
        started = False
        try:
            with _SANE_LOCK:
                try:
                    reported = self._configure(dev, settings)
                except sane._sane.error as exc:
                    raise _error(exc, 0) from exc
            if reported is not None and reported != settings.dpi:
                log.info(
                    "SANE device %s scans at %d dpi, %d asked", device_id, reported, settings.dpi
                )
            while True:
                if cancel.cancelled:
                    raise ScanError(ScanProblem.CANCELLED, pages_done=index)
                with _SANE_LOCK:
                    try:
                        self._before_page(dev, index)
                        started = True
                        dev.start()
                        # no_cancel: the feeder goes on after the page
                        image = dev.snap(feeder, _CancelWithin(dev, cancel))
                    except (sane._sane.error, RuntimeError) as exc:
                        if cancel.cancelled:
                            raise ScanError(ScanProblem.CANCELLED, pages_done=index) from exc
                        problem = _problem_of(str(exc))
                        if problem is ScanProblem.NO_PAPER and feeder and index > 0:
                            started = False  # NO_DOCS ends the batch; SANE is idle again
                            return
                        raise _error(exc, index) from exc
                page = ScannedPage(
                    image=image,
                    index=index,
                    dpi=settings.dpi,
                    reported_dpi=reported,
                    side=("front" if index % 2 == 0 else "back")
                    if settings.source is Source.DUPLEX
                    else "front",
                )
                index += 1
                del image
                yield page
                del page
                if not feeder:
                    started = False  # snap(no_cancel=False) already ended the flatbed scan
                    return
        finally:
            with _SANE_LOCK:
                if started:
                    try:
                        dev.cancel()  # an error, a cancel or a consumer that stopped reading
                    except Exception:
                        log.debug("SANE cancel failed", exc_info=True)
            self._close(dev)


class _CancelWithin:
    """snap()'s progress callback (called per line): when the officer cancels, it calls
    sane_cancel() (SANE allows it at any time, even asynchronously) so the driver's next read
    ends the page with SANE_STATUS_CANCELLED instead of reading to its end. It must NEVER
    raise: python-sane 2.9 dereferences the callback's NULL result and the process crashes."""

    def __init__(self, dev: Any, cancel: CancelToken) -> None:
        self._dev = dev
        self._cancel = cancel
        self._sent = False

    def __call__(self, line: int, lines: int) -> None:
        if self._sent or not self._cancel.cancelled:
            return
        self._sent = True
        try:
            self._dev.cancel()
        except BaseException:  # see the class: nothing may leave this call
            log.debug("SANE cancel within a page failed", exc_info=True)


def _fit(value: float, constraint: Any) -> float:
    top = _range_max(constraint)
    return min(value, top) if top is not None else value
