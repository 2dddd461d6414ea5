"""WIA scanners on Windows ("wia:<WIA device id>"), through a small adapter over COM.

Most USB scanners at a Windows counter come with a WIA driver. The COM surface (WIA 2.0
automation, `WIA.DeviceManager`, via `comtypes`) sits behind `WiaAdapter`/`WiaConnection`, a
handful of calls: list devices, read the device's properties (document handling capabilities,
resolutions, data types), configure a scan (document handling select, pages, intent,
resolution), transfer ONE page as image bytes, and read the document handling status. The
backend's logic (feeder loop, end of feed, faults mid-batch, cancel, duplex sides) is plain
Python over that adapter, so it is tested on Linux with a fake adapter; `ComWiaAdapter` is the
only code that needs Windows.

Why the feeder loop looks like this (NAPS2's WIA driver does the same for the automation
layer's WIA 1.0 item model): each `transfer()` takes one page (DPS_PAGES = 1) and is repeated
until the driver answers WIA_ERROR_PAPER_EMPTY. That answer is the END of the stream when pages
were fed, and `NO_PAPER` only when it comes before the first page. Any other fault (a jam on
page 7 of 10) raises after the pages already yielded, which the caller keeps.

The HRESULTs are those of wia.h (`MAKE_HRESULT(SEVERITY_ERROR, FACILITY_WIA, n)`, FACILITY_WIA
= 0x21). Microsoft's "Error Codes (WIA)" page prints a few of them with the decimal `n`
written as hex (WIA_ERROR_COVER_OPEN as 0x80210016 where wia.h gives n = 16, i.e.
0x80210010; LAMP_OFF 0x80210017 for 0x80210011; MULTI_FEED 0x80210020 for 0x80210014), and
libraries copied from that page (NAPS2.Wia among them) use the printed values. Both spellings
are mapped here: the header's values are what drivers return, and the page's values are not
used by any other WIA error.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError

from desktop.services.scanning.device import (
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

log = logging.getLogger(__name__)

PREFIX = "wia:"

# -- wia.h ---------------------------------------------------------------------------------------

WIA_ERROR_GENERAL_ERROR = 0x80210001
WIA_ERROR_PAPER_JAM = 0x80210002
WIA_ERROR_PAPER_EMPTY = 0x80210003
WIA_ERROR_PAPER_PROBLEM = 0x80210004
WIA_ERROR_OFFLINE = 0x80210005
WIA_ERROR_BUSY = 0x80210006
WIA_ERROR_WARMING_UP = 0x80210007
WIA_ERROR_USER_INTERVENTION = 0x80210008
WIA_ERROR_ITEM_DELETED = 0x80210009
WIA_ERROR_DEVICE_COMMUNICATION = 0x8021000A
WIA_ERROR_INVALID_COMMAND = 0x8021000B
WIA_ERROR_INCORRECT_HARDWARE_SETTING = 0x8021000C
WIA_ERROR_DEVICE_LOCKED = 0x8021000D
WIA_ERROR_COVER_OPEN = 0x80210010
WIA_ERROR_LAMP_OFF = 0x80210011
WIA_ERROR_MULTI_FEED = 0x80210014
WIA_S_NO_DEVICE_AVAILABLE = 0x80210015  # n = 21; MAXIMUM_PRINTER_ENDORSER_COUNTER shares it
WIA_STATUS_END_OF_MEDIA = 0x00210001  # a success code some drivers raise at the end of feed
E_ABORT = 0x80004004
DOCS_COVER_OPEN = 0x80210016  # the docs page's spelling (see the module docstring)
DOCS_LAMP_OFF = 0x80210017
DOCS_MULTI_FEED = 0x80210020

END_OF_FEED = frozenset({WIA_ERROR_PAPER_EMPTY, WIA_STATUS_END_OF_MEDIA})

PROBLEMS: dict[int, ScanProblem] = {
    WIA_ERROR_PAPER_JAM: ScanProblem.JAMMED,
    WIA_ERROR_PAPER_PROBLEM: ScanProblem.JAMMED,
    WIA_ERROR_MULTI_FEED: ScanProblem.JAMMED,  # two sheets pulled at once: clear and reload
    DOCS_MULTI_FEED: ScanProblem.JAMMED,
    WIA_ERROR_PAPER_EMPTY: ScanProblem.NO_PAPER,
    WIA_ERROR_COVER_OPEN: ScanProblem.COVER_OPEN,
    DOCS_COVER_OPEN: ScanProblem.COVER_OPEN,
    WIA_ERROR_BUSY: ScanProblem.BUSY,
    WIA_ERROR_WARMING_UP: ScanProblem.BUSY,
    WIA_ERROR_DEVICE_LOCKED: ScanProblem.BUSY,
    WIA_ERROR_OFFLINE: ScanProblem.UNPLUGGED,
    WIA_ERROR_DEVICE_COMMUNICATION: ScanProblem.UNPLUGGED,
    WIA_ERROR_ITEM_DELETED: ScanProblem.UNPLUGGED,
    WIA_S_NO_DEVICE_AVAILABLE: ScanProblem.UNPLUGGED,
    WIA_ERROR_INVALID_COMMAND: ScanProblem.UNSUPPORTED,
    WIA_ERROR_INCORRECT_HARDWARE_SETTING: ScanProblem.UNSUPPORTED,
    E_ABORT: ScanProblem.CANCELLED,
}

# Property ids (wia.h) and their values.
DPS_DOCUMENT_HANDLING_CAPABILITIES = 3086
DPS_DOCUMENT_HANDLING_STATUS = 3087
DPS_DOCUMENT_HANDLING_SELECT = 3088
DPS_PAGES = 3096
IPS_CUR_INTENT = 6146
IPS_XRES = 6147
IPS_YRES = 6148
IPA_DATATYPE = 4103
FEEDER = 0x001  # select, capabilities (FEED) and status (FEED_READY) share the low bits
FLATBED = 0x002
DUPLEX = 0x004
INTENT_COLOUR, INTENT_GREY, INTENT_TEXT = 1, 2, 4
DATA_THRESHOLD, DATA_GREY, DATA_COLOUR = 0, 2, 3

_INTENT = {
    ColourMode.COLOUR: INTENT_COLOUR,
    ColourMode.GREY: INTENT_GREY,
    ColourMode.BW: INTENT_TEXT,
}
_DATA = {DATA_COLOUR: ColourMode.COLOUR, DATA_GREY: ColourMode.GREY, DATA_THRESHOLD: ColourMode.BW}
STANDARD_DPIS = (75, 100, 150, 200, 240, 300, 400, 600, 1200)


def hex_code(hresult: int) -> str:
    return f"0x{hresult & 0xFFFFFFFF:08X}"


def problem_for(hresult: int) -> ScanProblem:
    """The counter's problem for a WIA/COM HRESULT (signed or unsigned); unknown -> FAILED."""
    return PROBLEMS.get(hresult & 0xFFFFFFFF, ScanProblem.FAILED)


