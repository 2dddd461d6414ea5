"""First run (server address, CA bundle, "Uji koneksi") and the sign-in dialog."""

from desktop.views.signin.server_dialog import ServerDialog
from desktop.views.signin.signin_dialog import SignInDialog

__all__ = ["ServerDialog", "SignInDialog"]
