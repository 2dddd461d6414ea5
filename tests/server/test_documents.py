"""Document upload/download: checksums, sniffed types, limits, names, replays, scope."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

from PIL import Image

from server.specimens import specimen_pdf

PDF = specimen_pdf("KTP-EL", "uji")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _put(
    api: Any,
    app_id: str,
    data: bytes,
    *,
    doc_id: str | None = None,
    content_type: str = "application/pdf",
    filename: str | None = "scan.pdf",
    requirement: str | None = "KTP-EL",
    sha: str | None = None,
) -> Any:
    params = {}
    if filename is not None:
        params["filename"] = filename
    if requirement is not None:
        params["requirement_code"] = requirement
    return api.put(
        f"/applications/{app_id}/documents/{doc_id or uuid.uuid4()}",
        data=data,
        params=params,
        headers={
            "Content-Type": content_type,
            "X-Content-SHA256": sha or hashlib.sha256(data).hexdigest(),
        },
    )


def test_upload_download_and_replay(login: Any) -> None:
    operator, verifier = login("operator"), login("verifier")
    app = operator.create(submit=False)  # the counter attaches scans to its draft
    doc_id = str(uuid.uuid4())
    r = _put(operator, app["id"], PDF, doc_id=doc_id)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["content_type"] == "application/pdf" and doc["size"] == len(PDF)
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest() and doc["filename"] == "scan.pdf"
    assert doc["uploaded_by"] == "operator1" and doc["requirement_code"] == "KTP-EL"
    again = _put(operator, app["id"], PDF, doc_id=doc_id)
    assert again.status_code == 200 and again.json() == doc
    r = verifier.get(f"/applications/{app['id']}/documents/{doc_id}")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    detail = verifier.get(f"/applications/{app['id']}").json()
    assert [d["id"] for d in detail["documents"]] == [doc_id]
    assert detail["seq"] > app["seq"] and detail["version"] == app["version"]
    # Same document id, other content: refused.
    r = _put(operator, app["id"], _png(), doc_id=doc_id, content_type="image/png")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"


def test_checksum_type_and_size(login: Any) -> None:
    operator = login("operator")
    app = operator.create(submit=False)
    r = _put(operator, app["id"], PDF, sha="0" * 64)
    assert r.status_code == 422 and r.json()["code"] == "checksum_mismatch"
    r = _put(operator, app["id"], PDF, sha="not-hex")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = operator.put(
        f"/applications/{app['id']}/documents/{uuid.uuid4()}",
        data=PDF,
        headers={"Content-Type": "application/pdf"},
    )
    assert r.status_code == 422  # X-Content-SHA256 is required
    exe = b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
    r = _put(operator, app["id"], exe, content_type="application/pdf", filename="ktp.pdf")
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    r = _put(operator, app["id"], b"", content_type="application/pdf")
    assert r.status_code == 422
    # PNG bytes labelled as PDF: stored as what they are.
    r = _put(operator, app["id"], _png(), content_type="application/pdf", filename="ktp.pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"
    big = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024)
    r = _put(operator, app["id"], big)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"

    def chunks() -> Any:
        yield b"%PDF-1.4\n"
        for _ in range(21):
            yield b"1" * (1024 * 1024)

    r = operator.put(
        f"/applications/{app['id']}/documents/{uuid.uuid4()}",
        data=chunks(),
        headers={"Content-Type": "application/pdf", "X-Content-SHA256": "a" * 64},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    r = _put(operator, app["id"], PDF, requirement="NOT-A-REQUIREMENT")
    assert r.status_code == 422
    docs = operator.get(f"/applications/{app['id']}").json()["documents"]
    assert len(docs) == 1  # only the PNG went in


def test_filenames_are_display_only(login: Any) -> None:
    operator = login("operator")
    app = operator.create(submit=False)
    cases = {
        "../../etc/passwd": "passwd",
        "C:\\x\\y.pdf": "y.pdf",
        "/abs/path/KTP.pdf": "KTP.pdf",
        "..": "dokumen.pdf",
        "a\x01b\x1fc\u202e.pdf": "abc.pdf",
        "Cafe\u0301.pdf": "Café.pdf",
        "  .hidden.pdf  ": "hidden.pdf",
        "x" * 240 + ".pdf": "x" * 116 + ".pdf",
    }
    for raw, expected in cases.items():
        r = _put(operator, app["id"], PDF, filename=raw)
        assert r.status_code == 201, (raw, r.text)
        assert r.json()["filename"] == expected, raw
    r = _put(operator, app["id"], PDF, filename=None)
    assert r.json()["filename"] == "dokumen.pdf"
    r = _put(operator, app["id"], PDF, filename="a\x00b.pdf")  # NUL: refused, not stored
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_documents_out_of_scope_and_terminal(login: Any) -> None:
    operator, other = login("operator"), login("operator2")
    app = other.create()
    r = _put(operator, app["id"], PDF)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    mine = operator.create(submit=False)
    operator.claim(mine["id"])
    operator.act(mine["id"], "discard", 1)
    r = _put(operator, mine["id"], PDF)
    assert r.status_code == 409 and r.json()["code"] == "wrong_state"
    r = operator.get(f"/applications/{mine['id']}/documents/{uuid.uuid4()}")
    assert r.status_code == 404


def test_who_may_add_evidence_and_the_version_moves(login: Any) -> None:
    """Only the claim holder, or the creating operator while the file is a draft or sent back
    for revision, adds documents; on a file under decision an upload changes `version`, so a
    decision taken on the old evidence is refused."""
    operator, verifier, validator = login("operator"), login("verifier"), login("validator")
    admin, supervisor, lurah = login("admin"), login("supervisor"), login("lurah")
    app = operator.create(service_code="KK-KTPEL-WNI")  # submitted
    app_id = app["id"]
    for who in (operator, admin, supervisor, lurah, verifier):  # nobody holds the claim
        r = _put(who, app_id, PDF, requirement="KK")
        assert r.status_code == 409 and r.json()["code"] == "claim_required", (who.username, r.text)
        assert r.json()["current"]["version"] == app["version"]
    verifier.claim(app_id)
    r = _put(operator, app_id, PDF, requirement="KK")
    assert r.status_code == 409 and r.json()["claim"]["username"] == "verifier1"
    r = _put(verifier, app_id, PDF, requirement="KK")  # the holder scans an original
    assert r.status_code == 201, r.text
    detail = verifier.get(f"/applications/{app_id}").json()
    assert detail["version"] == app["version"] + 1
    verifier.act(app_id, "verify", app["version"], expect=409)  # decided on the old evidence
    verified = verifier.act(app_id, "verify", detail["version"])["application"]
    validator.claim(app_id)
    # New evidence while the validator holds it: a sign on the version before is refused.
    validated = validator.act(app_id, "validate", verified["version"])["application"]
    assert _put(validator, app_id, _png(), content_type="image/png").status_code == 201
    r = validator.post(
        f"/applications/{app_id}/actions",
        json={
            "action": "sign",
            "expected_version": validated["version"],
            "transaction_id": str(uuid.uuid4()),
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    # Sent back for revision: the operator who created it adds the missing scan (no claim),
    # without changing the version the resubmission is decided on.
    letter = operator.create()
    verifier.claim(letter["id"])
    back = verifier.act(letter["id"], "request_revision", 2, reason="KK buram")["application"]
    assert _put(operator, letter["id"], PDF).status_code == 201
    assert _put(login("operator3"), letter["id"], PDF).json()["code"] == "claim_required"
    assert operator.get(f"/applications/{letter['id']}").json()["version"] == back["version"]
    operator.act(letter["id"], "resubmit", back["version"])
