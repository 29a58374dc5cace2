"""The descriptor table when two threads of a process reuse a number at once: thread A's
close(5) releases it, thread B's open returns 5, and B's exit stop may come before A's
(seen live in tests/test_stoploop.py's copied_calls: a getdents64 on /etc shown as the
cwd that A had opened and closed). The close must not take B's new descriptor away."""

from __future__ import annotations

from libctrace.syscalls.decode import Decoder, Fd

PID, A, B = 100, 101, 102


def _close(d: Decoder, tid: int, fd: int, entered: float, left: float) -> None:
    d.decode("close", tid, PID, (fd, 0, 0, 0, 0, 0), 1, 0, entered, left)


def _opened(d: Decoder, fd: int, path: str, left: float) -> None:
    d.left = left  # what decode sets for the call that returns the descriptor
    d.table(PID)[fd] = Fd(path)


def test_a_close_that_entered_before_the_reuse_leaves_the_new_descriptor() -> None:
    d = Decoder(32)
    _opened(d, 5, "/home/u", left=1.0)  # A's open(".")
    _opened(d, 5, "/etc", left=2.2)  # B's open("/etc"), after A's close released 5
    _close(d, A, 5, entered=2.0, left=2.5)  # A's close, whose exit stop came last
    assert d.fd_path(B, d.table(PID), 5) == "/etc"


def test_a_close_after_the_open_removes_it() -> None:
    d = Decoder(32)
    _opened(d, 5, "/etc", left=2.2)
    _close(d, A, 5, entered=2.3, left=2.4)
    assert 5 not in d.table(PID)


def test_a_failed_close_keeps_it() -> None:
    d = Decoder(32)
    _opened(d, 5, "/etc", left=2.2)
    d.decode("close", A, PID, (5, 0, 0, 0, 0, 0), 1, -9, 2.3, 2.4)  # EBADF
    assert d.table(PID)[5].path == "/etc"


def test_a_forked_table_is_a_copy() -> None:
    d = Decoder(32)
    _opened(d, 5, "/etc", left=2.2)
    d.fork(PID, 200, share=False)
    d.decode("close", 201, 200, (5, 0, 0, 0, 0, 0), 1, 0, 2.3, 2.4)  # the child closes its copy
    assert 5 not in d.table(200) and d.table(PID)[5].path == "/etc"
