"""`loket outbox status|export|import`: unsent work on a USB stick, for IT staff.

- ``status``: per store on this PC, its entries per state and the age of the oldest unsent one
  (numbers only: no names, no NIK).
- ``export FILE``: the unsent entries of one store, with their documents, into one file,
  encrypted for the office and signed by this PC (`desktop.services.transfer`). Works without
  the server: the keys were kept at the last online sign-in. Which store: ``--store PATH``, the
  only one holding unsent work, or the one picked from a numbered list.
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
    Parser,
    StoreInfo,
    add_sign_in_options,
    age_text,
    known_stores,
    read_counts,
    sign_in,
)
from desktop.models.outbox import EntryState
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
    export = sub.add_parser("export", help="tulis pekerjaan yang belum terkirim ke satu berkas")
    export.add_argument("file", type=Path, metavar="BERKAS", help="mis. E:\\kiriman.loket")
    export.add_argument("--store", type=Path, metavar="BERKAS", help="penyimpanan yang diekspor")
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
            return status(args.store)
        if args.command == "export":
            return export(args.file, args.store, stdin=stdin)
        return import_file(args, stdin=stdin)
    except LoketError as exc:
        print(f"loket outbox: {exc.message}", file=sys.stderr)
        return EXIT_FAILED


# -- status ----------------------------------------------------------------------------------


def _line(info: StoreInfo) -> str:
    if not info.readable:
        return f"{info.title}: tidak dapat dibaca (terkunci, rusak, atau terenkripsi)"
    order = [s for s in EntryState if info.counts.get(s.value)]
    if not order:
        return f"{info.title}: kosong"
    parts = " · ".join(f"{info.counts[s.value]} {s.label}" for s in order)
    oldest = f"; tertua belum terkirim: {age_text(info.oldest)}" if info.oldest else ""
    return f"{info.title}: {parts}{oldest}"


def status(store: Path | None) -> int:
    paths = [store] if store is not None else known_stores()
    if not paths:
        print("Tidak ada penyimpanan Loket di komputer ini.")
        return EXIT_OK
    for path in paths:
        print(_line(read_counts(path)))
    return EXIT_OK


# -- export ----------------------------------------------------------------------------------


def _choose(store: Path | None, stdin: TextIO | None) -> Path:
    if store is not None:
        if not store.is_file():
            raise LoketError(f"Penyimpanan {store} tidak ada.")
        return store
    holding = [i for i in (read_counts(p) for p in known_stores()) if i.unsent]
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


def export(file: Path, store: Path | None, *, stdin: TextIO | None = None) -> int:
    from desktop.models.store import Store
    from desktop.services.transfer import Origin, build, unsent_entries
    from desktop.services.transfer_keys import profile_for

    path = _choose(store, stdin)
    profile = profile_for(data_dir(), path)
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
    opened = Store(path)
    try:
        entries = unsent_entries(opened)
    finally:
        opened.close()
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
