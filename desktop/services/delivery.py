"""E-mail of issued documents, sent by the server (never from the counter PC: the office's
SMTP relay and its password live on the server only).

`email_document` asks the server to send the signed PDF it holds (the issued document's
SHA-256 among the application's uploaded documents) and to complete the application with the
`deliver` action; the answer is a typed `DeliveryResult`. Qt-free: call it from an `Op` on a
worker and show `operations.user_message(exc)` on failure - every refusal is an `ApiError`
whose Indonesian `detail` the server wrote (503 `mail_unavailable`: the relay is down and
nothing was sent; 422 `validation_error` on `to`; 409 `document_void`, `document_missing`,
`claim_required`; 403 `role_not_allowed`).

Replay-safe: the same `transaction_id` is answered with the first result and never sends a
second message, so a caller (or an outbox entry) that lost the answer sends again with the
same id. `worth_retrying` says which failures a later retry may cure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from desktop.domain.records import ApplicationDetail, RecordError
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure

Channel = Literal["email"]
MAIL_UNAVAILABLE = "mail_unavailable"
"""503: the server's relay is down or not set up; nothing was sent, the application stays
`signed`. Try later with the same transaction id, or hand the printed document over."""
DOCUMENT_VOID = "document_void"
DOCUMENT_MISSING = "document_missing"
IN_PROGRESS = "delivery_in_progress"


@dataclass(frozen=True)
class Delivery:
    """What the server sent to whom (`DeliveryOut` of the API)."""

    id: str
    application_id: str
    issued_code: str
    channel: str
    to: str
    sha256: str
    filename: str
    status: str
    """`sent`, or `sending` (the server stopped while the relay had it: check the inbox)."""
    sent_by_name: str
    sent_at: datetime | None
    transaction_id: str
    history_entry_id: str | None
    documents: tuple[tuple[str, str], ...] = ()
    """(code, sha256) of every document the message carried (issue 13: akta, KK and KIA in
    one message); a server before that answers only the one, which is then listed."""

    @classmethod
    def from_json(cls, raw: Any) -> Delivery:
        data = expect_mapping(raw, "pengiriman dokumen")
        try:
            sent_at = data.get("sent_at")
            return cls(
                id=_text(data, "id"),
                application_id=_text(data, "application_id"),
                issued_code=_text(data, "issued_code"),
                channel=_text(data, "channel"),
                to=_text(data, "to"),
                sha256=_text(data, "sha256"),
                filename=_text(data, "filename"),
                status=_text(data, "status"),
                sent_by_name=_text(data, "sent_by_name"),
                sent_at=(
                    datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
                    if isinstance(sent_at, str)
                    else None
                ),
                transaction_id=_text(data, "transaction_id"),
                history_entry_id=(
                    data["history_entry_id"]
                    if isinstance(data.get("history_entry_id"), str)
                    else None
                ),
                documents=_documents(data),
            )
        except ValueError as exc:
            raise BadResponse(
                "Jawaban server tentang pengiriman dokumen tidak lengkap atau rusak."
            ) from exc


@dataclass(frozen=True)
class DeliveryResult:
    delivery: Delivery
    application: ApplicationDetail

    @property
    def completed(self) -> bool:
        """The application was completed by this delivery (false only when someone else
        finished it while the server was sending)."""
        return self.delivery.history_entry_id is not None


def _documents(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = data.get("documents")
    if not isinstance(raw, list) or not raw:
        return ((_text(data, "issued_code"), _text(data, "sha256")),)
    return tuple((_text(d, "code"), _text(d, "sha256")) for d in raw if isinstance(d, dict))


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(key)
    return value


def delivery_path(app_id: str) -> str:
    return f"/applications/{quote(app_id, safe='')}/deliveries"


def delivery_body(
    *,
    issued_code: str,
    to: str,
    transaction_id: str,
    channel: Channel = "email",
    device_time: str | None = None,
    more_codes: Sequence[str] = (),
) -> dict[str, Any]:
    """The request body (an outbox entry may keep it and send it later, unchanged).
    `more_codes`: the application's other issued documents, attached to the same message."""
    body: dict[str, Any] = {
        "transaction_id": transaction_id,
        "issued_code": issued_code,
        "channel": channel,
        "to": to.strip(),
    }
    more = [c for c in dict.fromkeys(more_codes) if c != issued_code]
    if more:
        body["issued_codes"] = more
    if device_time is not None:
        body["device_time"] = device_time
    return body


def email_document(
    client: ApiClient,
    app_id: str,
    *,
    issued_code: str,
    to: str,
    transaction_id: str,
    device_time: str | None = None,
    more_codes: Sequence[str] = (),
) -> DeliveryResult:
    """`POST /applications/{id}/deliveries`: the server e-mails the issued document `issued_code`
    to `to` and completes the application. Raises `ApiError` (see the module docstring),
    `ConnectionFailure`, `BadResponse`, `SessionExpired` - all `LoketError`s with Indonesian
    messages. `more_codes`: more issued documents of the application in the same message."""
    body = delivery_body(
        issued_code=issued_code,
        to=to,
        transaction_id=transaction_id,
        device_time=device_time,
        more_codes=more_codes,
    )
    answer = expect_mapping(client.post_json(delivery_path(app_id), body), "pengiriman dokumen")
    delivery = Delivery.from_json(answer.get("delivery"))
    try:
        application = ApplicationDetail.from_json(
            expect_mapping(answer.get("application"), "pengiriman dokumen")
        )
    except RecordError as exc:
        raise BadResponse(str(exc)) from exc
    return DeliveryResult(delivery, application)


def deliveries(client: ApiClient, app_id: str) -> list[Delivery]:
    """What was sent for the application, oldest first."""
    answer = expect_mapping(client.get_json(delivery_path(app_id)), "daftar pengiriman")
    items = answer.get("items")
    if not isinstance(items, list):
        raise BadResponse("Jawaban server untuk daftar pengiriman tidak berbentuk daftar.")
    return [Delivery.from_json(item) for item in items]


def worth_retrying(exc: BaseException) -> bool:
    """A failure a later try with the same transaction id may cure: the server or its relay
    unreachable (nothing was sent). A refusal (address, void document, role) is not."""
    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, ApiError) and (exc.status >= 500 or exc.status == 429)
