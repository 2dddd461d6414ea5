"""Server settings: one typed object, read from the environment with documented defaults.

Everything an operator may need to change on a deployment is here, so that the rest of the
server never reads `os.environ` itself and tests can build settings explicitly.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

SERVER_VERSION = "0.1.0"
API_VERSION = "1"
API_PREFIX = "/api/v1"
STATUS_PATH = "/status"
"""The public status pages (no sign-in): `/status/<token>` and the form at `/status`."""


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {raw!r}") from None


SmtpSecurity = Literal["starttls", "ssl", "none"]
SMTP_SECURITY: tuple[SmtpSecurity, ...] = ("starttls", "ssl", "none")


def _smtp_security(raw: str | None) -> SmtpSecurity:
    value = (raw or "starttls").strip().lower()
    for known in SMTP_SECURITY:
        if value == known:
            return known
    raise SystemExit(f"LOKET_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {raw!r}")


def _secret_env(name: str) -> str:
    """`NAME`, else the first line of the file `NAME_FILE` (a container or systemd secret), so
    the password need not sit in the environment of every process."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(name + "_FILE")
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SystemExit(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None


@dataclass(frozen=True)
class Settings:
    """Deployment settings; see docs/architecture/server.md for the environment variables."""

    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str = ""
    secret: str = ""
    region: str = "1471"
    timezone: str = "Asia/Jakarta"
    access_ttl: int = 900
    refresh_ttl: int = 8 * 3600
    refresh_grace: int = 60
    """Seconds after a refresh during which its token is accepted once more, answered with the
    same pair (the first answer was lost on the way); 0 turns the retry off."""
    max_offline_days: int = 7
    max_upload_bytes: int = 20 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    lockout_threshold: int = 5
    lockout_window: int = 15 * 60
    lockout_duration: int = 15 * 60
    reservation_max: int = 100
    log_level: str = "INFO"
    public_url: str = ""
    """The server's address as citizens reach it (`LOKET_PUBLIC_URL`, e.g.
    https://loket.pekanbaru.go.id): the receipt's QR link is `<public_url>/status/<token>`.
    Empty: the base URL of each request to `/me` (fine when desktops and phones use the same)."""
    status_failures: int = 10
    """Failed public status look-ups a client address may make in a burst (token bucket)."""
    status_refill_seconds: int = 60
    """One more failed look-up is allowed every this many seconds once the burst is spent."""
    smtp_host: str = ""
    """The mail relay the server sends documents through (`LOKET_SMTP_HOST`); empty: e-mail
    delivery is off (503). Only the server talks SMTP, never the counter PCs."""
    smtp_port: int = 0
    """0: the usual port of `smtp_security` (587 STARTTLS, 465 SSL, 25 none)."""
    smtp_security: SmtpSecurity = "starttls"
    """`starttls`, `ssl` (implicit TLS) or `none` (only to a relay on this machine: loopback).
    Certificates are always verified (`smtp_ca_bundle` adds a government CA)."""
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    """`LOKET_SMTP_PASSWORD` or a file named by `LOKET_SMTP_PASSWORD_FILE`; never logged."""
    smtp_ca_bundle: str = ""
    smtp_timeout: int = 20
    mail_from: str = ""
    """The sender address (`LOKET_MAIL_FROM`); required when `smtp_host` is set."""
    mail_from_name: str = "Layanan Loket"

    @property
    def smtp_effective_port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"starttls": 587, "ssl": 465, "none": 25}[self.smtp_security]

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'loket.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls) -> Settings:
        """Read `LOKET_SERVER_*` and `DATABASE_URL`; unset values keep the defaults above."""
        env = os.environ
        base = cls()
        return cls(
            data_dir=Path(env.get("LOKET_SERVER_DATA") or base.data_dir),
            database_url=env.get("DATABASE_URL", ""),
            secret=env.get("LOKET_SERVER_SECRET", ""),
            region=env.get("LOKET_SERVER_REGION") or base.region,
            timezone=env.get("LOKET_SERVER_TZ") or base.timezone,
            access_ttl=_int_env("LOKET_SERVER_ACCESS_TTL", base.access_ttl),
            refresh_ttl=_int_env("LOKET_SERVER_REFRESH_TTL", base.refresh_ttl),
            refresh_grace=_int_env("LOKET_SERVER_REFRESH_GRACE", base.refresh_grace),
            max_offline_days=_int_env("LOKET_SERVER_MAX_OFFLINE_DAYS", base.max_offline_days),
            max_upload_bytes=_int_env("LOKET_SERVER_MAX_UPLOAD_BYTES", base.max_upload_bytes),
            max_json_bytes=_int_env("LOKET_SERVER_MAX_JSON_BYTES", base.max_json_bytes),
            lockout_threshold=_int_env("LOKET_SERVER_LOCKOUT_THRESHOLD", base.lockout_threshold),
            lockout_window=_int_env("LOKET_SERVER_LOCKOUT_WINDOW", base.lockout_window),
            lockout_duration=_int_env("LOKET_SERVER_LOCKOUT_DURATION", base.lockout_duration),
            log_level=env.get("LOKET_SERVER_LOG_LEVEL") or base.log_level,
            public_url=(env.get("LOKET_PUBLIC_URL") or "").strip(),
            status_failures=_int_env("LOKET_SERVER_STATUS_FAILURES", base.status_failures),
            status_refill_seconds=_int_env(
                "LOKET_SERVER_STATUS_REFILL_SECONDS", base.status_refill_seconds
            ),
            smtp_host=(env.get("LOKET_SMTP_HOST") or "").strip(),
            smtp_port=_int_env("LOKET_SMTP_PORT", base.smtp_port),
            smtp_security=_smtp_security(env.get("LOKET_SMTP_SECURITY")),
            smtp_user=env.get("LOKET_SMTP_USER", ""),
            smtp_password=_secret_env("LOKET_SMTP_PASSWORD"),
            smtp_ca_bundle=(env.get("LOKET_SMTP_CA_BUNDLE") or "").strip(),
            smtp_timeout=_int_env("LOKET_SMTP_TIMEOUT", base.smtp_timeout),
            mail_from=(env.get("LOKET_MAIL_FROM") or "").strip(),
            mail_from_name=(env.get("LOKET_MAIL_FROM_NAME") or base.mail_from_name).strip(),
        )

    def resolved_secret(self) -> str:
        """The token pepper: `LOKET_SERVER_SECRET`, else a random one kept in the data dir.

        Keeping it in a file means tokens survive a restart without configuration; setting it
        explicitly is what a multi-instance deployment needs.
        """
        if self.secret:
            return self.secret
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(value, encoding="ascii")
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # atomic: a concurrent starter keeps the first secret
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip()
