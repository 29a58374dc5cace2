import os
import stat

import pytest
from helpers import assert_one_line_error, libctrace

from libctrace.errors import TraceFormatError
from libctrace.model import VERSION, Trace
from libctrace.traceio import TraceWriter, load_trace, write_trace

FOOTER = {
    "outcome": "exited",
    "exit_code": 0,
    "signal": None,
    "duration": 0.5,
    "events": 1199,
    "syscalls": 1199,
    "processes": 1,
    "threads": 0,
}


SYSCALL = '{"type":"syscall","seq":1,"t":0.1,"pid":7,"name":"getpid","args":[],"ret":7,"errno":null}'


def _sample(footer: bool = True) -> Trace:
    events = [
        {"type": "syscall", "seq": i, "t": i / 10, "pid": 7, "name": "getpid", "args": [], "ret": 7, "errno": None}
        for i in range(1, 1200)
    ]
    return Trace(header={"command": ["x"]}, events=events, footer=FOOTER if footer else None)


def test_round_trip_and_mode(tmp_path):
    p = tmp_path / "t.jsonl"
    write_trace(str(p), _sample())
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    t = load_trace(str(p))
    assert t.header["version"] == VERSION and t.header["command"] == ["x"]
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
        ('{"type":"header","format":"libctrace-trace","version":1}\n' + SYSCALL + "\n{oops\n", "line 3: corrupt"),
        (
            '{"type":"header","format":"libctrace-trace","version":1}\n{"type":"syscall"}\n',
            "line 2: corrupt syscall event: no 'seq' field",
        ),
        ('{"type":"header","format":"libctrace-trace","ver', "line 1: truncated"),
        ('{"type":"header","format":"libctrace-trace","version":1}\n[1,2]\n', "line 2: corrupt"),
        ('{"type":"header","format":"libctrace-trace","version":2}\n[1,2]\n', "line 2: corrupt syscall row"),
        (
            '{"type":"header","format":"libctrace-trace","version":2}\n[0.5,7,"x",[],0,1]\n',
            "line 2: corrupt syscall row",
        ),
        (
            '{"type":"header","format":"libctrace-trace","version":2}\n[5,"7","x",[],0,1]\n',
            "line 2: corrupt syscall event: 'pid'",
        ),
    ],
)
def test_bad_files(tmp_path, content, needle):
    p = tmp_path / "bad.jsonl"
    p.write_text(content)
    with pytest.raises(TraceFormatError, match=needle):
        load_trace(str(p))


def test_unwritable_path():
    from libctrace.errors import LibctraceError

    with pytest.raises(LibctraceError, match="cannot write trace"):
        TraceWriter("/nonexistent-dir/t.jsonl", {})


def test_cli_unknown_command_is_one_line_exit_2():
    assert_one_line_error(libctrace("frobnicate"), "No such command")


HEADER = '{"type":"header","format":"libctrace-trace","version":1}'


def _event(**changes) -> str:
    import json

    e = json.loads(SYSCALL)
    e.update(changes)
    return json.dumps({k: v for k, v in e.items() if v is not DROP})


DROP = object()


@pytest.mark.parametrize(
    "line, needle",
    [
        (_event(seq=DROP), "no 'seq' field"),
        (_event(pid="7"), "'pid' is a string, not an integer"),
        (_event(t=True), "'t' is true or false, not a number"),
        (_event(args={}), "'args' is an object, not a list"),
        (_event(ret=1.5), "'ret' is a number, not an integer or null"),
        (_event(tid=[1]), "'tid' is a list, not an integer"),
        (_event(type="bogus"), "unknown event type"),
        ('{"type":"exit","seq":2,"t":0,"pid":7,"code":0,"signal":null}', "corrupt exit event: no 'core' field"),
        ('{"type":"footer","outcome":"exited"}', "corrupt footer event: no 'exit_code' field"),
    ],
)
def test_wrong_fields_name_the_line(tmp_path, line, needle):
    """Well-formed JSON with a missing field or a wrong type: one error naming the line."""
    p = tmp_path / "bad.jsonl"
    p.write_text(f"{HEADER}\n{SYSCALL}\n{line}\n")
    with pytest.raises(TraceFormatError, match=f"line 3: .*{needle}"):
        load_trace(str(p))
    assert_one_line_error(libctrace("show", str(p)), "line 3")
    assert_one_line_error(libctrace("diff", str(p), str(p)), "line 3")


def test_header_with_wrong_types(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"type":"header","format":"libctrace-trace","version":1,"trace_set":"all"}\n')
    assert_one_line_error(
        libctrace("show", str(p), "--format", "summary"), "line 1: corrupt trace header: 'trace_set' is a string"
    )


def test_cut_mid_line_keeps_every_complete_event(tmp_path):
    """A disk that filled (or a killed writer) leaves half a line: the events before it are read,
    with a warning, by show and diff."""
    full = tmp_path / "full.jsonl"
    write_trace(str(full), _sample())
    data = full.read_bytes()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(data[: data.index(b"[100000000,") + 3])  # inside event 1000 (t = 100 s)
    t = load_trace(str(cut))
    assert [e["seq"] for e in t.events] == list(range(1, 1000)) and t.footer is None
    assert any("line 1001 is cut short" in n for n in t.notes)
    r = libctrace("show", str(cut), "--format", "json")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 999
    assert "line 1001 is cut short" in r.stderr and "Traceback" not in r.stderr
    r = libctrace("diff", str(cut), str(full))
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr


