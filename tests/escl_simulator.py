"""An eSCL (AirScan) scanner over real HTTP on loopback, for the eSCL client's tests.

It answers what a network multifunction device answers: ScannerCapabilities (platen + ADF
with duplex, RGB24/Grayscale8/BlackAndWhite1), ScannerStatus, POST ScanJobs -> 201 + Location,
GET {job}/NextDocument with a JPEG page (Pillow-rendered "Halaman n") until 404, DELETE {job}.
`Behaviour` turns on the faults real devices show: 503 busy (for the first k requests or
always), silence (the request is accepted and never answered), a jam after page k (status
ScannerAdfJam, NextDocument fails), an empty feeder, an open hatch, a wrong DPI written into
the JPEG, slow pages, and a hostile capabilities document. Every request is recorded.

    with EsclSimulator(Behaviour(feeder_pages=10)) as sim:
        backend = EsclBackend([sim.base_url])
"""

from __future__ import annotations

import io
import ssl
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from PIL import Image, ImageDraw, ImageFont

MAKE_AND_MODEL = "Loket Simulasi eSCL 3000"
SILENCE_LIMIT = 30.0
"""A silent request is let go after this (or when the simulator stops), never answered."""


@dataclass
class Behaviour:
    feeder_pages: int = 10  # pages in the feeder for one Feeder job (duplex: sides)
    busy_first: int = 0  # the first k requests to a `busy_on` endpoint answer 503
    busy_always: bool = False
    busy_on: frozenset[str] = frozenset({"NextDocument"})
    silent_on: frozenset[str] = frozenset()  # endpoints never answered
    silent_after_pages: int | None = None  # NextDocument silent once this many pages went out
    jam_after: int | None = None  # pages delivered before the feeder jams
    adf_state: str = "ScannerAdfLoaded"  # ScannerAdfEmpty, ScannerAdfHatchOpen, ...
    state: str = "Idle"
    reported_dpi: int | None = None  # the DPI written into each JPEG (None: the one asked)
    page_delay: float = 0.0  # seconds before each page is answered (a slow device)
    capabilities_body: bytes | None = None  # replaces the capabilities document
    status_body: bytes | None = None
    modes: tuple[str, ...] = ("BlackAndWhite1", "Grayscale8", "RGB24")
    resolutions: tuple[int, ...] = (75, 100, 150, 200, 300, 600)
    resolution_range: tuple[int, int] | None = None  # offer a range instead of the list
    absolute_location: bool = False
    no_length: bool = False  # bodies end when the connection closes (no Content-Length)


@dataclass
class Job:
    id: str
    source: str  # Platen | Feeder
    duplex: bool
    mode: str
    dpi: int
    width_300: int
    height_300: int
    delivered: int = 0
    deleted: bool = False


@dataclass
class Record:
    method: str
    path: str
    status: int | None  # None: never answered
    body: bytes = b""


@dataclass
class _State:
    behaviour: Behaviour
    jobs: dict[str, Job] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    busy_served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)


def _caps_block(tag: str, behaviour: Behaviour) -> str:
    modes = "".join(f"<scan:ColorMode>{m}</scan:ColorMode>" for m in behaviour.modes)
    if behaviour.resolution_range:
        low, high = behaviour.resolution_range
        rng = f"<scan:Min>{low}</scan:Min><scan:Max>{high}</scan:Max><scan:Normal>300</scan:Normal>"
        resolutions = (
            f"<scan:ResolutionRange><scan:XResolutionRange>{rng}</scan:XResolutionRange>"
            f"<scan:YResolutionRange>{rng}</scan:YResolutionRange></scan:ResolutionRange>"
        )
    else:
        resolutions = (
            "<scan:DiscreteResolutions>"
            + "".join(
                f"<scan:DiscreteResolution><scan:XResolution>{r}</scan:XResolution>"
                f"<scan:YResolution>{r}</scan:YResolution></scan:DiscreteResolution>"
                for r in behaviour.resolutions
            )
            + "</scan:DiscreteResolutions>"
        )
    height = 3508 if tag == "PlatenInputCaps" else 4200  # A4 glass; the feeder takes F4
    return (
        f"<scan:{tag}><scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>"
        f"<scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>{height}</scan:MaxHeight>"
        "<scan:MaxScanRegions>1</scan:MaxScanRegions><scan:SettingProfiles><scan:SettingProfile>"
        f"<scan:ColorModes>{modes}</scan:ColorModes>"
        "<scan:DocumentFormats><pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>"
        "<pwg:DocumentFormat>application/pdf</pwg:DocumentFormat></scan:DocumentFormats>"
        f"<scan:SupportedResolutions>{resolutions}</scan:SupportedResolutions>"
        f"</scan:SettingProfile></scan:SettingProfiles></scan:{tag}>"
    )


