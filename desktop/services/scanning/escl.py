"""eSCL (AirScan): our own HTTP client for driverless network scanners.

The protocol: GET {base}/ScannerCapabilities, GET {base}/ScannerStatus, POST {base}/ScanJobs
with a ScanSettings document (201 + Location = the job), then GET {job}/NextDocument once per
page until 404 (the job, or the feeder, is done), DELETE {job} to give the device back when we
stop early. Devices answer 503 while busy, fall silent when they hang, and report a fault in
ScannerStatus (AdfState ScannerAdfJam, ...) rather than in the failed request, so every fault
is looked up there before it is named.

Every request has a timeout (a silent device is `NO_ANSWER`, never a hung worker), TLS is
verified against the OS trust store (`truststore`, as for the API; there is no switch to turn
it off), proxies from the environment are ignored (a scanner is on the office LAN), and every
body is size-bounded before it is parsed or decoded.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests
from PIL import Image, UnidentifiedImageError
from urllib3.exceptions import ReadTimeoutError

from desktop.services.api.client import TrustStoreAdapter, tls_context
from desktop.services.scanning import escl_discovery
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
from desktop.services.scanning.escl_xml import (
    MAX_XML_BYTES,
    MODE_NAMES,
    DeviceCapabilities,
    DeviceStatus,
    HostileXml,
    parse_capabilities,
    parse_status,
    region_300,
    scan_settings_xml,
)

log = logging.getLogger(__name__)

PREFIX = "escl:"
MAX_PAGE_BYTES = 200 * 1024 * 1024
"""A 600 dpi colour F4 page as JPEG is 10-30 MB; a body past this is refused, not buffered."""
BUSY_DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Waits after each 503 before asking again; then the device is reported busy."""

_JAM_STATES = {
    "ScannerAdfJam",
    "ScannerAdfMispick",
    "ScannerAdfMultipickDetected",
    "ScannerAdfDuplexPageTooShort",
    "ScannerAdfDuplexPageTooLong",
}
_TLS_MESSAGE = (
    "Sertifikat HTTPS pemindai jaringan tidak dipercaya komputer ini. Pasang sertifikat "
    "pemindai di Windows, atau pakai alamat http:// pemindai di pengaturan."
)


def normalise_address(text: str) -> str:
    """A typed address as a base URL: "10.0.0.5" -> "http://10.0.0.5/eSCL",
    "https://scan.kantor:8443" -> "https://scan.kantor:8443/eSCL". Raises ValueError."""
    text = text.strip()
    if not text:
        raise ValueError("empty address")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) address: {text!r}")
    path = parts.path.rstrip("/") or "/eSCL"
    return f"{parts.scheme}://{parts.netloc}{path}"


def base_of(device_id: str) -> str:
    if not device_id.startswith(PREFIX):
        raise ScanError(ScanProblem.UNPLUGGED, detail=f"not an eSCL device id: {device_id!r}")
    try:
        return normalise_address(device_id[len(PREFIX) :])
    except ValueError as exc:
        raise ScanError(ScanProblem.UNPLUGGED, detail=str(exc)) from exc


def problem_in(status: DeviceStatus, *, pages_done: int) -> ScanProblem | None:
    """The fault ScannerStatus shows, if any. An empty feeder after pages is the end of the
    batch, not a fault."""
    if status.adf_state in _JAM_STATES:
        return ScanProblem.JAMMED
    if status.adf_state == "ScannerAdfHatchOpen":
        return ScanProblem.COVER_OPEN
    if status.adf_state == "ScannerAdfEmpty" and pages_done == 0:
        return ScanProblem.NO_PAPER
    return None


