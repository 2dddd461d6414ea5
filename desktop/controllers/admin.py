"""Staff and devices for administrators (issue 14): each admin call on a worker through `Op`.

The pages call these with callbacks; a failure arrives as its Indonesian message
(`services.operations.user_message`). A reset password is made here and handed to the page
once, to show; it is never logged or kept.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop.services.admin import AdminService, DeviceRecord, StaffMember, temporary_password
from desktop.services.api.client import ApiClient
from desktop.services.operations import Op, OpKind
from desktop.services.tasks import TaskRunner

Failed = Callable[[str], None]


class AdminController(QObject):
    """One per administrator session (the session's API client)."""

    def __init__(
        self, runner: TaskRunner, client: ApiClient, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.service = AdminService(client)

    def _run(
        self,
        kind: OpKind,
        title: str,
        fn: Callable[[], object],
        done: Callable[..., None],
        failed: Failed,
    ) -> None:
        Op(kind, title, lambda _ctx: fn()).success(done).failure(
            lambda _exc, message: failed(message)
        ).run(self.runner)

    def load_offices(self, done: Callable[[dict[str, str]], None], failed: Failed) -> None:
        service = self.service
        self._run(OpKind.RELOAD, self.tr("Memuat daftar kantor"), service.offices, done, failed)

    def load_users(self, done: Callable[[list[StaffMember]], None], failed: Failed) -> None:
        service = self.service
        self._run(OpKind.RELOAD, self.tr("Memuat daftar pengguna"), service.users, done, failed)

    def create_user(
        self,
        *,
        username: str,
        full_name: str,
        password: str,
        roles: tuple[str, ...],
        office_code: str,
        done: Callable[[StaffMember], None],
        failed: Failed,
        nip: str = "",
    ) -> None:
        service = self.service
        self._run(
            OpKind.DECIDE,
            self.tr("Membuat pengguna"),
            lambda: service.create_user(
                username=username,
                full_name=full_name,
                password=password,
                roles=roles,
                office_code=office_code,
                nip=nip,
            ),
            done,
            failed,
        )

    def set_nip(
        self, user_id: str, nip: str, done: Callable[[StaffMember], None], failed: Failed
    ) -> None:
        """The NIP printed in the official's signature block; '' clears it."""
        service = self.service
        title = self.tr("Mengubah NIP") if nip else self.tr("Menghapus NIP")
        self._run(OpKind.DECIDE, title, lambda: service.set_nip(user_id, nip), done, failed)

    def set_disabled(
        self, user_id: str, disabled: bool, done: Callable[[StaffMember], None], failed: Failed
    ) -> None:
        service = self.service
        title = self.tr("Menonaktifkan pengguna") if disabled else self.tr("Mengaktifkan pengguna")
        self._run(
            OpKind.DECIDE, title, lambda: service.set_disabled(user_id, disabled), done, failed
        )

    def move(
        self, user_id: str, office_code: str, done: Callable[[StaffMember], None], failed: Failed
    ) -> None:
        service = self.service
        self._run(
            OpKind.DECIDE,
            self.tr("Memindahkan pengguna"),
            lambda: service.move(user_id, office_code),
            done,
            failed,
        )

    def reset_password(
        self, user_id: str, done: Callable[[StaffMember, str], None], failed: Failed
    ) -> None:
        """A new strong temporary password, set on the server; `done` gets it to show once."""
        service = self.service
        password = temporary_password()
        Op(
            OpKind.DECIDE,
            self.tr("Mengatur ulang kata sandi"),
            lambda _ctx: service.reset_password(user_id, password),
        ).success(lambda member: done(member, password)).failure(
            lambda _exc, message: failed(message)
        ).run(self.runner)

    def load_devices(self, done: Callable[[list[DeviceRecord]], None], failed: Failed) -> None:
        service = self.service
        self._run(OpKind.RELOAD, self.tr("Memuat daftar perangkat"), service.devices, done, failed)

    def revoke(
        self,
        device_id: str,
        reason: str,
        transaction_id: str,
        done: Callable[[DeviceRecord], None],
        failed: Failed,
    ) -> None:
        service = self.service
        self._run(
            OpKind.DECIDE,
            self.tr("Mencabut perangkat"),
            lambda: service.revoke(device_id, reason, transaction_id),
            done,
            failed,
        )
