"""E-mail of issued documents: the message (Indonesian, the signed PDF attached) and its sending
through the office's relay with `smtplib`.

Only the server sends mail (DESIGN 2.5): the relay's address and password are configured once
here (`server.config`, `LOKET_SMTP_*`), never on the counter PCs. TLS is verified always
(`ssl.create_default_context`, plus `smtp_ca_bundle` for a government CA); plain SMTP is
allowed only to a relay on this very machine (loopback), where nothing crosses a network.
Neither the password nor the recipient's address is ever logged.

Failures are split the way the caller answers them: `MailUnavailable` (not configured, relay
unreachable, TLS or log-in refused, a temporary refusal: 503, try again later) and
`RecipientRefused` (the relay says the address cannot receive mail: 422).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from server.config import Settings

log = logging.getLogger(__name__)

ADDRESS_MAX = 254
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}"
)
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
UNAVAILABLE = (
    "Server e-mail kantor sedang tidak dapat dihubungi, sehingga dokumen belum terkirim dan "
    "permohonan belum diselesaikan. Coba kirim lagi nanti, atau serahkan dokumen cetak di loket."
)


class MailUnavailable(Exception):
    """Nothing was sent and it may work later (or after the administrator fixes the setup);
    `str()` is Indonesian, for the person at the counter."""


class RecipientRefused(Exception):
    """The relay refused the recipient for good (no such mailbox, bad domain)."""


def address_problem(text: str) -> str | None:
    """Why `text` is no e-mail address one can send to, in Indonesian; None when it is one."""
    if len(text) > ADDRESS_MAX:
        return f"Alamat e-mail terlalu panjang (paling banyak {ADDRESS_MAX} karakter)."
    if not _ADDRESS.fullmatch(text) or ".." in text or text.startswith("."):
        return "Alamat e-mail tidak valid: tulis seperti nama@contoh.com, tanpa spasi."
    return None


@dataclass(frozen=True)
class Letter:
    """What the citizen receives: the document named, the office, the verification link."""

    type_name: str
    number: str | None
    office_name: str
    holder_name: str
    verify_url: str
    code: str
    document_type: str


def file_name(letter: Letter) -> str:
    """`SK-DOMISILI_470-901-Kel.Jadirejo-XII-2026.pdf`: the type and number (or the code) in
    characters every mail program and file system keeps."""
    stem = f"{letter.document_type}_{letter.number or letter.code}"
    clean = _FILE_UNSAFE.sub("-", stem).strip("-.") or letter.code
    return clean[:120] + ".pdf"


def subject(letter: Letter, more: int = 0) -> str:
    number = f" Nomor {letter.number}" if letter.number else ""
    others = f" dan {more} dokumen lain" if more else ""
    return f"{letter.type_name}{number}{others} - {letter.office_name}"


def _document_lines(letter: Letter) -> str:
    number = f"\nNomor        : {letter.number}" if letter.number else ""
    return (
        f"Dokumen      : {letter.type_name}{number}\n"
        f"Kode verifikasi: {letter.code}\n"
        f"Verifikasi   : {letter.verify_url}\n"
    )


def body_text(letter: Letter, more: Sequence[Letter] = ()) -> str:
    """One document: as always. Several (a birth registration's akta, KK and KIA sent in one
    message): each listed with its own code and verification link."""
    if more:
        listed = "\n".join(_document_lines(one) for one in (letter, *more))
        return (
            f"Yth. {letter.holder_name},\n\n"
            f"Bersama surel ini {letter.office_name} menyampaikan {1 + len(more)} dokumen Anda "
            "yang telah ditandatangani secara elektronik:\n\n"
            f"{listed}\n"
            "Setiap dokumen terlampir dalam bentuk PDF. Keaslian dan keabsahannya dapat "
            "diperiksa kapan saja melalui tautan verifikasi masing-masing (atau dengan memindai "
            "kode QR pada dokumen). Pada halaman tersebut Anda juga dapat mengunggah berkas PDF "
            "untuk memastikan isinya sama dengan dokumen yang diterbitkan.\n\n"
            "Dokumen elektronik yang ditandatangani secara elektronik sah sebagai alat bukti "
            "hukum (UU ITE Pasal 5). Surel ini dikirim otomatis; mohon tidak membalasnya.\n\n"
            f"Hormat kami,\n{letter.office_name}\n"
        )
    number = f"\nNomor        : {letter.number}" if letter.number else ""
    return (
        f"Yth. {letter.holder_name},\n\n"
        f"Bersama surel ini {letter.office_name} menyampaikan dokumen Anda yang telah "
        "ditandatangani secara elektronik:\n\n"
        f"Dokumen      : {letter.type_name}{number}\n"
        f"Kode verifikasi: {letter.code}\n\n"
        "Dokumen terlampir dalam bentuk PDF. Keaslian dan keabsahannya dapat diperiksa kapan "
        "saja melalui tautan verifikasi berikut (atau dengan memindai kode QR pada dokumen):\n\n"
        f"{letter.verify_url}\n\n"
        "Pada halaman tersebut Anda juga dapat mengunggah berkas PDF ini untuk memastikan "
        "isinya sama dengan dokumen yang diterbitkan.\n\n"
        "Dokumen elektronik yang ditandatangani secara elektronik sah sebagai alat bukti hukum "
        "(UU ITE Pasal 5). Surel ini dikirim otomatis; mohon tidak membalasnya.\n\n"
        f"Hormat kami,\n{letter.office_name}\n"
    )


def build_message(
    settings: Settings,
    to: str,
    letter: Letter,
    pdf: bytes,
    *,
    more: Sequence[tuple[Letter, bytes]] = (),
) -> EmailMessage:
    """The message: plain Indonesian text, the PDF attached byte for byte (base64); `more`:
    the application's other issued documents, each attached too, in ONE message."""
    message = EmailMessage()
    message["Subject"] = subject(letter, len(more))
    message["From"] = formataddr((settings.mail_from_name, settings.mail_from))
    message["To"] = to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = settings.mail_from.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body_text(letter, [one for one, _pdf in more]))
    for one, content in ((letter, pdf), *more):
        message.add_attachment(
            content, maintype="application", subtype="pdf", filename=file_name(one)
        )
    return message


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verified TLS: the system's roots, plus the configured bundle. Never unverified."""
    context = ssl.create_default_context()
    if settings.smtp_ca_bundle:
        context.load_verify_locations(cafile=settings.smtp_ca_bundle)
    return context


