"""Issue 12's acceptance, end to end with nothing faked: the real SANE `test` backend (libsane,
private SANE_CONFIG_DIR from conftest) -> `run_scan` (the page pipeline) -> `assemble_pdf` ->
`DraftService.attach` + `submit` -> the outbox -> the real reference server, whose stored
document is then downloaded and opened: its page count, every MediaBox exactly A4, and what
poppler's `pdfinfo` says about it (an independent reader, not the pikepdf that wrote it).

A flatbed page, a feeder batch of 10 (the test driver's feeder holds 10 sheets) and a feeder
that jams after N sheets, whose N pages must still reach the server.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest

pytest.importorskip("sane", reason="python-sane is Linux-only (SANE)")

from desktop.domain.identity import check_nik
from desktop.models.store import Store
from desktop.services.drafts import DraftService
from desktop.services.scanning.assemble import assemble_pdf, paper_points
from desktop.services.scanning.device import (
    CancelToken,
    ColourMode,
    Paper,
    ScanProblem,
    ScanSettings,
    Source,
)
from desktop.services.scanning.pipeline import paper_pixels
from desktop.services.scanning.sane_backend import SaneBackend
from desktop.services.scanning.scan_run import ScanOutcome, run_scan
from tests.desktop.support import Remote, new_nik
from tests.desktop.test_intake import PASSWORD, Counter, counter
from tests.live_server import LiveServer

SERVICE = "SK-DOMISILI"
KTP = "KTP-EL"
LETTER = "SURAT-PENGANTAR-RT-RW"
A4_POINTS = paper_points(Paper.A4)  # 595.28 x 841.89


class JamAfter(SaneBackend):
    """The test driver's jam switched on before sheet `n + 1` starts: `n` real sheets come off
    its feeder, then sane_read() returns SANE_STATUS_JAMMED (as in test_sane_backend)."""

    def __init__(self, n: int, picture: str) -> None:
        super().__init__(extra_options={"test_picture": picture})
        self.n = n

    def _before_page(self, dev: Any, index: int) -> None:
        if index == self.n:
            dev.read_return_value = "SANE_STATUS_JAMMED"


@pytest.fixture
def desk_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "stores" / "srv" / "u" / "loket.sqlite3")
    yield s
    s.close()


def scan(
    backend: SaneBackend, device: str, settings: ScanSettings, folder: Path
) -> tuple[ScanOutcome, list[int]]:
    """One run; also the page numbers `on_page` saw, in order (the stream, not the outcome)."""
    seen: list[int] = []
    outcome = run_scan(
        backend,
        device,
        settings,
        CancelToken(),
        folder,
        lambda page: seen.append(int(page.path.stem.split("-")[1])),
    )
    return outcome, seen


def submit_with(
    desk: Counter, drafts: DraftService, files: dict[str, Path], name: str
) -> tuple[str, dict[str, str]]:
    """A draft with the scanned PDFs attached per requirement, submitted and sent through the
    outbox until the server has given its official number. Returns the application id and
    {requirement code: sha256 of the kept copy}."""
    nik = new_nik("L")
    info = check_nik(nik).info
    assert info is not None and info.birth_date is not None
    draft = drafts.new(SERVICE)
    draft.applicant.update(
        nik=nik,
        name=name,
        birth_place="Pekanbaru",
        birth_date=info.birth_date.isoformat(),
        sex="L",
        phone="081234567890",
        address="Jl. Sudirman no. 12",
        rt="3",
        rw="4",
        village_code="1471011002",
    )
    draft.data["surat.keperluan"] = "Melamar pekerjaan"
    drafts.save(draft)
    kept = {code: drafts.attach(draft.id, code, path).sha256 for code, path in files.items()}
    app = drafts.submit(draft.id)
    got: list[str | None] = []
    waiter = threading.Thread(
        target=lambda: got.append(desk.intake.wait_official_number(app.id, 60))
    )
    waiter.start()
    desk.drain()
    waiter.join(60)
    assert got and got[0] is not None
    return app.id, kept


def stored_pdfs(server: LiveServer, app_id: str, folder: Path) -> dict[str, tuple[Path, str]]:
    """The server's stored documents of the application, downloaded as another user of the
    office would: {requirement code: (file, sha256 the server lists)}."""
    remote = Remote(server.api, "operator1", PASSWORD)
    seen = remote.get(app_id)
    out: dict[str, tuple[Path, str]] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for doc in seen["documents"]:
        r = remote.http.get(f"{server.api}/applications/{app_id}/documents/{doc['id']}", timeout=30)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/pdf")
        assert doc["content_type"] == "application/pdf"
        path = folder / f"{doc['requirement_code']}.pdf"
        path.write_bytes(r.content)
        out[doc["requirement_code"]] = (path, doc["sha256"])
    return out


def pdf_facts(path: Path) -> tuple[int, set[tuple[float, float]], set[str]]:
    """(pages, the set of MediaBox sizes in points, the set of image filters) with pikepdf."""
    with pikepdf.open(path) as pdf:
        sizes: set[tuple[float, float]] = set()
        filters: set[str] = set()
        for page in pdf.pages:
            box = [float(v) for v in page.mediabox]
            sizes.add((round(box[2] - box[0], 2), round(box[3] - box[1], 2)))
            for image in page.get_images().values():
                value = image.get("/Filter")
                names = value if isinstance(value, pikepdf.Array) else [value]
                filters.update(str(name) for name in names)
        return len(pdf.pages), sizes, filters


def pdfinfo(path: Path) -> dict[str, str]:
    """poppler's own reading of the file (a second, independent PDF parser)."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    assert "Syntax Error" not in done.stderr, done.stderr
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in done.stdout.splitlines())
    }


