"""The scan dialog (issue 12): scanner and settings, a page editor, one PDF per requirement."""