# -- the adapter -----------------------------------------------------------------------------


class WiaComError(Exception):
    """A COM call failed; `hresult` is unsigned 32-bit, `text` the driver's words (log only)."""

    def __init__(self, hresult: int, text: str = "") -> None:
        super().__init__(f"{hex_code(hresult)} {text}".strip())
        self.hresult = hresult & 0xFFFFFFFF
        self.text = text


@dataclass(frozen=True)
class WiaDeviceInfo:
    id: str  # WIA's DeviceID, without our "wia:" prefix
    name: str
    manufacturer: str = ""


@dataclass(frozen=True)
class WiaDeviceProperties:
    handling_capabilities: int  # FEEDER | FLATBED | DUPLEX bits; 0 when the device has none
    resolutions: tuple[int, ...]
    data_types: tuple[int, ...]  # DATA_THRESHOLD / DATA_GREY / DATA_COLOUR


@dataclass(frozen=True)
class WiaScanRequest:
    handling_select: int  # FLATBED, FEEDER or FEEDER | DUPLEX
    pages: int  # DPS_PAGES: 1 = one page per transfer
    intent: int  # set before the resolution: WIA resets the resolution when the intent changes
    dpi: int


class WiaConnection(Protocol):
    """One connected device, used from ONE thread (a COM apartment)."""

    def properties(self) -> WiaDeviceProperties: ...

    def document_status(self) -> int: ...

    def configure(self, request: WiaScanRequest) -> None: ...

    def transfer(self) -> bytes:
        """One page as image file bytes (PNG); raises `WiaComError` (PAPER_EMPTY at the end)."""
        ...

    def close(self) -> None: ...


class WiaAdapter(Protocol):
    def devices(self) -> list[WiaDeviceInfo]: ...

    def connect(self, device_id: str) -> WiaConnection: ...


# -- the backend -----------------------------------------------------------------------------


def _error(exc: WiaComError, *, pages_done: int) -> ScanError:
    return ScanError(
        problem_for(exc.hresult), pages_done=pages_done, detail=f"WIA {hex_code(exc.hresult)}"
    )


def sources_of(capabilities: int) -> tuple[Source, ...]:
    if not capabilities:
        return (Source.FLATBED,)  # flatbed-only drivers often leave the property out
    found: list[Source] = []
    if capabilities & FLATBED:
        found.append(Source.FLATBED)
    if capabilities & FEEDER:
        found.append(Source.FEEDER)
        if capabilities & DUPLEX:
            found.append(Source.DUPLEX)
    return tuple(found)


