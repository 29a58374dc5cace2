"""`libctrace show`: render a saved trace as strace-like text, a summary, or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Iterable, Iterator

import click

from tracer.errors import LibctraceError
from tracer.model import Event

if TYPE_CHECKING:
    from tracer.traceio import TraceReader

EPILOG = """\b
Examples:
  libctrace show trace.jsonl                          # strace-like, one line per event
  libctrace show trace.jsonl -e trace=%file           # only file calls (process events stay)
  libctrace show trace.jsonl -e trace='!mmap,munmap'  # everything but those
  libctrace show trace.jsonl --pid 4242 | less        # one process (or thread)
  libctrace show trace.jsonl -s 256 -e trace=read     # more of each buffer read
  libctrace show trace.jsonl --format summary         # strace -c table, files, processes
  libctrace show trace.jsonl --format json | jq .name # events as JSON lines
"""


def _selected_names(expr: str) -> frozenset[str] | None:
    """The syscall names an `-e trace=` expression selects (None: all), with run's syntax."""
    from tracer.syscalls import parse_trace_set

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
    click.echo(f"libctrace: note: {message}", err=True)


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
@click.option("-e", "expr", metavar="trace=SET", help="Show only these syscalls (strace syntax: names, %class, !negation).")
@click.option(
    "-s",
    "strsize",
    type=click.IntRange(min=0),
    default=32,
    show_default=True,
    metavar="SIZE",
    help="text: bytes of each data buffer to print, like strace -s (the trace holds up to run's -s).",
)
@click.option("--pid", "pids", type=int, multiple=True, metavar="PID", help="Show only this process or thread (repeatable).")
def show(trace_file: str, fmt: str, expr: str | None, strsize: int, pids: tuple[int, ...]) -> None:
    """Render a saved trace TRACE (written by `libctrace run -o`)."""
    from tracer.traceio import TraceReader

    if expr is not None and not expr.startswith("trace="):
        raise LibctraceError(f"-e {expr}: only trace=SET is supported (for example -e trace=%file)")
    names = _selected_names(expr) if expr is not None else None
    # Event by event from the file to the output: memory stays flat however long the trace.
    with TraceReader(trace_file) as reader:
        header = reader.header
        recorded = (header.get("trace_set") or {}).get("syscalls")
        if names is not None and recorded is not None:
            missing = sorted(names - set(recorded))
            where = f"not recorded in this trace (traced set: {header['trace_set'].get('expr')})"
            if 0 < len(missing) <= 8:
                _warn(f"{where}: {', '.join(missing)}")
            elif missing:
                _warn(f"{len(missing)} of the selected syscalls were {where}")
        seen: set[int] = set()
        events = _filter(_seen(reader, seen) if pids else reader, names, pids)
        try:
            _render(reader, events, fmt, strsize)
            sys.stdout.flush()
        except BrokenPipeError:
            # `show t.jsonl | head`: the reader left, which is not an error. click would turn
            # EPIPE into exit 1, so it is handled here; devnull keeps the exit-time flush quiet.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
    for note in reader.notes:
        _warn(f"{trace_file}: {note}")
    absent = [str(p) for p in pids if p not in seen]
    if absent:
        _warn(f"no process or thread {', '.join(absent)} in this trace")


def _seen(events: Iterable[Event], seen: set[int]) -> Iterator[Event]:
    """Passes the events on, noting every process and thread in `seen`."""
    for e in events:
        seen.add(e["pid"])
        seen.add(e.get("tid", e["pid"]))
        yield e


def _render(reader: TraceReader, events: Iterable[Event], fmt: str, strsize: int) -> None:
    if fmt == "text":
        from tracer.render.text import write_text

        write_text(events, sys.stdout, strsize)
    elif fmt == "json":
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write = sys.stdout.write
        for e in events:
            write(dumps(e) + "\n")
    else:
        from dataclasses import replace

        from tracer.cli._common import stdout_console
        from tracer.render.summary import describe_outcome, render_summary, summarize

        summary = summarize(reader.header, None, events)  # the footer is known once they are read
        render_summary(replace(summary, outcome=describe_outcome(reader.footer)), stdout_console())
