"""`loket` and `python -m desktop`: the desktop app, or a staff command (`loket nik ...`).

Commands import lazily so that `loket nik` answers without loading Qt.
"""

from __future__ import annotations

import sys

USAGE = """Pemakaian:
  loket                 membuka aplikasi desktop Loket
  loket nik NIK [...]   memeriksa dan menguraikan NIK (atau --kk untuk nomor KK)
  loket demo            menjalankan server contoh dan membuka aplikasi (make run)
"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in {"-h", "--help", "bantuan"}:
        print(USAGE)
        return 0
    if args and args[0] == "nik":
        from desktop.commands import nik

        return nik.main(args[1:])
    if args and args[0] == "demo":
        from desktop.commands import demo

        return demo.main(args[1:])
    from desktop.app import run_app

    return run_app([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())
