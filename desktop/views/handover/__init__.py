"""The handover (serahkan) dialog: who collects, then a confirmation (issue 11)."""

from desktop.views.handover.dialog import HandoverDialog

__all__ = ["HandoverDialog"]
