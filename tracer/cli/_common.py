"""Small pieces shared by the command modules."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported only by commands that print with it (start-up cost)
    from rich.console import Console

# Objects left for the process's exit (see keep_until_exit); main() ends with os._exit then.
KEPT: list[Any] = []


def stderr_console() -> Console:
    """Console for progress and summaries; never pollutes stdout (which may be a pipe)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    # A pipe gets $COLUMNS, else 80: not the width of whatever terminal stdin happens to be.
    columns = os.environ.get("COLUMNS", "")
    piped = 80 if not columns.isdigit() else int(columns)
    return Console(highlight=False, width=None if sys.stdout.isatty() else piped)


def keep_until_exit(*objs: Any) -> None:
    """Leaves big data (millions of trace events) to the end of the process: freeing it object
    by object takes seconds (1.6 s for two 1M-event traces) that the user would wait for nothing."""
    KEPT.extend(objs)
