"""A diff of saved traces digests each in a process of its own (libctrace/analyze/digest.py):
the result must be the serial diff's of the loaded traces, the events read back from the
index the loaded ones, and a worker that fails must still give one error line."""

from __future__ import annotations

import json
import os
import re
import signal
from typing import Any

import pytest
from helpers import ROOT, assert_one_line_error, libctrace

from libctrace.analyze import digest as digestmod
from libctrace.analyze.diff import compare, default_labels
from libctrace.analyze.digest import digest_files
from libctrace.analyze.images import exec_summary
from libctrace.errors import LibctraceError
from libctrace.model import Trace
from libctrace.traceio import load_trace, write_trace

DATA = ROOT / "tests" / "data"


def _new(tmp_path, name: str) -> str:
    """tests/data/NAME (format version 1) written again in the current format (syscall rows)."""
    out = tmp_path / f"new-{name}"
    write_trace(str(out), load_trace(str(DATA / name)))
    return str(out)


def _v2_null(tmp_path, name: str) -> str:
    """NAME in format version 2, whose first open(at) or execve has its path as the text "NULL": the
    reader makes that a number (format 3), for the events read again as for those loaded."""
    lines = open(_new(tmp_path, name)).readlines()
    header = json.loads(lines[0])
    header["version"] = 2
    lines[0] = json.dumps(header) + "\n"
    path_at = {"openat": 1, "open": 0, "execve": 0}
    k = next(k for k, line in enumerate(lines) if line.startswith("[") and json.loads(line)[2] in path_at)
    row = json.loads(lines[k])
    row[3][path_at[row[2]]] = "NULL"
    lines[k] = json.dumps(row) + "\n"
    out = tmp_path / f"v2-{name}"
    out.write_text("".join(lines))
    return str(out)


def _cut(tmp_path, name: str) -> str:
    """NAME without its footer and last events: an interrupted run with no exit status."""
    out = tmp_path / f"cut-{name}"
    out.write_text("".join(open(DATA / name).readlines()[:-3]))
    return str(out)


def _exit_1(tmp_path, name: str) -> str:
    """NAME ending with status 1: the exit-status finding's evidence is its exit event, which a
    digested trace finds among the events that are not syscalls."""
    t = load_trace(str(DATA / name))
    first = t.events[0]["pid"]
    events = [{**e, "code": 1} if e["type"] == "exit" and e["pid"] == first else e for e in t.events]
    out = tmp_path / f"exit1-{name}"
    write_trace(str(out), Trace(t.header, events, {**(t.footer or {}), "exit_code": 1}))
    return str(out)


def _with_glibc_child(tmp_path) -> str:
    """The musl build's trace with a child process that execs a glibc tool: facts split it off
    (images.split), which the digest does from the whole trace, loaded."""
    t = load_trace(str(DATA / "dns-lookup-musl-static.jsonl"))
    pid, seq, at = t.events[0]["pid"], t.events[-1]["seq"], t.events[-1].get("t", 1.0)
    tool = [
        {"type": "fork", "pid": pid, "child": 4000, "kind": "process"},
        {"type": "exec", "pid": 4000, "path": "/usr/bin/tool", "argv": ["tool"]},
        {"type": "syscall", "pid": 4000, "name": "openat", "args": ["AT_FDCWD", "/etc/nsswitch.conf", "O_RDONLY"]},
        {
            "type": "syscall",
            "pid": 4000,
            "name": "mmap",
            "args": ["NULL", 8192, "PROT_READ", "MAP_PRIVATE", 3, 0],
            "fd_path": "/lib/x86_64-linux-gnu/libc.so.6",
        },
        {"type": "exit", "pid": 4000, "code": 0, "signal": None, "core": False},
    ]
    for k, e in enumerate(tool, 1):
        e.setdefault("ret", 3 if e["type"] == "syscall" else None)
        e.setdefault("errno", None)
        e.update(seq=seq + k, t=at + k / 1e6)
        if e["type"] != "syscall":
            del e["ret"], e["errno"]
    out = tmp_path / "musl-with-glibc-child.jsonl"
    write_trace(str(out), Trace(t.header, [*t.events, *tool], t.footer))
    return str(out)


