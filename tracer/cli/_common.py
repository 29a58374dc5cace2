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

    # width 100 when piped, so tables stay readable in files and CI logs
    return Console(highlight=False, width=None if sys.stdout.isatty() else 100)


def keep_until_exit(*objs: Any) -> None:
    """Leaves big data (millions of trace events) to the end of the process: freeing it object
    by object takes seconds (1.6 s for two 1M-event traces) that the user would wait for nothing."""
    KEPT.extend(objs)


def environment(settings: tuple[str, ...]) -> dict[str, str] | None:
    """The programs' environment after strace's `-E VAR=val` (set) and `-E VAR` (remove);
    None without any -E: the programs inherit ours as it is."""
    from tracer.errors import LibctraceError

    if not settings:
        return None
    env = dict(os.environ)
    for s in settings:
        name, eq, value = s.partition("=")
        if not name or "\0" in s:
            raise LibctraceError(f"-E {s!r}: expected VAR=value or VAR")
        if eq:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def safe_line(line: str) -> str:
    """A line printed to the terminal holds no control character from the traced program
    (an escape sequence in a file name would act on the terminal): each becomes \\xNN."""
    if line.isprintable():
        return line
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in line)
