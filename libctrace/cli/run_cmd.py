"""`libctrace run`: trace one program and record its syscalls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING

import click

from libctrace.errors import LibctraceError
from libctrace.sandbox import SandboxConfig, open_sandbox, sandbox_options

if TYPE_CHECKING:
    from libctrace.model import Event

EXAMPLES = """\b
Examples:
  # record, print a summary; trace kept in memory
  libctrace run -- ls /
  # save the trace (JSON Lines, mode 0600)
  libctrace run -o ls.jsonl -- ls -l /tmp
  # only the file calls
  libctrace run -e trace=%file -o f.jsonl -- getent passwd root
  # everything but futex and write
  libctrace run -e 'trace=!futex,write' -- ./app
  # no seccomp filter, 1 KiB buffers
  libctrace run -e trace=all -s 1024 -- ./app
  # kill the tree after 5 s, no summary
  libctrace run --timeout 5 -q -- ./server
  # private netns + DNS server
  libctrace run --sandbox -- getent hosts www.libctrace.test
  # attach to running processes; Ctrl-C detaches
  libctrace run -p 4242 -p 4243
  # strace -c table at the end, no live lines
  libctrace run -c -e trace=all -- ls /
  # set LANG, unset TZ, stdin from a file
  libctrace run -E LANG=C -E TZ --stdin in.txt -- ./app

The default trace set is what the analysis needs (files, exec, sockets and their payloads,
memory, threads, futex, output, descriptors); a seccomp filter lets every other syscall run
without a stop. Without -o (and without -c) the events print on stderr as they happen, like
strace. Exit status: the program's own, 128+N when it died of signal N, 124 on
--timeout, 130 on Ctrl-C, 2 on bad input.
"""


def trace_expr(value: str | None) -> str:
    if value is None:
        return "default"
    if "=" in value:
        qualifier, _, expr = value.partition("=")
        if qualifier != "trace":
            raise LibctraceError(f"-e {value}: only the trace= qualifier is supported")
        return expr
    return value


@click.command(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-o", "--output", metavar="FILE", help="Write the trace to FILE (JSON Lines); - for stdout.")
@click.option(
    "-e",
    "expr",
    metavar="trace=SET",
    help="Syscalls to record, strace syntax: names, %file, %network, %process, %memory, %signal, %desc, all, !negation.",
)
@click.option(
    "-s",
    "strsize",
    type=click.IntRange(min=0),
    metavar="SIZE",
    help="Bytes kept of each string and buffer (default 256; the live lines show 32 unless given).",
)
@click.option(
    "-p",
    "pids",
    type=click.IntRange(min=1),
    multiple=True,
    metavar="PID",
    help="Attach to this running process and all its threads (repeatable); Ctrl-C detaches.",
)
@click.option("-c", "count", is_flag=True, help="Print strace -c's syscall table on stderr at the end (no live lines).")
@click.option(
    "-E",
    "env_settings",
    multiple=True,
    metavar="VAR[=VAL]",
    help="Set VAR in the program's environment, or remove it without =VAL (repeatable).",
)
@click.option(
    "--stdin",
    "stdin_file",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="The program reads FILE as its standard input (default: the terminal's).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help="Kill the traced tree after S seconds (exit 124).",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@click.option(
    "--record-env-values", is_flag=True, help="Record environment values in the header (names only by default)."
)
@sandbox_options
@click.argument("command", nargs=-1, metavar="-- PROG [ARGS]...")
@click.pass_context
def run(
    ctx: click.Context,
    output: str | None,
    expr: str | None,
    strsize: int | None,
    pids: tuple[int, ...],
    count: bool,
    env_settings: tuple[str, ...],
    stdin_file: str | None,
    timeout: float | None,
    quiet: bool,
    record_env_values: bool,
    sandbox: SandboxConfig | None,
    command: tuple[str, ...],
) -> None:
    """Trace PROG (and every process and thread it starts) and record its syscalls.

    PROG's stdin, stdout and stderr stay on the terminal; a short summary goes to stderr.
    """
    from libctrace.cli._common import environment
    from libctrace.record.recorder import RecordOptions, record

    if bool(pids) == bool(command):
        raise click.UsageError(
            "give a program to run (-- PROG ARGS) or -p PID to attach to, not both"
            if pids
            else "missing the program to run (-- PROG ARGS) or -p PID"
        )
    if pids and (sandbox is not None or env_settings or stdin_file):
        raise click.UsageError("-p attaches to a running process: --sandbox, -E and --stdin do not apply")
    opts = RecordOptions(
        argv=list(command),
        output=output,
        trace_set=trace_expr(expr),
        strsize=256 if strsize is None else strsize,
        timeout=timeout,
        record_env_values=record_env_values,
        env=environment(env_settings),
        keep_events=count,  # else only the summary is printed: memory stays flat
        attach=list(pids) or None,
    )
    if output is None and not count:
        opts.live = _live_printer(32 if strsize is None else strsize, held=not pids)
    with open(stdin_file, "rb") if stdin_file else nullcontext() as stdin:
        opts.stdin = stdin.fileno() if stdin is not None else None
        if pids:
            from libctrace.record.launcher import describe_attached

            describe_attached(list(pids))  # a wrong pid is a one-line error before this note
            _note(f"attaching to {', '.join(map(str, pids))}")
        if sandbox is None:
            trace, code = record(opts)
        else:
            # --sandbox (docs/sandbox.md): record inside private namespaces with the DNS server up
            with open_sandbox(sandbox) as session:
                opts.sandbox, opts.extra_events = session.header(), session.drain_log
                trace, code = record(opts)
    if pids and (trace.footer or {}).get("outcome") in ("interrupted", "timeout"):
        _note(f"detached from {', '.join(map(str, pids))}")
    if count:
        from libctrace.render.strace_table import strace_c_table
        from libctrace.render.summary import summarize

        # like strace -c, calls that never returned (exit_group, a process killed inside one) are not counted
        done = (e for e in trace.events if e.get("type") != "syscall" or e.get("ret") is not None)
        sys.stderr.write(strace_c_table(summarize(trace.header, trace.footer, done).syscalls))
    if not quiet:
        _summary(trace.header, trace.footer or {}, output, timeout, attached=bool(pids))
    ctx.exit(code)


def _note(message: str) -> None:
    click.echo(f"libctrace: {message}", err=True)


def _live_printer(strsize: int, held: bool) -> Callable[[list[Event]], None]:
    """Prints events on stderr as the recorder hands them over, in show's strace-like format
    (what came from the program escaped: it is data, not terminal control). held: the lines
    wait for the program's exec; if it never comes, the failed execve is libctrace's one-line
    error, and what the launcher did before it is not the program's."""
    from libctrace.render.safe import term
    from libctrace.render.text import format_event

    waiting: list[Event] | None = [] if held else None

    def show(events: list[Event]) -> None:
        nonlocal waiting
        if waiting is not None:
            waiting += events
            if not any(e.get("type") == "exec" for e in events):
                return
            events, waiting = waiting, None
        sys.stderr.write("".join(term(format_event(e, strsize)) + "\n" for e in events))
        sys.stderr.flush()

    return show