A4_EXACT = (round(A4_POINTS[0], 2), round(A4_POINTS[1], 2))


def test_flatbed_page_and_feeder_batch_of_ten_reach_the_server(
    live_server: LiveServer, sane_test_device: str, desk_store: Store, tmp_path: Path
) -> None:
    # Flatbed: one colour page at 300 dpi (the test driver's colour pattern, a dense picture).
    flatbed, flatbed_seen = scan(
        SaneBackend(extra_options={"test_picture": "Color pattern"}),
        sane_test_device,
        ScanSettings(Source.FLATBED, 300, ColourMode.COLOUR, Paper.A4),
        tmp_path / "flatbed",
    )
    assert flatbed.error is None and flatbed_seen == [1]
    (page,) = flatbed.pages
    # The driver's colour pattern fills the page with sharp bars: over 250 KB at any JPEG
    # quality worth keeping, so it is stored at the floor, 150 dpi (~360 KB there: the floor
    # wins over the budget); the page stays exactly A4 in the PDF (checked below).
    assert page.path.suffix == ".jpg"
    assert (page.asked_dpi, page.dpi, page.width_px, page.height_px) == (
        300,
        150,
        *paper_pixels(Paper.A4, 150),
    )
    ktp = assemble_pdf([(page, 0)], Paper.A4, tmp_path / "out" / "ktp.pdf")

    # Feeder: the driver's 10 sheets, grey at 100 dpi, the grid picture (never blank).
    feeder, feeder_seen = scan(
        SaneBackend(extra_options={"test_picture": "Grid"}),
        sane_test_device,
        ScanSettings(Source.FEEDER, 100, ColourMode.GREY, Paper.A4),
        tmp_path / "feeder",
    )
    assert feeder.error is None and feeder.blanks_removed == 0
    assert feeder_seen == list(range(1, 11))
    letter = assemble_pdf([(p, 0) for p in feeder.pages], Paper.A4, tmp_path / "out" / "rt.pdf")

    desk = counter(live_server.url, desk_store)
    drafts = DraftService(desk_store, desk.intake, user_id=desk.user.id)
    app_id, kept = submit_with(desk, drafts, {KTP: ktp, LETTER: letter}, "Pindai Ujung Ke Ujung")

    stored = stored_pdfs(live_server, app_id, tmp_path / "server")
    assert set(stored) == {KTP, LETTER}
    for code, (path, sha) in stored.items():
        assert sha == kept[code]  # the bytes scanned here are the bytes the server keeps
        assert path.read_bytes() == (ktp if code == KTP else letter).read_bytes()

    pages, sizes, filters = pdf_facts(stored[LETTER][0])
    assert (pages, sizes, filters) == (10, {A4_EXACT}, {"/DCTDecode"})
    info = pdfinfo(stored[LETTER][0])
    assert info["Pages"] == "10"
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)"), info["Page size"]

    pages, sizes, filters = pdf_facts(stored[KTP][0])
    assert (pages, sizes, filters) == (1, {A4_EXACT}, {"/DCTDecode"})
    info = pdfinfo(stored[KTP][0])
    assert info["Pages"] == "1" and info["Page size"].startswith("595.276 x 841.89 pts (A4)")


@pytest.mark.parametrize("jam_after", [3, 7])
def test_a_jam_keeps_the_sheets_before_it_and_they_reach_the_server(
    live_server: LiveServer,
    sane_test_device: str,
    desk_store: Store,
    tmp_path: Path,
    jam_after: int,
) -> None:
    outcome, seen = scan(
        JamAfter(jam_after, "Grid"),
        sane_test_device,
        ScanSettings(Source.FEEDER, 100, ColourMode.BW, Paper.A4),
        tmp_path / "feeder",
    )
    assert outcome.error is not None and outcome.error.problem is ScanProblem.JAMMED
    assert outcome.error.pages_done == jam_after
    assert seen == list(range(1, jam_after + 1)) and len(outcome.pages) == jam_after
    assert all(p.path.is_file() for p in outcome.pages)
    kept_pdf = assemble_pdf(
        [(p, 0) for p in outcome.pages], Paper.A4, tmp_path / "out" / "pengantar.pdf"
    )

    desk = counter(live_server.url, desk_store)
    drafts = DraftService(desk_store, desk.intake, user_id=desk.user.id)
    app_id, kept = submit_with(desk, drafts, {LETTER: kept_pdf}, f"Kertas Macet {jam_after}")

    stored = stored_pdfs(live_server, app_id, tmp_path / "server")
    path, sha = stored[LETTER]
    assert sha == kept[LETTER]
    pages, sizes, filters = pdf_facts(path)
    assert (pages, sizes, filters) == (jam_after, {A4_EXACT}, {"/CCITTFaxDecode"})
    info = pdfinfo(path)
    assert info["Pages"] == str(jam_after)
    assert info["Page size"].startswith("595.276 x 841.89 pts (A4)")
