import os
import stat

import pytest

from helpers import assert_one_line_error, libctrace
from tracer.errors import TraceFormatError
from tracer.model import Trace
from tracer.traceio import TraceWriter, load_trace, write_trace


def _sample(footer: bool = True) -> Trace:
    events = [{"type": "syscall", "seq": i, "t": i / 10, "pid": 7, "name": "getpid", "args": [], "ret": 7, "errno": None} for i in range(1, 1200)]
    return Trace(header={"command": ["x"]}, events=events, footer={"outcome": "exited", "exit_code": 0} if footer else None)


def test_round_trip_and_mode(tmp_path):
    p = tmp_path / "t.jsonl"
    write_trace(str(p), _sample())
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    t = load_trace(str(p))
    assert t.header["version"] == 1 and t.header["command"] == ["x"]
    assert len(t.events) == 1199 and t.events[-1]["seq"] == 1199
    assert t.footer["outcome"] == "exited" and not t.interrupted


def test_no_footer_is_interrupted_but_readable(tmp_path):
    p = tmp_path / "t.jsonl"
    w = TraceWriter(str(p), {"command": ["x"]})
    w.write({"type": "syscall", "seq": 1, "t": 0.0, "pid": 1, "name": "read", "args": [], "ret": 0, "errno": None})
    w.close(None)
    t = load_trace(str(p))
    assert t.interrupted and len(t.events) == 1 and "interrupted" in t.notes[0]


@pytest.mark.parametrize(
    "content, needle",
    [
        ("", "empty file"),
        ("hello\n", "line 1: not a libctrace trace"),
        ('{"type":"header","format":"libctrace-trace","version":9}\n', "version 9 is newer"),
        ('{"type":"header","format":"libctrace-trace","version":1}\n{"type":"syscall"}\n{oops\n', "line 3: corrupt"),
        ('{"type":"header","format":"libctrace-trace","version":1}\n{"type":"sysc', "line 2: truncated"),
        ('{"type":"header","format":"libctrace-trace","version":1}\n[1,2]\n', "line 2: corrupt"),
    ],
)
def test_bad_files(tmp_path, content, needle):
    p = tmp_path / "bad.jsonl"
    p.write_text(content)
    with pytest.raises(TraceFormatError, match=needle):
        load_trace(str(p))


def test_unwritable_path():
    from tracer.errors import LibctraceError

    with pytest.raises(LibctraceError, match="cannot write trace"):
        TraceWriter("/nonexistent-dir/t.jsonl", {})


def test_cli_unknown_command_is_one_line_exit_2():
    assert_one_line_error(libctrace("frobnicate"), "No such command")
