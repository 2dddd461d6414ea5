"""Letter numbers for letters printed while the server cannot be reached (issue 10).

A letter number is allocated by the server (one agenda per office and year: never the same
number twice across staff). For an outage, this device reserves a block while online
(``POST /numbers/reserve``; the server binds the block to this device and user) and keeps it in
the store (`models.local_apps.letter_blocks`, not cache). `LetterNumbers.take` hands out the
next number of a block without the server, as ONE committed store write that records the number
taken (unique per office, year and number): a crash right after the take can never hand the
same number out again, only leave a gap (a visible gap is better than a duplicate).

- The block's answer carries the office's pattern, unit and the letter type's klasifikasi, so a
  number is formatted here exactly as the server formats it.
- Refilled by itself: after a take (and on `refill`, e.g. after a sync round) a new block is
  asked for while fewer than `low_water` numbers are left, when the server answers.
- Empty and offline: `LetterNumbersExhausted` with "Nomor surat cadangan habis; tersedia lagi
  saat tersambung ke server".
- A reservation whose answer was lost is asked again with the same transaction id (the row is
  written before the request), which the server answers with the same block.
- A block expires with the server's offline policy or the year: never used after.

Qt-free; call from a worker (`reserve`, `refill` and `take` may wait for the network).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from desktop.domain.catalogue import Catalogue
from desktop.domain.numbering import DEFAULT_LETTER_PATTERN, format_letter_number
from desktop.models.store import Store
from desktop.services.api.client import ApiClient, expect_mapping
from desktop.services.api.errors import ApiError, BadResponse, ConnectionFailure, LoketError

log = logging.getLogger(__name__)

EMPTY_MESSAGE = "Nomor surat cadangan habis; tersedia lagi saat tersambung ke server"
BLOCK_SIZE = 20
LOW_WATER = 5
REQUEST_TIMEOUT = 10.0
ASKED = "diminta"
READY = "siap"
ISSUING_ROLES = frozenset({"operator", "validator"})
"""Who the server lets number an office's letters (`server/routes/numbers.py`): its counter
operators and its signing official. Nobody else reserves blocks (the server would refuse)."""


def issues_letters(roles: Iterable[str]) -> bool:
    """Whether someone with `roles` numbers letters (the server's `ISSUING_ROLES`)."""
    return not ISSUING_ROLES.isdisjoint(roles)


def letter_types_for(catalogue: Catalogue | None, office_level: str) -> tuple[str, ...]:
    """The letter types an office at `office_level` issues, as `/numbers/reserve` names them:
    the `jenis_surat` of each service taken in at that level (the server refuses the others)."""
    if catalogue is None:
        return ()
    found = {
        service.letter_type
        for service in catalogue.services.values()
        if service.letter_type and office_level in service.intake_levels
    }
    return tuple(sorted(found))


class LetterNumbersExhausted(LoketError):
    """No reserved number left for this letter type, and the server could not give more."""

    def __init__(self, message: str = EMPTY_MESSAGE) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class TakenNumber:
    letter_type: str
    year: int
    number: int
    formatted: str


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class LetterNumbers:
    """This device's reserved letter numbers for one office."""

    def __init__(
        self,
        api: ApiClient | None,
        store: Store,
        *,
        office_code: str,
        user_id: str = "",
        block_size: int = BLOCK_SIZE,
        low_water: int = LOW_WATER,
        clock: Callable[[], float] = time.time,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.api = api
        self.store = store
        self.office_code = office_code
        self.user_id = user_id
        self.block_size = block_size
        self.low_water = low_water
        self.clock = clock
        self.today = today or date.today

    # -- counting ---------------------------------------------------------------------------

    def available(self, letter_type: str) -> int:
        """Numbers left in this device's usable blocks for `letter_type`."""
        now, year = int(self.clock()), self.today().year
        value = self.store.read(
            lambda conn: conn.exec_driver_sql(
                'SELECT COALESCE(SUM("end" - next + 1), 0) FROM letter_blocks WHERE state = ? '
                "AND office_code = ? AND letter_type = ? AND year = ? AND expires_at > ? "
                'AND next <= "end"',
                (READY, self.office_code, letter_type, year, now),
            ).scalar()
        )
        return int(value or 0)

    # -- online: reserving ------------------------------------------------------------------

    def reserve(self, letter_type: str, count: int | None = None) -> int:
        """Reserve a block (or finish one whose answer was lost); returns its size. Raises the
        API client's errors (offline: `ConnectionFailure`)."""
        if self.api is None:
            raise LetterNumbersExhausted()
        api = self.api
        size = count or self.block_size
        now = int(self.clock())

        def ask(conn: Connection) -> tuple[str, int]:
            row = conn.exec_driver_sql(
                "SELECT transaction_id, count FROM letter_blocks WHERE state = ? AND "
                "office_code = ? AND letter_type = ? ORDER BY created_at LIMIT 1",
                (ASKED, self.office_code, letter_type),
            ).first()
            if row is not None:  # asked before, answer lost: the same block again
                return str(row[0]), int(row[1])
            tx = str(uuid.uuid4())
            conn.exec_driver_sql(
                "INSERT INTO letter_blocks (transaction_id, office_code, letter_type, count, "
                "state, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (tx, self.office_code, letter_type, size, ASKED, now),
            )
            return tx, size

        tx, size = self.store.write(ask)
        body = {
            "office_code": self.office_code,
            "letter_type": letter_type,
            "count": size,
            "transaction_id": tx,
        }
        try:
            answer = expect_mapping(
                api.request("POST", "/numbers/reserve", json_body=body, timeout=REQUEST_TIMEOUT),
                "cadangan nomor surat",
            )
        except ApiError as exc:
            if exc.status < 500 and exc.status not in (408, 425, 429):
                # Refused for good (role, office, letter type): nothing was reserved.
                self.store.write(
                    lambda conn: conn.exec_driver_sql(
                        "DELETE FROM letter_blocks WHERE transaction_id = ? AND state = ?",
                        (tx, ASKED),
                    )
                )
            raise
        block = _block(answer)
        self.store.write(
            lambda conn: conn.exec_driver_sql(
                'UPDATE letter_blocks SET state = ?, year = ?, start = ?, "end" = ?, next = ?, '
                "expires_at = ?, pattern = ?, unit = ?, klasifikasi = ? WHERE transaction_id = ? "
                "AND state = ?",
                (READY, block["year"], block["start"], block["end"], block["start"],
                 block["expires_at"], block["pattern"], block["unit"], block["klasifikasi"],
                 tx, ASKED),
            )
        )  # fmt: skip
        log.info("letter numbers %s..%s reserved for %s", block["start"], block["end"], letter_type)
        return int(block["end"]) - int(block["start"]) + 1

    def refill(self, letter_type: str, *, empty_only: bool = False) -> bool:
        """Reserve a new block when fewer than `low_water` are left (`empty_only`: when none
        is) and the server answers. True when a block came; never raises (logged)."""
        left = self.available(letter_type) if self.api is not None else 0
        if self.api is None or left >= (1 if empty_only else max(1, self.low_water)):
            return False
        try:
            self.reserve(letter_type)
        except LoketError as exc:
            log.info("letter numbers for %s not refilled: %s", letter_type, type(exc).__name__)
            return False
        return True

    def refill_all(self, letter_types: Iterable[str]) -> list[str]:
        """One refill pass over `letter_types` (after a pull, on the sync lane): a block is
        reserved for each type with none, or with fewer than `low_water` left. A lost
        connection ends the pass (the next pull asks again, with the same transaction id for
        a request whose answer was lost); another refusal is logged and the next type goes
        on. Returns the types that
        got a block. Never raises for the server's answers."""
        got: list[str] = []
        if self.api is None:
            return got
        for letter_type in letter_types:
            if self.available(letter_type) >= max(1, self.low_water):
                continue
            try:
                self.reserve(letter_type)
            except ConnectionFailure as exc:
                log.info("letter numbers not refilled (%s): next time", type(exc).__name__)
                break
            except LoketError as exc:
                log.warning("letter numbers for %s not refilled: %s", letter_type, exc.message)
                continue
            got.append(letter_type)
        return got

    # -- offline: taking --------------------------------------------------------------------

    def take(
        self,
        letter_type: str,
        *,
        klasifikasi: str | None = None,
        purpose: str = "",
        refill: bool = True,
    ) -> TakenNumber:
        """The next reserved number, written as taken before it is returned (a committed write:
        never handed out twice, not even across a crash). Raises `LetterNumbersExhausted` when
        none is left and the server cannot give more now."""
        taken = self.store.write(lambda conn: self._take(conn, letter_type, klasifikasi, purpose))
        if taken is None and self.api is not None:
            self.refill(letter_type, empty_only=True)  # one try at the server first
            taken = self.store.write(
                lambda conn: self._take(conn, letter_type, klasifikasi, purpose)
            )
        if taken is None:
            raise LetterNumbersExhausted()
        if refill:
            self.refill(letter_type)
        return taken

    def _take(
        self, conn: Connection, letter_type: str, klasifikasi: str | None, purpose: str
    ) -> TakenNumber | None:
        now, issued = int(self.clock()), self.today()
        row = conn.exec_driver_sql(
            "SELECT transaction_id, year, next, pattern, unit, klasifikasi FROM letter_blocks "
            "WHERE state = ? AND office_code = ? AND letter_type = ? AND year = ? "
            'AND expires_at > ? AND next <= "end" ORDER BY start LIMIT 1',
            (READY, self.office_code, letter_type, issued.year, now),
        ).first()
        if row is None:
            return None
        tx, year, number = str(row[0]), int(row[1]), int(row[2])
        formatted = format_letter_number(
            str(row[3] or DEFAULT_LETTER_PATTERN),
            number=number,
            issued=issued,
            klasifikasi=klasifikasi or (str(row[5]) if row[5] else ""),
            unit=str(row[4] or ""),
        )
        conn.exec_driver_sql(
            "UPDATE letter_blocks SET next = next + 1 WHERE transaction_id = ? AND next = ?",
            (tx, number),
        )
        conn.exec_driver_sql(
            "INSERT INTO letter_numbers_taken (office_code, letter_type, year, number, "
            "formatted, block_tx, purpose, user_id, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.office_code, letter_type, year, number, formatted, tx, purpose, self.user_id,
             now),
        )  # fmt: skip
        return TakenNumber(letter_type, year, number, formatted)

    def taken(self) -> list[TakenNumber]:
        """Every number handed out from this device's blocks, in order."""
        rows = self.store.read(
            lambda conn: conn.exec_driver_sql(
                "SELECT letter_type, year, number, formatted FROM letter_numbers_taken "
                "WHERE office_code = ? ORDER BY seq",
                (self.office_code,),
            ).all()
        )
        return [TakenNumber(str(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]


def _block(answer: dict[str, Any]) -> dict[str, Any]:
    try:
        start, end, year = int(answer["start"]), int(answer["end"]), int(answer["year"])
        expires = _epoch(str(answer["expires_at"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse("Jawaban cadangan nomor surat dari server tidak lengkap.") from exc
    if not 1 <= start <= end:
        raise BadResponse("Jawaban cadangan nomor surat dari server tidak masuk akal.")
    klasifikasi = answer.get("klasifikasi")
    return {
        "year": year,
        "start": start,
        "end": end,
        "expires_at": expires,
        "pattern": str(answer.get("pattern") or DEFAULT_LETTER_PATTERN),
        "unit": str(answer.get("unit") or ""),
        "klasifikasi": klasifikasi if isinstance(klasifikasi, str) else None,
    }


__all__ = [
    "EMPTY_MESSAGE",
    "ISSUING_ROLES",
    "LetterNumbers",
    "LetterNumbersExhausted",
    "TakenNumber",
    "issues_letters",
    "letter_types_for",
]
