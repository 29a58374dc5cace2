"""The C stop loop (tracer/stoploop.c): built, and giving the events the Python loop gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT
from recorder_progs import load_trace, prog, syscalls

from tracer import recorder, stoploop
from tracer.model import Trace
from tracer.recorder import RecordOptions, record

THREADS, CALLS = 4, 300  # as in tests/progs/plain_calls.c


def test_library_is_built() -> None:
    # make setup builds it; without it every run silently takes the slower Python loop
    assert stoploop.load() is not None, f"{stoploop.LIBRARY} is missing or stale: run make setup"


def _record(monkeypatch: pytest.MonkeyPatch, c_loop: bool, argv: list[str], **kw) -> tuple[Trace, int]:
    if not c_loop:
        monkeypatch.setattr(recorder, "load_stoploop", lambda: None)
    with open(os.devnull, "wb") as null:
        try:
            return record(RecordOptions(argv=argv, stdout=null.fileno(), **kw))
        finally:
            monkeypatch.undo()


def _plain_calls(trace: Trace) -> Counter:
    """The calls plain_calls.c makes, by name, arguments, result and whether a thread made them."""
    names = {"getpid", "sched_yield", "getpgid", "getpriority", "umask", "getppid", "pause"}
    return Counter(
        (e["name"], tuple(e["args"]), 0 if e["name"] in ("getpid", "getppid") else e["ret"], e["errno"], "tid" in e)
        for e in syscalls(trace) if e["name"] in names
    )


@pytest.mark.parametrize("trace_set", ["all", "getpid,sched_yield,getpgid,getpriority,umask,getppid"])
def test_c_loop_records_what_the_python_loop_records(monkeypatch: pytest.MonkeyPatch, trace_set: str) -> None:
    argv = [str(prog("plain_calls"))]
    (c_trace, c_code), (py_trace, py_code) = (_record(monkeypatch, c, argv, trace_set=trace_set) for c in (True, False))
    assert c_code == py_code == 0
    got = _plain_calls(c_trace)
    assert got == _plain_calls(py_trace)
    # and both are what the program did
    assert got[("getpgid", (999999,), -3, "ESRCH", True)] == THREADS * CALLS
    assert got[("umask", (0o22,), 0o22, None, False)] >= CALLS - 1  # the first returns the old mask
    assert sum(n for k, n in got.items() if k[0] == "umask") == CALLS
    assert sum(n for k, n in got.items() if k[0] == "getppid") == CALLS  # by the child
    assert sum(n for k, n in got.items() if k[0] in ("getpid", "sched_yield", "getpriority")) == 3 * THREADS * CALLS
    for trace in (c_trace, py_trace):
        assert [e["seq"] for e in trace.events] == list(range(1, len(trace.events) + 1))
        child = next(e["child"] for e in trace.events if e["type"] == "fork" and e["kind"] == "process")
        assert {e["pid"] for e in syscalls(trace, "getppid")} == {child}
        exit_of_child = next(e for e in trace.events if e["type"] == "exit" and e["pid"] == child)
        assert max(e["seq"] for e in syscalls(trace, "getppid")) < exit_of_child["seq"]
        for e in syscalls(trace, "sched_yield"):
            assert e["dur"] >= 0 and e["t"] > 0


@pytest.mark.parametrize("c_loop", [True, False], ids=["c", "python"])
def test_timeout_inside_a_plain_call(monkeypatch: pytest.MonkeyPatch, c_loop: bool) -> None:
    """pause() never returns: the timer must still end the run, and the open call is kept."""
    started = time.monotonic()
    trace, code = _record(monkeypatch, c_loop, [str(prog("plain_calls")), "pause"], trace_set="all", timeout=1.5)
    assert code == 124 and trace.footer["outcome"] == "timeout"
    assert time.monotonic() - started < 10
    (pause,) = syscalls(trace, "pause")
    assert pause["ret"] is None and "dur" not in pause
    assert len(syscalls(trace, "getpgid")) == THREADS * CALLS


def test_calls_handled_in_c_reach_the_file_while_the_program_waits(tmp_path: Path) -> None:
    """The periodic write also takes the calls the C loop holds, then Ctrl-C keeps them."""
    out = tmp_path / "t.jsonl"
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/libctrace"), "run", "-q", "-e", "trace=all", "-o", str(out), "--",
         str(prog("plain_calls")), "pause"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        seen = time.monotonic()
        count = 0
        while time.monotonic() - seen < 5 and count < THREADS * CALLS:
            time.sleep(0.05)
            lines = out.read_bytes().split(b"\n")[1:-1]
            count = sum(1 for e in map(json.loads, lines) if e.get("name") == "getpgid")
        assert count == THREADS * CALLS
        assert proc.poll() is None  # read while the program sits in pause()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    trace = load_trace(str(out))
    assert trace.footer["outcome"] == "interrupted"
    (pause,) = syscalls(trace, "pause")
    assert pause["ret"] is None
