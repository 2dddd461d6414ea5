"""`loket sync --once`: one pull and one outbox round without the window, for a scheduled task.

Signs in as ``--user`` (password from the terminal, or the first line of stdin with
``--password-stdin``), opens that user's store for the office (the one the desktop uses),
pulls the server's changes, sends what is due, signs out. An encrypted store is opened with
the user's store key, unwrapped from this PC's keyring record by the same password (or, after
an administrator reset the password, by the escrow secret the server gives the signed-in user).

Exit status: 0 when nothing is left that could still be sent (conflicts and refusals wait for
a person and are listed, not counted as failure); 1 when entries are still waiting (the server
went away, asked to wait, or the session ended), with the reason; 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from desktop.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    add_sign_in_options,
    key_that_opens,
    sign_in,
)
from desktop.models import cipher
from desktop.services.api.errors import LoketError
from desktop.services.transfer_keys import load_profiles
from desktop.settings import data_dir


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    parser = Parser(prog="loket sync", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", required=True, help="satu putaran saja")
    parser.add_argument("--store", type=Path, metavar="BERKAS", help="penyimpanan yang dipakai")
    add_sign_in_options(parser)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        return run_once(args, stdin)
    except LoketError as exc:
        print(f"loket sync: {exc.message}", file=sys.stderr)
        return EXIT_FAILED


def _store_path(store: Path | None, server_url: str, username: str, office: str) -> Path:
    if store is not None:
        return store
    for profile in load_profiles(data_dir()):
        if (profile.server_url, profile.username, profile.office_code) == (
            server_url,
            username,
            office,
        ):
            return Path(profile.store_path)
    raise LoketError(
        "Penyimpanan pengguna ini belum dikenal di komputer ini: masuk sekali lewat aplikasi, "
        "atau beri --store BERKAS."
    )


def run_once(args: argparse.Namespace, stdin: TextIO | None) -> int:
    from desktop.models.outbox import TO_SEND, EntryState
    from desktop.models.store import Store
    from desktop.services.applications import ApplicationService
    from desktop.services.senders import outbox_sender
    from desktop.services.sync import SyncService

    session = sign_in(args, stdin, unlock=True)
    try:
        user = session.user
        path = _store_path(args.store, session.api.server_url, user.username, user.office.code)
        key: bytes | None = None
        if cipher.is_plain(path) is False:
            key = key_that_opens(path, session.keys, user.office.code)
            if key is None:
                raise LoketError(
                    f"Penyimpanan {path.name} terenkripsi dan kunci {user.username} di komputer "
                    "ini tidak membukanya. Hubungi administrator (loket outbox export "
                    "--recover-user)."
                )
        store = Store(path, key=key)
        try:
            pulled = SyncService(session.api, store).pull()
            apps = ApplicationService(session.api, store)
            apps.my_user_id = user.id
            # The window's senders (decisions, the counter's applications, revision edits).
            report = outbox_sender(session.api, store, apps).send_due()
            counts = store.outbox_counts()
        finally:
            store.close()
    finally:
        session.close()
    waiting = sum(n for s, n in counts.items() if s.value in TO_SEND)
    print(
        f"Ditarik: {pulled.pulled} perubahan. Terkirim: {len(report.sent)}. "
        f"Masih menunggu: {waiting}. Konflik: {counts.get(EntryState.CONFLICT, 0)}. "
        f"Ditolak server: {counts.get(EntryState.REFUSED, 0)}."
    )
    if waiting:
        reason = report.session_expired or "server belum menerima semuanya; coba lagi nanti"
        print(f"Belum semua terkirim: {reason}.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
