"""`libctrace show`: render a saved trace as strace-like text, a summary, or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from typing import Iterable

import click

from tracer.errors import LibctraceError
from tracer.model import Event, Trace

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
    from tracer.render.safe import term

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
    from tracer.cli._common import keep_until_exit
    from tracer.traceio import load_trace

    if expr is not None and not expr.startswith("trace="):
        raise LibctraceError(f"-e {expr}: only trace=SET is supported (for example -e trace=%file)")
    trace = load_trace(trace_file)
    keep_until_exit(trace)
    names = _selected_names(expr) if expr is not None else None
    for note in trace.notes:
        _warn(f"{trace_file}: {note}")
    recorded = (trace.header.get("trace_set") or {}).get("syscalls")
    if names is not None and recorded is not None:
        missing = sorted(names - set(recorded))
        where = f"not recorded in this trace (traced set: {trace.header['trace_set'].get('expr')})"
        if 0 < len(missing) <= 8:
            _warn(f"{where}: {', '.join(missing)}")
        elif missing:
            _warn(f"{len(missing)} of the selected syscalls were {where}")
    if pids:
        seen = {e.get("pid") for e in trace.events} | {e.get("tid") for e in trace.events}
        absent = [str(p) for p in pids if p not in seen]
        if absent:
            _warn(f"no process or thread {', '.join(absent)} in this trace")
    events = _filter(trace.events, names, pids)
    try:
        _render(trace, events, fmt, strsize)
        sys.stdout.flush()
    except BrokenPipeError:
        # `show t.jsonl | head`: the reader left, which is not an error. click would turn
        # EPIPE into exit 1, so it is handled here; devnull keeps the exit-time flush quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _render(trace: Trace, events: Iterable[Event], fmt: str, strsize: int) -> None:
    if fmt == "text":
        from tracer.render.text import write_text

        write_text(events, sys.stdout, strsize)
    elif fmt == "json":
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write = sys.stdout.write
        for e in events:
            write(dumps(e) + "\n")
    else:
        from tracer.cli._common import stdout_console
        from tracer.render.summary import render_summary, summarize

        render_summary(summarize(trace.header, trace.footer, events), stdout_console())
