"""The verifier's / validator's workbench: one application's pages, data, checklist, history
and decision buttons. The shell embeds `WorkbenchWidget`; see `workbench.py` for its API and a
map of the other modules, and `shortcuts.py` for the keyboard table."""

from desktop.views.workbench.shortcuts import SHORTCUTS, Shortcut
from desktop.views.workbench.workbench import WorkbenchWidget

__all__ = ["SHORTCUTS", "Shortcut", "WorkbenchWidget"]
