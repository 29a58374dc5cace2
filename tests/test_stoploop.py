"""The C stop loop (libctrace/record/stoploop.c): built, and giving the events the Python loop gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import LIBCTRACE
from recorder_progs import load_trace, prog, syscalls

from libctrace.model import Trace
from libctrace.record import recorder, stoploop
from libctrace.record.recorder import RecordOptions, record

THREADS, CALLS = 4, 300  # as in tests/progs/plain_calls.c


def test_library_is_built() -> None:
    # the install (make setup) compiles it; without it every run takes the slower Python loop
    assert stoploop.load() is not None, f"{stoploop.LIBRARY} is missing or stale: run make setup"


def _record(
    monkeypatch: pytest.MonkeyPatch, c_loop: bool, argv: list[str], written: Path | None = None, **kw
) -> tuple[Trace, int]:
    """written: record as `run -o` does (events only written: the C loop writes the rows of
    the calls with nothing to decode itself), and read the file back."""
    if not c_loop:
        monkeypatch.setattr(recorder, "load_stoploop", lambda: None)
    if written is not None:
        kw.update(output=str(written), keep_events=False)
    with open(os.devnull, "wb") as null:
        try:
            trace, code = record(RecordOptions(argv=argv, stdout=null.fileno(), **kw))
        finally:
            monkeypatch.undo()
    return (load_trace(str(written)) if written is not None else trace), code


# What plain_calls.c calls, besides start-up: the calls the C loop takes.
_NAMES = {
    "getpid",
    "sched_yield",
    "getpgid",
    "getpriority",
    "umask",
    "getppid",
    "pause",
    "mmap",
    "madvise",
    "mprotect",
    "munmap",
    "futex",
    "fcntl",
    "dup",
    "lseek",
    "ioctl",
    "close",
}


def _calls(trace: Trace) -> Counter:
    """plain_calls.c's calls by name, arguments, result, errno, fd_path and whether a thread made
    them; addresses (ASLR) and process ids differ from run to run and are left out."""

    def norm(v: object) -> object:
        return "ADDR" if isinstance(v, str) and v.startswith("0x") else v

    return Counter(
        (
            e["name"],
            tuple(norm(a) for a in e["args"]),
            0 if e["name"] in ("getpid", "getppid", "mmap") else e["ret"],
            e["errno"],
            e.get("fd_path"),
            "tid" in e,
        )
        for e in syscalls(trace)
        if e["name"] in _NAMES
        # pthread_join's waits depend on timing: none if the thread has ended, a second one
        # when the child's SIGCHLD interrupts the first (ERESTARTSYS)
        and not (e["name"] == "futex" and "WAIT" in e["args"][1])
    )


_SET = "trace=" + ",".join(sorted(_NAMES - {"pause"}))


@pytest.mark.parametrize("written", [False, True], ids=["kept", "written"])
@pytest.mark.parametrize("trace_set", ["all", _SET[len("trace=") :]])
def test_c_loop_records_what_the_python_loop_records(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, trace_set: str, written: bool
) -> None:
    """Kept in memory (events as dicts) and written (the C loop's own rows, read back)."""
    argv = [str(prog("plain_calls"))]
    (c_trace, c_code), (py_trace, py_code) = (
        _record(monkeypatch, c, argv, tmp_path / f"{c}.jsonl" if written else None, trace_set=trace_set)
        for c in (True, False)
    )
    assert c_code == py_code == 0
    got = _calls(c_trace)
    assert got == _calls(py_trace)
    # and both are what the program did
    n = THREADS * CALLS
    assert got[("getpgid", (999999,), -3, "ESRCH", None, True)] == n
    assert got[("umask", ("022",), 0o22, None, None, False)] >= CALLS - 1  # the first returns the old mask
    assert sum(k[0] == "umask" and m for k, m in got.items()) == CALLS
    assert sum(k[0] == "getppid" and m for k, m in got.items()) == CALLS  # by the child
    assert sum(k[0] in ("getpid", "sched_yield", "getpriority") and m for k, m in got.items()) == 3 * n
    mmap = ("mmap", ("NULL", 8192, "PROT_READ|PROT_WRITE", "MAP_PRIVATE|MAP_ANONYMOUS", -1, 0), 0, None, None, True)
    assert got[mmap] == n
    assert got[("madvise", ("ADDR", 4096, "MADV_DONTNEED"), 0, None, None, True)] == n
    assert got[("munmap", ("ADDR", 8192), 0, None, None, True)] == n
    assert got[("futex", ("ADDR", "FUTEX_WAKE_PRIVATE", 1), 0, None, None, True)] == n
    # the descriptor table follows calls decoded after the fact: dup, then close of the copy
    assert got[("fcntl", (3, "F_GETFD"), 1, None, "/etc/passwd", True)] == n
    assert got[("dup", (3,), 4, None, "/etc/passwd", False)] == CALLS
    assert got[("close", (4,), 0, None, "/etc/passwd", False)] == CALLS
    assert got[("ioctl", (4, "TCGETS", "ADDR"), -25, "ENOTTY", "/etc/passwd", False)] == CALLS
    assert [e["ret"] for e in syscalls(c_trace, "lseek")] == list(range(CALLS))
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
    # plain_calls needs about 1 s under trace=all on a quiet machine before it reaches pause()
    trace, code = _record(monkeypatch, c_loop, [str(prog("plain_calls")), "pause"], trace_set="all", timeout=4)
    assert code == 124 and trace.footer["outcome"] == "timeout"
    assert time.monotonic() - started < 15
    (pause,) = syscalls(trace, "pause")
    assert pause["ret"] is None and "dur" not in pause
    assert len(syscalls(trace, "getpgid")) == THREADS * CALLS


def test_calls_handled_in_c_reach_the_file_while_the_program_waits(tmp_path: Path) -> None:
    """The periodic write also takes the calls the C loop holds, then Ctrl-C keeps them."""
    out = tmp_path / "t.jsonl"
    proc = subprocess.Popen(
        [*LIBCTRACE, "run", "-q", "-e", "trace=all", "-o", str(out), "--", str(prog("plain_calls")), "pause"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        seen = time.monotonic()
        count = 0
        while time.monotonic() - seen < 5 and count < THREADS * CALLS:
            time.sleep(0.05)
            lines = out.read_bytes().split(b"\n")[1:-1]
            count = sum(1 for e in map(json.loads, lines) if isinstance(e, list) and e[2] == "getpgid")  # rows
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


# The calls whose memory the C loop copies at their exit (libctrace/syscalls/decode/copied.py).
_COPIED = {
    "rt_sigaction",
    "rt_sigprocmask",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "prlimit64",
    "fcntl",
    "ioctl",
    "openat",
    "newfstatat",
    "statx",
    "getdents64",
    "getdents",
}
_FD_FIRST = {
    "ioctl",
    "fcntl",
    "fgetxattr",
    "openat",
    "newfstatat",
    "statx",
    "getdents64",
    "getdents",
}  # the descriptor each thread opened: its number varies


def test_copied_calls_decode_as_at_the_stop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Decoded from the C loop's copy, the calls read as the Python loop reads them at the stop:
    structs, strings, xattr values, NULL, unreadable and half-readable pointers alike."""
    import re

    target = tmp_path / "file"
    target.write_text("x")
    big = tmp_path / "big"  # 2000 entries of 64 bytes: a result longer than Memory's 64 KiB buffer
    big.mkdir()
    for i in range(2000):
        (big / f"{i:040}").touch()
    argv = [str(prog("copied_calls")), str(target), str(big)]
    copies = 0
    real = stoploop.StopLoop.copied

    def counted(self: stoploop.StopLoop, *args: object) -> list:
        nonlocal copies
        copies += 1
        return real(self, *args)  # type: ignore[arg-type]

    def calls(trace: Trace) -> Counter:
        # addresses (ASLR) differ between runs, also inside decoded structs; so do the pipes'
        # descriptor numbers (the two threads open theirs at the same time)
        return Counter(
            (
                e["name"],
                json.dumps(
                    [
                        "FD"
                        if e["name"] in _FD_FIRST and i == 0 and isinstance(a, int)
                        else re.sub(r"0x[0-9a-f]{6,}", "ADDR", a)
                        if isinstance(a, str)
                        else "ADDR"  # an unreadable string's address, a number (trace format 3)
                        if isinstance(a, int) and a >= 1 << 32
                        else a
                        for i, a in enumerate(e["args"])
                    ]
                ),
                "FD" if e["name"] == "openat" and e["ret"] >= 0 else e["ret"],
                e["errno"],
                re.sub(r"\[\d+\]", "[INODE]", e.get("fd_path") or ""),
                "tid" in e,
            )
            for e in syscalls(trace)
            if e["name"] in _COPIED
        )

    monkeypatch.setattr(stoploop.StopLoop, "copied", counted)
    c_trace, c_code = _record(monkeypatch, True, argv, trace_set="all")
    py_trace, py_code = _record(monkeypatch, False, argv, trace_set="all")
    assert c_code == py_code == 0
    got = calls(c_trace)
    assert got == calls(py_trace)
    assert copies >= 2 * 20 * (22 + 13)  # the C loop took them (not the long paths, "."; Python did)
    text = "\n".join(sorted(k[0] + k[1] for k in got))
    assert '"{sa_handler=SIG_IGN, sa_mask=[USR2], sa_flags=SA_RESTART}", "{sa_handler=SIG_IGN' in text
    assert 'rt_sigaction["SIGUSR1", "ADDR", "NULL", 8]' in text  # half readable: its address
    assert 'rt_sigprocmask["SIG_BLOCK", "[USR2]", "[]", 8]' in text
    assert 'lgetxattr["ADDR", "user.x"' in text  # a string cut by the unmapped page: its address
    assert 'ioctl["FD", "FIONREAD", "[3]"]' in text and 'prlimit64[0, "RLIMIT_NOFILE", "NULL", "{rlim_cur=' in text
    assert 'fcntl["FD", "F_GETLK", "{l_type=F_UNLCK, l_whence=SEEK_SET, l_start=' in text
    assert 'fcntl["FD", "F_SETLK", "{l_type=F_RDLCK, l_whence=SEEK_SET, l_start=' in text
    assert '["./././' in text  # the path longer than the copy, decoded by Python at the stop
    assert re.search(r'getdents64\["FD", "ADDR /\* [1-9][0-9]* entries \*/", 4096\]', text)
    assert 'getdents64["FD", "ADDR /* 2002 entries */", 262144]' in text  # as strace counts them
    assert 'getdents["FD", "ADDR /* ' in text and 'getdents64["FD", "0x1", 4096]' in text
    assert 'openat["AT_FDCWD", "/no/such/file", "O_WRONLY|O_CREAT", "0640"]' in text
    assert 'openat["FD", "passwd", "O_RDONLY"]' in text and 'openat["AT_FDCWD", 0, "O_RDONLY"]' in text
    assert (
        'newfstatat["FD", "hostname", "{st_mode=S_IFREG|' in text
        and 'newfstatat["AT_FDCWD", "/no/such/file", "ADDR", "0"]' in text
    )
    assert 'statx["FD", "", "AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH", "STATX_ALL", "{stx_mask=' in text
    opened = {e["fd_path"] for e in syscalls(c_trace, "fstat") if "fd_path" in e} | {
        e.get("fd_path") for e in syscalls(c_trace, "close")
    }
    assert "/etc/passwd" in opened  # the descriptor table follows the opens decoded after the fact
    if syscalls(c_trace, "setxattr")[-1]["ret"] == 0:  # the filesystem keeps user xattrs
        assert 'getxattr["FD", "user.libctrace", {"hex": "76616c75650a0100", "len": 8}, 64]' in text.replace(
            "fget", "get"
        )
