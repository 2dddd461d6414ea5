"""What the Sinkronisasi page shows and does: every outbox entry the server has not applied,
grouped by state, and the two ways a person settles a conflict (DESIGN section 6: "never
dropped silently, never stuck silently: the user always sees what is waiting, since when, and
why").

- The list is read on a worker (`Op`), never on the GUI thread, when the page controller
  starts, whenever the store announces a change to `Part.OUTBOX` (one read at a time, another
  after it when asked meanwhile), and once a minute so "12 menit lalu" stays true.
- Each row says which application (number and name as the queue shows them), what the entry
  is (its label), how old it is, its state in words ("coba lagi pukul 10.15 WIB") and why.
- A konflik row also sets the local decision beside the server's current state (kept by the
  sender in `server_state`): who decided what and when, on both sides, in Indonesian.
- "Coba sekarang" is `SyncController.retry_outbox_now` (handed in as `retry_now`).
- Settling (`models.outbox_resolution`, one store write with its audit record): `discard`
  with a reason (konflik or ditolak), or `redo` (konflik): the old entry is closed and
  `redo_ready` asks the shell to open the application in the workbench, which fetches the
  server's current version; the new decision there gets a new transaction id.

QtCore only (no widgets), like every controller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import Connection

from desktop.domain.formatting import format_clock, format_datetime, local, zone_name
from desktop.domain.records import ApplicationDetail, ApplicationSummary, RecordError
from desktop.domain.workflow import parse_action, parse_state
from desktop.models import audit_log, outbox_resolution
from desktop.models.changes import Part, StoreChange
from desktop.models.outbox import EntryKind, EntryState, OutboxEntry
from desktop.models.outbox_resolution import NotResolvable, PageRow
from desktop.models.store import Store
from desktop.models.store_events import StoreEvents
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskHandle, TaskRunner

log = logging.getLogger(__name__)

GROUP_ORDER = (
    EntryState.WAITING,
    EntryState.SENDING,
    EntryState.RETRY,
    EntryState.CONFLICT,
    EntryState.REFUSED,
    EntryState.NEEDS_ACTION,
)
AGE_REFRESH_MS = 60_000


@dataclass(frozen=True)
class EntryView:
    """One row, in words (everything the page shows, nothing it must compute)."""

    transaction_id: str
    app_id: str
    state: EntryState
    application: str  # "1471-261124-0042-6 · Sari Dewi"
    what: str  # the entry's label ("Verifikasi 1471-…")
    age: str  # "12 menit lalu"
    state_text: str  # "coba lagi pukul 10.15 WIB"
    reason: str  # why (coba lagi / konflik / ditolak), "" otherwise
    local_side: str  # the decision as taken on this PC
    server_side: str  # the server's current state (konflik), "" otherwise
    can_redo: bool
    can_discard: bool
    kind: str = ""
    """The entry's `EntryKind` value: a *perlu tindakan* SIGNATURE has its own actions."""


@dataclass(frozen=True)
class Group:
    state: EntryState
    title: str  # "Konflik (2)"
    rows: tuple[EntryView, ...]


@dataclass(frozen=True)
class PageState:
    groups: tuple[Group, ...]  # only states with entries, in `GROUP_ORDER`
    total: int
    audit: str = ""  # the server refused this PC's audit log (`audit_line`); "" otherwise

    def find(self, transaction_id: str) -> EntryView | None:
        for group in self.groups:
            for row in group.rows:
                if row.transaction_id == transaction_id:
                    return row
        return None


# -- words ---------------------------------------------------------------------------------------


def age_text(seconds: float) -> str:
    """ "baru saja", "12 menit lalu", "3 jam lalu", "2 hari lalu"."""
    s = max(0, int(seconds))
    if s < 60:
        return "baru saja"
    if s < 3600:
        return f"{s // 60} menit lalu"
    if s < 86_400:
        return f"{s // 3600} jam lalu"
    return f"{s // 86_400} hari lalu"


