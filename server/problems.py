"""Errors as `application/problem+json` with the stable codes of docs/architecture/api-v1.md.

Every error leaves the server through here, FastAPI's and Starlette's own included, so a client
only ever has to understand one shape. `detail` is Indonesian, for the person at the counter.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://loket.go.id/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

TITLES: dict[str, str] = {
    "malformed_json": "Malformed JSON",
    "validation_error": "Validation error",
    "invalid_credentials": "Invalid credentials",
    "token_invalid": "Invalid token",
    "token_expired": "Token expired",
    "refresh_invalid": "Invalid refresh token",
    "account_disabled": "Account disabled",
    "account_locked": "Account locked",
    "forbidden": "Forbidden",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "claimed_by_other": "Claimed by someone else",
    "claim_required": "Claim required",
    "version_conflict": "Version conflict",
    "wrong_state": "Wrong state",
    "role_not_allowed": "Role not allowed",
    "reason_required": "Reason required",
    "idempotency_conflict": "Idempotency conflict",
    "username_taken": "Username taken",
    "payload_too_large": "Payload too large",
    "unsupported_media_type": "Unsupported media type",
    "checksum_mismatch": "Checksum mismatch",
    "unknown_service": "Unknown service",
    "unknown_office": "Unknown office",
    "rate_limited": "Too many requests",
    "internal_error": "Internal server error",
}


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extras: Any,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extras = extras


def problem_body(status: int, code: str, detail: str, **extras: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": TITLES.get(code, code.replace("_", " ").capitalize()),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extras)
    return body


def problem_response(
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extras: Any,
) -> Response:
    content = json.dumps(problem_body(status, code, detail, **extras), ensure_ascii=False)
    return Response(
        content=content.encode("utf-8"),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def not_found(what: str = "Data") -> ProblemError:
    return ProblemError(404, "not_found", f"{what} tidak ditemukan.")


def _loc(parts: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in parts]


def _validation_problem(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return problem_response(400, "malformed_json", "Isi permintaan bukan JSON yang sah.")
    if any(
        tuple(err.get("loc", ())) == ("body",) and isinstance(err.get("input"), bytes | str)
        for err in errors
    ):
        # A body sent with another Content-Type (e.g. a form post) is not JSON either.
        return problem_response(
            400,
            "malformed_json",
            "Isi permintaan harus JSON (Content-Type: application/json).",
        )
    items = [{"loc": _loc(err.get("loc", ())), "msg": str(err.get("msg", ""))} for err in errors]
    fields = ", ".join(".".join(str(p) for p in item["loc"][1:]) or "body" for item in items[:5])
    return problem_response(
        422,
        "validation_error",
        f"Data permintaan tidak valid ({fields}).",
        errors=items,
    )


_STATUS_CODES = {
    400: ("malformed_json", "Permintaan tidak dapat dibaca."),
    401: ("token_invalid", "Silakan masuk terlebih dahulu."),
    403: ("forbidden", "Anda tidak berwenang."),
    404: ("not_found", "Alamat tidak ditemukan."),
    405: ("method_not_allowed", "Metode tidak diizinkan untuk alamat ini."),
    413: ("payload_too_large", "Isi permintaan terlalu besar."),
    415: ("unsupported_media_type", "Jenis isi tidak didukung."),
}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a problem document."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.status, exc.code, exc.detail, exc.headers, **exc.extras)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _validation_problem(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            return problem_response(400, "malformed_json", "Isi permintaan bukan UTF-8.")
        code, detail = _STATUS_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(exc.status_code, code, detail, headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            500,
            "internal_error",
            "Terjadi kesalahan pada server. Silakan coba lagi; bila berulang, hubungi admin.",
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
