"""The C stop loop (libctrace/record/stoploop.c, compiled into libctrace/record/_stoploop.abi3.so when the package
is built or installed: setup.py).

It waits for stops and handles the calls that need nothing from the program's memory itself
(entry, exit, restart), keeping one fixed-size record per call; every other stop comes back
to the recorder with its PTRACE_GET_SYSCALL_INFO already read. The recorder runs the same logic in Python when the
library is missing: same events, about 9 us more per traced call; load() says so once on stderr.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from functools import cache
from typing import Iterable, Iterator, Mapping

from libctrace.syscalls.decode.copied import RET, SLOT_SIZE, SLOTS

# The name setuptools gives a stable-ABI extension (setup.py asks for one).
LIBRARY = os.path.join(os.path.dirname(__file__), "_stoploop.abi3.so")
NR_MAX = 1024  # the size of the table of calls handled in C (stoploop.c)
_PENDING = 1024  # threads inside a handled call at once (stoploop.c)
_CAP = 512  # records per batch
# waitpid(WNOHANG) polls before blocking, when the program can run on another CPU than the
# tracer: 100 polls (about 30 us) catch most stops of a busy program without the idle CPU's
# wake-up (trace=all, 100k getppid calls, 2 CPUs: 9 s without, 4 s with; see performance.md).
_SPIN = 100
NAME_SIZE, ERRNO_MAX, THREADS, ROW_MAX = 32, 4096, 1024, 512  # stoploop.c

# struct raw_call: tid, nr, args[6] (as the kernel gives them, unsigned), ret, entered, left
RAW = struct.Struct("=ii6Qqdd")
# struct copies: addr[SLOTS], len[SLOTS], pad, then the bytes (SLOTS x SLOT_SIZE)
COPIES = struct.Struct(f"={SLOTS}Q{SLOTS}i4x")
_COPIES_SIZE = COPIES.size + SLOTS * SLOT_SIZE
FULL, STOP = 1, 0  # stoploop_run's results besides -errno


class _Ctx(ctypes.Structure):
    # The head of struct ctx in stoploop.c; the rest (the open calls) only C touches.
    _fields_ = [
        ("raw", ctypes.c_void_p),
        ("plain", ctypes.c_void_p),
        ("info", ctypes.c_void_p),
        ("spec", ctypes.c_void_p),
        ("copies", ctypes.c_void_p),
        ("cap", ctypes.c_int32),
        ("all_mode", ctypes.c_int32),
        ("spin", ctypes.c_int32),
        ("nraw", ctypes.c_int32),
        ("tid", ctypes.c_int32),
        ("status", ctypes.c_int32),
        ("info_len", ctypes.c_int32),
        ("npending", ctypes.c_int32),
        ("text", ctypes.c_void_p),
        ("ends", ctypes.c_void_p),
        ("names", ctypes.c_void_p),
        ("nargs", ctypes.c_void_p),
        ("errnames", ctypes.c_void_p),
        ("t0", ctypes.c_double),
        ("text_len", ctypes.c_int32),
        ("rows", ctypes.c_int32),
        ("nthreads", ctypes.c_int32),
        ("threads", ctypes.c_int32 * (2 * THREADS)),
        ("pending", ctypes.c_int64 * (RAW.size * _PENDING // 8)),
    ]


class StopLoop:
    """One recording's C loop: `run()` until a stop for Python, `take()` the finished calls."""

    def __init__(self, lib: ctypes.CDLL, info_addr: int) -> None:
        self._run = lib.stoploop_run
        self._run.argtypes = (ctypes.c_void_p,)
        self._run.restype = ctypes.c_int
        self._forget = lib.stoploop_forget
        self._forget.argtypes = (ctypes.c_void_p, ctypes.c_int32, ctypes.c_void_p)
        self._forget.restype = ctypes.c_int
        self.raw = ctypes.create_string_buffer(RAW.size * _CAP)
        self.table = (ctypes.c_uint8 * NR_MAX)()  # all 0: every stop goes to Python
        # struct copy_spec (arg, kind, size) per call and slot: all 0, nothing copied
        self.spec = (ctypes.c_uint8 * (4 * SLOTS * NR_MAX))()
        self.copies = ctypes.create_string_buffer(_COPIES_SIZE * _CAP)
        spin = _SPIN if len(os.sched_getaffinity(0)) > 1 else 0  # one CPU: polling only delays
        self.ctx = _Ctx(
            raw=ctypes.addressof(self.raw),
            plain=ctypes.addressof(self.table),
            info=info_addr,
            spec=ctypes.addressof(self.spec),
            copies=ctypes.addressof(self.copies),
            cap=_CAP,
            spin=spin,
        )
        self.addr = ctypes.addressof(self.ctx)
        self.rows_on = False  # enable_rows: C writes the rows of the calls with nothing to decode
        self.ends: list[int] = []  # after take(): where each record's row ends in `text` (rows_on)
        self.text = b""
        self._view = memoryview(self.copies)  # read in place: a ctypes call costs about 1 us

    def enable_rows(self, plain: Mapping[int, tuple[str, int]], errnames: Mapping[int, str], t0: float) -> None:
        """From now on C writes each call of `plain` (nr -> name, argument count) as the trace's
        row (traceio.syscall_row) itself; errnames[n]: errno n's name (C writes E<n> for the others);
        t0: the time origin."""
        self._text = ctypes.create_string_buffer(ROW_MAX * _CAP)
        self._ends = (ctypes.c_int32 * _CAP)()
        # filled as bytes first: a slice of a ctypes buffer costs a microsecond, at start-up
        names, nargs, errs = bytearray(NAME_SIZE * NR_MAX), bytearray(NR_MAX), bytearray(NAME_SIZE * ERRNO_MAX)
        for nr, (name, n) in plain.items():
            if nr < NR_MAX and len(name) < NAME_SIZE:
                names[nr * NAME_SIZE : nr * NAME_SIZE + len(name)] = name.encode()
                nargs[nr] = n
        for n, name in errnames.items():
            if 0 < n < ERRNO_MAX and len(name) < NAME_SIZE:
                errs[n * NAME_SIZE : n * NAME_SIZE + len(name)] = name.encode()
        self._names = ctypes.create_string_buffer(bytes(names), len(names))
        self._nargs = (ctypes.c_uint8 * NR_MAX).from_buffer_copy(nargs)
        self._errnames = ctypes.create_string_buffer(bytes(errs), len(errs))
        c = self.ctx
        c.ends, c.names, c.nargs = (
            ctypes.addressof(self._ends),
            ctypes.addressof(self._names),
            ctypes.addressof(self._nargs),
        )
        c.errnames, c.t0 = ctypes.addressof(self._errnames), t0
        c.text = ctypes.addressof(self._text)
        self.rows_on = True

    def thread(self, tid: int, pid: int) -> None:
        """A thread of process pid (its rows name the process); rows stop when the table is full."""
        c = self.ctx
        if c.nthreads == THREADS:  # called between batches (nraw 0): Python writes them from now on
            c.text = None
            self.rows_on = False
            return
        c.threads[2 * c.nthreads], c.threads[2 * c.nthreads + 1] = tid, pid
        c.nthreads += 1

    def gone(self, tid: int) -> None:
        """A thread that left (its id may come back as another's)."""
        c = self.ctx
        for i in range(c.nthreads):
            if c.threads[2 * i] == tid:
                c.nthreads -= 1
                c.threads[2 * i], c.threads[2 * i + 1] = c.threads[2 * c.nthreads], c.threads[2 * c.nthreads + 1]
                return

    def take_rows(self) -> tuple[bytes, int] | None:
        """When every call finished since the last take has its row in C's text: the rows and
        their count, taken at once (the records with them); else None."""
        c = self.ctx
        if not c.nraw or c.rows != c.nraw:
            return None
        n, data = c.nraw, ctypes.string_at(self._text, c.text_len)
        c.nraw = c.text_len = c.rows = 0
        return data, n

    def enable(
        self, plain: Iterable[int], all_mode: bool, copied: Mapping[int, tuple[tuple[int, int, int], ...]]
    ) -> None:
        """From now on, handle these x86_64 calls in C; all_mode: no seccomp filter (after a
        call, resume to the next syscall stop instead of the next filtered one); copied: the
        memory to copy at the exit of some of them (decode/copied.py's slots)."""
        self.ctx.all_mode = int(all_mode)
        for nr in plain:
            if nr < NR_MAX:
                self.table[nr] = 1
        for nr, slots in copied.items():
            for i, (arg, kind, size) in enumerate(slots):
                struct.pack_into("=BBH", self.spec, 4 * (nr * SLOTS + i), arg, kind, size)

    def run(self) -> int:
        """STOP (a stop for Python: `stop()`), FULL (take the records), or -errno of waitpid."""
        return self._run(self.addr)

    def stop(self) -> tuple[int, int, bool]:
        """The stop handed back: thread, wait status, and whether its syscall info was read."""
        c = self.ctx
        return c.tid, c.status, c.info_len > 0

    def take(self) -> Iterator[tuple]:
        """The finished calls in the order they ended; each (tid, nr, a0..a5, ret, entered, left)."""
        n = self.ctx.nraw
        if not n:
            return iter(())
        self.ctx.nraw = 0
        if self.rows_on:  # rows C wrote for some of them: text[ends[i-1]:ends[i]], empty for none
            self.text, self.ends = ctypes.string_at(self._text, self.ctx.text_len), self._ends[:n]
            self.ctx.text_len = self.ctx.rows = 0
        return RAW.iter_unpack(ctypes.string_at(self.raw, n * RAW.size))

    def copied(self, i: int, slots: tuple[tuple[int, int, int], ...], ret: int) -> list[tuple[int, int, int, bytes]]:
        """The memory copied for the i-th call of the last take(), for each of its slots
        (decode/copied.py's spec) that has an address: (address, kind, bytes asked (the result
        for RET), bytes; b"" when unreadable), as CopiedMemory.load takes them; read before the
        next run()."""
        view, base = self._view, i * _COPIES_SIZE
        head = COPIES.unpack_from(view, base)
        base += COPIES.size
        out = []
        for s, (_arg, kind, size) in enumerate(slots):
            if head[s]:
                n, at = head[SLOTS + s], base + s * SLOT_SIZE
                out.append((head[s], kind, ret if kind == RET else size, view[at : at + n].tobytes() if n > 0 else b""))
        return out

    def forget(self, tid: int) -> tuple | None:
        """The open call of a thread that left inside it (killed, or voided by an exec)."""
        out = ctypes.create_string_buffer(RAW.size)
        if not self._forget(self.addr, tid, ctypes.addressof(out)):
            return None
        return RAW.unpack(out.raw)


@cache
def load() -> ctypes.CDLL | None:
    """The library, or None when it is missing or stale (the recorder then loops in Python,
    and this says so once per process: a silent slow path would be mistaken for the tool's speed)."""
    try:
        lib = ctypes.CDLL(LIBRARY)
    except OSError:
        return _missing("is not built")
    lib.stoploop_ctx_size.restype = ctypes.c_long
    if lib.stoploop_ctx_size() != ctypes.sizeof(_Ctx):
        return _missing("is stale (built from another stoploop.c)")
    return lib


def _missing(why: str) -> None:
    sys.stderr.write(
        f"libctrace: note: the C stop loop {LIBRARY} {why}; recording with the slower Python loop "
        "(reinstall libctrace where a C compiler is available, or run make setup in a checkout)\n"
    )
