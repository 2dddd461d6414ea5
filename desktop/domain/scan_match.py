"""Cross-check a number read from a scanned KTP/KK against the number the officer typed.

Qt-free and OCR-free: the reader (`desktop.services.scanning.nik_reader`) hands over the
number it found, this module only decides what the officer is told. The one promise: a read
shows as "cocok" ONLY when it is a full 16-digit number that passes the NIK/KK rules
(`identity.check_nik` / `check_kk`: region code, date part, serial) and equals the typed number
digit for digit. A partial, over-long or implausible read is "tidak_terbaca", never "cocok":
an OCR slip must never vouch for a typo.

What the screen shows: the read number IN FULL beside the typed one. The officer is already
looking at the scanned card (which prints the full NIK) and at the typed field, and on
"berbeda" the differing digit may be anywhere, so a masked number would hide exactly what they
must check. Logs are another matter: `NumberMatch.__repr__`/`log_text` mask the numbers
(`mask_nik`), and `desktop/services/logmask.py` masks any NIK-like run in log records as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from desktop.domain.identity import (
    NUMBER_LENGTH,
    check_kk,
    check_nik,
    mask_niks_in_text,
    normalise_number,
)

if TYPE_CHECKING:
    from desktop.domain.catalogue import Service

MatchStatus = Literal["cocok", "berbeda", "tidak_terbaca", "belum_diketik"]
NumberKind = Literal["nik", "kk"]

_LABEL: dict[NumberKind, str] = {
    "nik": "NIK pada KTP terpindai",
    "kk": "Nomor KK pada KK terpindai",
}


@dataclass(frozen=True)
class NumberMatch:
    """The outcome shown next to the typed number. `message` is screen text (Indonesian, may
    hold the full read number: see the module docstring); `read` is the valid 16-digit number
    read, or None; `differs_at` are the 0-based positions where a valid read and the typed
    number differ (for highlighting), empty unless "berbeda"."""

    status: MatchStatus
    message: str
    read: str | None = field(default=None)
    differs_at: tuple[int, ...] = field(default=())
    whose: str | None = field(default=None)
    """For "cocok" with another person's number in the form: that field's label ("NIK ibu")."""

    @property
    def log_text(self) -> str:
        """For logs: status and masked numbers only."""
        return f"{self.status}: {mask_niks_in_text(self.message)}"

    def __repr__(self) -> str:
        return f"NumberMatch({self.log_text!r}, differs_at={self.differs_at!r})"


def _grouped(number: str) -> str:
    """`1471015208900001` -> `1471 0152 0890 0001`: easier to compare by eye."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _valid(number: str, kind: NumberKind) -> bool:
    if len(number) != NUMBER_LENGTH or not (number.isascii() and number.isdigit()):
        return False
    return (check_nik(number) if kind == "nik" else check_kk(number)).ok


def compare(
    typed: str,
    reading_number: str | None,
    *,
    kind: NumberKind = "nik",
    others: Sequence[tuple[str, str]] = (),
) -> NumberMatch:
    """Compare the typed number with the one read from the scan.

    "cocok": the read is a valid 16-digit number equal to the typed one (typed spaces, dots
    and dashes between groups are ignored), or to one of `others`, the (label, typed) numbers
    of other people in the same form: the KTP-el attached to a birth registration is often the
    mother's or the reporter's, which is right, not "berbeda" (the message then names whose).
    "berbeda": the read is a valid 16-digit number and equals none of them. "tidak_terbaca":
    nothing valid was read (None, wrong length, bad region or date): the officer checks the
    card by eye. "belum_diketik": a valid read and nothing typed anywhere (no verdict)."""
    label = _LABEL[kind]
    read = (reading_number or "").strip()
    if not _valid(read, kind):
        return NumberMatch(
            "tidak_terbaca",
            f"{label} tidak terbaca dengan pasti; periksa nomornya dengan melihat kartu.",
        )
    typed_digits = normalise_number(typed or "")
    if typed_digits == read:
        return NumberMatch("cocok", f"{label}: {_grouped(read)}, cocok", read=read)
    filled = [(who, normalise_number(number)) for who, number in others]
    filled = [(who, digits) for who, digits in filled if digits]
    for who, digits in filled:
        if digits == read:
            return NumberMatch(
                "cocok", f"{label}: {_grouped(read)}, cocok dengan {who}", read=read, whose=who
            )
    if not typed_digits and not filled:
        # Nothing typed yet (an application without a KK number): what the card says, no
        # verdict; "berbeda" against an empty field sent verifiers looking for a mistake.
        return NumberMatch("belum_diketik", f"{label}: {_grouped(read)}; belum diketik.", read=read)
    differs = tuple(
        i for i in range(NUMBER_LENGTH) if i >= len(typed_digits) or typed_digits[i] != read[i]
    )
    against = ""
    if filled:
        names = ", ".join(who for who, _ in filled)
        against = f" (juga tidak sama dengan {names})"
    return NumberMatch(
        "berbeda",
        f"{label}: {_grouped(read)}, berbeda dengan yang diketik{against}; periksa lagi.",
        read=read,
        differs_at=differs,
    )


def numbers_in_form(
    service: Service | None, data: Mapping[str, str], kind: NumberKind
) -> list[tuple[str, str]]:
    """The (label, value) of every NIK or KK field of the service's own form that has a value
    ("NIK ibu", "NIK saksi 1"): the other people whose card may be the one attached."""
    if service is None:
        return []
    return [
        (f.label, str(data.get(key) or ""))
        for key, f in service.fields().items()
        if f.kind == kind and str(data.get(key) or "").strip()
    ]
