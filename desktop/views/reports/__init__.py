"""Laporan: the supervisor's reports page (issue 14)."""
