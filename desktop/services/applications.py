"""Working on one application: claim, renew, release, decide, fetch detail and documents.

Decisions carry the version they were made on and a transaction id, so a lost answer can be
retried safely (the server returns the original result for a seen transaction id). A decision is a
`PendingDecision`, made once when the person decides: the automatic replay *and* the person's
own "coba lagi" send exactly the same body again, so they can never conflict with themselves.
Should a 409 still come back whose ``current`` history shows that very decision (same transaction
id, or this user and device with the same action and reason right after the version decided on),
it is treated as applied: `decide` returns success.

When someone else was faster (409), the server's ``current``/``claim`` extras are turned into a
plain Indonesian sentence naming who did what and when (in the office's zone, `display_tz`), and
the newer state is written to the local store, so the workbench can reload and the person can
decide again on fresh data.

The local side of one application lives here too: the last detail fetched is kept in the store
(`cached_copy` reads it while the server is unreachable, saying whether it is that whole detail
or only the queue's summary, which has no documents, history or checklist), a released claim
leaves the queue row
at once, and the checklist marks a person has not sent yet are kept per application
(`keep_marks` / `kept_marks` / `forget_marks`) until the decision that carries them is sent.
"""

from __future__ import annotations

import enum
import json
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection

from desktop.domain.records import (
    ApplicationDetail,
    ApplicationSummary,
    ChecklistItem,
    ClaimInfo,
    HistoryEntry,
    RecordError,
)
from desktop.domain.workflow import Action, Role, parse_action, parse_state
from desktop.models import audit_log, outbox_resolution
from desktop.models import outbox as outbox_table
from desktop.models.outbox import EntryKind, OutboxEntry
from desktop.models.store import Store
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import (
    ApiError,
    BadResponse,
    ConnectionFailure,
    LoketError,
    SessionExpired,
)
from desktop.services.retry import is_transient

log = logging.getLogger(__name__)

CONFLICT_CODES = frozenset(
    {"claimed_by_other", "claim_required", "version_conflict", "wrong_state", "claim_taken_away"}
)
APPLIED_CHECK_CODES = frozenset({"version_conflict", "wrong_state", "claim_required"})
"""409s after which the history may show that our own decision was applied already."""


def _utc_now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _clean_reason(reason: str | None) -> str | None:
    return reason.strip() if reason and reason.strip() else None