class WiaBackend:
    """WIA through `adapter` (the real `ComWiaAdapter` on Windows when none is given)."""

    name = "wia"

    def __init__(self, adapter: WiaAdapter | None = None, *, max_pages: int = 500) -> None:
        self._adapter = adapter
        self._max_pages = max_pages  # a driver that never says "empty" must not loop forever

    def _adapter_or_none(self) -> WiaAdapter | None:
        if self._adapter is None and sys.platform == "win32":
            self._adapter = ComWiaAdapter()
        return self._adapter

    def _connect(self, device_id: str) -> WiaConnection:
        adapter = self._adapter_or_none()
        if adapter is None or not device_id.startswith(PREFIX):
            raise ScanError(ScanProblem.UNPLUGGED, detail=f"no WIA here for {device_id}")
        try:
            return adapter.connect(device_id.removeprefix(PREFIX))
        except WiaComError as exc:
            raise _error(exc, pages_done=0) from exc

    def devices(self) -> list[ScannerInfo]:
        adapter = self._adapter_or_none()
        if adapter is None:
            return []
        try:
            found = adapter.devices()
        except WiaComError as exc:
            log.warning("WIA device list failed: %s", exc)
            return []
        return [
            ScannerInfo(id=PREFIX + d.id, name=d.name, backend=self.name, detail=d.manufacturer)
            for d in found
        ]

    def capabilities(self, device_id: str) -> Capabilities:
        connection = self._connect(device_id)
        try:
            props = connection.properties()
        except WiaComError as exc:
            raise _error(exc, pages_done=0) from exc
        finally:
            connection.close()
        modes = tuple(
            _DATA[t] for t in (DATA_COLOUR, DATA_GREY, DATA_THRESHOLD) if t in props.data_types
        )
        return Capabilities(
            sources=sources_of(props.handling_capabilities),
            resolutions=props.resolutions,
            modes=modes or (ColourMode.COLOUR, ColourMode.GREY, ColourMode.BW),
        )

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        connection = self._connect(device_id)
        return self._pages(connection, settings, cancel)

    def _pages(
        self, connection: WiaConnection, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        index = 0
        try:
            try:
                props = connection.properties()
                if settings.source not in sources_of(props.handling_capabilities):
                    raise ScanError(ScanProblem.UNSUPPORTED, detail=f"WIA source {settings.source}")
                dpi = Capabilities((), props.resolutions, ()).nearest_dpi(settings.dpi)
                select = {Source.FLATBED: FLATBED, Source.FEEDER: FEEDER}.get(
                    settings.source, FEEDER | DUPLEX
                )
                connection.configure(WiaScanRequest(select, 1, _INTENT[settings.mode], dpi))
            except WiaComError as exc:
                raise _error(exc, pages_done=0) from exc
            feeder = settings.source is not Source.FLATBED
            empties = 0
            while index < self._max_pages:
                if cancel.cancelled:
                    raise ScanError(ScanProblem.CANCELLED, pages_done=index)
                try:
                    data = connection.transfer()
                except WiaComError as exc:
                    if feeder and exc.hresult in END_OF_FEED:
                        if index == 0:
                            raise _error(WiaComError(WIA_ERROR_PAPER_EMPTY), pages_done=0) from exc
                        return  # the feeder is empty: the batch is complete
                    raise _error(exc, pages_done=index) from exc
                if not data:  # some drivers send an empty stream now and then (NAPS2 skips it)
                    empties += 1
                    if empties >= 3:
                        return
                    continue
                empties = 0
                side = "back" if settings.source is Source.DUPLEX and index % 2 else "front"
                yield self._page(data, index, settings, side)
                index += 1
                if not feeder:
                    return
            log.warning("WIA: stopped after %d pages (the driver never said empty)", index)
        finally:
            connection.close()

    @staticmethod
    def _page(data: bytes, index: int, settings: ScanSettings, side: str) -> ScannedPage:
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                image = im.copy() if im.mode in ("1", "L", "RGB") else im.convert("RGB")
                dpi = im.info.get("dpi")
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
            # An incomplete image is a transfer cut short: the device went away mid-page.
            raise ScanError(
                ScanProblem.UNPLUGGED, pages_done=index, detail=f"WIA image: {exc}"
            ) from exc
        reported = round(float(dpi[0])) if isinstance(dpi, tuple) and dpi else None
        return ScannedPage(
            image=image, index=index, dpi=settings.dpi, reported_dpi=reported, side=side
        )


# -- the real COM layer (Windows only) -------------------------------------------------------

WIA_FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"
SCANNER_DEVICE_TYPE = 1
RANGE_SUBTYPE, LIST_SUBTYPE = 1, 2


def _comtypes() -> Any:
    """comtypes, imported only on Windows (it is declared for win32 only)."""
    if sys.platform != "win32":
        raise ScanError(ScanProblem.UNSUPPORTED, detail="WIA needs Windows")
    import comtypes
    import comtypes.client

    return comtypes


def _com_error(exc: BaseException) -> WiaComError:
    hresult = exc.args[0] if exc.args and isinstance(exc.args[0], int) else WIA_ERROR_GENERAL_ERROR
    text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
    return WiaComError(hresult, text)


def _find(properties: Any, property_id: int) -> Any:
    for prop in properties:
        if int(prop.PropertyID) == property_id:
            return prop
    return None


def _values(prop: Any) -> tuple[int, ...]:
    if prop is None:
        return ()
    if int(prop.SubType) == RANGE_SUBTYPE:
        low, high = int(prop.SubTypeMin), int(prop.SubTypeMax)
        return tuple(d for d in STANDARD_DPIS if low <= d <= high) or (int(prop.Value),)
    if int(prop.SubType) == LIST_SUBTYPE:
        return tuple(sorted({int(v) for v in prop.SubTypeValues}))
    return (int(prop.Value),)


class ComWiaConnection:
    """A device connected through WIA automation in the calling thread's COM apartment."""

    def __init__(self, comtypes: Any, device_id: str) -> None:
        self._comtypes = comtypes
        comtypes.CoInitialize()
        try:
            manager = comtypes.client.CreateObject("WIA.DeviceManager")
            info = next((i for i in manager.DeviceInfos if i.DeviceID == device_id), None)
            if info is None:
                raise WiaComError(WIA_S_NO_DEVICE_AVAILABLE, f"not found: {device_id}")
            self._device = info.Connect()
            self._item = next(iter(self._device.Items))
        except comtypes.COMError as exc:
            comtypes.CoUninitialize()
            raise _com_error(exc) from exc
        except BaseException:
            comtypes.CoUninitialize()
            raise

    def properties(self) -> WiaDeviceProperties:
        try:
            caps = _find(self._device.Properties, DPS_DOCUMENT_HANDLING_CAPABILITIES)
            return WiaDeviceProperties(
                handling_capabilities=int(caps.Value) if caps is not None else 0,
                resolutions=_values(_find(self._item.Properties, IPS_XRES)),
                data_types=_values(_find(self._item.Properties, IPA_DATATYPE)),
            )
        except self._comtypes.COMError as exc:
            raise _com_error(exc) from exc

    def document_status(self) -> int:
        try:
            status = _find(self._device.Properties, DPS_DOCUMENT_HANDLING_STATUS)
            return int(status.Value) if status is not None else 0
        except self._comtypes.COMError as exc:
            raise _com_error(exc) from exc

    def configure(self, request: WiaScanRequest) -> None:
        try:
            for target, property_id, value in (
                (self._device, DPS_DOCUMENT_HANDLING_SELECT, request.handling_select),
                (self._device, DPS_PAGES, request.pages),
                (self._item, IPS_CUR_INTENT, request.intent),
                (self._item, IPS_XRES, request.dpi),
                (self._item, IPS_YRES, request.dpi),
            ):
                prop = _find(target.Properties, property_id)
                if prop is not None:  # a flatbed-only device has no document handling
                    prop.Value = value
        except self._comtypes.COMError as exc:
            raise _com_error(exc) from exc

    def transfer(self) -> bytes:
        try:
            image_file = self._item.Transfer(WIA_FORMAT_PNG)
            return bytes(image_file.FileData.BinaryData)
        except self._comtypes.COMError as exc:
            raise _com_error(exc) from exc

    def close(self) -> None:
        self._item = None
        self._device = None
        self._comtypes.CoUninitialize()


class ComWiaAdapter:
    """The real WIA: `WIA.DeviceManager` (WIA 2.0 automation, wiaaut.dll) through comtypes."""

    def __init__(self) -> None:
        self._comtypes = _comtypes()

    def devices(self) -> list[WiaDeviceInfo]:
        comtypes = self._comtypes
        comtypes.CoInitialize()
        try:
            manager = comtypes.client.CreateObject("WIA.DeviceManager")
            found: list[WiaDeviceInfo] = []
            for info in manager.DeviceInfos:
                if int(info.Type) != SCANNER_DEVICE_TYPE:
                    continue
                name = _find_named(info.Properties, "Name") or info.DeviceID
                maker = _find_named(info.Properties, "Manufacturer")
                found.append(WiaDeviceInfo(str(info.DeviceID), name, maker))
            return found
        except comtypes.COMError as exc:
            raise _com_error(exc) from exc
        finally:
            comtypes.CoUninitialize()

    def connect(self, device_id: str) -> WiaConnection:
        return ComWiaConnection(self._comtypes, device_id)


def _find_named(properties: Any, name: str) -> str:
    for prop in properties:
        if str(prop.Name) == name:
            return str(prop.Value)
    return ""