def capabilities_xml(behaviour: Behaviour) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<scan:ScannerCapabilities xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm" '
        'xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">'
        f"<pwg:Version>2.63</pwg:Version><pwg:MakeAndModel>{MAKE_AND_MODEL}</pwg:MakeAndModel>"
        f"<scan:Platen>{_caps_block('PlatenInputCaps', behaviour)}</scan:Platen>"
        f"<scan:Adf>{_caps_block('AdfSimplexInputCaps', behaviour)}"
        f"{_caps_block('AdfDuplexInputCaps', behaviour)}"
        "<scan:FeederCapacity>50</scan:FeederCapacity>"
        "<scan:AdfOptions><scan:AdfOption>Duplex</scan:AdfOption></scan:AdfOptions></scan:Adf>"
        "</scan:ScannerCapabilities>"
    ).encode()


def status_xml(state: str, adf_state: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<scan:ScannerStatus xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm" '
        'xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03">'
        f"<pwg:Version>2.0</pwg:Version><pwg:State>{state}</pwg:State>"
        f"<scan:AdfState>{adf_state}</scan:AdfState>"
        # A job's own state must not be mistaken for the device's.
        "<scan:Jobs><scan:JobInfo><pwg:JobState>Processing</pwg:JobState></scan:JobInfo></scan:Jobs>"
        "</scan:ScannerStatus>"
    ).encode()