@dataclass(frozen=True)
class PendingDecision:
    """One decision exactly as the person took it, created once per decision.

    Keep it until the server has answered: a retry after a lost answer must send this same object
    again (same transaction id, same body, same device time), which the server answers with the
    original result. Make a new one only when the person decides something else (`matches`).
    """

    app_id: str
    action: str
    expected_version: int
    reason: str | None
    checklist: tuple[ChecklistItem, ...] | None
    transaction_id: str
    device_time: str
    seen_status: str | None = None
    handover: Mapping[str, Any] | None = None
    """DELIVER only: who collected the document (`services.handover`), sent with the action."""
    document_sha256: str | None = None
    """SIGN only: the signed document's SHA-256, registered before (`services.issuing`)."""

    @classmethod
    def create(
        cls,
        app_id: str,
        action: Action | str,
        *,
        expected_version: int,
        reason: str | None = None,
        checklist: Sequence[ChecklistItem] | None = None,
        seen_status: str | None = None,
        transaction_id: str | None = None,
        handover: Mapping[str, Any] | None = None,
        document_sha256: str | None = None,
    ) -> PendingDecision:
        return cls(
            app_id=app_id,
            action=str(action),
            expected_version=expected_version,
            reason=_clean_reason(reason),
            checklist=tuple(checklist) if checklist is not None else None,
            transaction_id=transaction_id or str(uuid.uuid4()),
            device_time=_utc_now_text(),
            seen_status=seen_status,
            handover=dict(handover) if handover is not None else None,
            document_sha256=document_sha256,
        )

    def matches(
        self,
        app_id: str,
        action: Action | str,
        *,
        expected_version: int,
        reason: str | None = None,
        checklist: Sequence[ChecklistItem] | None = None,
    ) -> bool:
        """True when this is the person retrying the same decision (reuse this object)."""
        return (
            self.app_id == app_id
            and self.action == str(action)
            and self.expected_version == expected_version
            and self.reason == _clean_reason(reason)
            and self.checklist == (tuple(checklist) if checklist is not None else None)
        )

    def payload(self) -> dict[str, Any]:
        """Everything needed to send it again later, as JSON (the outbox entry's payload)."""
        return {"v": 1, "app_id": self.app_id, "seen_status": self.seen_status, **self.body()}

    @classmethod
    def from_payload(cls, payload: Any) -> PendingDecision:
        """The decision kept in an outbox entry; `ValueError` when it cannot be read."""
        if not isinstance(payload, dict):
            raise ValueError("decision payload")
        try:
            raw_checklist = payload.get("checklist")
            checklist = (
                tuple(ChecklistItem.from_json(c) for c in raw_checklist)
                if isinstance(raw_checklist, list)
                else None
            )
            version = payload["expected_version"]
            if not isinstance(version, int):
                raise ValueError("expected_version")
            reason, seen = payload.get("reason"), payload.get("seen_status")
            handover, signed = payload.get("handover"), payload.get("document_sha256")
            return cls(
                app_id=str(payload["app_id"]),
                action=str(payload["action"]),
                expected_version=version,
                reason=reason if isinstance(reason, str) else None,
                checklist=checklist,
                transaction_id=str(payload["transaction_id"]),
                device_time=str(payload["device_time"]),
                seen_status=seen if isinstance(seen, str) else None,
                handover=dict(handover) if isinstance(handover, dict) else None,
                document_sha256=signed if isinstance(signed, str) else None,
            )
        except (KeyError, RecordError) as exc:
            raise ValueError(f"decision payload: {exc}") from exc

    def body(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reason": self.reason,
            "expected_version": self.expected_version,
            "transaction_id": self.transaction_id,
            "device_time": self.device_time,
            "checklist": [c.to_json() for c in self.checklist]
            if self.checklist is not None
            else None,
            **({"handover": dict(self.handover)} if self.handover is not None else {}),
            **({"document_sha256": self.document_sha256} if self.document_sha256 else {}),
        }


def _when(when: datetime, tz: tzinfo | None = None) -> str:
    """ "pukul 10.45 WIB" today, "24/11/2026 pukul 10.45 WIB" on another day, in `tz` (None:
    the PC's zone, named only when it is an Indonesian one)."""
    local = when.astimezone(tz)
    today = datetime.now(tz).astimezone(tz).date()
    zone = local.tzname() if tz is not None else None
    suffix = f" {zone}" if zone in ("WIB", "WITA", "WIT") else ""
    if local.date() == today:
        return f"pukul {local:%H.%M}{suffix}"
    return f"{local:%d/%m/%Y} pukul {local:%H.%M}{suffix}"


def _role_label(raw: str) -> str:
    try:
        return Role(raw).label
    except ValueError:
        return raw


def _past_tense(action: Action | None, raw: str) -> str:
    return action.done_label if action else f"diproses ({raw})"


class ConflictError(ApiError):
    """Someone else acted or holds the claim. `message` is the plain explanation; `current` is
    the application as the server has it now (None when the server did not send it)."""

    def __init__(self, base: ApiError, message: str, current: ApplicationSummary | None) -> None:
        super().__init__(base.status, base.code, base.detail, base.extras)
        self.message = message
        self.args = (message,)
        self.current = current


