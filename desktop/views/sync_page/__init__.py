"""The Sinkronisasi page: what this PC still has to send, and settling conflicts."""

from desktop.views.sync_page.count_button import OutboxCountButton
from desktop.views.sync_page.discard_dialog import DiscardDialog
from desktop.views.sync_page.page import SyncPage

__all__ = ["DiscardDialog", "OutboxCountButton", "SyncPage"]