def test_endless_line_is_refused_in_bounded_memory():
    """`show /dev/zero` reads one bounded line and stops (it grew to 10 GB before)."""
    r = libctrace("show", "/dev/zero", timeout=60)
    assert_one_line_error(r, "line 1: longer than 64 MiB")


_MIXED = [
    {
        "type": "syscall",
        "seq": 1,
        "t": 0.000123,
        "pid": 7,
        "name": "openat",
        "args": ["AT_FDCWD", "/x", "O_RDONLY"],
        "ret": -2,
        "errno": "ENOENT",
        "dur": 0.000011,
    },
    {"type": "fork", "seq": 2, "t": 0.5, "pid": 7, "child": 8, "kind": "process"},
    {
        "type": "syscall",
        "seq": 3,
        "t": 1.25,
        "pid": 8,
        "tid": 9,
        "name": "read",
        "args": [3, "ab", 2],
        "ret": 2,
        "errno": None,
        "fd_path": "/etc/passwd",
        "dur": 0.5,
    },
    {"type": "syscall", "seq": 7, "t": 2.0, "pid": 8, "name": "exit", "args": [0], "ret": None, "errno": None},
    {"type": "exit", "seq": 8, "t": 2.5, "pid": 8, "code": 0, "signal": None, "core": False},
]


@pytest.mark.parametrize("name", ["t.jsonl", "t.jsonl.gz"])
def test_version_2_rows_read_back_as_written(tmp_path, name):
    """Syscall rows, implicit and explicit seq (a gap), errno, tid, fd_path, a call that never
    returned (no dur): every event reads back equal; .gz is gzip and reads the same."""
    p = tmp_path / name
    write_trace(str(p), Trace(header={"command": ["x"]}, events=_MIXED, footer=FOOTER))
    raw = p.read_bytes()
    assert raw.startswith(b"\x1f\x8b") == name.endswith(".gz")
    if not name.endswith(".gz"):
        lines = raw.decode().splitlines()
        assert lines[1] == '[123,7,"openat",["AT_FDCWD","/x","O_RDONLY"],-2,11,{"errno":"ENOENT"}]'
        assert lines[2] == '{"type":"fork","t":0.5,"pid":7,"child":8,"kind":"process"}'
        assert lines[4] == '[2000000,8,"exit",[0],null,null,{"seq":7}]'
    assert load_trace(str(p)).events == _MIXED


@pytest.mark.parametrize(
    "row, needle",
    [
        ('[1,"7","getpid",[],7,null]', "'pid' is a string, not an integer"),
        ("[1,7,5,[],7,null]", "'name' is an integer, not a string"),
        ('[1,7,"getpid",{},7,null]', "'args' is an object, not a list"),
        ('[1,7,"getpid",[],1.5,null]', "'ret' is a number, not an integer or null"),
        ('[1,7,"getpid",[],7,null,{"tid":"9"}]', "'tid' is a string, not an integer"),
        ('[1,7,"getpid",[],7,null,{"fd_path":3}]', "'fd_path' is an integer, not a string"),
        ('[1,7,"getpid",[],-1,null,{"errno":5}]', "'errno' is an integer, not a string or null"),
        ('[1,7,"getpid",[],7,null,{"type":"exec"}]', "corrupt exec event: no 'path' field"),
        ('[1.5,7,"getpid",[],7,null]', "corrupt syscall row"),
        ('[1,7,"getpid",[],7,0.5]', "corrupt syscall row"),
    ],
)
def test_version_2_row_defects_name_the_line(tmp_path, row, needle):
    """A syscall row the quick check (traceio._row_event) refuses gets the full one's error."""
    p = tmp_path / "bad.jsonl"
    p.write_text('{"type":"header","format":"libctrace-trace","version":2}\n[1,7,"getpid",[],7,null]\n' + row + "\n")
    with pytest.raises(TraceFormatError, match=f"line 3: .*{needle}"):
        load_trace(str(p))


def test_a_line_longer_than_many_reads_is_read_whole(tmp_path):
    """A line is read in pieces when it spans many blocks (a big decoded buffer)."""
    big = {**_MIXED[0], "args": ["AT_FDCWD", "/x" * 400_000, "O_RDONLY"]}  # 800 kB: a dozen 64 KiB reads
    p = tmp_path / "t.jsonl"
    write_trace(str(p), Trace(header={"command": ["x"]}, events=[big, *_MIXED[1:]], footer=FOOTER))
    assert load_trace(str(p)).events == [big, *_MIXED[1:]]


def test_version_1_still_read(tmp_path):
    p = tmp_path / "v1.jsonl"
    p.write_text('{"type":"header","format":"libctrace-trace","version":1}\n' + SYSCALL + "\n")
    t = load_trace(str(p))
    assert t.events == [
        {"type": "syscall", "seq": 1, "t": 0.1, "pid": 7, "name": "getpid", "args": [], "ret": 7, "errno": None}
    ]


def test_gzip_cut_short_keeps_the_events_before(tmp_path):
    p = tmp_path / "t.jsonl.gz"
    write_trace(str(p), _sample())
    p.write_bytes(p.read_bytes()[:-400])  # the footer and some events
    t = load_trace(str(p))
    assert 0 < len(t.events) < 1199 and "cut short" in t.notes[0]