def explain_conflict(
    error: ApiError,
    *,
    my_user_id: str | None = None,
    seen_status: str | None = None,
    tz: tzinfo | None = None,
) -> ConflictError:
    """Turn a 409 into a sentence that names who acted first, from the server's extras.

    `seen_status` is the status the person decided on; when the server's status differs, the
    latest decision in the history is the one that got there first. Times are in `tz` (the
    office's zone; None: the PC's).
    """
    current: ApplicationSummary | None = None
    raw_current = error.extras.get("current")
    if raw_current is not None:
        try:
            current = (
                ApplicationDetail.from_json(raw_current)
                if isinstance(raw_current, dict) and "history" in raw_current
                else ApplicationSummary.from_json(raw_current)
            )
        except RecordError:
            current = None
    claim: ClaimInfo | None = None
    raw_claim = error.extras.get("claim")
    if raw_claim:
        try:
            claim = ClaimInfo.from_json(raw_claim)
        except RecordError:
            claim = None
    if claim is None and current is not None:
        claim = current.claim

    status_text = ""
    if current is not None:
        state = current.status or parse_state(current.status_raw)
        label = state.label if state else current.status_raw
        status_text = f" Status sekarang: {label}."

    last: HistoryEntry | None = None
    if isinstance(current, ApplicationDetail):
        decisions = [
            h
            for h in current.history
            if h.action is not None
            or h.action_raw not in ("create", "claim", "release", "reassign")
        ]
        last = decisions[-1] if decisions else None

    others_claim = claim if claim is not None and claim.user_id != my_user_id else None
    status_moved = (
        current is not None and seen_status is not None and current.status_raw != seen_status
    )
    decided = last is not None and (
        error.code in ("version_conflict", "wrong_state") or status_moved
    )
    if error.code == "claim_taken_away":
        # A supervisor released or reassigned this person's claim (server/claims.py): the
        # server's own sentence, told once: "Klaim permohonan X dilepas oleh Y: alasan".
        message = error.detail or "Klaim Anda dilepas oleh supervisor."
    elif error.code == "claimed_by_other" and others_claim is not None:
        message = (
            f"Permohonan ini sedang dikerjakan oleh {others_claim.full_name} "
            f"({others_claim.username}) sampai {_when(others_claim.expires_at, tz)}. "
            "Anda belum dapat mengambilnya."
        )
    elif decided and last is not None:
        who = last.actor_full_name or last.actor_username
        role = f", {_role_label(last.role)}" if last.role else ""
        message = (
            f"Permohonan ini sudah {_past_tense(last.action, last.action_raw)} oleh {who} "
            f"({last.actor_username}{role}) {_when(last.server_time, tz)}.{status_text} "
            "Data terbaru sudah dimuat; periksa kembali sebelum memutuskan."
        )
    elif error.code == "claim_required":
        if others_claim is not None:
            message = (
                f"Klaim Anda sudah berakhir dan permohonan ini kini dikerjakan oleh "
                f"{others_claim.full_name} ({others_claim.username}).{status_text}"
            )
        else:
            message = (
                "Klaim Anda atas permohonan ini sudah berakhir. Ambil ulang permohonan, "
                "periksa kembali, lalu putuskan." + status_text
            )
    elif current is not None:
        message = (
            "Permohonan ini sudah diubah oleh petugas lain sejak Anda membukanya."
            f"{status_text} Data terbaru sudah dimuat; periksa kembali sebelum memutuskan."
        )
    else:
        message = error.detail or "Permohonan ini sudah diubah oleh petugas lain."
    return ConflictError(error, message, current)


@dataclass(frozen=True)
class KeptMark:
    """One requirement as the person judged it: `ok` None means only a note was written.
    `documents`: the sha256 of its documents then, so a mark is never put back on a document
    that was replaced meanwhile."""

    requirement_code: str
    ok: bool | None
    note: str
    documents: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement_code": self.requirement_code,
            "ok": self.ok,
            "note": self.note,
            "documents": list(self.documents),
        }

    @classmethod
    def from_json(cls, raw: Any) -> KeptMark:
        if not isinstance(raw, dict):
            raise ValueError("mark")
        code, ok, note, docs = (
            raw.get("requirement_code"),
            raw.get("ok"),
            raw.get("note", ""),
            raw.get("documents", []),
        )
        if not isinstance(code, str) or not (ok is None or isinstance(ok, bool)):
            raise ValueError("mark")
        if not isinstance(note, str) or not isinstance(docs, list):
            raise ValueError("mark")
        return cls(code, ok, note, tuple(str(d) for d in docs))