class _Http:
    """One requests session for one operation, closed with it; transport faults become
    `ScanError`s naming what the officer can check."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("https://", TrustStoreAdapter(tls_context()))
        self.pages_done = 0

    def __enter__(self) -> _Http:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.close()

    def fault(self, exc: requests.RequestException, url: str) -> ScanError:
        detail = f"{type(exc).__name__} {url}: {exc}"
        if isinstance(exc, requests.exceptions.SSLError):
            return ScanError(
                ScanProblem.FAILED, pages_done=self.pages_done, detail=detail, message=_TLS_MESSAGE
            )
        timed_out = isinstance(exc, requests.Timeout) or any(
            isinstance(arg, ReadTimeoutError) for arg in exc.args
        )
        if timed_out:
            return ScanError(ScanProblem.NO_ANSWER, pages_done=self.pages_done, detail=detail)
        if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
            return ScanError(ScanProblem.UNPLUGGED, pages_done=self.pages_done, detail=detail)
        return ScanError(ScanProblem.FAILED, pages_done=self.pages_done, detail=detail)

    def call(
        self,
        method: str,
        url: str,
        *,
        limit: int,
        data: bytes | None = None,
        timeout: float | None = None,
    ) -> tuple[requests.Response, bytes]:
        """The response and its body (at most `limit` bytes, else `ScanError(FAILED)`)."""
        headers = {"Content-Type": "text/xml"} if data is not None else {}
        try:
            with self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout or self.timeout,
                stream=True,
                allow_redirects=False,
            ) as resp:
                declared = resp.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise self.too_big(url, int(declared), limit)
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise self.too_big(url, size, limit)
                    chunks.append(chunk)
                return resp, b"".join(chunks)
        except requests.RequestException as exc:
            raise self.fault(exc, url) from exc

    def too_big(self, url: str, size: int, limit: int) -> ScanError:
        return ScanError(
            ScanProblem.FAILED,
            pages_done=self.pages_done,
            detail=f"{url}: body of {size} bytes exceeds {limit}",
        )


class EsclBackend:
    """Network scanners: the addresses typed in settings plus those mDNS finds."""

    name = "escl"

    def __init__(
        self,
        addresses: Sequence[str] = (),
        discover: bool = True,
        timeout: float = 10.0,
        *,
        discovery_window: float = 2.0,
        discovery_interfaces: Sequence[str] | None = None,
        busy_delays: Sequence[float] = BUSY_DELAYS,
    ) -> None:
        self.addresses = tuple(addresses)
        self.discover = discover
        self.timeout = timeout
        self.discovery_window = discovery_window
        self.discovery_interfaces = discovery_interfaces
        self.busy_delays = tuple(busy_delays)

    # -- devices ---------------------------------------------------------------------------

    def devices(self) -> list[ScannerInfo]:
        """Typed addresses first (each asked for its model, briefly; listed even when it does
        not answer, so the officer sees the address and the scan says why), then what mDNS
        finds that was not typed."""
        bases: list[str] = []
        for text in self.addresses:
            try:
                base = normalise_address(text)
            except ValueError as exc:
                log.warning("eSCL address skipped: %s", exc)
                continue
            if base not in bases:
                bases.append(base)
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = pool.submit(self._discovered) if self.discover else None
            typed = list(pool.map(self._probe, bases))
        known = {info.id for info in typed}
        discovered = found.result() if found is not None else []
        return typed + [info for info in discovered if info.id not in known]

    def _discovered(self) -> list[ScannerInfo]:
        try:
            return escl_discovery.discover(
                self.discovery_window, interfaces=self.discovery_interfaces
            )
        except Exception:  # discovery is a convenience; the typed devices must still come
            log.exception("eSCL discovery failed")
            return []

    def _probe(self, base: str) -> ScannerInfo:
        host = urlsplit(base).hostname or base
        try:
            with _Http(min(self.timeout, 3.0)) as http:
                caps = self._ask_capabilities(http, base, busy_delays=())
        except ScanError as exc:
            log.info("eSCL %s not answering: %s", base, exc.detail or exc.problem)
            return ScannerInfo(
                id=PREFIX + base,
                name=f"Pemindai jaringan {host}",
                backend=self.name,
                detail=f"{base} (tidak terjangkau)",
            )
        return ScannerInfo(
            id=PREFIX + base,
            name=caps.make_and_model or f"Pemindai jaringan {host}",
            backend=self.name,
            detail=base,
        )

    # -- capabilities ----------------------------------------------------------------------

    def capabilities(self, device_id: str) -> Capabilities:
        base = base_of(device_id)
        with _Http(self.timeout) as http:
            return self._ask_capabilities(http, base, busy_delays=self.busy_delays).capabilities

    def _ask_capabilities(
        self, http: _Http, base: str, *, busy_delays: Sequence[float]
    ) -> DeviceCapabilities:
        url = f"{base}/ScannerCapabilities"
        resp, body = self._busy_retry(http, "GET", url, busy_delays, limit=MAX_XML_BYTES)
        if resp.status_code != 200:
            raise ScanError(ScanProblem.FAILED, detail=f"GET {url}: HTTP {resp.status_code}")
        try:
            return parse_capabilities(body)
        except HostileXml as exc:
            raise ScanError(ScanProblem.FAILED, detail=f"GET {url}: {exc}") from exc

    def _status(self, http: _Http, base: str) -> DeviceStatus | None:
        """ScannerStatus, or None when the device cannot say (a fault is then named by the
        failed request alone)."""
        url = f"{base}/ScannerStatus"
        try:
            resp, body = http.call("GET", url, limit=MAX_XML_BYTES, timeout=min(self.timeout, 5.0))
            if resp.status_code != 200:
                return None
            return parse_status(body)
        except (ScanError, HostileXml) as exc:
            log.info("eSCL status %s unreadable: %s", url, exc)
            return None

    def _busy_retry(
        self,
        http: _Http,
        method: str,
        url: str,
        delays: Sequence[float],
        *,
        limit: int,
        data: bytes | None = None,
        cancel: CancelToken | None = None,
    ) -> tuple[requests.Response, bytes]:
        """The request, asked again after each delay while the device answers 503; still busy
        after the last one: `ScanError(BUSY)`."""
        for delay in (*delays, None):
            resp, body = http.call(method, url, limit=limit, data=data)
            if resp.status_code != 503:
                return resp, body
            if delay is None:
                break
            log.info("eSCL %s %s: 503 busy, asking again in %.1f s", method, url, delay)
            _wait(delay, cancel, http.pages_done)
        raise ScanError(ScanProblem.BUSY, pages_done=http.pages_done, detail=f"{method} {url}: 503")

    # -- scanning --------------------------------------------------------------------------

    def scan(
        self, device_id: str, settings: ScanSettings, cancel: CancelToken
    ) -> Generator[ScannedPage, None, None]:
        """See `ScannerBackend.scan`. Closing the generator early (the dialog went away) also
        deletes the job on the device."""
        base = base_of(device_id)
        with _Http(self.timeout) as http:
            yield from self._scan(http, base, settings, cancel)

    def _scan(
        self, http: _Http, base: str, settings: ScanSettings, cancel: CancelToken
    ) -> Iterator[ScannedPage]:
        device = self._ask_capabilities(http, base, busy_delays=self.busy_delays)
        caps = device.capabilities
        if caps.sources and settings.source not in caps.sources:
            raise ScanError(
                ScanProblem.UNSUPPORTED, detail=f"source {settings.source} not in {caps.sources}"
            )
        mode_name = _mode_name(settings.mode, device.mode_names)
        dpi = caps.nearest_dpi(settings.dpi)
        status = self._status(http, base)
        if status is not None:
            self._check_ready(status, settings)
        document = scan_settings_xml(
            settings,
            dpi=dpi,
            mode_name=mode_name,
            region=region_300(settings.paper, device.max_width_300, device.max_height_300),
        )
        if cancel.cancelled:
            raise ScanError(ScanProblem.CANCELLED)
        job = self._create_job(http, base, document, cancel)
        done = False
        try:
            yield from self._pages(http, base, job, settings, dpi, cancel)
            done = True
        finally:
            if not done:
                self._delete(http, job)

    def _check_ready(self, status: DeviceStatus, settings: ScanSettings) -> None:
        feeder = settings.source is not Source.FLATBED
        problem = problem_in(status, pages_done=0) if feeder else None
        if problem is None and status.state in ("Processing", "Testing"):
            problem = ScanProblem.BUSY
        if problem is None and status.state in ("Stopped", "Down") and feeder:
            problem = ScanProblem.FAILED
        if problem is not None:
            raise ScanError(problem, detail=f"before the job: {status}")

    def _create_job(self, http: _Http, base: str, document: bytes, cancel: CancelToken) -> str:
        url = f"{base}/ScanJobs"
        resp, _ = self._busy_retry(
            http, "POST", url, self.busy_delays, limit=MAX_XML_BYTES, data=document, cancel=cancel
        )
        location = resp.headers.get("Location", "")
        if resp.status_code != 201 or not location:
            problem = self._fault_from_status(http, base, ScanProblem.FAILED)
            raise ScanError(
                problem or ScanProblem.FAILED,
                detail=f"POST {url}: HTTP {resp.status_code}, Location {location!r}",
            )
        return urljoin(url, location).rstrip("/")

    def _pages(
        self,
        http: _Http,
        base: str,
        job: str,
        settings: ScanSettings,
        dpi: int,
        cancel: CancelToken,
    ) -> Iterator[ScannedPage]:
        url = f"{job}/NextDocument"
        while True:
            if cancel.cancelled:
                raise ScanError(ScanProblem.CANCELLED, pages_done=http.pages_done)
            try:
                resp, body = self._busy_retry(
                    http, "GET", url, self.busy_delays, limit=MAX_PAGE_BYTES, cancel=cancel
                )
            except ScanError as exc:
                if exc.problem not in (ScanProblem.BUSY, ScanProblem.FAILED):
                    raise
                raise self._named(http, base, exc) from exc
            if resp.status_code == 404:
                self._after_last_page(http, base, settings)
                return
            if resp.status_code != 200:
                problem = self._fault_from_status(http, base, ScanProblem.FAILED)
                if problem is None:
                    return
                raise ScanError(
                    problem,
                    pages_done=http.pages_done,
                    detail=f"GET {url}: HTTP {resp.status_code}",
                )
            index = http.pages_done
            page = ScannedPage(
                image=_decode(body, url, index),
                index=index,
                dpi=dpi,
                reported_dpi=None,
                side="back" if settings.source is Source.DUPLEX and index % 2 else "front",
            )
            del body
            page.reported_dpi = _reported_dpi(page.image)
            http.pages_done += 1
            yield page

    def _after_last_page(self, http: _Http, base: str, settings: ScanSettings) -> None:
        """404: the job is over. A device that ends the job on a jam or an opened hatch says so
        only in ScannerStatus; a feeder job with no page at all means an empty feeder."""
        if settings.source is Source.FLATBED and http.pages_done:
            return
        status = self._status(http, base)
        problem = problem_in(status, pages_done=http.pages_done) if status else None
        if problem is None and http.pages_done == 0:
            problem = (
                ScanProblem.FAILED if settings.source is Source.FLATBED else ScanProblem.NO_PAPER
            )
        if problem is not None:
            raise ScanError(problem, pages_done=http.pages_done, detail=f"job ended: {status}")

    def _fault_from_status(
        self, http: _Http, base: str, default: ScanProblem
    ) -> ScanProblem | None:
        """What ScannerStatus names after a failed request; None when it shows the feeder
        simply ran out after some pages (the end of the batch)."""
        status = self._status(http, base)
        if status is None:
            return default
        if status.adf_state == "ScannerAdfEmpty" and http.pages_done:
            return None
        return problem_in(status, pages_done=http.pages_done) or default

    def _named(self, http: _Http, base: str, exc: ScanError) -> ScanError:
        problem = self._fault_from_status(http, base, exc.problem) or exc.problem
        if problem is exc.problem:
            return exc
        return ScanError(problem, pages_done=http.pages_done, detail=exc.detail)

    def _delete(self, http: _Http, job: str) -> None:
        """Give the device back (best effort, briefly: it may be the thing that failed)."""
        try:
            http.call("DELETE", job, limit=MAX_XML_BYTES, timeout=min(self.timeout, 3.0))
        except ScanError as exc:
            log.info("eSCL DELETE %s failed: %s", job, exc.detail)


def _mode_name(mode: ColourMode, offered: frozenset[str]) -> str:
    """The device's name for `mode`. Black and white falls back to grey (the pipeline makes
    the bitonal page) because many devices offer no BlackAndWhite1 or do it badly; a device
    listing no modes at all is asked as is."""
    wanted = MODE_NAMES[mode]
    if not offered or wanted in offered:
        return wanted
    for fallback in (MODE_NAMES[ColourMode.GREY], MODE_NAMES[ColourMode.COLOUR]):
        if mode is not ColourMode.COLOUR and fallback in offered:
            return fallback
    raise ScanError(ScanProblem.UNSUPPORTED, detail=f"mode {wanted} not in {sorted(offered)}")


def _decode(body: bytes, url: str, index: int) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(body))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise ScanError(
            ScanProblem.FAILED, pages_done=index, detail=f"{url}: page not decodable: {exc}"
        ) from exc
    return image


def _reported_dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], int | float) and dpi[0] > 0:
        return round(dpi[0])
    return None


def _wait(seconds: float, cancel: CancelToken | None, pages_done: int) -> None:
    """Sleep `seconds` in small steps so a cancel is noticed during a busy back-off."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if cancel is not None and cancel.cancelled:
            raise ScanError(ScanProblem.CANCELLED, pages_done=pages_done)
        time.sleep(min(left, 0.05))
