"""`libctrace show`: render a saved trace as strace-like text, a summary, or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from libctrace.errors import LibctraceError
from libctrace.model import Event, Trace

if TYPE_CHECKING:
    from libctrace.render.strace_lines import LineStyle

EPILOG = """\b
Examples:
  # strace-like, one line per event
  libctrace show trace.jsonl
  # only file calls (process events stay)
  libctrace show trace.jsonl -e trace=%file
  # everything but those
  libctrace show trace.jsonl -e trace='!mmap,munmap'
  # one process (or thread)
  libctrace show trace.jsonl --pid 4242 | less
  # more of each buffer read
  libctrace show trace.jsonl -s 256 -e trace=read
  # strace -c table, files, processes
  libctrace show trace.jsonl --format summary
  # events as JSON lines
  libctrace show trace.jsonl --format json | jq .name
  # time of day, time in each call
  libctrace show trace.jsonl -tt -T -e trace=%network
  # time since the previous line
  libctrace show trace.jsonl -r
  # timeline, DNS, counts as a page
  libctrace show trace.jsonl --html trace.html
"""


def _selected_names(expr: str) -> frozenset[str] | None:
    """The syscall names an `-e trace=` expression selects (None: all), with run's syntax."""
    from libctrace.syscalls.spec import parse_trace_set

    return parse_trace_set(expr).names


def _filter(events: Iterable[Event], names: frozenset[str] | None, pids: tuple[int, ...]) -> Iterable[Event]:
    for e in events:
        if pids and e.get("pid") not in pids and e.get("tid") not in pids:
            continue
        # Like strace, the trace filter selects syscalls; process events (exit, signal) stay.
        if names is not None and e.get("type") == "syscall" and e.get("name") not in names:
            continue
        yield e


def _warn(message: str) -> None:
    from libctrace.render.safe import term

    click.echo(f"libctrace: note: {term(message)}", err=True)  # notes quote the trace: data


@click.command(epilog=EPILOG)
@click.argument("trace_file", metavar="TRACE", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "summary"]),
    default="text",
    show_default=True,
    help="text: strace-like lines; summary: tables; json: one event per line.",
)
@click.option(
    "-e", "expr", metavar="trace=SET", help="Show only these syscalls (strace syntax: names, %class, !negation)."
)
@click.option(
    "-s",
    "strsize",
    type=click.IntRange(min=0),
    default=32,
    show_default=True,
    metavar="SIZE",
    help="text: bytes of each data buffer to print, like strace -s (the trace holds up to run's -s).",
)
@click.option(
    "--pid", "pids", type=int, multiple=True, metavar="PID", help="Show only this process or thread (repeatable)."
)
@click.option(
    "-t", "clock", count=True, help="text: time of day (-tt with microseconds, -ttt epoch seconds), like strace."
)
@click.option("-r", "relative", is_flag=True, help="text: time since the previous line, like strace -r.")
@click.option(
    "-T", "durations", is_flag=True, help="text: time spent in each call, <seconds> at the end, like strace -T."
)
@click.option(
    "-y/-Y",
    "fd_paths",
    default=True,
    show_default=True,
    help="text: descriptors with their paths, 3</etc/passwd> (strace -y; on by default), or bare (-Y).",
)
@click.option(
    "--html", "html_file", metavar="FILE", help="Also write a self-contained HTML report of this trace to FILE."
)
def show(
    trace_file: str,
    fmt: str,
    expr: str | None,
    strsize: int,
    pids: tuple[int, ...],
    clock: int,
    relative: bool,
    durations: bool,
    fd_paths: bool,
    html_file: str | None,
) -> None:
    """Render a saved trace TRACE (written by `libctrace run -o`)."""
    from libctrace.render.strace_lines import LineStyle
    from libctrace.syscalls.spec import SOCKADDR_CALLS
    from libctrace.traceio import TraceReader, load_trace

    if expr is not None and not expr.startswith("trace="):
        raise LibctraceError(f"-e {expr}: only trace=SET is supported (for example -e trace=%file)")
    names = _selected_names(expr) if expr is not None else None
    # A first pass, event by event, learns what the notes and warnings need; the trace is held
    # whole only when a report needs it all (HTML, the DNS messages of socket I/O), else it is
    # streamed from the file to the output a second time: memory stays flat however long it is.
    # The first pass stops at the first DNS message: the trace is then read once, whole.
    seen: set[int] = set()
    whole = html_file is not None
    if not whole:
        with TraceReader(trace_file) as reader:
            for e in reader:
                seen.add(e["pid"])
                seen.add(e.get("tid", e["pid"]))
                if _dns_traffic(e, SOCKADDR_CALLS):
                    whole = True
                    break
        header, notes = reader.header, reader.notes
    if whole:
        from libctrace.cli._common import keep_until_exit

        trace = load_trace(trace_file)
        keep_until_exit(trace)
        header, notes = trace.header, list(trace.notes)
        seen = {e["pid"] for e in trace.events} | {e.get("tid", e["pid"]) for e in trace.events}
    for note in notes:
        _warn(f"{trace_file}: {note}")
    recorded = (header.get("trace_set") or {}).get("syscalls")
    if names is not None and recorded is not None:
        missing = sorted(names - set(recorded))
        where = f"not recorded in this trace (traced set: {header['trace_set'].get('expr')})"
        if 0 < len(missing) <= 8:
            _warn(f"{where}: {', '.join(missing)}")
        elif missing:
            _warn(f"{len(missing)} of the selected syscalls were {where}")
    absent = [str(p) for p in pids if p not in seen]
    if absent:
        _warn(f"no process or thread {', '.join(absent)} in this trace")
    if whole:
        events: Iterable[Event] = trace.events
    else:
        trace = Trace(header=header, events=[], footer=reader.footer, source=trace_file)
        events = TraceReader(trace_file)  # the second pass
    if html_file is not None:
        from libctrace.render.diff_html import render_trace

        _write_html(html_file, render_trace(trace))
    style = LineStyle(strsize, clock, relative, durations, fd_paths)
    try:
        _render(trace, _filter(events, names, pids), fmt, style)
        sys.stdout.flush()
    except BrokenPipeError:
        # `show t.jsonl | head`: the reader left, which is not an error. click would turn
        # EPIPE into exit 1, so it is handled here; devnull keeps the exit-time flush quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _dns_traffic(e: Event, sockaddr_calls: frozenset[str]) -> bool:
    """A socket call with an address on port 53: the text shows the DNS messages, which the
    fact extraction finds in the whole trace."""
    return e["type"] == "syscall" and e["name"] in sockaddr_calls and _port_53(e["args"])


def _port_53(value: object) -> bool:
    if isinstance(value, dict):
        return value.get("port") == 53 or any(_port_53(v) for v in value.values())
    if isinstance(value, list):
        return any(_port_53(v) for v in value)
    return False


def _write_html(path: str, page: str) -> None:
    from libctrace.outputs import create_file

    with create_file(path, "--html report", text=True) as f:
        f.write(page)
    click.echo(f"wrote {path}", err=True)


def _render(trace: Trace, events: Iterable[Event], fmt: str, style: LineStyle) -> None:
    if fmt == "text":
        from libctrace.render.strace_lines import dns_by_seq, started_epoch, write_lines

        write_lines(events, sys.stdout, style, started_epoch(trace.header), dns_by_seq(trace))
    elif fmt == "json":
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write = sys.stdout.write
        for e in events:
            write(dumps(e) + "\n")
    else:
        from libctrace.cli._common import stdout_console
        from libctrace.render.summary import render_summary, summarize

        render_summary(summarize(trace.header, trace.footer, events), stdout_console())