def check_configured(settings: Settings) -> None:
    """Raise `MailUnavailable` when e-mail cannot be sent with these settings at all."""
    if not settings.smtp_host or not settings.mail_from:
        raise MailUnavailable(
            "Pengiriman e-mail belum diatur di server (LOKET_SMTP_HOST dan LOKET_MAIL_FROM). "
            "Hubungi administrator, atau serahkan dokumen cetak di loket."
        )
    if settings.smtp_security == "none" and not _loopback(settings.smtp_host):
        raise MailUnavailable(
            "Server e-mail diatur tanpa enkripsi ke alamat di luar server ini; pengiriman "
            "ditolak. Administrator harus memakai STARTTLS atau SSL."
        )


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host, settings.smtp_effective_port, settings.smtp_timeout
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(settings))
    client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.smtp_security == "starttls":
            client.starttls(context=tls_context(settings))
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, settings: Settings) -> None:
    """Log in (only ever inside TLS, or to a loopback relay); a refusal - some relays hang up
    on a wrong password instead of answering 535 - says the account is wrong."""
    try:
        client.login(settings.smtp_user, settings.smtp_password)
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPServerDisconnected) as exc:
        log.warning("mail relay refused the log-in (%s)", type(exc).__name__)
        raise MailUnavailable(
            "Server e-mail menolak akun pengirim yang diatur di server; dokumen belum terkirim. "
            "Hubungi administrator."
        ) from None


def send(settings: Settings, to: str, message: EmailMessage) -> None:
    """Hand the message to the relay; `MailUnavailable` / `RecipientRefused` when it did not
    take it (then nothing was sent)."""
    check_configured(settings)
    try:
        with _connect(settings) as client:
            if settings.smtp_user:
                _login(client, settings)
            client.send_message(message, from_addr=settings.mail_from, to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise RecipientRefused(
                "Server e-mail menolak alamat penerima (alamat atau domainnya tidak ada). "
                "Periksa alamat e-mail pemohon."
            ) from None
        log.warning("mail relay refused the recipient for now (%s)", codes)
        raise MailUnavailable(UNAVAILABLE) from None
    except ssl.SSLError as exc:
        log.warning("TLS to the mail relay failed: %s", exc.reason or type(exc).__name__)
        raise MailUnavailable(
            "Sambungan aman ke server e-mail gagal (sertifikatnya tidak dapat dipastikan); "
            "dokumen belum terkirim. Hubungi administrator."
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail relay unreachable or failing: %s", type(exc).__name__)
        raise MailUnavailable(UNAVAILABLE) from None
