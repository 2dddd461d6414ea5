"""What a signature needs, the same for every signer (`Signer.sign(pdf, request)`).

The letter renderer reserves the signature box and reports its page and rectangle; the
verification service gives the document's URL. Coordinates are PDF points with the origin at
the page's lower-left corner (the PDF's own user space), pages counted from 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Rect:
    """A rectangle in PDF points: lower-left (x0, y0), upper-right (x1, y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if not (self.x1 > self.x0 and self.y1 > self.y0):
            raise ValueError(f"empty or inverted rectangle: {self}")

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x0), round(self.y0), round(self.x1), round(self.y1))


@dataclass(frozen=True)
class StampPlacement:
    """Where the visible stamp goes: `page` from 0, `rect` in points on that page."""

    page: int
    rect: Rect


@dataclass(frozen=True)
class SignRequest:
    """One signature. `stamp` None makes an invisible signature.

    `signer_name` is printed on the stamp (a PKCS#12 signer falls back to the certificate's
    name); `nik` identifies the official at BSrE (unused locally). `passphrase` and `totp` are
    the official's secret of this one call: signers use them and keep nothing.
    """

    verification_url: str
    stamp: StampPlacement | None = None
    signer_name: str = ""
    nik: str = ""
    passphrase: str = field(default="", repr=False)
    totp: str = field(default="", repr=False)
    reason: str = "Dokumen resmi"
    location: str = ""
    tsa_url: str | None = None
    signing_time: datetime | None = None  # shown on the stamp; None = now (tests pin it)


@runtime_checkable
class Signer(Protocol):
    """Signs a PDF; returns the signed bytes or raises `SigningError` (input untouched)."""

    def sign(self, pdf: bytes, request: SignRequest) -> bytes: ...
