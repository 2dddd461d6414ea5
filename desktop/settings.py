"""One typed settings object for the whole desktop, with its schema and documented defaults.

Like qutebrowser's config: every option is declared once in `OPTIONS` (name, type, default,
bounds, documentation), the file on disk is plain JSON keyed by option name, and a bad value
never crashes the app: it is replaced by its default and a warning names the option. The file
lives under the platform's per-user config dir (`platformdirs`), overridable for tests and
portable installs by environment variables:

- ``LOKET_CONFIG_DIR``: directory of ``settings.json``
- ``LOKET_DATA_DIR``: directory of the local store and logs
- ``LOKET_SERVER_URL``: preconfigured server address (wins over the file; used by ``make run``)

Secrets never go here: tokens live in the OS keyring (`desktop.services.secrets`). Still, the
config and data dirs hold personal data (cached applications, logs): on POSIX they are created
``0700`` and their files ``0600`` (`private_dir`, `save_settings`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from desktop.services.api.proxy import normalise_proxy_setting

log = logging.getLogger(__name__)

APP_NAME = "Loket"
SETTINGS_FILE = "settings.json"
LANGUAGES = ("id", "en")
SIGN_METHODS = ("", "pkcs12", "bsre")
BSRE_APIS = ("v1", "v2")


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by this user only; tighten it if it exists.

    Parents that already exist are left alone (they are not ours: ``~/.config``). On Windows
    the per-user profile directories are already private and modes mean little; nothing is done.
    """
    if os.name != "posix":
        path.mkdir(parents=True, exist_ok=True)
        return path
    missing: list[Path] = []
    cur = path
    while not cur.exists():
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            directory.mkdir(mode=PRIVATE_DIR_MODE)
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_DIR_MODE)
    except OSError as exc:  # not our directory (shared override): say so, do not fail
        log.warning("could not make %s private: %s", path, exc)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, mode 0600 (POSIX), so data never lands world-readable."""
    if os.name == "posix":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        os.close(fd)
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(PRIVATE_FILE_MODE)
        except OSError as exc:
            log.warning("could not make %s private: %s", path, exc)
    else:
        path.touch(exist_ok=True)
    return path


def config_dir() -> Path:
    """Where ``settings.json`` lives (``LOKET_CONFIG_DIR`` overrides platformdirs)."""
    override = os.environ.get("LOKET_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Where the local store and logs live (``LOKET_DATA_DIR`` overrides platformdirs)."""
    override = os.environ.get("LOKET_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Option:
    """One setting: its name, Python type, default, bounds and what it is for."""

    name: str
    type: type
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    normalise: Callable[[str], str] | None = None
    """For text with a form (a proxy URL): the value as kept; ValueError (Indonesian) if bad."""
    items: Any = None
    """For `list` options: the type of each element (kept as a tuple in `Settings`)."""

    def coerce(self, value: Any) -> Any:
        """Return `value` as this option's type, or raise ValueError saying why not."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError("harus true/false")
            return value
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("harus bilangan bulat")
        elif self.type is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("harus angka")
            value = float(value)
        elif self.type is str and not isinstance(value, str):
            raise ValueError("harus teks")
        elif self.type is list:
            return self._coerce_list(value)
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"minimal {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"maksimal {self.maximum:g}")
        if self.choices is not None and value not in self.choices:
            raise ValueError("harus salah satu dari " + ", ".join(self.choices))
        if self.normalise is not None:
            value = self.normalise(value)
        return value

    def _coerce_list(self, value: Any) -> tuple[Any, ...]:
        """A JSON list as a tuple (Settings stays immutable); every element of `items` type.
        Dicts are copied with string keys only; what is inside them is their owner's to check
        (scan profiles: `desktop.services.scanning.profiles`)."""
        if not isinstance(value, list | tuple):
            raise ValueError("harus daftar")
        if self.items is not None and not all(isinstance(v, self.items) for v in value):
            raise ValueError("isi daftar tidak sesuai")
        if self.items is dict:
            if not all(all(isinstance(k, str) for k in v) for v in value):
                raise ValueError("isi daftar tidak sesuai")
            return tuple(dict(v) for v in value)
        return tuple(value)


OPTIONS: tuple[Option, ...] = (
    Option(
        "server_url",
        str,
        "",
        "Address of the central Loket server, e.g. https://loket.pekanbaru.go.id. "
        "Empty until the first-run dialog has been completed.",
    ),
    Option(
        "ca_bundle",
        str,
        "",
        "Optional PEM file of extra trusted CAs (government internal CA). The server's "
        "certificate is checked against the operating system's trust store (Windows "
        "certificate store, macOS Keychain, the system CAs on Linux) plus the CAs in this "
        "file; the file adds to the trust store, it never replaces it. Used for https:// only. "
        "TLS verification is never switched off.",
    ),
    Option(
        "proxy",
        str,
        "",
        "HTTP(S) proxy to the server, e.g. http://proxy.kantor.go.id:8080 (user name and "
        "password may be written in it: http://name:password@proxy:8080; they are never "
        "logged). Empty: automatic, the environment (HTTPS_PROXY, NO_PROXY) and else the "
        "Windows system proxy (fixed proxies; not PAC scripts). 'langsung': never a proxy. "
        "A server on this computer never goes through a proxy; TLS stays verified "
        "(https goes through CONNECT). Applied to the next request.",
        normalise=normalise_proxy_setting,
    ),
    Option("last_username", str, "", "Username prefilled in the sign-in dialog."),
    Option(
        "idle_lock_minutes",
        int,
        10,
        "Lock the window after this many idle minutes (shared PCs).",
        minimum=1,
        maximum=240,
    ),
    Option(
        "refresh_interval_seconds",
        int,
        60,
        "How often the queue pulls changes in the background.",
        minimum=10,
        maximum=3600,
    ),
    Option(
        "language", str, "id", "UI language: 'id' (source language) or 'en'.", choices=LANGUAGES
    ),
    Option(
        "page_size",
        int,
        500,
        "Applications per page when pulling changes from the server.",
        minimum=50,
        maximum=1000,
    ),
    Option(
        "request_timeout_seconds",
        float,
        15.0,
        "Network timeout for one request.",
        minimum=2,
        maximum=300,
    ),
    Option(
        "claim_renew_minutes",
        int,
        5,
        "Renew the claim on an open application this often (the server lease is 15 minutes).",
        minimum=1,
        maximum=14,
    ),
    Option("device_id", str, "", "UUID of this installation, sent as X-Loket-Device. Made once."),
    Option(
        "window_geometry",
        str,
        "",
        "Where the main window was when it last closed on this PC: 'x,y,width,height' of its "
        "normal (not maximised) rectangle, then ',max' when it was maximised. Empty: open "
        "maximised. Always clamped to the screen's available area when restored.",
    ),
    Option(
        "receipt_layout",
        str,
        "half",
        "Tanda terima layout on this PC: 'half' (top half of an A4/F4 sheet, cut line) or "
        "'roll80' (80 mm thermal receipt roll).",
        choices=("half", "roll80"),
    ),
    Option(
        "receipt_paper",
        str,
        "A4",
        "Sheet for the 'half' layout and printed lists: 'A4' or 'F4' (215 x 330 mm).",
        choices=("A4", "F4"),
    ),
    Option(
        "last_printer",
        str,
        "",
        "Name of the printer last used to print on this PC (chosen again in the print "
        "dialog). Empty: the system's default printer.",
    ),
    Option(
        "scan_profiles",
        list,
        (),
        "Scan profiles of this PC: a list of objects {name, device_id, source, dpi, mode, "
        "paper, remove_blank, deskew} (desktop.services.scanning.profiles); a profile with "
        "unusable values is skipped or its field falls back, never fatal.",
        items=dict,
    ),
    Option(
        "scan_device",
        str,
        "",
        "Id of the scanner last used on this PC ('sane:...', 'escl:http://...', 'wia:...', "
        "'folder:...', 'file:'); chosen again in the scan dialog. Empty: the first found.",
    ),
    Option(
        "escl_addresses",
        list,
        (),
        "Network (eSCL/AirScan) scanners typed by address, e.g. http://10.0.5.20:80/eSCL, for "
        "a scanner in another subnet that discovery (mDNS) cannot see.",
        items=str,
    ),
    Option(
        "hot_folder",
        str,
        "",
        "Folder the scanner vendor's software saves into; Loket takes each finished file from "
        "it as scanned pages and moves it to its 'diambil' subfolder. Empty: off.",
    ),
    Option(
        "sign_method",
        str,
        "",
        "How output documents are signed electronically on this PC: '' (not set up), "
        "'pkcs12' (a local .p12/.pfx certificate; its passphrase is asked at each signature and "
        "never stored) or 'bsre' (the agency's BSrE esign client).",
        choices=SIGN_METHODS,
    ),
    Option(
        "sign_pkcs12_path",
        str,
        "",
        "The PKCS#12 (.p12/.pfx) certificate file used when sign_method is 'pkcs12'.",
    ),
    Option(
        "bsre_url",
        str,
        "",
        "Base address of the BSrE esign client, e.g. https://esign.pekanbaru.go.id. Its client "
        "user and password live in the OS keyring (desktop.services.signing_credentials), "
        "never here.",
    ),
    Option(
        "bsre_api",
        str,
        "v1",
        "The esign client's API: 'v1' (multipart /api/sign/pdf) or 'v2' (JSON /api/v2/sign/pdf).",
        choices=BSRE_APIS,
    ),
    Option(
        "tsa_url",
        str,
        "",
        "Optional RFC 3161 timestamp server for PKCS#12 signatures (PAdES-B-T). Empty: no "
        "timestamp (PAdES-B-B).",
    ),
    Option(
        "signature_trust_roots",
        str,
        "",
        "PEM file of the root certificates whose signatures the workbench reports as valid "
        "(e.g. the BSrE/agency root). Empty: none, so every signed PDF shows an unknown signer.",
    ),
)
_BY_NAME = {o.name: o for o in OPTIONS}


@dataclass(frozen=True)
class Settings:
    """The settings in effect. Immutable: change with `with_changes` and `save_settings`."""

    server_url: str = ""
    ca_bundle: str = ""
    proxy: str = ""
    last_username: str = ""
    idle_lock_minutes: int = 10
    refresh_interval_seconds: int = 60
    language: str = "id"
    page_size: int = 500
    request_timeout_seconds: float = 15.0
    claim_renew_minutes: int = 5
    device_id: str = ""
    window_geometry: str = ""
    receipt_layout: str = "half"
    receipt_paper: str = "A4"
    last_printer: str = ""
    scan_profiles: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    scan_device: str = ""
    escl_addresses: tuple[str, ...] = ()
    hot_folder: str = ""
    sign_method: str = ""
    sign_pkcs12_path: str = ""
    bsre_url: str = ""
    bsre_api: str = "v1"
    tsa_url: str = ""
    signature_trust_roots: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Problems found while loading (Indonesian); shown once to the user, never fatal."""

    def with_changes(self, **changes: Any) -> Settings:
        for name, value in changes.items():
            option = _BY_NAME.get(name)
            if option is None:
                raise KeyError(f"pengaturan tidak dikenal: {name}")
            changes[name] = option.coerce(value)
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {o.name: getattr(self, o.name) for o in OPTIONS}

    @property
    def ca_bundle_path(self) -> str | None:
        return self.ca_bundle or None


def _check_schema() -> None:
    names = {f.name for f in fields(Settings)} - {"warnings"}
    declared = set(_BY_NAME)
    if names != declared:  # pragma: no cover - a programming error caught at import
        raise RuntimeError(f"settings schema mismatch: {sorted(names ^ declared)}")
    for f in fields(Settings):
        if f.name in _BY_NAME and f.default != _BY_NAME[f.name].default:
            raise RuntimeError(f"default of {f.name} differs between Option and Settings")


_check_schema()


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Read the settings file; anything unusable becomes its default plus a warning.

    A missing file is normal on first run. A device id is made (and saved) once.
    """
    env = os.environ if environ is None else environ
    path = path or settings_path()
    warnings: list[str] = []
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                raw = loaded
            else:
                warnings.append(
                    f"Berkas pengaturan {path} bukan objek JSON; memakai pengaturan bawaan."
                )
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            warnings.append(
                f"Berkas pengaturan {path} tidak dapat dibaca ({exc.__class__.__name__}); "
                "memakai pengaturan bawaan."
            )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        option = _BY_NAME.get(name)
        if option is None:
            warnings.append(f"Pengaturan '{name}' tidak dikenal dan diabaikan.")
            continue
        try:
            values[name] = option.coerce(value)
        except ValueError as exc:
            warnings.append(
                f"Pengaturan '{name}' tidak valid ({exc}); memakai bawaan {option.default!r}."
            )
    settings = Settings(**values)
    env_url = env.get("LOKET_SERVER_URL", "").strip()
    if env_url:
        settings = replace(settings, server_url=env_url)
    if not settings.device_id:
        settings = replace(settings, device_id=str(uuid.uuid4()))
        try:
            save_settings(settings, path)
        except OSError as exc:
            warnings.append(f"Pengaturan tidak dapat disimpan ke {path}: {exc}")
    for w in warnings:
        log.warning("%s", w)
    return replace(settings, warnings=tuple(warnings))


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file + rename) so a power cut never leaves half a file."""
    path = path or settings_path()
    private_dir(path.parent)
    text = json.dumps(settings.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def documentation() -> str:
    """The schema as text (for docs and `--help-settings`)."""
    lines = []
    for o in OPTIONS:
        bounds = ""
        if o.minimum is not None or o.maximum is not None:
            bounds = f" [{o.minimum:g}..{o.maximum:g}]"
        if o.choices:
            bounds = f" {{{', '.join(o.choices)}}}"
        lines.append(f"{o.name} ({o.type.__name__}, default {o.default!r}){bounds}: {o.doc}")
    return "\n".join(lines)


SettingsListener = Callable[[Settings], None]
