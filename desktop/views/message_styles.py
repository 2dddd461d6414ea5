"""The colours of a message line (info, success, warning, error), the same in every screen;
a module of its own so that dialogs can use them without importing the workbench."""

from __future__ import annotations

MESSAGE_STYLES = {
    "info": "background: #ebf3fc; color: #0f3a63; border: 1px solid #b4d6fa;",
    "success": "background: #f1faf1; color: #0e4e0e; border: 1px solid #9fd89f;",
    "warning": "background: #fff9f5; color: #7a4100; border: 1px solid #fdcfb4;",
    "error": "background: #fdf3f4; color: #8a1620; border: 1px solid #eeacb2;",
}

__all__ = ["MESSAGE_STYLES"]
