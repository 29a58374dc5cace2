"""Builds the recorder's C test programs (tests/progs/*.c) and loads the traces they give."""

from __future__ import annotations

from pathlib import Path

from helpers import build_c

from libctrace.model import Trace
from libctrace.traceio import load_trace

PROGS = Path(__file__).resolve().parent / "progs"


def prog(name: str, compiler: str = "gcc", static: bool = False) -> Path:
    flags = ("-static",) if static else ()
    if compiler == "gcc":
        flags = (*flags, "-pthread")
    suffix = f"-{compiler}{'-static' if static else ''}"
    return build_c((PROGS / f"{name}.c").read_text(), compiler=compiler, flags=flags, name=name + suffix)


def syscalls(trace: Trace, name: str | None = None) -> list[dict]:
    return [e for e in trace.events if e["type"] == "syscall" and (name is None or e["name"] == name)]


def of_type(trace: Trace, kind: str) -> list[dict]:
    return [e for e in trace.events if e["type"] == kind]


__all__ = ["prog", "syscalls", "of_type", "load_trace"]
