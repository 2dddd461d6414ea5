"""Moved to `desktop.domain.formatting` (issue 9, item 4): Qt-free, below models and views.

Only a re-export for `views/shell/workbench_host.py`, which is being reworked at the same
time; delete this module once that file imports `desktop.domain.formatting`.
"""

from desktop.domain.formatting import (
    format_clock as format_clock,
)
from desktop.domain.formatting import (
    format_datetime as format_datetime,
)
from desktop.domain.formatting import (
    zone_for_region as zone_for_region,
)