def _at(epoch: float, now: float, tz: tzinfo | None) -> str:
    """ "10.15 WIB" today, "Rab, 25 Nov 10.15 WIB" on another day."""
    moment = datetime.fromtimestamp(epoch, UTC)
    clock = format_clock(moment, datetime.fromtimestamp(now, UTC), tz)
    return f"{clock} {zone_name(local(moment, tz))}"


def state_text(entry: OutboxEntry, now: float, tz: tzinfo | None) -> str:
    if entry.state is EntryState.RETRY:
        if entry.next_attempt_at is None or entry.next_attempt_at <= now:
            return "coba lagi sebentar lagi"
        return f"coba lagi pukul {_at(entry.next_attempt_at, now, tz)}"
    return entry.state.label


def _iso_time(text: Any, tz: tzinfo | None) -> str:
    if not isinstance(text, str) or not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, tz)


def _status_words(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        return "tidak diketahui"
    state = parse_state(raw)
    return state.label if state is not None else raw


def _action_words(raw: Any) -> str:
    action = parse_action(str(raw)) if raw else None
    return action.label if action is not None else str(raw or "keputusan")


def local_side(entry: OutboxEntry, who: str, tz: tzinfo | None) -> str:
    """The decision as taken on this PC, for people."""
    taken = _at(entry.created_at, entry.created_at, tz)
    payload = entry.payload if isinstance(entry.payload, Mapping) else {}
    if entry.kind != EntryKind.DECISION.value:
        return f"{who} — {entry.label or entry.kind}, disimpan di komputer ini pukul {taken}."
    when = _iso_time(payload.get("device_time"), tz) or taken
    lines = [
        f"{who} memutuskan: {_action_words(payload.get('action'))}",
        f"Waktu di komputer ini: {when}",
        f"Atas versi {payload.get('expected_version', '?')} "
        f"(status saat itu: {_status_words(payload.get('seen_status'))})",
    ]
    reason = payload.get("reason")
    if isinstance(reason, str) and reason.strip():
        lines.append(f"Alasan: {reason.strip()}")
    return "\n".join(lines)


def server_side(server_state: Any, tz: tzinfo | None) -> str:
    """The server's current state as the sender kept it: status, version, who decided last
    (what, when, why) and who handles it now."""
    if not isinstance(server_state, Mapping):
        return "Keadaan di server tidak tersimpan (server tidak mengirimkannya)."
    try:
        current: ApplicationSummary = (
            ApplicationDetail.from_json(server_state)
            if "history" in server_state
            else ApplicationSummary.from_json(server_state)
        )
    except RecordError:
        status = _status_words(server_state.get("status"))
        return f"Status di server: {status} (versi {server_state.get('version', '?')})."
    label = current.status.label if current.status else current.status_raw
    lines = [f"Status di server: {label} (versi {current.version})"]
    if isinstance(current, ApplicationDetail):
        decided = [
            h
            for h in current.history
            if h.action_raw not in ("create", "claim", "release", "submit")
        ]
        if decided:
            last = decided[-1]
            what = last.action.label if last.action else last.action_raw
            lines.append(
                f"Diputuskan terakhir: {what} oleh {last.actor_full_name} "
                f"({last.actor_username}), {format_datetime(last.server_time, tz)}"
            )
            if last.reason:
                lines.append(f"Alasan: {last.reason}")
    if current.claim is not None:
        until = format_datetime(current.claim.expires_at, tz)
        lines.append(
            f"Ditangani oleh {current.claim.full_name} ({current.claim.username}) sampai {until}"
        )
    return "\n".join(lines)


def view_of(row: PageRow, *, user_id: str, now: float, tz: tzinfo | None) -> EntryView:
    entry = row.entry
    number = row.number or "(belum bernomor)"
    application = f"{number} · {row.applicant_name}" if row.applicant_name else number
    who = "Anda" if entry.user_id in ("", user_id) else f"Pengguna {entry.user_id}"
    conflict = entry.state is EntryState.CONFLICT
    return EntryView(
        transaction_id=entry.transaction_id,
        app_id=entry.app_id,
        state=entry.state,
        application=application,
        what=entry.label or entry.kind,
        age=age_text(now - entry.created_at),
        state_text=state_text(entry, now, tz),
        reason=entry.reason,
        local_side=local_side(entry, who, tz),
        server_side=server_side(entry.server_state, tz) if conflict else "",
        can_redo=conflict and entry.kind == EntryKind.DECISION.value,
        can_discard=entry.state in outbox_resolution.RESOLVABLE,
        kind=entry.kind,
    )


def audit_line(refusal: audit_log.Refusal, now: float, tz: tzinfo | None) -> str:
    """The server's refusal of this PC's audit log, for people: when, where the chain breaks,
    how many records wait, that the work itself still goes, and whom to call."""
    where = (
        f"rantai terputus pada catatan ke-{refusal.number}"
        if refusal.number is not None
        else "rantai terputus"
    )
    if refusal.reason == "hash":
        where += " (isinya berubah setelah dicatat)"
    waiting = (
        f"{refusal.unaccepted} catatan audit belum diterima server; tetap tersimpan di "
        "komputer ini dan dicoba kirim lagi setiap jam"
        if refusal.unaccepted
        else "Catatan audit tetap tersimpan di komputer ini"
    )
    return (
        f"Catatan audit komputer ini ditolak server (pukul {_at(refusal.at, now, tz)}): "
        f"{where}. {waiting}. Pekerjaan tetap terkirim; hubungi administrator."
    )


def page_state(
    rows: list[PageRow],
    *,
    user_id: str,
    now: float,
    tz: tzinfo | None,
    refusal: audit_log.Refusal | None = None,
) -> PageState:
    views = [view_of(r, user_id=user_id, now=now, tz=tz) for r in rows]
    groups = []
    for state in GROUP_ORDER:
        members = tuple(v for v in views if v.state is state)
        if members:
            groups.append(Group(state, f"{state.label.capitalize()} ({len(members)})", members))
    audit = audit_line(refusal, now, tz) if refusal is not None else ""
    return PageState(tuple(groups), len(views), audit)


def _unsent_and_refusal(conn: Connection) -> tuple[list[PageRow], audit_log.Refusal | None]:
    return outbox_resolution.unsent_rows(conn), audit_log.refusal(conn)


# -- the controller ------------------------------------------------------------------------------


class OutboxPageController(QObject):
    """Reads the outbox for the page and settles entries; the page only shows and asks."""

    changed = Signal(object)
    """The page's content (`PageState`)."""
    message = Signal(str, str)
    """(a sentence for the person, "info" | "error")."""
    redo_ready = Signal(str)
    """The old entry is closed: open this application in the workbench to decide again."""

    def __init__(
        self,
        store: Store,
        runner: TaskRunner,
        *,
        user_id: str,
        tz: tzinfo | None = None,
        events: StoreEvents | None = None,
        retry_now: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.user_id = user_id
        self.tz = tz
        self.clock = clock
        self._retry_now = retry_now
        self._running = False
        self._read_handle: TaskHandle | None = None
        self._read_again = False
        self.state = PageState((), 0)
        self.age_timer = QTimer(self)
        self.age_timer.setInterval(AGE_REFRESH_MS)
        self.age_timer.timeout.connect(self.refresh)
        if events is not None:
            events.changed.connect(self._store_changed)

    def start(self) -> None:
        self._running = True
        self.age_timer.start()
        self.refresh()

    def stop(self) -> None:
        self._running = False
        self.age_timer.stop()

    def _store_changed(self, change: StoreChange) -> None:
        if change.touches(Part.OUTBOX):
            self.refresh()

    @property
    def reading(self) -> bool:
        return self._read_handle is not None and not self._read_handle.finished

    def refresh(self) -> None:
        """Read the list again on a worker (after the running read, when one runs)."""
        if not self._running:
            return
        if self.reading:
            self._read_again = True
            return
        self._read_again = False
        store, user_id, tz, clock = self.store, self.user_id, self.tz, self.clock

        def read(_ctx: object) -> PageState:
            rows, refusal = store.read(_unsent_and_refusal)
            return page_state(rows, user_id=user_id, now=clock(), tz=tz, refusal=refusal)

        self._read_handle = (
            Op(OpKind.COUNT, self.tr("Membaca antrean kirim"), read, quiet=True)
            .success(self._read)
            .failure(lambda _exc, text: self.message.emit(text, "error"))
            .relevant_while(lambda: self._running)
            .run(self.runner)
        )

    def _read(self, state: PageState) -> None:
        self.state = state
        self.changed.emit(state)
        if self._read_again:
            self.refresh()

    def retry(self) -> None:
        """ "Coba sekarang": what waits for its next attempt goes at once."""
        if self._retry_now is not None:
            self._retry_now()
        self.message.emit(self.tr("Mengirim sekarang…"), "info")

    def discard(self, transaction_id: str, reason: str) -> None:
        """The entry -> dibuang with `reason` (required), audited in the same write."""
        try:
            text = outbox_resolution.clean_reason(reason)
        except ValueError:
            self.message.emit(self.tr("Tulis alasan membuang entri ini."), "error")
            return
        user_id = self.user_id

        def change(conn: Connection, now: int) -> OutboxEntry:
            return outbox_resolution.discard(
                conn, transaction_id, reason=text, user_id=user_id, now=now
            )

        def done(entry: OutboxEntry) -> None:
            self.message.emit(
                self.tr("Dibuang: %1. Alasan: %2").replace("%1", entry.label).replace("%2", text),
                "info",
            )

        self._resolve(self.tr("Membuang entri"), change, done)

    def redo(self, transaction_id: str) -> None:
        """Close the konflik entry ("diulang pada versi terbaru") and ask for the workbench."""
        user_id = self.user_id

        def change(conn: Connection, now: int) -> OutboxEntry:
            return outbox_resolution.redo(conn, transaction_id, user_id=user_id, now=now)

        def done(entry: OutboxEntry) -> None:
            self.message.emit(
                self.tr(
                    "Keputusan lama ditandai dibuang (diulang pada versi terbaru). Permohonan "
                    "dibuka pada versi terbaru di server: putuskan lagi."
                ),
                "info",
            )
            self.redo_ready.emit(entry.app_id)

        self._resolve(self.tr("Mengulang keputusan"), change, done)

    def _resolve(
        self,
        title: str,
        change: Callable[[Connection, int], OutboxEntry],
        done: Callable[[OutboxEntry], None],
    ) -> None:
        """`change` (at the clock's now) in one store write on the outbox lane, then `done`;
        an entry that no longer waits for a resolution (sent or settled meanwhile) is said so
        instead."""
        store, clock = self.store, self.clock

        def write(_ctx: object) -> OutboxEntry | None:
            try:
                return store.write(lambda conn: change(conn, int(clock())))
            except NotResolvable:
                return None

        def finished(entry: OutboxEntry | None) -> None:
            if entry is None:
                self._not_resolvable()
            else:
                done(entry)

        Op(OpKind.OUTBOX_KEEP, title, write).success(finished).failure(self._failed).run(
            self.runner
        )

    def _failed(self, _exc: Exception, text: str) -> None:
        self.message.emit(text, "error")

    def _not_resolvable(self) -> None:
        self.message.emit(
            self.tr(
                "Entri ini sudah tidak menunggu penyelesaian (sudah terkirim atau sudah "
                "diselesaikan). Daftar diperbarui."
            ),
            "error",
        )
        self.refresh()
