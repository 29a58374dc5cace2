"""The trace data model: plain, JSON-ready records. No I/O here.

Events are kept as dicts (one JSON object per line in the file) because traces reach
millions of events and dict access is the cheapest thing Python has. Their shape is
docs/trace-format.md, checked by libctrace/schemas/trace.schema.json in the tests.
"""

from __future__ import annotations

from typing import Any, NamedTuple

FORMAT = "libctrace-trace"
# 2: syscall events as rows, seq implicit; 3: a NULL or unreadable C string is its address as a
# number, never the text "NULL" (docs/trace-format.md); 1 and 2 still read
VERSION = 3

Event = dict[str, Any]


def header_record(fields: dict[str, Any]) -> dict[str, Any]:
    """The header line of a trace: what identifies the format, then the run's own fields."""
    return {"type": "header", "format": FORMAT, "version": VERSION, **fields}


class Trace(NamedTuple):
    """A loaded or freshly recorded trace. footer is None when the run was cut off."""

    header: dict[str, Any]
    events: list[Event]
    footer: dict[str, Any] | None = None
    source: str = ""  # file it was loaded from, for messages
    notes: tuple[str, ...] = ()  # load-time remarks (e.g. "no footer")

    @property
    def interrupted(self) -> bool:
        return self.footer is None or self.footer.get("outcome") in ("interrupted", "timeout")

    def syscalls(self) -> list[Event]:
        return [e for e in self.events if e["type"] == "syscall"]


# How a process or a run ended, worded once for every output (show, summary, diff, run).
SIGNAL_STATUS = 128  # a run's exit status when its first process died of signal N: 128 + N, as the shells say


def run_status(code: int, signum: int) -> int:
    """libctrace's exit status for a run: the program's code, or 128+N when signal N killed it."""
    return SIGNAL_STATUS + signum if signum else code


def ended(signal: str | None, code: Any, core: bool = False, exited: str = "exit") -> str:
    """`killed by SIGSEGV (core dumped)`, else `exited` and the code: `exit 3`, `exited with 3`."""
    if signal:
        return f"killed by {signal}" + (" (core dumped)" if core else "")
    return f"{exited} {code}"
