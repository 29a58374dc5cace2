"""The trace data model: plain, JSON-ready records. No I/O here.

Events are kept as dicts (one JSON object per line in the file) because traces reach
millions of events and dict access is the cheapest thing Python has; the TypedDicts
below document their shape, and docs/trace-format.md is the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

FORMAT = "libctrace-trace"
VERSION = 1

EventType = Literal["syscall", "exec", "fork", "signal", "exit", "dns-log"]


class SyscallEvent(TypedDict):
    type: Literal["syscall"]
    seq: int
    t: float  # seconds since the trace started, at syscall entry
    pid: int  # thread-group id (process)
    tid: NotRequired[int]  # present only when it differs from pid
    name: str
    args: list[Any]  # decoded, see docs/trace-format.md
    ret: int | None  # None when the call never returned (process died, execve success is 0)
    errno: str | None
    fd_path: NotRequired[str]  # what the first descriptor argument refers to, like strace -y
    dur: NotRequired[float]  # seconds between entry and exit


class ExecEvent(TypedDict):
    type: Literal["exec"]
    seq: int
    t: float
    pid: int
    path: str
    argv: list[str]


class ForkEvent(TypedDict):
    type: Literal["fork"]
    seq: int
    t: float
    pid: int  # parent
    child: int
    kind: Literal["process", "thread", "vfork"]


class SignalEvent(TypedDict):
    type: Literal["signal"]
    seq: int
    t: float
    pid: int
    signal: str  # "SIGSEGV"


class ExitEvent(TypedDict):
    type: Literal["exit"]
    seq: int
    t: float
    pid: int
    code: int | None
    signal: str | None
    core: bool


Event = dict[str, Any]


@dataclass(frozen=True)
class Trace:
    """A loaded or freshly recorded trace. footer is None when the run was cut off."""

    header: dict[str, Any]
    events: list[Event]
    footer: dict[str, Any] | None = None
    source: str = ""  # file it was loaded from, for messages
    notes: tuple[str, ...] = field(default_factory=tuple)  # load-time remarks (e.g. "no footer")

    @property
    def interrupted(self) -> bool:
        return self.footer is None or self.footer.get("outcome") in ("interrupted", "timeout")

    def syscalls(self) -> list[Event]:
        return [e for e in self.events if e["type"] == "syscall"]
