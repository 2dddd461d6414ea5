"""`loket` and `python -m desktop`: the desktop app, or a staff command (`loket nik ...`).

Commands and the app import lazily so that `loket nik` answers without loading Qt.
"""

from __future__ import annotations

import sys

USAGE = """Pemakaian:
  loket                 membuka aplikasi desktop Loket
  loket nik NIK [...]   memeriksa dan menguraikan NIK (atau --kk untuk nomor KK)
  loket demo            menjalankan server contoh dan membuka aplikasi (make run)
  loket outbox status   jumlah pekerjaan yang belum terkirim, per penyimpanan
  loket outbox export BERKAS
                        tulis pekerjaan yang belum terkirim ke satu berkas (flashdisk)
  loket outbox import BERKAS [--user NAMA] [--password-stdin]
                        kirim isi berkas itu dari komputer lain di kantor yang sama
  loket sync --once [--user NAMA] [--password-stdin]
                        tarik dan kirim sekali tanpa jendela (tugas terjadwal)
"""


def run_app(argv: list[str]) -> int:
    """The desktop: process-wide set-up (folders, log, translator, error hooks), then
    `LoketApp` until the person quits; exit waits for the session's end at most
    `EXIT_BUDGET_SECONDS`."""
    import logging
    import os

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.app import LoketApp
    from desktop.i18n import install_translator
    from desktop.logs import setup_logging
    from desktop.services.scanning.sigpipe import make_sigpipe_harmless
    from desktop.settings import config_dir, data_dir, load_settings, private_dir

    log = logging.getLogger("desktop")
    make_sigpipe_harmless()  # before any scan: libsane resets SIGPIPE (see that module)
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Loket")
    app.setOrganizationName("Loket")
    app.setQuitOnLastWindowClosed(False)
    settings = load_settings()
    private_dir(config_dir())
    private_dir(data_dir())
    setup_logging(data_dir() / "logs")
    install_translator(app, settings.language)
    loket = LoketApp(settings)
    loket.errors.install()
    loket.quit_requested.connect(app.quit)
    try:
        loket.start()
        code = app.exec()
    except Exception:  # pragma: no cover - last resort, logged masked
        log.exception("fatal error")
        text = QCoreApplication.translate(
            "LoketApp", "Terjadi kesalahan yang tidak terduga; lihat log."
        )
        QMessageBox.critical(None, "Loket", text)
        code = 1
    finally:
        finished = loket.shutdown()
    if not finished:  # pragma: no cover - a worker stuck on a dead server
        # Qt would wait for the stuck worker when the pool is destroyed (up to the request
        # timeout); the claim expires on the server by itself and the store is WAL-safe.
        logging.shutdown()
        os._exit(int(code))
    return int(code)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in {"-h", "--help", "bantuan"}:
        print(USAGE)
        return 0
    if args and args[0] == "nik":
        from desktop.commands import nik

        return nik.main(args[1:])
    if args and args[0] == "outbox":
        from desktop.commands import outbox

        return outbox.main(args[1:])
    if args and args[0] == "sync":
        from desktop.commands import sync

        return sync.main(args[1:])
    if args and args[0] == "demo":
        from desktop.commands import demo

        return demo.main(args[1:])
    return run_app([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())