def _summary(header: dict, footer: dict, output: str | None, timeout: float | None, attached: bool) -> None:
    from libctrace.model import ended
    from libctrace.render.safe import term

    outcome = footer.get("outcome")
    how = {
        "exited": ended(None, footer.get("exit_code"), exited="exited with code"),
        "killed": f"{ended(footer.get('signal'), None)} (exit {footer.get('exit_code')})",
        "interrupted": "interrupted by Ctrl-C: the traced tree was killed (exit 130)",
        "timeout": f"timed out after {timeout:g} s: the traced tree was killed (exit 124)" if timeout else "timed out",
    }.get(outcome, str(outcome))
    if attached and outcome in ("interrupted", "timeout"):
        how = f"{outcome}: detached, the processes go on running (exit {footer.get('exit_code')})"

    ts = header.get("trace_set") or {}
    if ts.get("filtered") and attached:  # no seccomp filter on a running process
        tset = f"{ts.get('expr')} ({len(ts.get('syscalls') or [])} syscalls, every call stopped)"
    elif ts.get("filtered"):
        tset = f"{ts.get('expr')} ({len(ts.get('syscalls') or [])} syscalls, seccomp-filtered)"
    else:
        tset = f"{ts.get('expr')} (every syscall, no filter)"
    where = {None: "kept in memory only (use -o FILE to save it)", "-": "written to stdout"}.get(output, output)
    lines = [
        f"libctrace: {how}",
        f"  {_count(footer.get('syscalls', 0), 'syscall')} recorded, {_count(footer.get('processes', 0), 'process')}, "
        f"{_count(footer.get('threads', 0), 'thread')}, {footer.get('duration', 0):.3f} s",
        f"  trace set: {tset}",
        f"  trace: {where}",
    ]
    # Plain lines, not rich (30 ms of start-up for four unstyled lines); paths and expressions are
    # data: their control characters escaped, long paths on one line.
    sys.stderr.write("".join(term(line) + "\n" for line in lines))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"
