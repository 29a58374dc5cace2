"""Small pieces shared by the command modules."""

from __future__ import annotations

import sys

from rich.console import Console


def stderr_console() -> Console:
    """Console for progress and summaries; never pollutes stdout (which may be a pipe)."""
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    # width 100 when piped, so tables stay readable in files and CI logs
    return Console(highlight=False, width=None if sys.stdout.isatty() else 100)