PAIRS = [
    ("dns-lookup-glibc-dynamic.jsonl", "dns-lookup-musl-static.jsonl"),
    ("nss-passwd-glibc-dynamic.jsonl", "nss-passwd-glibc-static.jsonl", "nss-passwd-musl-static.jsonl"),
    ("id-glibc-dynamic.jsonl", "id-busybox-static.jsonl"),
]


@pytest.mark.parametrize("kind", ["v1", "v2", "new", "gz", "cut", "exit", "child"])
@pytest.mark.parametrize("names", PAIRS, ids=lambda n: n[0].split("-")[0])
def test_digested_diff_is_the_serial_diff(tmp_path, names, kind):
    """Every finding, table and timeline row the same, whether the facts come from the loaded
    traces here or from the digests of worker processes (events read again for evidence)."""
    paths = [str(DATA / n) for n in names]
    if kind == "new":
        paths = [_new(tmp_path, n) for n in names]
    elif kind == "v2":
        paths = [_v2_null(tmp_path, n) for n in names]
    elif kind == "gz":
        paths[0] = _new(tmp_path, names[0]) + ".gz"
        write_trace(paths[0], load_trace(str(DATA / names[0])))
    elif kind == "cut":
        paths[-1] = _cut(tmp_path, names[-1])
    elif kind == "exit":
        paths[-1] = _exit_1(tmp_path, names[-1])
    elif kind == "child":
        paths[-1] = _with_glibc_child(tmp_path)
    labels = default_labels(paths)
    serial = compare([load_trace(p) for p in paths], labels, timeline=True, inspect=exec_summary)
    digests = digest_files(paths, labels, (), exec_summary)
    digested = compare([d.trace for d in digests], labels, timeline=True, inspect=exec_summary, digests=digests)
    assert digested.to_json() == serial.to_json()
    if kind == "child":
        assert [c.path for c in digests[-1].facts.children] == ["/usr/bin/tool"]
    if kind == "exit":
        (status,) = [f for f in digested.findings if f.id == "exit-status"]
        assert status.evidence[-1].line.endswith("+++ exited with 1 +++")  # the digested run's exit event
    for d, p in zip(digests, paths, strict=True):
        loaded = load_trace(p)
        assert list(d.trace.events) == loaded.events and d.trace.events[-1] == loaded.events[-1]
        assert (d.trace.header, d.trace.footer, d.trace.notes) == (loaded.header, loaded.footer, loaded.notes)


def test_a_corrupt_trace_is_one_error_line(tmp_path):
    """The worker's TraceFormatError reaches the user as it would from a load here."""
    bad = tmp_path / "bad.jsonl"
    lines = open(_new(tmp_path, "id-glibc-dynamic.jsonl")).readlines()
    row = json.loads(lines[5])
    row[1] = str(row[1])  # a syscall row whose pid is a string
    lines[5] = json.dumps(row) + "\n"
    bad.write_text("".join(lines))
    r = libctrace("diff", str(DATA / "id-busybox-static.jsonl"), str(bad))
    assert_one_line_error(r, "bad.jsonl: line 6: corrupt syscall event: 'pid' is a string, not an integer")


def test_a_worker_killed_is_one_error(monkeypatch):
    """A worker that dies without an answer (the OOM killer) is an error naming the trace."""
    parent, real = os.getpid(), digestmod.digest

    def killed(*args: Any) -> Any:
        if os.getpid() == parent:  # the first trace is digested in this process
            return real(*args)
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(digestmod, "digest", killed)  # the forked workers call it
    paths = [str(DATA / n) for n in PAIRS[0]]
    with pytest.raises(
        LibctraceError, match=rf"{re.escape(PAIRS[0][1])}: the process reading it was killed by SIGKILL"
    ):
        digest_files(paths, ["a", "b"], (), None)
