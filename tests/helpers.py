"""Shared test helpers: build small C programs with the real toolchains, run the CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_CACHE = Path(os.environ.get("LIBCTRACE_TEST_CACHE", "/tmp/libctrace-test-cache"))


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed on this machine (make test installs it when run as root)")
    return path


def build_c(
    source: str, *, compiler: str | tuple[str, ...] = "gcc", flags: tuple[str, ...] = (), name: str = "prog"
) -> Path:
    """Compiles C source text; cached by content so repeated tests do not rebuild. compiler is
    a tool on PATH or a whole command (the caller checked it is there)."""
    tool = (compiler,) if isinstance(compiler, str) else compiler
    command = (need_tool(compiler),) if isinstance(compiler, str) else compiler
    key = hashlib.sha256("\0".join((source, *tool, *flags)).encode()).hexdigest()[:16]
    out = _CACHE / f"{name}-{key}"
    if not out.exists():
        _CACHE.mkdir(parents=True, exist_ok=True)
        src = _CACHE / f"{name}-{key}.c"
        src.write_text(source)
        tmp = out.with_suffix(".tmp")
        subprocess.run(
            [*command, "-O1", "-o", str(tmp), str(src), *flags], check=True, capture_output=True, timeout=1200
        )
        tmp.rename(out)
    return out


# The CLI as a command line: the package run by the interpreter running the tests (the venv's,
# or any environment libctrace is installed into), never a path into one checkout's .venv.
LIBCTRACE: tuple[str, ...] = (sys.executable, "-m", "libctrace")


def libctrace(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess[str]:
    """Runs the real CLI in a subprocess, as a user would."""
    return subprocess.run(
        [*LIBCTRACE, *args], capture_output=True, text=True, timeout=timeout, cwd=kw.pop("cwd", ROOT), **kw
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def trace_lines(path: Path | str) -> list[dict]:
    """Every line of a trace as a dict, header and footer included, read through libctrace's
    reader (version 2 writes syscall events as rows: docs/trace-format.md)."""
    from libctrace.traceio import TraceReader

    with TraceReader(str(path)) as reader:
        events = list(reader)
    return [reader.header, *events, *([reader.footer] if reader.footer is not None else [])]
