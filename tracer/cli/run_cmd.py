"""`libctrace run`: trace one program and record its syscalls."""

from __future__ import annotations

import click

from tracer.errors import LibctraceError
from tracer.sandbox import SandboxConfig, open_sandbox, sandbox_options

EXAMPLES = """\b
Examples:
  libctrace run -- ls /                        # record, print a summary; trace kept in memory
  libctrace run -o ls.jsonl -- ls -l /tmp      # save the trace (JSON Lines, mode 0600)
  libctrace run -e trace=%file -o f.jsonl -- getent passwd root
  libctrace run -e 'trace=!futex,write' -- ./app       # everything but futex and write
  libctrace run -e trace=all -s 1024 -- ./app          # no seccomp filter, 1 KiB buffers
  libctrace run --timeout 5 -q -- ./server             # kill the tree after 5 s, no summary
  libctrace run --sandbox -- getent hosts www.libctrace.test   # private netns + DNS server

\b
The default trace set is what the analysis needs (files, exec, sockets and their payloads,
memory, threads, futex, output, descriptors); a seccomp filter lets every other syscall run
without a stop. Exit status: the program's own, 128+N when it died of signal N, 124 on
--timeout, 130 on Ctrl-C, 2 on bad input.
"""


def _trace_expr(value: str | None) -> str:
    if value is None:
        return "default"
    if "=" in value:
        qualifier, _, expr = value.partition("=")
        if qualifier != "trace":
            raise LibctraceError(f"-e {value}: only the trace= qualifier is supported")
        return expr
    return value


@click.command(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-o", "--output", metavar="FILE", help="Write the trace to FILE (JSON Lines).")
@click.option("-e", "expr", metavar="trace=SET", help="Syscalls to record, strace syntax: names, %file, %network, %process, %memory, %signal, %desc, all, !negation.")
@click.option("-s", "strsize", type=click.IntRange(min=0), default=256, show_default=True, help="Bytes kept of each string and buffer.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="S", help="Kill the traced tree after S seconds (exit 124).")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@click.option("--record-env-values", is_flag=True, help="Record environment values in the header (names only by default).")
@sandbox_options
@click.argument("command", nargs=-1, required=True, metavar="-- PROG [ARGS]...")
@click.pass_context
def run(
    ctx: click.Context,
    output: str | None,
    expr: str | None,
    strsize: int,
    timeout: float | None,
    quiet: bool,
    record_env_values: bool,
    sandbox: SandboxConfig | None,
    command: tuple[str, ...],
) -> None:
    """Trace PROG (and every process and thread it starts) and record its syscalls.

    PROG's stdin, stdout and stderr stay on the terminal; a short summary goes to stderr.
    """
    from tracer.recorder import RecordOptions, record

    opts = RecordOptions(
        argv=list(command), output=output, trace_set=_trace_expr(expr), strsize=strsize,
        timeout=timeout, record_env_values=record_env_values, keep_events=False,  # only the summary is printed
    )
    if sandbox is None:
        trace, code = record(opts)
    else:
        # --sandbox (docs/sandbox.md): record inside private namespaces with the DNS server up
        with open_sandbox(sandbox) as session:
            opts.sandbox, opts.extra_events = session.header(), session.drain_log
            trace, code = record(opts)
    if not quiet:
        _summary(trace.header, trace.footer or {}, output, timeout)
    ctx.exit(code)


def _summary(header: dict, footer: dict, output: str | None, timeout: float | None) -> None:
    from tracer.cli._common import stderr_console
    from tracer.render.safe import text

    con = stderr_console()
    outcome = footer.get("outcome")
    how = {
        "exited": f"exited with code {footer.get('exit_code')}",
        "killed": f"killed by {footer.get('signal')} (exit {footer.get('exit_code')})",
        "interrupted": "interrupted by Ctrl-C: the traced tree was killed (exit 130)",
        "timeout": f"timed out after {timeout:g} s: the traced tree was killed (exit 124)" if timeout else "timed out",
    }.get(outcome, str(outcome))
    ts = header.get("trace_set") or {}
    if ts.get("filtered"):
        tset = f"{ts.get('expr')} ({len(ts.get('syscalls') or [])} syscalls, seccomp-filtered)"
    else:
        tset = f"{ts.get('expr')} (every syscall, no filter)"
    where = output if output else "kept in memory only (use -o FILE to save it)"
    lines = [
        f"libctrace: {how}",
        f"  {_count(footer.get('syscalls', 0), 'syscall')} recorded, {_count(footer.get('processes', 0), 'process')}, "
        f"{_count(footer.get('threads', 0), 'thread')}, {footer.get('duration', 0):.3f} s",
        f"  trace set: {tset}",
        f"  trace: {where}",
    ]
    for line in lines:
        # paths and expressions may hold [brackets] and escapes: data; long paths stay on one line
        con.print(text(line), soft_wrap=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"