def render_page(job: Job, number: int, reported_dpi: int | None) -> bytes:
    """A JPEG of the asked region at the asked DPI with "Halaman n" on it."""
    width = max(1, job.width_300 * job.dpi // 300)
    height = max(1, job.height_300 * job.dpi // 300)
    mode = {"RGB24": "RGB"}.get(job.mode, "L")
    image = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(10, job.dpi // 4))
    side = " (belakang)" if job.duplex and number % 2 == 0 else ""
    draw.text((width // 10, height // 10), f"Halaman {number}{side}", fill="black", font=font)
    out = io.BytesIO()
    dpi = reported_dpi or job.dpi
    image.save(out, "JPEG", quality=75, dpi=(dpi, dpi))
    return out.getvalue()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_job(body: bytes) -> Job:
    root = ET.fromstring(body)  # our own client's document
    values = {_local(e.tag): (e.text or "").strip() for e in root.iter()}
    return Job(
        id=uuid.uuid4().hex,
        source=values.get("InputSource", "Platen"),
        duplex=values.get("Duplex") == "true",
        mode=values.get("ColorMode", "RGB24"),
        dpi=int(values.get("XResolution", "300")),
        width_300=int(values.get("Width", "2480")),
        height_300=int(values.get("Height", "3508")),
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the records are the log."""

    def _record(self, status: int | None, body: bytes = b"") -> None:
        with self.server.state.lock:
            self.server.state.records.append(Record(self.command, self.path, status, body))

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if not self.server.state.behaviour.no_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _silent(self) -> None:
        self._record(None)
        self.server.state.release.wait(SILENCE_LIMIT)
        self.close_connection = True

    def _endpoint(self) -> str:
        root = self.server.root
        path = self.path.split("?")[0]
        if not path.startswith(root + "/"):
            return ""
        rest = path[len(root) + 1 :].split("/")
        if rest[0] == "ScanJobs" and len(rest) == 3 and rest[2] == "NextDocument":
            return "NextDocument"
        if rest[0] == "ScanJobs" and len(rest) == 2:
            return "Job"
        return rest[0] if len(rest) == 1 else ""

    def _busy(self, endpoint: str) -> bool:
        behaviour = self.server.state.behaviour
        if endpoint not in behaviour.busy_on:
            return False
        if behaviour.busy_always:
            return True
        with self.server.state.lock:
            if self.server.state.busy_served < behaviour.busy_first:
                self.server.state.busy_served += 1
                return True
        return False

    def _job(self) -> Job | None:
        parts = self.path.split("?")[0].split("/")
        job_id = parts[parts.index("ScanJobs") + 1]
        return self.server.state.jobs.get(job_id)

    def do_GET(self) -> None:
        state = self.server.state
        behaviour = state.behaviour
        endpoint = self._endpoint()
        if endpoint in behaviour.silent_on:
            return self._silent()
        if self._busy(endpoint):
            return self._send(503, b"busy", {"Retry-After": "1"})
        if endpoint == "ScannerCapabilities":
            body = behaviour.capabilities_body or capabilities_xml(behaviour)
            return self._send(200, body, {"Content-Type": "text/xml"})
        if endpoint == "ScannerStatus":
            body = behaviour.status_body or status_xml(behaviour.state, behaviour.adf_state)
            return self._send(200, body, {"Content-Type": "text/xml"})
        if endpoint == "NextDocument":
            return self._next_document(state, behaviour)
        return self._send(404)

    def _next_document(self, state: _State, behaviour: Behaviour) -> None:
        job = self._job()
        if job is None or job.deleted:
            return self._send(404)
        if behaviour.silent_after_pages is not None and (
            job.delivered >= behaviour.silent_after_pages
        ):
            return self._silent()
        if behaviour.jam_after is not None and job.delivered >= behaviour.jam_after:
            behaviour.adf_state, behaviour.state = "ScannerAdfJam", "Stopped"
            return self._send(500, b"jam")
        total = 1 if job.source == "Platen" else behaviour.feeder_pages
        if job.delivered >= total:
            if job.source == "Feeder":
                behaviour.adf_state = "ScannerAdfEmpty"
            return self._send(404)
        if behaviour.page_delay and state.release.wait(behaviour.page_delay):
            return self._silent()
        job.delivered += 1
        body = render_page(job, job.delivered, behaviour.reported_dpi)
        return self._send(200, body, {"Content-Type": "image/jpeg"})

    def do_POST(self) -> None:
        behaviour = self.server.state.behaviour
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        endpoint = self._endpoint()
        if endpoint != "ScanJobs":
            return self._send(404)
        if endpoint in behaviour.silent_on:
            return self._silent()
        if self._busy(endpoint):
            return self._send(503, b"busy")
        if behaviour.state != "Idle":
            return self._send(503, b"not idle")
        job = _parse_job(body)
        if job.source == "Feeder" and behaviour.adf_state == "ScannerAdfEmpty":
            return self._send(409, b"no paper")
        self.server.state.jobs[job.id] = job
        with self.server.state.lock:
            self.server.state.records.append(Record("POST", self.path, 201, body))
        location = f"{self.server.root}/ScanJobs/{job.id}"
        if behaviour.absolute_location:
            location = f"{self.server.scheme}://127.0.0.1:{self.server.server_port}{location}"
        self.send_response(201)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self) -> None:
        job = self._job() if self._endpoint() == "Job" else None
        if job is None:
            return self._send(404)
        job.deleted = True
        return self._send(200)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State
    root: str
    scheme: str


class EsclSimulator:
    """The scanner: `start()`/`stop()` or a `with` block; `base_url` is what a user types."""

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        *,
        root: str = "/eSCL",
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.behaviour = behaviour or Behaviour()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(self.behaviour)
        self._server.root = root
        self._server.scheme = "https" if tls else "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.port = self._server.server_port
        self.base_url = f"{self._server.scheme}://127.0.0.1:{self.port}{root}"

    @property
    def records(self) -> list[Record]:
        with self._server.state.lock:
            return list(self._server.state.records)

    @property
    def jobs(self) -> list[Job]:
        return list(self._server.state.jobs.values())

    def calls(self, method: str, endpoint: str) -> list[Record]:
        """Records whose path ends with `endpoint` ("NextDocument", "ScanJobs", ...); for job
        DELETEs pass "" to get them all."""
        return [r for r in self.records if r.method == method and r.path.endswith(endpoint)]

    def start(self) -> EsclSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering; the port then refuses connections (a scanner switched off)."""
        self._server.state.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EsclSimulator:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
