"""Read the NIK (KTP) or KK number from a scanned card or family card (issue 12).

OCR runs offline with the models shipped inside the installed package (no download at run
time); the engine is loaded lazily, once, on first use, and calls are serialised by a lock so
any worker thread may call `read_card`. Numbers are taken from the OCR text only when they pass
the NIK/KK rules (`desktop.domain.identity`), so noise that happens to be 16 digits long is
dropped. Whether the read matches what was typed is decided by `desktop.domain.scan_match`.

Call it on a worker (it takes up to ~1.5 s per card); never log the numbers unmasked.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from desktop.domain.identity import mask_nik


@dataclass(frozen=True)
class CardReading:
    """What was read from one image. `nik`: the number printed after "NIK" (a KTP), `kk`: the
    number after "No."/"Nomor KK" (a KK); each None when no valid number was found there.
    `candidates`: every valid 16-digit number found, in reading order (a NIK may be on a KK's
    member table too). `seconds`: time spent in OCR."""

    nik: str | None
    kk: str | None
    candidates: tuple[str, ...]
    seconds: float

    def __repr__(self) -> str:  # never a full NIK in a log line or a traceback
        def m(x: str | None) -> str:
            return mask_nik(x) if x else "None"

        cands = ", ".join(mask_nik(c) for c in self.candidates)
        return (
            f"CardReading(nik={m(self.nik)}, kk={m(self.kk)}, candidates=[{cands}], "
            f"seconds={self.seconds:.2f})"
        )


def read_card(image: Image.Image) -> CardReading:
    """OCR one scanned KTP or KK page and pick its number. Thread-safe; blocks (worker only).
    Never raises for an unreadable image: it returns a reading with nothing found."""
    raise NotImplementedError  # seam 12: implementation follows
