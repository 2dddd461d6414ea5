"""`server.mail` against a real SMTP server (`aiosmtpd` on 127.0.0.1) speaking TLS with a
self-signed certificate: STARTTLS and implicit TLS are verified (an unknown certificate is
refused, the configured CA bundle is trusted), the log-in is sent only inside TLS, a refused
log-in and an unconfigured server are `MailUnavailable` with an Indonesian message, and the
password never shows in the settings' repr."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from server import mail
from server.config import Settings
from tests.desktop.support import self_signed_cert
from tests.live_server import free_port

USER, PASSWORD = "loket-relay", "kata-sandi-relay-9"
LETTER = mail.Letter(
    type_name="Surat keterangan domisili",
    number="470/12/Kel.Jadirejo/XII/2026",
    office_name="Kelurahan Jadirejo",
    holder_name="Rina Marlina",
    verify_url="https://loket.example.go.id/verify/0123456789ABCDEFGHJK",
    code="0123456789ABCDEFGHJK",
    document_type="SK-DOMISILI",
)
PDF = b"%PDF-1.7\r\n.\r\n" + bytes(range(256)) * 20 + b"\n%%EOF\r\n"


@dataclass
class Relay:
    received: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope.original_content or b"")
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == USER.encode()
            and data.password == PASSWORD.encode()
        )
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(
        tmp_path_factory.mktemp("smtp-tls"), "relay", cn="127.0.0.1", san="IP:127.0.0.1"
    )


def _server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


@pytest.fixture
def starttls_relay(cert: tuple[Path, Path]) -> Iterator[tuple[Relay, int]]:
    relay, port = Relay(), free_port()
    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(cert),
        require_starttls=True,
        authenticator=relay.authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield relay, port
    finally:
        controller.stop()


def _settings(port: int, **changes: Any) -> Settings:
    base = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="starttls",
        smtp_user=USER,
        smtp_password=PASSWORD,
        smtp_timeout=10,
        mail_from="layanan@jadirejo.example.go.id",
    )
    return base.with_overrides(**changes)


def _send(settings: Settings) -> None:
    to = "rina@contoh.co.id"
    mail.send(settings, to, mail.build_message(settings, to, LETTER, PDF))


def test_starttls_is_verified_and_the_bundle_trusted(
    starttls_relay: tuple[Relay, int], cert: tuple[Path, Path]
) -> None:
    relay, port = starttls_relay
    with pytest.raises(mail.MailUnavailable) as unknown:
        _send(_settings(port))
    assert "Sambungan aman" in str(unknown.value)
    assert relay.received == [] and relay.logins == []  # no password before a trusted TLS
    _send(_settings(port, smtp_ca_bundle=str(cert[0])))
    assert relay.logins and relay.logins[-1][1]
    (raw,) = relay.received
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    (part,) = list(message.iter_attachments())
    assert part.get_payload(decode=True) == PDF
    assert part.get_filename() == "SK-DOMISILI_470-12-Kel.Jadirejo-XII-2026.pdf"


def test_a_refused_login_is_unavailable(
    starttls_relay: tuple[Relay, int], cert: tuple[Path, Path]
) -> None:
    relay, port = starttls_relay
    with pytest.raises(mail.MailUnavailable) as refused:
        _send(_settings(port, smtp_ca_bundle=str(cert[0]), smtp_password="salah"))
    assert "menolak akun pengirim" in str(refused.value) and relay.received == []


def test_implicit_tls(cert: tuple[Path, Path]) -> None:
    relay, port = Relay(), free_port()
    controller = Controller(
        relay, hostname="127.0.0.1", port=port, ssl_context=_server_context(cert)
    )
    controller.start()
    try:
        settings = _settings(port, smtp_security="ssl", smtp_user="")
        with pytest.raises(mail.MailUnavailable):
            _send(settings)
        _send(settings.with_overrides(smtp_ca_bundle=str(cert[0])))
    finally:
        controller.stop()
    assert len(relay.received) == 1


def test_unconfigured_and_plain_text_off_the_machine() -> None:
    with pytest.raises(mail.MailUnavailable) as off:
        mail.check_configured(Settings())
    assert "belum diatur" in str(off.value)
    plain = Settings(smtp_host="smtp.example.go.id", smtp_security="none", mail_from="a@b.go.id")
    with pytest.raises(mail.MailUnavailable) as clear:
        mail.check_configured(plain)
    assert "tanpa enkripsi" in str(clear.value)
    mail.check_configured(plain.with_overrides(smtp_host="127.0.0.1"))
    mail.check_configured(plain.with_overrides(smtp_host="::1"))


def test_the_password_is_not_in_the_settings_repr() -> None:
    settings = _settings(25)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    monkeypatch.setenv("LOKET_SMTP_HOST", "smtp.example.go.id")
    monkeypatch.setenv("LOKET_SMTP_SECURITY", "SSL")
    monkeypatch.setenv("LOKET_SMTP_PASSWORD_FILE", str(secret))
    monkeypatch.delenv("LOKET_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("LOKET_MAIL_FROM", "layanan@example.go.id")
    settings = Settings.from_env()
    assert settings.smtp_security == "ssl" and settings.smtp_effective_port == 465
    assert settings.smtp_password == PASSWORD and settings.mail_from == "layanan@example.go.id"
    monkeypatch.setenv("LOKET_SMTP_SECURITY", "plain")
    with pytest.raises(SystemExit):
        Settings.from_env()


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("rina@contoh.co.id", True),
        ("r.marlina+loket@pekanbaru.go.id", True),
        ("rina@contoh", False),
        ("rina@@contoh.co.id", False),
        ("rina..m@contoh.co.id", False),
        ("rina@contoh.co.id\nBcc: x@y.id", False),
        ("a" * 250 + "@b.id", False),
    ],
)
def test_address_problem(text: str, ok: bool) -> None:
    assert (mail.address_problem(text) is None) is ok
