"""`loket outbox status|export|import`: unsent work on a USB stick, for IT staff.

- ``status``: per store on this PC, its entries per state and the age of the oldest unsent one
  (numbers only: no names, no NIK).
- ``export FILE``: the unsent entries of one store, with their documents, into one file,
  encrypted for the office and signed by this PC (`desktop.services.transfer`). Works without
  the server: the keys were kept at the last online sign-in. Which store: ``--store PATH``, the
  only one holding unsent work, or the one picked from a numbered list. A store set aside as
  ``*.rusak-<time>`` (damaged, or left by an old key) is exported from what can still be read
  of it (read-only, row by row: `desktop.models.salvage`), never changed.
- Encrypted stores are opened with the owner's password (asked on the terminal, or one line
  of stdin per owner with ``--password-stdin``). ``export --recover-user NAMA``: an
  administrator, signed in online here with their own password (``--user``), exports that
  user's unsent work (a disabled account too) with the escrow secret the server hands over
  (and records in its audit log); the user's password is not needed.
- ``import FILE``: on another PC of the same office, signed in online (``--user``, password
  from the terminal or ``--password-stdin``): the file is checked whole, then each entry is
  sent as its original device and user. Importing the same file again sends nothing.

Exit status: 0 done; 1 failed or not everything sent (said why); 2 wrong usage.
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
    CommandSession,
    Parser,
    Passwords,
    StoreInfo,
    add_sign_in_options,
    age_text,
    is_aside,
    key_that_opens,
    known_stores,
    original_path,
    owner_of,
    read_counts,
    sign_in,
    unlock_store,
)
from desktop.models import cipher
from desktop.models.outbox import EntryState, OutboxEntry
from desktop.services.api.errors import LoketError
from desktop.services.secrets import SecretStore
from desktop.services.transfer_keys import TransferKeys, fetch_office_key, write_atomically
from desktop.settings import data_dir

KIND_WORDS = {
    "decision": "keputusan",
    "release": "pelepasan klaim",
    "application": "permohonan baru",
    "document": "dokumen",
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="loket outbox", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="PERINTAH")
    status = sub.add_parser("status", help="jumlah entri per keadaan, per penyimpanan")
    status.add_argument("--store", type=Path, metavar="BERKAS", help="satu penyimpanan saja")
    add_sign_in_options(status)
    export = sub.add_parser("export", help="tulis pekerjaan yang belum terkirim ke satu berkas")
    export.add_argument("file", type=Path, metavar="BERKAS", help="mis. E:\\kiriman.loket")
    export.add_argument("--store", type=Path, metavar="BERKAS", help="penyimpanan yang diekspor")
    export.add_argument(
        "--recover-user",
        metavar="NAMA",
        help="administrator: ekspor pekerjaan pengguna ini (juga yang dinonaktifkan); "
        "--user adalah administrator, kata sandinya diminta",
    )
    add_sign_in_options(export)
    imp = sub.add_parser("import", help="kirim isi berkas ke server sebagai perangkat asalnya")
    imp.add_argument("file", type=Path, metavar="BERKAS")
    add_sign_in_options(imp)
    return parser


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        if args.command == "status":
            return status(args, stdin=stdin)
        if args.command == "export":
            return export(args, stdin=stdin)
        return import_file(args, stdin=stdin)
    except LoketError as exc:
        print(f"loket outbox: {exc.message}", file=sys.stderr)
        return EXIT_FAILED


# -- status ----------------------------------------------------------------------------------


def _line(info: StoreInfo, locked: str = "") -> str:
    if locked:
        return f"{info.title}: {locked}"
    if not info.readable:
        return f"{info.title}: tidak dapat dibaca (terkunci atau rusak)"
    order = [s for s in EntryState if info.counts.get(s.value)]
    if not order:
        return f"{info.title}: kosong"
    parts = " · ".join(f"{info.counts[s.value]} {s.label}" for s in order)
    oldest = f"; tertua belum terkirim: {age_text(info.oldest)}" if info.oldest else ""
    return f"{info.title}: {parts}{oldest}"


def _info(path: Path, passwords: Passwords, only_user: str | None) -> tuple[StoreInfo, str]:
    """The store's counts, an encrypted one opened with its owner's password; else why not."""
    if cipher.is_plain(path) is False:
        key, why = unlock_store(path, passwords, only_user=only_user)
        if key is None:
            return read_counts(path, None), why
        return read_counts(path, key), ""
    return read_counts(path), ""


def status(args: argparse.Namespace, *, stdin: TextIO | None = None) -> int:
    paths = [args.store] if args.store is not None else known_stores()
    if not paths:
        print("Tidak ada penyimpanan Loket di komputer ini.")
        return EXIT_OK
    passwords = Passwords(args.password_stdin, stdin)
    for path in paths:
        print(_line(*_info(path, passwords, args.user)))
    return EXIT_OK


# -- export ----------------------------------------------------------------------------------


def _choose(
    store: Path | None,
    stdin: TextIO | None,
    passwords: Passwords,
    candidates: list[Path] | None = None,
    keys: dict[str, bytes] | None = None,
) -> Path:
    if store is not None:
        if not store.is_file():
            raise LoketError(f"Penyimpanan {store} tidak ada.")
        return store
    infos = []
    for path in known_stores() if candidates is None else candidates:
        if keys is not None and cipher.is_plain(path) is False:
            infos.append(read_counts(path, key_that_opens(path, keys)))
        elif keys is None:
            infos.append(_info(path, passwords, None)[0])
        else:
            infos.append(read_counts(path))
    holding = [i for i in infos if i.unsent]
    if not holding:
        raise LoketError("Tidak ada pekerjaan yang belum terkirim di komputer ini.")
    if len(holding) == 1:
        return holding[0].path
    print("Beberapa penyimpanan berisi pekerjaan yang belum terkirim:")
    for number, info in enumerate(holding, 1):
        print(f"  {number}. {_line(info)}")
    source = stdin or sys.stdin
    if source is sys.stdin and not sys.stdin.isatty():
        raise LoketError("Pilih penyimpanan dengan --store BERKAS.")
    print("Nomor penyimpanan yang diekspor: ", end="", flush=True)
    answer = source.readline().strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(holding):
        raise LoketError("Pilihan tidak dikenal; tidak ada yang ditulis.")
    return holding[int(answer) - 1].path


def _recovered_keys(args: argparse.Namespace, stdin: TextIO | None) -> tuple[str, dict[str, bytes]]:
    """An administrator signs in online (own password) and takes the user's escrow secret
    (audited on the server) to open that user's store keys kept in this PC's keyring."""
    from desktop.services.logmask import register_secret
    from desktop.services.transfer_keys import unb64
    from desktop.services.vault import Vault

    target = args.recover_user
    session: CommandSession = sign_in(args, stdin)
    try:
        users = session.api.get_json("/users")
        items = users.get("items", []) if isinstance(users, dict) else []
        user_id = next((u.get("id") for u in items if u.get("username") == target), None)
        if user_id is None:
            raise LoketError(
                f"Pengguna {target} tidak dikenal server atau di luar wilayah Anda "
                "(hanya administrator yang dapat memulihkan)."
            )
        body = session.api.post_json(
            f"/users/{user_id}/escrow",
            {"reason": "ekspor pekerjaan yang belum terkirim (loket outbox export)"},
        )
        if not isinstance(body, dict) or "escrow_secret" not in body:
            raise LoketError("Jawaban server tentang kunci cadangan tidak dapat dibaca.")
        register_secret(str(body["escrow_secret"]))  # never in a log line
        escrow = unb64(str(body["escrow_secret"]))
        server = session.api.server_url
    finally:
        session.close()
    keys = Vault(SecretStore(), server).recover(target, escrow)
    if not keys:
        raise LoketError(
            f"Di komputer ini tidak ada kunci penyimpanan {target} yang dicadangkan (pengguna "
            "itu belum pernah masuk secara daring di sini dengan Loket versi ini)."
        )
    return server, keys


def _read_unsent(path: Path, key: bytes | None) -> list[OutboxEntry]:
    """The unsent entries of the store at `path`. One set aside (``.rusak-``, maybe damaged)
    is never opened as a store: its work rows are read row by row, read-only, into a
    temporary store (encrypted with the same key) that is deleted afterwards."""
    import shutil
    import tempfile

    from desktop.models.store import Store
    from desktop.services.transfer import unsent_entries

    if not is_aside(path):
        opened = Store(path, key=key)
        try:
            return unsent_entries(opened)
        finally:
            opened.close()
    from desktop.models import salvage

    folder = Path(tempfile.mkdtemp(prefix="loket-ekspor-"))  # 0700
    try:
        copy = Store(folder / "salinan.sqlite3", key=key)
        try:
            connect = salvage.plain_readonly if key is None else salvage.encrypted_readonly(key)
            report = salvage.recover(path, copy, connect=connect)
            if not report.opened:
                raise LoketError(
                    f"Berkas {path.name} tidak dapat dibaca sama sekali"
                    + (" dengan kunci ini." if key is not None else ".")
                )
            if report.unreadable:
                failed = sum(report.unreadable.values())
                print(f"Sebagian berkas rusak: {failed} bacaan gagal; yang terbaca diekspor.")
            return unsent_entries(copy)
        finally:
            copy.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export(args: argparse.Namespace, *, stdin: TextIO | None = None) -> int:
    from desktop.services.transfer import Origin, build
    from desktop.services.transfer_keys import profile_for

    file: Path = args.file
    passwords = Passwords(args.password_stdin, stdin)
    key: bytes | None = None
    if args.recover_user:
        server, store_keys = _recovered_keys(args, stdin)
        from desktop.models.store_locator import user_folder

        folder = user_folder(data_dir(), server, args.recover_user)
        candidates = [p for p in known_stores() if p.parent == folder]
        path = _choose(args.store, stdin, passwords, candidates, store_keys)
        if cipher.is_plain(path) is False:
            owner = owner_of(path)
            key = key_that_opens(path, store_keys, owner.office_code if owner else "")
            if key is None:
                raise LoketError(f"Kunci {args.recover_user} tidak membuka {path.name}.")
    else:
        path = _choose(args.store, stdin, passwords)
        if cipher.is_plain(path) is False:
            key, why = unlock_store(path, passwords, only_user=args.user)
            if key is None:
                raise LoketError(f"{path.name}: {why}.")
    profile = profile_for(data_dir(), original_path(path))
    if profile is None:
        raise LoketError(
            f"Penyimpanan {path} belum dikenal untuk kiriman: pemiliknya harus masuk sekali "
            "secara daring di komputer ini (Loket versi ini)."
        )
    keys = TransferKeys(SecretStore(), profile.server_url)
    office_key = keys.office_key(profile.office_code)
    device_key = keys.device_key(profile.device_id)
    if office_key is None or device_key is None:
        raise LoketError(
            "Kunci kiriman belum tersimpan di komputer ini: masuk sekali secara daring, lalu "
            "ekspor lagi."
        )
    entries = _read_unsent(path, key)
    if not entries:
        print("Tidak ada pekerjaan yang belum terkirim; tidak ada berkas yang ditulis.")
        return EXIT_OK
    who = Origin(profile.server_url, profile.office_code, profile.device_id)
    data, left_out, by_kind, documents = build(entries, who, device_key, office_key)
    count = sum(by_kind.values())
    if not count:
        for label, why in left_out:
            print(f"  tidak dapat diekspor: {label}: {why}", file=sys.stderr)
        raise LoketError("Tidak ada entri yang dapat diekspor; tidak ada berkas yang ditulis.")
    target = file if file.suffix else file.with_suffix(".loket")
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise LoketError(
            f"Berkas {target} tidak dapat ditulis ({exc.strerror or type(exc).__name__})."
        ) from exc
    kinds = ", ".join(f"{n} {KIND_WORDS.get(k, k)}" for k, n in sorted(by_kind.items()))
    print(f"Ditulis: {target}")
    print(f"  {count} entri ({kinds}), {documents} berkas dokumen, {len(data):,} bita")
    print(f"  dari {profile.username} @ kantor {profile.office_code}, perangkat ini")
    for label, why in left_out:
        print(f"  tidak ikut (tetap menunggu di komputer ini): {label}: {why}")
    return EXIT_OK


# -- import ----------------------------------------------------------------------------------


def import_file(args: argparse.Namespace, *, stdin: TextIO | None = None) -> int:
    from desktop.services.transfer import open_bundle, send_bundle, server_device_key

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise LoketError(
            f"Berkas {args.file} tidak dapat dibaca ({exc.strerror or type(exc).__name__})."
        ) from exc
    session = sign_in(args, stdin)
    try:
        office_key = fetch_office_key(session.api)
        secrets = SecretStore()
        if secrets.problem() is None:  # kept for a later export from this PC
            TransferKeys(secrets, session.api.server_url).save_office_key(office_key)
        bundle = open_bundle(data, office_key, server_device_key(session.api))
        print(
            f"Berkas sah: {len(bundle.entries)} entri dari perangkat {bundle.device_id[:8]}… "
            f"kantor {bundle.office_code}, dibuat {bundle.created_at[:16].replace('T', ' ')}"
        )
        result = send_bundle(session.api, bundle)
    finally:
        session.close()
    print(f"{len(result.new)} baru terkirim, {result.already} sudah ada di server")
    for what, items in (
        ("konflik", result.conflicts),
        ("ditolak server", result.refused),
        ("belum terkirim", result.not_sent),
    ):
        for label, why in items:
            print(f"  {what}: {label}: {why}")
    if not result.complete:
        print("Tidak semua terkirim; impor berkas yang sama lagi nanti (yang sudah sampai tidak "
              "dikirim dua kali).")  # fmt: skip
        return EXIT_FAILED
    return EXIT_OK


__all__ = ["build_parser", "export", "import_file", "main", "status"]
