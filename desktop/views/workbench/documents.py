"""Getting a document's bytes: off the GUI thread, checked against the recorded sha256, kept in
memory so flipping between documents and applications is instant.

Downloads run in their own lane of the app's `TaskRunner`: a download hanging on a dead network
must never hold up page rendering, a claim or a decision. Bytes are kept in memory only;
personal data is never written to disk by the workbench.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal

from desktop.domain.records import DocumentInfo
from desktop.services.operations import Op, OpKind
from desktop.services.rendering import MAX_BYTES
from desktop.services.tasks import TaskRunner

LoadDocument = Callable[[DocumentInfo], bytes]

LANE = "documents"
LANE_THREADS = 3
CACHE_BYTES = 256 * 1024 * 1024
"""In-memory document cache across applications (next/previous stay instant)."""
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class DocumentIntegrityError(Exception):
    """The bytes received are not the document the server recorded (sha256 differs)."""


class ByteCache:
    """LRU of document bytes by sha256, bounded by total size."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: str) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        if key in self._items:
            self._size -= len(self._items.pop(key))
        self._items[key] = data
        self._size += len(data)
        while self._size > self._limit and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._size -= len(old)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def clear(self) -> None:
        self._items.clear()
        self._size = 0


def fetch_bytes(load: LoadDocument, doc: DocumentInfo) -> bytes:
    """Worker side of a download: call the shell's loader, check the bytes are the recorded ones."""
    raw = load(doc)
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"load_document returned {type(raw).__name__}, not bytes")
    data = bytes(raw)
    if _SHA256.fullmatch(doc.sha256) and hashlib.sha256(data).hexdigest() != doc.sha256.lower():
        raise DocumentIntegrityError(doc.sha256)
    return data


class DocumentFetcher(QObject):
    """Fetches, checks and caches documents; says when one arrived or failed (GUI thread)."""

    fetched = Signal(object, object)
    """(DocumentInfo, bytes)"""
    failed = Signal(object, str)
    """(DocumentInfo, the Indonesian explanation shown in place of the page)"""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        runner.add_lane(LANE, LANE_THREADS)
        self._tasks = runner.group(self)
        self._cache = ByteCache(CACHE_BYTES)
        self._loading: set[str] = set()
        self._failures: dict[str, str] = {}
        self.load: LoadDocument | None = None

    def cached(self, doc: DocumentInfo) -> bytes | None:
        return self._cache.get(doc.sha256)

    def failure(self, doc: DocumentInfo) -> str | None:
        return self._failures.get(doc.sha256)

    @property
    def pending(self) -> int:
        """Downloads still running (busy states, tests)."""
        return self._tasks.pending

    def fetch(self, doc: DocumentInfo) -> None:
        """Start a download unless one runs already; asking again after a failure retries."""
        if doc.sha256 in self._loading or self.load is None:
            return
        self._failures.pop(doc.sha256, None)
        self._loading.add(doc.sha256)
        load = self.load
        Op(
            OpKind.DOCUMENT,
            self.tr("Mengambil dokumen"),
            lambda _ctx: fetch_bytes(load, doc),
            lane=LANE,
        ).success(lambda data: self._done(doc, data)).failure(
            lambda exc, message: self._failed(doc, exc, message)
        ).run(self._tasks)

    def prefetch(self, documents: Iterable[DocumentInfo]) -> None:
        """Fetch the next document not yet here, one at a time, so flipping is instant."""
        if self._loading:
            return
        for doc in documents:
            if (
                doc.sha256 not in self._cache
                and doc.sha256 not in self._failures
                and doc.size <= MAX_BYTES
            ):
                self.fetch(doc)
                return

    def forget_failures(self) -> None:
        self._failures.clear()

    def clear_cache(self) -> None:
        self._cache.clear()

    def _done(self, doc: DocumentInfo, data: bytes) -> None:
        self._loading.discard(doc.sha256)
        self._cache.put(doc.sha256, data)
        self.fetched.emit(doc, data)

    def _failed(self, doc: DocumentInfo, error: Exception, message: str) -> None:
        self._loading.discard(doc.sha256)
        if isinstance(error, DocumentIntegrityError):
            text = self.tr(
                "Isi dokumen yang diterima tidak sama dengan yang tercatat di server (sidik "
                "SHA-256 berbeda). Dokumen tidak ditampilkan agar Anda tidak memutuskan "
                "berdasarkan berkas yang salah; coba buka lagi atau laporkan ke administrator."
            )
        else:
            detail = message.strip()
            text = self.tr("Dokumen gagal diambil. Klik dokumen ini lagi untuk mencoba ulang.")
            if detail:
                text += "\n" + self.tr("Keterangan: {detail}").format(detail=detail[:300])
        self._failures[doc.sha256] = text
        self.failed.emit(doc, text)
