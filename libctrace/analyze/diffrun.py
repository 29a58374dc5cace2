"""Getting the traces a diff compares: each build is a saved `.jsonl` trace to load or a
program to record, all programs in one sandbox when asked (its DNS log drained per run)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from libctrace.model import Trace, ended
from libctrace.outputs import make_dir
from libctrace.render.safe import text
from libctrace.sandbox import SandboxConfig, open_sandbox
from libctrace.traceio import load_trace

if TYPE_CHECKING:
    from rich.console import Console

    from libctrace.sandbox.session import SandboxSession


@dataclass(frozen=True)
class Build:
    label: str
    argv: tuple[str, ...]  # the program and its arguments; a trace file alone when loading
    env: dict[str, str] | None = None  # the program's whole environment; None inherits ours

    @property
    def is_trace(self) -> bool:
        return is_trace_file(self.argv[0])


@dataclass(frozen=True)
class RunSettings:
    """How every program of a diff is recorded (`diff -e`, `--timeout`, `--stdin`)."""

    trace_set: str = "default"
    timeout: float | None = None  # a build still running then is killed, and says so
    stdin: str = os.devnull  # the file each program reads as its standard input, from the start


def is_trace_file(arg: str) -> bool:
    return arg.endswith((".jsonl", ".jsonl.gz"))


def collect(builds: list[Build], sandbox: SandboxConfig | None, out_dir: str | None, progress: Console) -> list[Trace]:
    """Loads or records every build, in order (one run each)."""
    return collect_runs(builds, sandbox, out_dir, progress)[0]


def collect_runs(
    builds: list[Build],
    sandbox: SandboxConfig | None,
    out_dir: str | None,
    progress: Console,
    more: Callable[[list[Trace]], int] | None = None,
    settings: RunSettings = RunSettings(),
) -> tuple[list[Trace], list[list[Trace]]]:
    """Loads or records every build, in order; then `more(first traces)` further runs of each
    program (not of loaded traces), in the same sandbox. Returns the first traces and, per
    build, its further runs. Programs are checked before anything runs, so a typo in the
    third build does not cost the time of tracing the first two."""
    from libctrace.record.launcher import resolve_program

    for b in builds:
        if not b.is_trace:
            resolve_program(b.argv[0], b.env, refused_ok=True)
    if out_dir is not None:
        make_dir(out_dir, "--output-dir folder")
    traces: dict[int, Trace] = {}
    repeats: list[list[Trace]] = [[] for _ in builds]
    for i, b in enumerate(builds):
        if b.is_trace:  # loaded before the sandbox moves us into other namespaces
            traces[i] = load_trace(b.argv[0])
    to_run = [(i, b) for i, b in enumerate(builds) if not b.is_trace]
    if to_run:
        with open_sandbox(sandbox) if sandbox is not None else nullcontext() as session:
            for i, b in to_run:
                traces[i] = _traced(b, out_dir, "", session, progress, settings)
            extra = more([traces[i] for i in range(len(builds))]) if more is not None else 0
            for k in range(2, 2 + extra):
                for i, b in to_run:
                    repeats[i].append(_traced(b, out_dir, f".run{k}", session, progress, settings))
    return [traces[i] for i in range(len(builds))], repeats


def _traced(
    b: Build, out_dir: str | None, suffix: str, session: SandboxSession | None, progress: Console, settings: RunSettings
) -> Trace:
    out = os.path.join(out_dir, b.label.replace("/", "_") + suffix + ".jsonl") if out_dir else None
    name = f"{b.label}{suffix.replace('.', ' ')}"
    with progress.status(text(f"tracing {name}: {' '.join(b.argv)}")):  # data, not markup
        trace = record_one(b, out, session, settings=settings)
    if (trace.footer or {}).get("outcome") == "interrupted":
        raise KeyboardInterrupt  # Ctrl-C stopped the recorder: stop the diff too (exit 130)
    progress.print(text(f"traced {name}: {_status(trace)}"), highlight=False, soft_wrap=True)  # one line each
    return trace


def record_one(
    build: Build,
    output: str | None,
    session: SandboxSession | None,
    program_output: str | None = None,
    settings: RunSettings = RunSettings(),
) -> Trace:
    """Records one program in the open sandbox (if any); its stdin is settings.stdin
    (/dev/null by default) and its
    stdout and stderr are captured whole through pipes, out of ours, into the trace footer's
    `output` (compared as a fact), and also written to the file `program_output` if given."""
    from libctrace.record.capture import OutputCapture
    from libctrace.record.recorder import RecordOptions, record

    capture = OutputCapture(program_output)
    try:
        with open(settings.stdin, "rb") as null_in:
            opts = RecordOptions(
                argv=list(build.argv),
                output=output,
                env=build.env,
                sandbox=session.header() if session is not None else None,
                extra_events=session.drain_log if session is not None else None,
                collect_output=capture.finish,
                stdin=null_in.fileno(),
                stdout=capture.stdout.fd,
                stderr=capture.stderr.fd,
                trace_exec_failure=True,  # a build the kernel cannot start is a finding, not an error
                trace_set=settings.trace_set,
                timeout=settings.timeout,
            )
            trace, _status_code = record(opts)
    finally:
        capture.close()
    return trace


def _status(trace: Trace) -> str:
    f = trace.footer or {}
    how = ended(f.get("signal"), f.get("exit_code"))
    if f.get("outcome") == "timeout":
        how = "timed out, killed (--timeout)"
    return f"{how}, {f.get('syscalls', 0)} syscalls, {f.get('duration', 0.0):.3f} s"