@dataclass(frozen=True)
class KeptMarks:
    """The unsent checklist of one application, made on status `status`."""

    app_id: str
    status: str
    marks: tuple[KeptMark, ...]
    saved_at: int  # epoch seconds

    @classmethod
    def create(cls, app_id: str, status: str, marks: Sequence[KeptMark]) -> KeptMarks:
        return cls(app_id, status, tuple(marks), int(time.time()))

    def payload(self) -> str:
        return json.dumps(
            {"v": 1, "status": self.status, "marks": [m.to_json() for m in self.marks]},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_payload(cls, app_id: str, payload: str, saved_at: int) -> KeptMarks:
        raw = json.loads(payload)
        if not isinstance(raw, dict) or not isinstance(raw.get("status"), str):
            raise ValueError("marks")
        items = raw.get("marks")
        if not isinstance(items, list):
            raise ValueError("marks")
        return cls(app_id, raw["status"], tuple(KeptMark.from_json(m) for m in items), saved_at)


class Origin(enum.Enum):
    """Where the application on screen comes from, so nothing is said that the data cannot back."""

    SERVER = "server"
    """Fetched from the server just now."""
    KEPT_DETAIL = "kept_detail"
    """The last detail fetched on this PC (server unreachable): its documents are listed, but
    their contents are not kept on disk; the claim it records may be long over."""
    KEPT_SUMMARY = "kept_summary"
    """Only the queue's summary on this PC (server unreachable): no documents, no history, no
    checklist marks; they are not known here, not absent."""


@dataclass(frozen=True)
class LocalCopy:
    """The application as this PC last saw it, and which kind of copy that is."""

    detail: ApplicationDetail
    origin: Origin


@dataclass(frozen=True)
class ClaimResult:
    claim: ClaimInfo
    version: int


@dataclass(frozen=True)
class ActionResult:
    application: ApplicationDetail
    entry: HistoryEntry | None


def _applied_entry(history: list[Any], pending: PendingDecision) -> int | None:
    """Index of the history entry that is `pending`, applied; None when it is not there.

    Every history entry names the transaction that made it (`transaction_id`), so the desktop
    recognises its own decision in a 409 by that id alone. The guess by position (this user's
    same action right after the version decided on) is gone: it could take someone else's
    replayed or identical decision for ours.
    """
    for i, item in enumerate(history):
        if isinstance(item, dict) and item.get("transaction_id") == pending.transaction_id:
            return i
    return None


class ApplicationService:
    """Remote operations on single applications (call from workers)."""

    def __init__(self, api: ApiClient, store: Store | None = None) -> None:
        self.api = api
        self.store = store
        self.my_user_id: str | None = None
        self.display_tz: tzinfo | None = None
        """Zone for times in messages (the office's); None: the PC's."""
        self._claimed_at: dict[str, float] = {}
        """App id -> when this session last asked for its claim (a release queued before
        that meant an older claim: `claimed_since`)."""

    def _path(self, app_id: str, suffix: str = "") -> str:
        return f"/applications/{quote(app_id, safe='')}{suffix}"

    def _with_current(self, exc: ApiError, app_id: str) -> ApiError:
        if exc.extras.get("current") is None and exc.code != "claimed_by_other":
            # Without the server's view we could not say who acted: ask for it once.
            try:
                raw = self.api.get_json(self._path(app_id))
                exc = ApiError(exc.status, exc.code, exc.detail, {**exc.extras, "current": raw})
            except SessionExpired:
                raise
            except LoketError:
                pass
        return exc

    def _conflict(self, exc: ApiError, app_id: str, seen_status: str | None = None) -> ApiError:
        if exc.code not in CONFLICT_CODES:
            return exc
        exc = self._with_current(exc, app_id)
        conflict = explain_conflict(
            exc, my_user_id=self.my_user_id, seen_status=seen_status, tz=self.display_tz
        )
        if conflict.current is not None and "current" in exc.extras:
            self._remember(conflict.current, exc.extras["current"])
        return conflict

    def _remember(self, summary: ApplicationSummary, raw: Any, *, answer: bool = False) -> None:
        """Write what the server said to the cache; a detail is also kept whole (offline).
        A row with unsent changes keeps its local state (the store holds the server's
        version), except for `answer`: the server's answer to this PC's own decision."""
        store = self.store
        if store is None:
            return
        try:
            if isinstance(summary, ApplicationDetail) and isinstance(raw, dict):
                store.write(lambda conn: Store.put_detail(conn, summary, raw, answer=answer))
            else:
                if isinstance(raw, dict):
                    raw = {k: v for k, v in raw.items() if k not in ("documents", "history")}
                narrow = raw
                store.write(
                    lambda conn: Store.upsert_summaries(conn, [(summary, narrow)], answer=answer)
                )
        except Exception:
            log.exception("could not update local cache")

    def cached_copy(self, app_id: str) -> LocalCopy | None:
        """The application as this PC last saw it (for reading while the server is down): the
        last detail fetched (`Origin.KEPT_DETAIL`), or only the queue's summary when it was
        never opened here or a pull brought a newer one (`Origin.KEPT_SUMMARY`: its empty
        documents and history mean "not known here"). None when not cached or unreadable."""
        if self.store is None:
            return None
        try:
            raw = self.store.cached_raw(app_id)
            if raw is None:
                return None
            detail = ApplicationDetail.from_json(raw)
        except (RecordError, ValueError) as exc:
            log.warning("cached application %s unreadable: %s", app_id, type(exc).__name__)
            return None
        whole = isinstance(raw.get("documents"), list) and isinstance(raw.get("history"), list)
        return LocalCopy(detail, Origin.KEPT_DETAIL if whole else Origin.KEPT_SUMMARY)

    def cached_detail(self, app_id: str) -> ApplicationDetail | None:
        """`cached_copy` without saying which kind of copy it is."""
        copy = self.cached_copy(app_id)
        return copy.detail if copy is not None else None

    # -- unsent checklist marks (local only, until the decision carries them) --------------

    def keep_marks(self, marks: KeptMarks) -> Future[None] | None:
        """Save `marks` on the store's writer without waiting (safe on the GUI thread)."""
        if self.store is None:
            return None
        app_id, payload, saved_at = marks.app_id, marks.payload(), marks.saved_at
        return self.store.write_async(
            lambda conn: Store.put_marks(conn, app_id, payload, saved_at=saved_at)
        )

    def forget_marks(self, app_id: str) -> Future[None] | None:
        """Delete the kept marks of `app_id` (their decision was sent), without waiting."""
        if self.store is None:
            return None
        return self.store.write_async(lambda conn: Store.delete_marks(conn, app_id))

    def kept_marks(self, app_id: str) -> KeptMarks | None:
        """The unsent marks kept for `app_id` (waits for the writer: call from a worker)."""
        if self.store is None:
            return None
        kept = self.store.kept_marks(app_id)
        if kept is None:
            return None
        try:
            return KeptMarks.from_payload(app_id, *kept)
        except ValueError:  # json.JSONDecodeError is one
            log.warning("kept checklist marks of %s unreadable; ignored", app_id)
            return None

    # -- the outbox: decisions kept on this PC until the server has them -------------------

    def keep_decision(self, pending: PendingDecision, *, label: str) -> bool:
        """Write `pending` to the outbox (same transaction id: a decision that reached the
        server before the line dropped is recognised when it is sent again), and forget the
        kept checklist marks it carries, in ONE transaction. Waits for the writer (call from
        a worker); True once it is on disk, False when it was there already."""
        store = self.store
        if store is None:
            raise LoketError("Keputusan tidak dapat disimpan di komputer ini (tanpa penyimpanan).")
        user_id = self.my_user_id or ""
        now = int(time.time())

        def write(conn: Connection) -> bool:
            added = Store.add_outbox_entry(
                conn,
                transaction_id=pending.transaction_id,
                app_id=pending.app_id,
                kind=EntryKind.DECISION,
                payload=pending.payload(),
                label=label,
                user_id=user_id,
                now=now,
            )
            Store.delete_marks(conn, pending.app_id)  # carried by the entry now
            audit_log.append(
                conn,
                kind="decision_queued",
                user_id=user_id,
                app_id=pending.app_id,
                details={
                    "action": pending.action,
                    "transaction_id": pending.transaction_id,
                    "expected_version": pending.expected_version,
                },
                now=now,
            )
            return added

        return store.write(write)

    def pending_decision(self, app_id: str) -> OutboxEntry | None:
        """The newest decision on `app_id` still in the outbox (menunggu, mengirim, coba
        lagi, konflik, ditolak): reopened, it is shown and no second one is offered."""
        if self.store is None:
            return None
        found = [
            e
            for e in self.store.outbox_entries(app_id)
            if e.kind == EntryKind.DECISION.value and e.state.value in outbox_table.UNSENT
        ]
        return found[-1] if found else None

    def discard_seen(self, transaction_id: str, reason: str) -> bool:
        """A konflik or ditolak entry shown to the person where they decided (they decide
        again on fresh data): dibuang, with `reason`. Waits for the writer (call from a
        worker)."""
        store = self.store
        if store is None:
            return False
        now, user_id = int(time.time()), self.my_user_id or ""

        def write(conn: Connection) -> bool:
            found = [e for e in outbox_table.entries(conn) if e.transaction_id == transaction_id]
            if not found or not outbox_table.discard(conn, transaction_id, reason, now=now):
                return False
            entry = found[0]
            # Audited like the Sinkronisasi page's "Buang", in the same write.
            outbox_resolution.record_resolution(
                conn,
                kind=outbox_resolution.AUDIT_DISCARDED,
                user_id=user_id,
                app_id=entry.app_id,
                details={
                    **outbox_resolution.resolution_details(entry, reason),
                    "seen_where_decided": True,
                },
                now=now,
            )
            return True

        return store.write(write)

    def fetch_detail(self, app_id: str) -> ApplicationDetail:
        raw = self.api.get_json(self._path(app_id))
        try:
            detail = ApplicationDetail.from_json(raw)
        except RecordError as exc:
            raise BadResponse(f"Data permohonan dari server tidak dapat dibaca: {exc}") from exc
        self._remember(detail, raw)
        return detail

    def claim(
        self, app_id: str, *, keep_releases: bool = False, renewal: bool = False
    ) -> ClaimResult:
        """Claim (or renew one's own claim). 409 `claimed_by_other` -> `ConflictError`.
        `keep_releases`: the outbox re-claims for a decision whose lease lapsed; the release
        queued behind that decision must still go after it. Every claim but a `renewal` (the
        timer keeping the lease) is audited with its local claim record (one write)."""
        self._claimed_at[app_id] = time.time()  # before the request: a release racing it
        store = self.store
        if store is not None and not keep_releases:  # a waiting release would give it back
            self._drop_releases(app_id, outbox_table.RECLAIMED)
        try:
            body = expect_mapping(self.api.post_json(self._path(app_id, "/claim"), {}), "klaim")
        except ApiError as exc:
            raise self._conflict(exc, app_id) from exc
        try:
            version = body.get("version")
            if not isinstance(version, int):
                raise RecordError("data dari server tidak valid: 'version'")
            result = ClaimResult(ClaimInfo.from_json(body.get("claim")), version)
        except RecordError as exc:
            raise BadResponse(f"Jawaban klaim dari server tidak valid: {exc}") from exc
        self._remember_claim(
            app_id, result, body.get("claim"), audited=not renewal, by_outbox=keep_releases
        )
        return result

    def _remember_claim(
        self,
        app_id: str,
        result: ClaimResult,
        raw: Any,
        *,
        audited: bool = False,
        by_outbox: bool = False,
    ) -> None:
        """Write a claim (or its renewal) into the cache, so the queue says who handles it now
        without waiting for a pull (the store announces the change); `audited`: with its audit
        record in the same write."""
        store = self.store
        if store is None or not isinstance(raw, dict):
            return
        user_id, now = self.my_user_id or "", int(time.time())
        until = int(result.claim.expires_at.timestamp())

        def write(conn: Connection) -> None:
            Store.put_claim(conn, app_id, result.version, result.claim, raw)
            if audited:
                details = {"version": result.version, "expires_at": until, "by_outbox": by_outbox}
                audit_log.append(
                    conn, kind="claim", user_id=user_id, app_id=app_id, details=details, now=now
                )

        try:
            store.write(write)
        except Exception:
            log.exception("could not update local cache")

    def _drop_releases(self, app_id: str, reason: str) -> list[str]:
        """Drop the releases of `app_id` still waiting (dibuang with `reason`), audited in the
        same write; the dropped transaction ids."""
        store = self.store
        if store is None:
            return []
        user_id, now = self.my_user_id or "", int(time.time())

        def write(conn: Connection) -> list[str]:
            dropped = outbox_table.drop_releases(conn, app_id, now=now, reason=reason)
            if dropped:
                audit_log.append(
                    conn,
                    kind="claim_release_dropped",
                    user_id=user_id,
                    app_id=app_id,
                    details={"transaction_ids": dropped, "reason": reason},
                    now=now,
                )
            return dropped

        return store.write(write)

    def use_claim_offline(self, app_id: str) -> list[str]:
        """The server cannot be reached and this PC records that this person holds `app_id`'s
        claim (a release of it never reached the server, or none was asked for): the claim is
        used again, so a release still waiting is dibuang ("klaim dipakai lagi", audited in the
        same write). A decision then waits in the outbox; a lease that ends before it is sent
        is taken again there (`OutboxSender`: lapsed lease). Waits for the writer (worker).
        Returns the dropped releases' transaction ids."""
        self._claimed_at[app_id] = time.time()  # a release under way is followed by a claim
        return self._drop_releases(app_id, outbox_table.CLAIM_USED_AGAIN)

    def release(self, app_id: str, *, timeout: float | None = None) -> bool:
        """Give the claim back: True when the server has it now, False when it waits in the
        outbox (a RELEASE entry, its transaction id the Idempotency-Key), sent by the outbox in
        order after that application's decision, if one waits (sent after a release, the
        decision would come back as a conflict). Whoever asks: leaving, sign-out, exit."""
        store = self.store
        tx = str(uuid.uuid4())
        if store is not None and store.outbox_will_send(app_id):
            log.info("release of %s queued behind its decision in the outbox", app_id)
            self._queue_release(app_id, tx)
            return False
        try:
            self.release_now(app_id, transaction_id=tx, timeout=timeout, audited=True)
        except LoketError as exc:
            if store is None or not is_transient(exc):
                raise
            log.info("release of %s did not reach the server; queued", app_id)
            self._queue_release(app_id, tx)  # the same key: it may have arrived after all
            return False
        return True

    def claimed_since(self, app_id: str, when: float) -> bool:
        """Whether this session asked for `app_id`'s claim at or after `when` (epoch s)."""
        return self._claimed_at.get(app_id, float("-inf")) >= when

    def _queue_release(self, app_id: str, transaction_id: str) -> None:
        store = self.store
        if store is None:
            return
        user_id, queued_at = self.my_user_id or "", time.time()

        def write(conn: Connection) -> None:
            added = outbox_table.add_release(
                conn,
                transaction_id=transaction_id,
                app_id=app_id,
                user_id=user_id,
                now=int(queued_at),
                queued_at=queued_at,
            )
            details = {"transaction_id": transaction_id, "queued": True, "added": added}
            audit_log.append(
                conn,
                kind="claim_release",
                user_id=user_id,
                app_id=app_id,
                details=details,
                now=int(queued_at),
            )

        store.write(write)

    def release_now(
        self,
        app_id: str,
        *,
        transaction_id: str | None = None,
        timeout: float | None = None,
        audited: bool = False,
    ) -> None:
        """The release itself (the outbox's RELEASE sender), `transaction_id` as its
        Idempotency-Key: a replay never releases a claim taken since. Gone already (404/409,
        someone else holds it now) is done. `audited`: the person's own release (not the
        outbox sending one already audited when it was queued), recorded with the local
        claim record's removal in one write."""
        headers = {"Idempotency-Key": transaction_id} if transaction_id else None
        try:
            self.api.request(
                "DELETE",
                self._path(app_id, "/claim"),
                expect="none",
                timeout=timeout,
                headers=headers,
            )
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise
        store, me = self.store, self.my_user_id
        if store is not None and me is not None:
            now = int(time.time())

            def write(conn: Connection) -> None:
                Store.drop_claim(conn, app_id, me)
                if audited:
                    details = {"transaction_id": transaction_id or "", "queued": False}
                    audit_log.append(
                        conn,
                        kind="claim_release",
                        user_id=me,
                        app_id=app_id,
                        details=details,
                        now=now,
                    )

            try:
                store.write(write)
            except Exception:
                log.exception("could not update local cache")

    def act(
        self,
        app_id: str,
        action: Action | str,
        *,
        expected_version: int,
        reason: str | None = None,
        checklist: Sequence[ChecklistItem] | None = None,
        transaction_id: str | None = None,
        seen_status: str | None = None,
    ) -> ActionResult:
        """Decide once (a new `PendingDecision`); see `decide` for retries by the person."""
        return self.decide(
            PendingDecision.create(
                app_id,
                action,
                expected_version=expected_version,
                reason=reason,
                checklist=checklist,
                seen_status=seen_status,
                transaction_id=transaction_id,
            )
        )

    def decide(self, pending: PendingDecision) -> ActionResult:
        """Send `pending`; replayed once at once if the answer was lost. Call again with the
        same object when the person retries. A 409 whose history shows this very decision
        already applied is success, not a conflict."""
        app_id, action = pending.app_id, pending.action
        body = pending.body()
        path = self._path(app_id, "/actions")
        try:
            try:
                answer = self.api.post_json(path, body)
            except (ConnectionFailure, BadResponse) as first:
                log.info("action answer lost (%s); replaying transaction", type(first).__name__)
                answer = self.api.post_json(path, body)
        except ApiError as exc:
            if exc.code in APPLIED_CHECK_CODES:
                exc = self._with_current(exc, app_id)
                applied = self._already_applied(exc, pending)
                if applied is not None:
                    log.info(
                        "application %s: %s was already applied (answer lost earlier)",
                        app_id,
                        action,
                    )
                    return applied
            raise self._conflict(exc, app_id, pending.seen_status) from exc
        obj = expect_mapping(answer, "keputusan")
        try:
            detail = ApplicationDetail.from_json(obj.get("application"))
            entry_raw = obj.get("entry")
            entry = HistoryEntry.from_json(entry_raw) if entry_raw else None
        except RecordError as exc:
            raise BadResponse(f"Jawaban keputusan dari server tidak dapat dibaca: {exc}") from exc
        self._remember(detail, obj.get("application"), answer=True)
        log.info(
            "application %s: %s -> %s",
            app_id,
            parse_action(str(action)) or action,
            detail.status_raw,
        )
        return ActionResult(detail, entry)

    def _already_applied(self, exc: ApiError, pending: PendingDecision) -> ActionResult | None:
        """The `current` of a 409 shows `pending` applied: the result, else None."""
        raw = exc.extras.get("current")
        if not isinstance(raw, dict) or not isinstance(raw.get("history"), list):
            return None
        history: list[Any] = raw["history"]
        index = _applied_entry(history, pending)
        if index is None:
            return None
        try:
            detail = ApplicationDetail.from_json(raw)
            entry = HistoryEntry.from_json(history[index])
        except RecordError:
            return None
        self._remember(detail, raw, answer=True)
        return ActionResult(detail, entry)

    def fetch_document(self, app_id: str, doc_id: str) -> bytes:
        content, _ctype = self.api.get_bytes(
            self._path(app_id, f"/documents/{quote(doc_id, safe='')}")
        )
        return content

    def find_by_number(self, number: str) -> ApplicationSummary | None:
        """Look a registration/provisional number up on the server (barcode not in the cache)."""
        body = expect_mapping(
            self.api.get_json("/applications", {"q": number, "limit": 5}), "daftar permohonan"
        )
        items = body.get("items")
        if not isinstance(items, list):
            raise BadResponse("Jawaban daftar permohonan dari server tidak lengkap.")
        compact = number.replace("-", "")
        for raw in items:
            try:
                summary = ApplicationSummary.from_json(raw)
            except RecordError:
                continue
            numbers = {summary.registration_number or "", summary.provisional_number or ""}
            if number in numbers or compact in {n.replace("-", "") for n in numbers}:
                self._remember(summary, raw)
                return summary
        return None

    def offices(self) -> dict[str, str]:
        """Office code -> name within the user's scope (for the queue's office column)."""
        body = expect_mapping(self.api.get_json("/offices"), "daftar kantor")
        items = body.get("items")
        out: dict[str, str] = {}
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("code"), str):
                    out[item["code"]] = str(item.get("name") or item["code"])
        return out
