"""`show --format summary`: strace -c style table, files opened, processes, and the trace set.

The numbers are computed by `summarize` (pure, testable) and drawn by `render_summary` (rich).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from libctrace.model import Event, ended
from libctrace.render.safe import text
from libctrace.syscalls.spec import PATH_ARG

# Calls that open a file by name, and which argument holds the path (the syscall table's).
_OPEN_PATH_ARG: dict[str, int] = {n: p.arg for n, p in PATH_ARG.items() if p.op == "open"}


@dataclass
class SyscallStats:
    name: str
    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


@dataclass
class FileStats:
    path: str
    opens: int = 0
    results: dict[str, int] = field(default_factory=dict)  # "ok" or errno name -> count


@dataclass
class ProcessInfo:
    pid: int
    parent: int | None = None
    program: str | None = None  # last program exec'd in this process
    exit: str = "running at end of trace"


@dataclass
class Summary:
    syscalls: list[SyscallStats]  # sorted by time spent, then calls
    files: list[FileStats]  # in order of first open
    processes: list[ProcessInfo]  # in order of appearance
    trace_set: str  # one sentence saying what was recorded
    outcome: str  # how the run ended, from the footer


def describe_trace_set(header: dict[str, Any]) -> str:
    """What a reader must know before trusting counts: a filtered trace lacks the other calls."""
    ts = header.get("trace_set")
    if not isinstance(ts, dict):
        return "Trace set: not recorded in the header (older trace); assume it may be filtered."
    expr = ts.get("expr", "default")
    names = ts.get("syscalls")
    if names is None:
        return f"Trace set: {expr} - every syscall was recorded."
    how = "seccomp-filtered" if ts.get("filtered") else "filtered"
    return (
        f"Trace set: {expr} - {len(names)} syscalls traced ({how}).\n"
        "Calls outside this set ran without a stop and are not in this trace."
    )


def describe_outcome(footer: dict[str, Any] | None) -> str:
    if footer is None:
        return "Outcome: the recording was interrupted (no footer); counts stop at the cut."
    return (
        f"Outcome: {footer.get('outcome')}, exit status {footer.get('exit_code')}, "
        f"{footer.get('duration', 0.0):.3f} s, {_count(footer.get('syscalls'), 'syscall')}, "
        f"{_count(footer.get('processes'), 'process', 'processes')}, "
        f"{_count(footer.get('threads'), 'extra thread')}."
    )


def _count(n: Any, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _exit_text(e: Event) -> str:
    return ended(e.get("signal"), e.get("code"), bool(e.get("core")), "exited with")


def summarize(header: dict[str, Any], footer: dict[str, Any] | None, events: Iterable[Event]) -> Summary:
    calls: dict[str, SyscallStats] = {}
    files: dict[str, FileStats] = {}
    procs: dict[int, ProcessInfo] = {}

    def proc(pid: int) -> ProcessInfo:
        p = procs.get(pid)
        if p is None:
            p = procs[pid] = ProcessInfo(pid)
        return p

    for e in events:
        kind = e.get("type")
        pid = e.get("pid")
        if isinstance(pid, int):
            proc(pid)
        if kind == "syscall":
            name = e["name"]
            s = calls.get(name)
            if s is None:
                s = calls[name] = SyscallStats(name)
            s.calls += 1
            s.seconds += e.get("dur") or 0.0
            err = e.get("errno")
            if err:
                s.errors += 1
            i = _OPEN_PATH_ARG.get(name)
            args = e.get("args") or []
            if i is not None and i < len(args) and isinstance(args[i], str):
                f = files.get(args[i])
                if f is None:
                    f = files[args[i]] = FileStats(args[i])
                f.opens += 1
                key = err or "ok"
                f.results[key] = f.results.get(key, 0) + 1
        elif kind == "fork" and e.get("kind") != "thread":  # the table lists processes, not threads
            proc(e["child"]).parent = pid
        elif kind == "exec" and isinstance(pid, int):
            proc(pid).program = e.get("path")
        elif kind == "exit" and isinstance(pid, int) and "tid" not in e:
            proc(pid).exit = _exit_text(e)
    table = sorted(calls.values(), key=lambda s: (-s.seconds, -s.calls, s.name))
    return Summary(
        table, list(files.values()), list(procs.values()), describe_trace_set(header), describe_outcome(footer)
    )


def _syscall_table(stats: list[SyscallStats]) -> Table:
    total_time = sum(s.seconds for s in stats)
    t = Table(box=box.SIMPLE_HEAD, title="Syscalls (like strace -c)", title_justify="left")
    for col in ("% time", "seconds", "usecs/call", "calls", "errors"):
        t.add_column(col, justify="right")
    t.add_column("syscall")
    for s in stats:
        share = 100.0 * s.seconds / total_time if total_time else 0.0
        per_call = 1e6 * s.seconds / s.calls if s.calls else 0.0
        t.add_row(
            f"{share:.2f}", f"{s.seconds:.6f}", f"{per_call:.0f}", str(s.calls), str(s.errors or ""), text(s.name)
        )
    calls = sum(s.calls for s in stats)
    errors = sum(s.errors for s in stats)
    per_call = 1e6 * total_time / calls if calls else 0.0
    t.add_section()
    total_share = "100.00" if total_time else "0.00"
    t.add_row(total_share, f"{total_time:.6f}", f"{per_call:.0f}", str(calls), str(errors or ""), "total")
    return t


def _files_table(files: list[FileStats]) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title="Files opened", title_justify="left")
    t.add_column("path", overflow="fold")
    t.add_column("opens", justify="right")
    t.add_column("result")
    for f in files:
        results = ", ".join(f"{k} x{n}" if n > 1 else k for k, n in f.results.items())
        t.add_row(text(f.path), str(f.opens), text(results))  # the trace's data: escaped, never markup
    return t


def _process_table(procs: list[ProcessInfo]) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title="Processes", title_justify="left")
    t.add_column("pid", justify="right")
    t.add_column("parent", justify="right")
    t.add_column("program", overflow="fold")
    t.add_column("exit")
    for p in procs:
        t.add_row(
            str(p.pid), str(p.parent) if p.parent is not None else "-", text(p.program or "(no exec)"), text(p.exit)
        )
    return t


def render_summary(summary: Summary, console: Console) -> None:
    for line in (*summary.trace_set.splitlines(), summary.outcome):  # the trace set has two lines
        console.print(text(line))
    console.print(_syscall_table(summary.syscalls))
    if summary.files:
        console.print(_files_table(summary.files))
    console.print(_process_table(summary.processes))
