"""The audit viewer page (issue 14): search the audit log, check its chains, export CSV."""

from desktop.views.audit.page import AuditPage

__all__ = ["AuditPage"]
