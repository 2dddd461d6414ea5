"""The operator's revision panel for a returned application (issue 11)."""

from desktop.views.revision.panel import RevisionPanel

__all__ = ["RevisionPanel"]
