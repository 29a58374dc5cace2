"""Calls whose decoders read a little of the program's memory, copied by the C stop loop at the
call's exit (libctrace/record/stoploop.c), and the memory that serves their decoders from that copy.

Decoding from the copy gives what decoding at the stop gives: each slot is what the call's
decoder reads (an argument's struct, C string, or the bytes the call returned), read at the same
moment (the exit stop). A string that does not end within the copy, or a longer result, sends
the stop to Python instead. Only the hottest such calls are here (issue 15: `ls -lR` spends
half its calls in getxattr/lgetxattr, python's startup a third in rt_sigaction/rt_sigprocmask,
then ioctl, fcntl, prlimit64).
"""

from __future__ import annotations

import sys

from libctrace.syscalls.decode.core import Memory

SLOTS = 3  # stoploop.c SLOTS
SLOT_SIZE = 256  # stoploop.c SLOT_SIZE
FIXED, CSTR, RET, ATPATH, DIRENTS = 1, 2, 3, 4, 5  # stoploop.c COPY_*; ATPATH: a CSTR path that,
# relative to the cwd in a call that succeeded, goes to Python (decode/file.py _opened reads
# /proc/TID/cwd then); DIRENTS: the count of entries in getdents' result (C counts, as an int32)

# name -> (argument index, kind, bytes) per slot, as the decoders read them
# (decode/signals.py _sigaction, _sigprocmask; decode/file.py _getxattr, _fgetxattr, _fcntl's
# struct flock; decode/process.py _prlimit64; decode/ioctl.py's largest argument, a termios;
# decode/file.py _openat, _newfstatat (struct stat), _statx).
COPIED: dict[str, tuple[tuple[int, int, int], ...]] = {
    "rt_sigaction": ((1, FIXED, 32), (2, FIXED, 32)),
    "rt_sigprocmask": ((1, FIXED, 8), (2, FIXED, 8)),
    "getxattr": ((0, CSTR, SLOT_SIZE), (1, CSTR, SLOT_SIZE), (2, RET, SLOT_SIZE)),
    "lgetxattr": ((0, CSTR, SLOT_SIZE), (1, CSTR, SLOT_SIZE), (2, RET, SLOT_SIZE)),
    "fgetxattr": ((1, CSTR, SLOT_SIZE), (2, RET, SLOT_SIZE)),
    "ioctl": ((2, FIXED, 36),),
    "fcntl": ((2, FIXED, 32),),
    "prlimit64": ((2, FIXED, 16), (3, FIXED, 16)),
    # issue 18: the path calls of real programs (find, ls -l, python's imports)
    "openat": ((1, ATPATH, SLOT_SIZE),),
    "newfstatat": ((1, CSTR, SLOT_SIZE), (2, FIXED, 144)),
    "statx": ((1, CSTR, SLOT_SIZE), (4, FIXED, 256)),
    "getdents64": ((1, DIRENTS, 4),),  # find and ls -R: a stop per directory block
    "getdents": ((1, DIRENTS, 4),),
}


_AS = {RET: FIXED, ATPATH: CSTR}


class CopiedMemory(Memory):
    """One call's copied ranges read as its memory was at the exit stop. A read outside them
    (none happens for the calls above) finds nothing, like an unreadable address."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int, int, bytes]] = []  # (addr, kind, size asked, bytes)

    def load(self, ranges: list[tuple[int, int, int, bytes]]) -> None:
        self._ranges = ranges

    def _find(self, addr: int, kind: int) -> tuple[int, bytes] | None:
        """The range at addr read as kind: FIXED finds a RET range too, CSTR an ATPATH one."""
        for base, k, size, data in self._ranges:
            if base == addr and _AS.get(k, k) == kind:
                return size, data
        return None

    def read(self, pid: int, addr: int, size: int) -> bytes:
        if addr == 0 or size <= 0:
            return b""
        got = self._find(addr, FIXED)
        if got is None:
            return b""
        asked, data = got
        # a short copy ended at unmapped memory, where a longer read ends too
        return data[:size] if size <= asked or len(data) < asked else b""

    def dirents(self, pid: int, addr: int, size: int) -> int:
        got = self._find(addr, DIRENTS)
        return int.from_bytes(got[1], sys.byteorder) if got else 0

    def cstr(self, pid: int, addr: int, cap: int) -> bytes | None:
        if addr == 0:
            return None
        got = self._find(addr, CSTR)
        if got is None:
            return None
        asked, data = got
        nul = data.find(b"\0", 0, cap + 1)
        if nul >= 0:
            return data[:nul]
        if len(data) > cap:
            return data[:cap + 1]  # Memory.cstr reads cap + 1 bytes to see the cut
        return None  # no NUL before unmapped memory (the C loop hands longer strings to Python)
