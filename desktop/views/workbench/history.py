"""The application's history: every decision, who took it, in which role and office, when (on
the device and on the server), why, and the checklist notes that came with it.

Newest first: the verifier usually needs the last revision reason. Device and server time are
both shown because an offline decision is made at device time and only recorded later; a large
gap is pointed out rather than hidden.

Claims ("Mulai ditangani") and releases ("Dilepas") are not decisions: every open and close of an
application adds one, so they are hidden unless asked for (`set_show_claims`); the server's audit
log keeps them all the same.

A copy without history (only the queue's summary is on this PC, server down) says that, not
"no history" (`set_unavailable`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta, tzinfo
from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop.domain.catalogue import DocumentType
from desktop.domain.formatting import format_datetime, format_duration
from desktop.domain.records import HistoryEntry
from desktop.domain.workflow import Role

OfficeNames = Callable[[str], str | None]
"""Office code -> name, when known (the shell's lookup, as for the header)."""

EXTRA_ACTION_LABELS = {
    "create": "Dibuat",
    "claim": "Mulai ditangani",
    "release": "Dilepas",
}
CLAIM_ACTIONS = frozenset({"claim", "release"})
"""History rows about who held the application, not about the application itself."""
CLOCK_GAP = timedelta(minutes=5)
"""Device and server time further apart than this are worth a remark (offline decision, or a
PC with a wrong clock)."""


def action_label(entry: HistoryEntry) -> str:
    if entry.action is not None:
        return entry.action.label
    return EXTRA_ACTION_LABELS.get(entry.action_raw, entry.action_raw)


def role_label(raw: str) -> str:
    try:
        return Role(raw).label
    except ValueError:
        return raw


class HistoryView(QTextBrowser):
    """Read-only timeline; rich text so it wraps and stays selectable for copying a reason."""

    def __init__(self, parent: QWidget | None = None, *, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._count = 0
        self._decisions = 0
        self._claims = 0
        self._show_claims = False
        self._last: tuple[
            Sequence[HistoryEntry], Mapping[str, DocumentType] | None, OfficeNames | None
        ] = ((), None, None)
        self._office_names: OfficeNames = lambda _code: None
        self._unavailable = ""
        self.setOpenLinks(False)
        self.setAccessibleName(self.tr("Riwayat permohonan"))

    @property
    def entry_count(self) -> int:
        """Entries shown."""
        return self._count

    @property
    def decision_count(self) -> int:
        """Entries that are not claims or releases (what the tab counts)."""
        return self._decisions

    @property
    def claim_count(self) -> int:
        """Claims and releases, shown only on request."""
        return self._claims

    def set_show_claims(self, show: bool) -> None:
        self._show_claims = show
        self.set_entries(*self._last)

    def set_time_zone(self, tz: tzinfo | None) -> None:
        self._tz = tz

    def set_unavailable(self, text: str) -> None:
        """The history is not known here: show `text` in place of any entries ("" when the
        entries given are the application's history). Takes effect at the next `set_entries`."""
        self._unavailable = text

    @property
    def available(self) -> bool:
        """Whether the entries shown are the application's history (not an unknown one)."""
        return not self._unavailable

    def set_office_names(self, lookup: OfficeNames) -> None:
        """Show offices by name (the shell's lookup, as `WorkbenchHeader` gets its name)."""
        self._office_names = lookup

    def set_entries(
        self,
        entries: Sequence[HistoryEntry],
        document_types: Mapping[str, DocumentType] | None = None,
        office_names: OfficeNames | None = None,
    ) -> None:
        """Show `entries`, newest first (claims and releases only when `set_show_claims`).
        `office_names` overrides `set_office_names` once."""
        self._last = (entries, document_types, office_names)
        if self._unavailable:
            self._claims = self._decisions = self._count = 0
            self.setHtml(f"<p style='color:#605e5c'>{escape(self._unavailable)}</p>")
            return
        claims = [e for e in entries if e.action is None and e.action_raw in CLAIM_ACTIONS]
        self._claims = len(claims)
        self._decisions = len(entries) - len(claims)
        if not self._show_claims:
            entries = [e for e in entries if e not in claims]
        self._count = len(entries)
        if not entries:
            self.setHtml(f"<p style='color:#605e5c'>{escape(self.tr('Belum ada riwayat.'))}</p>")
            return
        names = {code: t.name for code, t in (document_types or {}).items()}
        ordered = sorted(entries, key=lambda e: e.server_time, reverse=True)
        offices = office_names or self._office_names
        blocks = [self._entry_html(entry, names, offices) for entry in ordered]
        self.setHtml("<hr style='color:#e1dfdd'>".join(blocks))

    def _entry_html(
        self, entry: HistoryEntry, names: Mapping[str, str], offices: OfficeNames
    ) -> str:
        tr = self.tr
        title = f"<b>{escape(action_label(entry))}</b>"
        if entry.from_status is not None and entry.to_status is not None:
            title += (
                f" <span style='color:#605e5c'>{escape(entry.from_status.label)} → "
                f"{escape(entry.to_status.label)}</span>"
            )
        who = escape(entry.actor_full_name or entry.actor_username)
        if entry.actor_full_name and entry.actor_username:
            who += f" <span style='color:#605e5c'>({escape(entry.actor_username)})</span>"
        meta = [who]
        if entry.role:
            meta.append(escape(role_label(entry.role)))
        if entry.office_code:
            office = offices(entry.office_code) or tr("kantor {code}").format(
                code=entry.office_code
            )
            meta.append(escape(office))
        lines = [title, " · ".join(meta), self._times(entry)]
        if entry.reason:
            reason = escape(entry.reason).replace("\n", "<br>")
            lines.append(f"<b>{escape(tr('Alasan'))}:</b> {reason}")
        if entry.checklist:
            items = []
            for item in entry.checklist:
                mark = (
                    "<span style='color:#107c10'>✓</span>"
                    if item.ok
                    else ("<span style='color:#c50f1f'>✗</span>")
                )
                text = escape(names.get(item.requirement_code, item.requirement_code))
                if item.note:
                    text += f": {escape(item.note)}"
                items.append(f"{mark} {text}")
            lines.append(
                f"<b>{escape(tr('Pemeriksaan persyaratan'))}:</b><br>" + "<br>".join(items)
            )
        return "<p style='margin:4px 0'>" + "<br>".join(lines) + "</p>"

    def _times(self, entry: HistoryEntry) -> str:
        tr = self.tr
        server = format_datetime(entry.server_time, self._tz)
        text = escape(tr("Server: {time}").format(time=server))
        if entry.device_time is not None:
            device = format_datetime(entry.device_time, self._tz)
            text += " · " + escape(tr("Perangkat: {time}").format(time=device))
            gap = entry.server_time - entry.device_time
            if abs(gap) > CLOCK_GAP:
                if gap > timedelta(0):
                    remark = tr(
                        "tercatat di server {d} kemudian; mungkin diputuskan saat tidak tersambung"
                    )
                else:
                    remark = tr("jam perangkat {d} lebih cepat dari server")
                text += (
                    " <span style='color:#8a5300'>("
                    + escape(remark.format(d=format_duration(gap)))
                    + ")</span>"
                )
        return f"<span style='color:#605e5c'>{text}</span>"

    def plain_entries(self) -> str:
        """Visible text (tests, copying)."""
        return self.toPlainText()
