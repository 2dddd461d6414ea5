"""PKCS#12 certificates held by a named official (issue 13's holder check): a leaf under the
test CA's root whose CN is the given name, valid today."""

from __future__ import annotations

from datetime import timedelta

from tests.signing_ca import NOW, Identity, Pki, _leaf


def held_by(pki: Pki, name: str) -> Identity:
    day = timedelta(days=1)
    return _leaf(f"holder {name}", pki.root, name, NOW - day, NOW + 365 * day)
