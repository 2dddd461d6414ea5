"""A BSrE esign-client simulator on 127.0.0.1 (http.server in a thread) for the signing tests.

It speaks what `desktop.services.signing.bsre` speaks — v1 `POST /api/sign/pdf` (multipart),
v2 `POST /api/v2/sign/pdf` (JSON, base64), `GET /api/user/status/{nik}`, `POST
/api/sign/verify` — checks the client's Basic credentials, and signs with the test CA through
pyHanko (`desktop.services.signing.pades.sign_pades` with the image the client sent, as BSrE
draws `imageTTD`). Registered officials: `users` (NIK -> (passphrase, Identity)).

`sim.fail = Failure.X` makes the next sign requests answer one of BSrE's error cases:
unregistered NIK and wrong passphrase come from the data itself; SERVER_ERROR (500),
STALL (holds the request until the simulator stops or `release()`, past the client's
timeout), NOT_PDF (200 with an HTML page), BROKEN_SIGNATURE (a PDF whose signed bytes were
changed), CERT_INACTIVE.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from desktop.services.signing.errors import SigningError
from desktop.services.signing.pades import sign_pades
from desktop.services.signing.request import Rect, SignRequest, StampPlacement
from desktop.services.signing.verify import verify_pdf
from tests.signing_ca import Identity, Pki

AUTH = ("loket-client", "rahasia-klien")


class Failure(Enum):
    NONE = "none"
    SERVER_ERROR = "server_error"
    STALL = "stall"
    NOT_PDF = "not_pdf"
    BROKEN_SIGNATURE = "broken_signature"
    CERT_INACTIVE = "cert_inactive"


@dataclass
class BsreSimulator:
    url: str
    users: dict[str, tuple[str, Identity]]
    fail: Failure = Failure.NONE
    requests: list[dict[str, Any]] = field(default_factory=list)  # what each sign call carried
    _release: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        """Let stalled requests finish (they answer 500 to a client long gone)."""
        self._release.set()

    def reset(self) -> None:
        """Back to answering normally, for the next test (stalled requests released first)."""
        self._release.set()
        self._release.clear()
        self.fail = Failure.NONE
        self.requests.clear()


def _pyhanko_signer(identity: Identity) -> signers.SimpleSigner:
    store = SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
        [translate_pyca_cryptography_cert_to_asn1(c) for c in identity.chain]
    )
    return signers.SimpleSigner(
        signing_key=translate_pyca_cryptography_key_to_asn1(identity.key),
        signing_cert=translate_pyca_cryptography_cert_to_asn1(identity.cert),
        cert_registry=store,
    )


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        parts[str(name)] = payload if isinstance(payload, bytes) else b""
    return parts


def _error(status: int, text: str, code: int) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps({"error": text, "status_code": code}).encode()


@contextmanager
def bsre_simulator(
    pki: Pki, users: dict[str, tuple[str, Identity]], *, port: int = 0
) -> Iterator[BsreSimulator]:
    """`port` 0 = any free one; a port given again starts it where it was (stopped, then
    back: the client's address unchanged)."""
    sim = BsreSimulator(url="", users=users)
    pyhanko_signers = {nik: _pyhanko_signer(identity) for nik, (_, identity) in users.items()}
    lock = threading.Lock()  # pyHanko's signing runs its own event loop; one at a time

    def sign(
        pdf: bytes,
        nik: str,
        passphrase: str,
        stamp: StampPlacement | None,
        image: bytes | None,
        reason: str,
        location: str,
        record: dict[str, Any],
    ) -> tuple[int, str, bytes]:
        sim.requests.append(record)
        if sim.fail is Failure.STALL:
            sim._release.wait(timeout=30)
            return _error(500, "stalled", 5000)
        if sim.fail is Failure.SERVER_ERROR:
            return 500, "text/html", b"<html><body>Internal Server Error</body></html>"
        if sim.fail is Failure.NOT_PDF:
            return 200, "application/pdf", b"<html><body>Sesi berakhir</body></html>"
        if nik not in users:
            return _error(400, "Pengguna tidak terdaftar", 2021)
        secret, identity = users[nik]
        if passphrase != secret:
            return _error(400, "Gagal melakukan tanda tangan: Passphrase anda salah", 2031)
        if sim.fail is Failure.CERT_INACTIVE:
            return _error(400, "Sertifikat pengguna tidak aktif atau sudah kadaluarsa", 2051)
        request = SignRequest(verification_url="", stamp=stamp, reason=reason, location=location)
        with lock:
            try:
                signed = sign_pades(
                    pdf,
                    pyhanko_signers[nik],
                    request,
                    signer_name=identity.cert.subject.rfc4514_string(),
                    issuer="BSrE",
                    moment=datetime.now(UTC),
                    stamp_image=image,
                )
            except SigningError as exc:
                return _error(400, f"Dokumen tidak valid: {exc.detail}", 2061)
        if sim.fail is Failure.BROKEN_SIGNATURE:
            at = signed.index(b"Lurah")
            signed = signed[:at] + b"l" + signed[at + 1 :]
        return 200, "application/pdf", signed

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout)

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._reply(*_error(401, "Unauthorized", 401))
                return False
            return True

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_GET(self) -> None:
            if not self._authorised():
                return
            prefix = "/api/user/status/"
            if not self.path.startswith(prefix):
                self._reply(*_error(404, "Not found", 404))
                return
            nik = self.path[len(prefix) :]
            if nik not in users:
                self._reply(*_error(404, "Pengguna tidak terdaftar", 2021))
                return
            status = "EXPIRED" if sim.fail is Failure.CERT_INACTIVE else "ISSUE"
            body = {"status_code": 1111, "status": status, "message": "Sertifikat ditemukan"}
            self._reply(200, "application/json", json.dumps(body).encode())

        def do_POST(self) -> None:
            body = self._body()
            if not self._authorised():
                return
            content_type = self.headers.get("Content-Type", "")
            if self.path == "/api/sign/pdf":
                parts = _multipart(content_type, body)
                fields = {
                    k: v.decode("utf-8", "replace")
                    for k, v in parts.items()
                    if k not in ("file", "imageTTD")
                }
                stamp = None
                if fields.get("tampilan") == "visible":
                    x, y = float(fields["xAxis"]), float(fields["yAxis"])
                    w, h = float(fields["width"]), float(fields["height"])
                    stamp = StampPlacement(int(fields["page"]) - 1, Rect(x, y, x + w, y + h))
                self._reply(
                    *sign(
                        parts.get("file", b""),
                        fields.get("nik", ""),
                        fields.get("passphrase", ""),
                        stamp,
                        parts.get("imageTTD"),
                        fields.get("reason", ""),
                        fields.get("location", ""),
                        {"api": "v1", **fields},
                    )
                )
            elif self.path == "/api/v2/sign/pdf":
                data = json.loads(body)
                props = data["signatureProperties"][0]
                stamp = None
                image = None
                if props.get("tampilan") == "VISIBLE":
                    x, y = float(props["originX"]), float(props["originY"])
                    w, h = float(props["width"]), float(props["height"])
                    stamp = StampPlacement(int(props["page"]) - 1, Rect(x, y, x + w, y + h))
                    image = base64.b64decode(props["imageBase64"])
                secret = data.get("passphrase") or data.get("totp") or ""
                status, kind, answer = sign(
                    base64.b64decode(data["file"][0]),
                    data.get("nik", ""),
                    secret,
                    stamp,
                    image,
                    props.get("reason", ""),
                    props.get("location", ""),
                    {"api": "v2", **{k: v for k, v in data.items() if k != "file"}},
                )
                if status == 200:
                    encoded = base64.b64encode(answer).decode()
                    if sim.fail is Failure.NOT_PDF:
                        encoded = base64.b64encode(b"<html>bukan pdf</html>").decode()
                    answer = json.dumps({"file": [encoded]}).encode()
                    kind = "application/json"
                self._reply(status, kind, answer)
            elif self.path == "/api/sign/verify":
                pdf = _multipart(content_type, body).get("signed_file", b"")
                check = verify_pdf(pdf, [pki.root.cert])
                result = {
                    "summary": "VALID" if check.ok else "INVALID",
                    "jumlah_signature": check.signatures,
                    "notes": check.status.value,
                }
                self._reply(200, "application/json", json.dumps(result).encode())
            else:
                self._reply(*_error(404, "Not found", 404))

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sim.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield sim
    finally:
        sim.release()
        server.shutdown()
        server.server_close()
        thread.join()
