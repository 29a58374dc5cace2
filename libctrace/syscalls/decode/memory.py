"""Memory calls: mmap, mprotect, mremap, madvise, mincore, msync, mlock*..."""

from __future__ import annotations

import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    HEX,
    INT,
    PTR,
    STR,
    UINT,
    ULONG,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    flags,
    int32,
    kflags,
    kxlat,
    out_struct,
    ptr,
    xlat,
)

_PROT_BITS = ((1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"), (0x1000000, "PROT_GROWSDOWN"), (0x2000000, "PROT_GROWSUP"))


_MAP_TYPE = {1: "MAP_SHARED", 2: "MAP_PRIVATE", 3: "MAP_SHARED_VALIDATE"}


_MAP_BITS = (
    (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"), (0x40, "MAP_32BIT"), (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"), (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"), (0x8000, "MAP_POPULATE"), (0x10000, "MAP_NONBLOCK"),
    (0x20000, "MAP_STACK"), (0x40000, "MAP_HUGETLB"), (0x80000, "MAP_SYNC"),
    (0x100000, "MAP_FIXED_NOREPLACE"),
)


_MADV = {
    0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED", 4: "MADV_DONTNEED",
    8: "MADV_FREE", 9: "MADV_REMOVE", 10: "MADV_DONTFORK", 11: "MADV_DOFORK", 12: "MADV_MERGEABLE",
    13: "MADV_UNMERGEABLE", 14: "MADV_HUGEPAGE", 15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP",
    17: "MADV_DODUMP", 18: "MADV_WIPEONFORK", 19: "MADV_KEEPONFORK", 20: "MADV_COLD",
    21: "MADV_PAGEOUT", 22: "MADV_POPULATE_READ", 23: "MADV_POPULATE_WRITE",
    24: "MADV_DONTNEED_LOCKED", 100: "MADV_HWPOISON",
}


_MREMAP_BITS = ((1, "MREMAP_MAYMOVE"), (2, "MREMAP_FIXED"), (4, "MREMAP_DONTUNMAP"))


def _mmap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    typ = _MAP_TYPE.get(a[3] & 3, "")
    rest = flags(a[3] & ~3, _MAP_BITS, zero="")
    mflags = "|".join(x for x in (typ, rest) if x) or "0"
    return [ptr(a[0]), a[1], flags(a[2], _PROT_BITS, zero="PROT_NONE"), mflags, int32(a[4]), a[5]]


def _mprotect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], flags(a[2], _PROT_BITS, zero="PROT_NONE")]


def _mremap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    out: list[Any] = [ptr(a[0]), a[1], a[2], flags(a[3], _MREMAP_BITS)]
    return out + [ptr(a[4])] if a[3] & 2 else out


_MS_BITS = ((1, "MS_ASYNC"), (4, "MS_SYNC"), (2, "MS_INVALIDATE"))


_MCL_BITS = ((1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT"))


_MFD_BITS = ((1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB"), (8, "MFD_NOEXEC_SEAL"), (16, "MFD_EXEC"))


_MEMBARRIER = {0: "MEMBARRIER_CMD_QUERY", 1: "MEMBARRIER_CMD_GLOBAL", 2: "MEMBARRIER_CMD_GLOBAL_EXPEDITED",
               4: "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED", 8: "MEMBARRIER_CMD_PRIVATE_EXPEDITED",
               16: "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"}


def _mincore(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    pages = (a[1] + 4095) // 4096
    def fmt(raw: bytes) -> str:
        return "[" + ", ".join(str(b & 1) for b in raw[:d.strsize]) + ("...]" if len(raw) > d.strsize else "]")
    vec = out_struct(d, tid, a[2], min(pages, 4096), r, fmt)
    return [ptr(a[0]), a[1], vec]


def _remap_file_pages(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = a[4] & 0xFFFFFFFF
    mf = flags(fl, _MAP_BITS, zero="MAP_FILE")
    return [ptr(a[0]), a[1], flags(a[2] & 0xFFFFFFFF, _PROT_BITS, zero="PROT_NONE"), a[3], mf]


def _madvise(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], xlat(int32(a[2]), _MADV, "MADV_???")]


_MPOL = {0: "MPOL_DEFAULT", 1: "MPOL_PREFERRED", 2: "MPOL_BIND", 3: "MPOL_INTERLEAVE", 4: "MPOL_LOCAL",
         5: "MPOL_PREFERRED_MANY", 6: "MPOL_WEIGHTED_INTERLEAVE"}
_MPOL_MODE_FLAGS = ((1 << 15, "MPOL_F_STATIC_NODES"), (1 << 14, "MPOL_F_RELATIVE_NODES"), (1 << 13, "MPOL_F_NUMA_BALANCING"))
_MPOL_MF = ((1, "MPOL_MF_STRICT"), (2, "MPOL_MF_MOVE"), (4, "MPOL_MF_MOVE_ALL"))
_MPOL_F = ((1, "MPOL_F_NODE"), (2, "MPOL_F_ADDR"), (4, "MPOL_F_MEMS_ALLOWED"))


def _mpol_mode(v: int) -> str:
    v &= 0xFFFFFFFF
    fl = v & 0xE000
    name = xlat(v & ~0xE000, _MPOL, "MPOL_???")
    return f"{name}|{flags(fl, _MPOL_MODE_FLAGS)}" if fl else name


def _nodemask(d: Decoder, tid: int, addr: int, maxnode: int, r: int = 0) -> str:
    """A node mask as strace prints it: its longs in hex, 16 digits wide."""
    n = (maxnode + 62) // 64 if maxnode else 0
    if addr == 0:
        return "NULL"
    if n == 0 or n > 64 or r < 0:
        return ptr(addr)
    raw = d.mem.read(tid, addr, 8 * n)
    if len(raw) != 8 * n:
        return ptr(addr)
    return "[" + ", ".join(f"{w:#016x}" for w in struct.unpack(f"={n}Q", raw)) + "]"


def _mbind(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], _mpol_mode(a[2]), _nodemask(d, tid, a[3], a[4]), a[4],
            flags(a[5] & 0xFFFFFFFF, _MPOL_MF)]


def _set_mempolicy(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_mpol_mode(a[0]), _nodemask(d, tid, a[1], a[2]), a[2]]


def _get_mempolicy(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    mode = out_struct(d, tid, a[0], 4, r, lambda raw: f"[{_mpol_mode(struct.unpack('=I', raw)[0])}]")
    return [mode, _nodemask(d, tid, a[1], a[2], r), a[2], ptr(a[3]), flags(a[4] & 0xFFFFFFFF, _MPOL_F)]


def _migrate_pages(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), a[1], _nodemask(d, tid, a[2], a[1]), _nodemask(d, tid, a[3], a[1])]


def _move_pages(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), a[1], ptr(a[2]), ptr(a[3]), ptr(a[4]), flags(a[5] & 0xFFFFFFFF, _MPOL_MF)]


def _process_madvise(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), d.iov_addrs(tid, a[1], a[2]), a[2], xlat(int32(a[3]), _MADV, "MADV_???"), a[4] & 0xFFFFFFFF]


HANDLERS: dict[str, Handler] = {
    "mmap": _mmap, "mprotect": _mprotect, "madvise": _madvise, "mremap": _mremap,
    "mincore": _mincore, "remap_file_pages": _remap_file_pages, "mbind": _mbind, "set_mempolicy": _set_mempolicy,
    "get_mempolicy": _get_mempolicy, "migrate_pages": _migrate_pages, "move_pages": _move_pages,
    "process_madvise": _process_madvise,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "mseal": (PTR, ULONG, HEX), "map_shadow_stack": (PTR, ULONG, HEX),
    "brk": (PTR,), "munmap": (PTR, ULONG), "memfd_create": (STR, kflags(_MFD_BITS, "MFD_???")),
    "msync": (PTR, ULONG, kflags(_MS_BITS, "MS_???")), "mlock": (PTR, ULONG), "munlock": (PTR, ULONG),
    "mlock2": (PTR, ULONG, kflags(((1, "MLOCK_ONFAULT"),), "MLOCK_???")), "mlockall": (kflags(_MCL_BITS, "MCL_???"),),
    "pkey_mprotect": (PTR, ULONG, kflags(_PROT_BITS, "PROT_???", "PROT_NONE"), INT),
    "set_mempolicy_home_node": (PTR, ULONG, ULONG, UINT),
    "membarrier": (kxlat(_MEMBARRIER, "MEMBARRIER_CMD_???"), UINT),
}
