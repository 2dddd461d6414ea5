"""What the signing settings need besides the settings file: the BSrE client credentials in
the OS keyring, a look at a PKCS#12 certificate, and the trust roots for checking signatures.

Secrets never go into ``settings.json``: the esign client's user and password are kept in
the OS keyring through `SecretStore` (which refuses file-backed keyrings), bound to the
address they were typed for, so changing the address never sends them to another host. The
PKCS#12 passphrase is an argument of `read_certificate` only and is kept nowhere.

Qt-free; the settings page runs these on a worker through `Op`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import keyring.errors
from cryptography import x509
from cryptography.x509.oid import NameOID

from desktop.services.api.errors import InsecureKeyringError
from desktop.services.secrets import INSECURE_HELP, SecretStore
from desktop.services.signing import BsreApi, BsreConfig, Pkcs12Signer, SigningError, SignProblem
from desktop.services.signing.pkcs12 import issuer_label
from desktop.settings import Settings

log = logging.getLogger(__name__)

BSRE_SERVICE = "Loket BSrE"
"""The keyring entry's service name; the account is the esign client's address."""


def _account(base_url: str) -> str:
    return base_url.strip().rstrip("/")


class BsreCredentials:
    """The esign client's (user, password) per address, in the OS keyring only."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def save(self, base_url: str, user: str, password: str) -> None:
        """Raises `InsecureKeyringError` (Indonesian) rather than use an unsafe keyring."""
        self._store.check()
        secret = json.dumps({"user": user, "password": password})
        try:
            self._store.backend.set_password(BSRE_SERVICE, _account(base_url), secret)
        except keyring.errors.KeyringError as exc:
            raise InsecureKeyringError(
                "Penyimpanan kredensial sistem operasi menolak menyimpan kredensial BSrE "
                f"({type(exc).__name__}). " + INSECURE_HELP
            ) from exc

    def load(self, base_url: str) -> tuple[str, str] | None:
        if not base_url.strip() or self._store.problem():
            return None
        try:
            text = self._store.backend.get_password(BSRE_SERVICE, _account(base_url))
        except keyring.errors.KeyringError as exc:
            log.warning("keyring read failed: %s", type(exc).__name__)
            return None
        if not text:
            return None
        try:
            raw = json.loads(text)
            return str(raw["user"]), str(raw["password"])
        except (ValueError, KeyError, TypeError):
            return None

    def delete(self, base_url: str) -> None:
        if self._store.problem():
            return
        try:
            self._store.backend.delete_password(BSRE_SERVICE, _account(base_url))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("keyring delete failed: %s", type(exc).__name__)


def bsre_config(settings: Settings, auth: tuple[str, str] | None) -> BsreConfig:
    """The esign client as configured on this PC (TLS verified with the settings' CA)."""
    return BsreConfig(
        base_url=settings.bsre_url,
        api=BsreApi(settings.bsre_api),
        auth=auth,
        ca_bundle=settings.ca_bundle_path,
    )


@dataclass(frozen=True)
class CertificateInfo:
    holder: str
    issuer: str
    not_before: datetime
    not_after: datetime


def read_certificate(path: Path, passphrase: str) -> CertificateInfo:
    """The holder and validity of a PKCS#12 file, opened with `passphrase` (not kept).

    Raises `SigningError` with the signer's own Indonesian message (not PKCS#12, wrong
    passphrase), so the check says exactly what signing would say."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(SignProblem.NOT_PKCS12, detail=type(exc).__name__) from exc
    cert = Pkcs12Signer._certificate(data, passphrase)  # the signer's own reading
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    holder = str(names[0].value) if names else cert.subject.rfc4514_string()
    return CertificateInfo(
        holder=holder,
        issuer=issuer_label(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def load_trust_roots(path: str) -> list[x509.Certificate]:
    """The certificates of a PEM bundle; none for an empty path or an unreadable file
    (then every signature shows as an unknown signer, never as valid)."""
    if not path:
        return []
    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        log.warning("trust roots %s not usable: %s", path, type(exc).__name__)
        return []
