"""eSCL documents: reading ScannerCapabilities/ScannerStatus and writing ScanSettings.

A network scanner is a device on the office LAN we do not control, so what it sends is parsed
as hostile: the body is size-bounded before parsing, and our own expat handlers refuse any DTD
(no entity may be declared, so no "billion laughs", no external entity fetch) whatever the
document's encoding. Elements are matched by LOCAL name: devices disagree on namespace
versions (pwg 2009 vs 2010, "scan:" vs the default namespace), never on element names.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.parsers import expat
from xml.sax.saxutils import escape

from desktop.services.scanning.device import (
    PAPER_MM,
    Capabilities,
    ColourMode,
    Paper,
    ScanSettings,
    Source,
)

MAX_XML_BYTES = 1_000_000
"""Capabilities of a real multifunction device are 5-40 KB; anything past 1 MB is not eSCL."""

SCAN_NS = "http://schemas.hp.com/imaging/escl/2011/05/03"
PWG_NS = "http://www.pwg.org/schemas/2010/12/sm"

MODE_NAMES: dict[ColourMode, str] = {
    ColourMode.COLOUR: "RGB24",
    ColourMode.GREY: "Grayscale8",
    ColourMode.BW: "BlackAndWhite1",
}
COMMON_DPIS = (75, 100, 150, 200, 240, 300, 400, 600, 1200)
"""The steps offered from a continuous resolution range."""


class HostileXml(ValueError):
    """The document is too big, declares a DTD, or is not well-formed XML."""


def parse_xml(data: bytes) -> Element:
    """Parse `data` into an ElementTree whose tags are local names (namespaces dropped)."""
    if len(data) > MAX_XML_BYTES:
        raise HostileXml(f"XML of {len(data)} bytes (limit {MAX_XML_BYTES})")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []

    def refuse(*_args: object) -> int:
        raise HostileXml("DTD or entity declaration in an eSCL document")

    def start(name: str, _attrs: dict[str, str]) -> None:
        element = Element(name.rpartition(" ")[2])
        element.text = ""
        if stack:
            stack[-1].append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].text = (stack[-1].text or "") + text

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise HostileXml(f"not well-formed XML: {exc}") from exc
    if not root:
        raise HostileXml("empty XML document")
    return root[0]


def _all(element: Element, name: str) -> list[Element]:
    return list(element.iter(name))


def _text(element: Element, name: str) -> str:
    found = element.find(f".//{name}")
    return (found.text or "").strip() if found is not None else ""


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class DeviceCapabilities:
    """`Capabilities` plus what only the eSCL client needs (the model name, exact mode names)."""

    capabilities: Capabilities
    make_and_model: str
    mode_names: frozenset[str]
    formats: frozenset[str]
    max_width_300: int | None  # platen's (or feeder's) largest region, in 1/300 inch
    max_height_300: int | None


def _resolutions(caps: Element) -> set[int]:
    found: set[int] = set()
    for discrete in _all(caps, "DiscreteResolution"):
        x = _int(_text(discrete, "XResolution"))
        y = _int(_text(discrete, "YResolution"))
        if x and (y is None or y == x):
            found.add(x)
    for ranged in _all(caps, "XResolutionRange"):
        low = _int(_text(ranged, "Min"))
        high = _int(_text(ranged, "Max"))
        normal = _int(_text(ranged, "Normal"))
        if low is None or high is None:
            continue
        found.update(d for d in COMMON_DPIS if low <= d <= high)
        if normal and low <= normal <= high:
            found.add(normal)
    return {d for d in found if 0 < d <= 4800}


def _max(caps: list[Element], name: str) -> int | None:
    values = [v for c in caps if (v := _int(_text(c, name))) and v > 0]
    return max(values) if values else None


def parse_capabilities(data: bytes) -> DeviceCapabilities:
    root = parse_xml(data)
    if root.tag != "ScannerCapabilities":
        raise HostileXml(f"expected ScannerCapabilities, got {root.tag}")
    sources: list[Source] = []
    input_caps: list[Element] = []
    platen = _all(root, "PlatenInputCaps")
    simplex = _all(root, "AdfSimplexInputCaps")
    duplex = _all(root, "AdfDuplexInputCaps")
    adf_options = {(o.text or "").strip() for o in _all(root, "AdfOption")}
    if platen:
        sources.append(Source.FLATBED)
    if simplex or duplex:
        sources.append(Source.FEEDER)
    if duplex or (simplex and "Duplex" in adf_options):
        sources.append(Source.DUPLEX)
    input_caps = platen + simplex + duplex
    modes_seen = {(m.text or "").strip() for c in input_caps for m in _all(c, "ColorMode")}
    formats = {
        (f.text or "").strip()
        for c in input_caps
        for tag in ("DocumentFormat", "DocumentFormatExt")
        for f in _all(c, tag)
    }
    resolutions: set[int] = set()
    for c in input_caps:
        resolutions |= _resolutions(c)
    modes = tuple(mode for mode, name in MODE_NAMES.items() if name in modes_seen)
    width = _max(input_caps, "MaxWidth")
    height = _max(input_caps, "MaxHeight")
    capabilities = Capabilities(
        sources=tuple(sources),
        resolutions=tuple(sorted(resolutions)),
        modes=modes,
        max_width_mm=round(width * 25.4 / 300, 1) if width else None,
        max_height_mm=round(height * 25.4 / 300, 1) if height else None,
    )
    return DeviceCapabilities(
        capabilities=capabilities,
        make_and_model=_text(root, "MakeAndModel"),
        mode_names=frozenset(modes_seen),
        formats=frozenset(formats),
        max_width_300=width,
        max_height_300=height,
    )


@dataclass(frozen=True)
class DeviceStatus:
    state: str  # Idle | Processing | Testing | Stopped | Down
    adf_state: str  # "" or ScannerAdfLoaded, ScannerAdfEmpty, ScannerAdfJam, ...


def parse_status(data: bytes) -> DeviceStatus:
    root = parse_xml(data)
    if root.tag != "ScannerStatus":
        raise HostileXml(f"expected ScannerStatus, got {root.tag}")
    # The device's own State/AdfState, not those of the JobInfo entries listed under Jobs.
    state = next((c for c in root if c.tag == "State"), None)
    adf = next((c for c in root if c.tag == "AdfState"), None)
    return DeviceStatus(
        state=(state.text or "").strip() if state is not None else "",
        adf_state=(adf.text or "").strip() if adf is not None else "",
    )


def region_300(paper: Paper, max_width: int | None, max_height: int | None) -> tuple[int, int]:
    """The paper in 1/300 inch (eSCL's unit), clamped to what the device can scan: an F4 sheet
    on an A4 flatbed is scanned as far as the glass goes, never refused."""
    width_mm, height_mm = PAPER_MM[paper]
    width = round(width_mm / 25.4 * 300)
    height = round(height_mm / 25.4 * 300)
    if max_width:
        width = min(width, max_width)
    if max_height:
        height = min(height, max_height)
    return width, height


def scan_settings_xml(
    settings: ScanSettings, *, dpi: int, mode_name: str, region: tuple[int, int]
) -> bytes:
    source = "Platen" if settings.source is Source.FLATBED else "Feeder"
    duplex = (
        f"<scan:Duplex>{'true' if settings.source is Source.DUPLEX else 'false'}</scan:Duplex>"
        if source == "Feeder"
        else ""
    )
    width, height = region
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<scan:ScanSettings xmlns:scan="{SCAN_NS}" xmlns:pwg="{PWG_NS}">'
        "<pwg:Version>2.0</pwg:Version>"
        "<scan:Intent>Document</scan:Intent>"
        "<pwg:ScanRegions><pwg:ScanRegion>"
        "<pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>"
        f"<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset>"
        f"<pwg:Width>{width}</pwg:Width><pwg:Height>{height}</pwg:Height>"
        "</pwg:ScanRegion></pwg:ScanRegions>"
        f"<pwg:InputSource>{source}</pwg:InputSource>{duplex}"
        f"<scan:ColorMode>{escape(mode_name)}</scan:ColorMode>"
        f"<scan:XResolution>{dpi}</scan:XResolution><scan:YResolution>{dpi}</scan:YResolution>"
        "<pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>"
        "<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt>"
        "</scan:ScanSettings>"
    )
    return text.encode("utf-8")
