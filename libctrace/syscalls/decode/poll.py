"""Waiting on descriptors: poll, ppoll, select, pselect6, epoll_*."""

from __future__ import annotations

import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    INT,
    O_CLOEXEC,
    UINT,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    flags,
    in_struct,
    int32,
    kflags,
    ptr,
    xlat,
)
from libctrace.syscalls.decode.signals import sigset_in
from libctrace.syscalls.decode.timers import timespec

_POLL_BITS = (
    (1, "POLLIN"), (2, "POLLPRI"), (4, "POLLOUT"), (8, "POLLERR"), (0x10, "POLLHUP"), (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"), (0x80, "POLLRDBAND"), (0x100, "POLLWRNORM"), (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"), (0x1000, "POLLREMOVE"), (0x2000, "POLLRDHUP"),
)


_EPOLL_BITS = (
    (1, "EPOLLIN"), (2, "EPOLLPRI"), (4, "EPOLLOUT"), (8, "EPOLLERR"), (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"), (0x40, "EPOLLRDNORM"), (0x80, "EPOLLRDBAND"), (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"), (0x400, "EPOLLMSG"), (0x2000, "EPOLLRDHUP"), (0x8000000, "EPOLLURING_WAKE"),
    (0x10000000, "EPOLLEXCLUSIVE"), (0x20000000, "EPOLLWAKEUP"), (0x40000000, "EPOLLONESHOT"), (0x80000000, "EPOLLET"),
)


def pollfds_text(raw: bytes, revents: bool) -> str:
    parts = []
    for i in range(len(raw) // 8):
        fd, ev, rev = struct.unpack_from("=ihh", raw, 8 * i)
        if revents:
            if rev:
                parts.append(f"{{fd={fd}, revents={flags(rev & 0xFFFF, _POLL_BITS)}}}")
        elif fd < 0:
            parts.append(f"{{fd={fd}}}")
        else:
            parts.append(f"{{fd={fd}, events={flags(ev & 0xFFFF, _POLL_BITS)}}}")
    return "[" + ", ".join(parts) + "]"


def epoll_events_text(raw: bytes) -> str:
    parts = []
    for i in range(len(raw) // 12):
        ev, data = struct.unpack_from("=IQ", raw, 12 * i)
        parts.append(f"{{events={flags(ev, _EPOLL_BITS)}, data={{u32={data & 0xFFFFFFFF}, u64={data}}}}}")
    return "[" + ", ".join(parts) + "]"


_EFD_BITS = ((O_CLOEXEC, "EFD_CLOEXEC"), (0o4000, "EFD_NONBLOCK"), (1, "EFD_SEMAPHORE"))


_EPOLL_OP = {1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}


def _poll(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = a[1] & 0xFFFFFFFF
    raw = d.mem.read(tid, a[0], 8 * min(n, 1024)) if a[0] else b""
    fds = pollfds_text(raw, False) if a[0] and len(raw) == 8 * n else ptr(a[0])
    if r > 0 and len(raw) == 8 * n:
        d.note = f"({pollfds_text(raw, True)})"
    elif r == 0:
        d.note = "(Timeout)"
    return [fds, n, int32(a[2])]


def _ppoll(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    out = _poll(d, tid, t, a, r)
    if a[2] and r >= 0 and (r > 0 or d.note is None):
        left = in_struct(d, tid, a[2], 16, timespec)
        if r > 0 and d.note is not None:
            d.note = f"{d.note[:-1]}, left {left})"
    return [out[0], out[1], in_struct(d, tid, a[2], 16, timespec), sigset_in(d, tid, a[3], a[4]), a[4]]


def _fdset(d: Decoder, tid: int, addr: int, nfds: int) -> str:
    """An fd_set as strace prints it: the descriptors in it, `[3 4]`."""
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, min((max(nfds, 0) + 63) // 64 * 8, 128))
    if not raw:
        return ptr(addr)
    bits = int.from_bytes(raw, "little")
    return "[" + " ".join(str(i) for i in range(min(nfds, 8 * len(raw))) if bits >> i & 1) + "]"


def _pselect6(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return _select(d, tid, a, r, False) + [ptr(a[5]) if a[5] else "NULL"]


def _select5(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return _select(d, tid, a, r, True)


def _select(d: Decoder, tid: int, a: Args, r: int, usec: bool) -> list[Any]:
    """select / pselect6. Read at the call's exit, the sets hold the ready descriptors (strace
    shows the sets given at entry, and the ready ones after the result)."""
    n = int32(a[0])
    sets = [_fdset(d, tid, a[i], n) for i in (1, 2, 3)]
    if r > 0:
        ready = [f"{w} {s}" for w, s in zip(("in", "out", "except"), sets) if s.startswith("[") and s != "[]"]
        left = in_struct(d, tid, a[4], 16, lambda raw: timespec(raw, 0, usec))
        d.note = f"({', '.join(ready)}" + (f", left {left})" if a[4] else ")")
    elif r == 0:
        d.note = "(Timeout)"
    return [n, *sets, in_struct(d, tid, a[4], 16, lambda raw: timespec(raw, 0, usec))]


def _epoll_event(raw: bytes) -> str:
    return epoll_events_text(raw)[1:-1]


def _epoll_ctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _EPOLL_OP, "EPOLL_CTL_???"), int32(a[2]), in_struct(d, tid, a[3], 12, _epoll_event)]


def _epoll_wait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    evs: str = ptr(a[1])
    if a[1] and r >= 0:
        raw = d.mem.read(tid, a[1], 12 * r)
        if len(raw) == 12 * r:
            evs = epoll_events_text(raw)
    return [int32(a[0]), evs, int32(a[2]), int32(a[3])]


def _epoll_pwait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_epoll_wait(d, tid, t, a, r), sigset_in(d, tid, a[4], a[5]), a[5]]


def _epoll_pwait2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    head = _epoll_wait(d, tid, t, a, r)[:3]
    return [*head, in_struct(d, tid, a[3], 16, timespec), sigset_in(d, tid, a[4], a[5]), a[5]]


HANDLERS: dict[str, Handler] = {
    "poll": _poll, "ppoll": _ppoll, "select": _select5, "pselect6": _pselect6, "epoll_ctl": _epoll_ctl,
    "epoll_wait": _epoll_wait, "epoll_pwait": _epoll_pwait, "epoll_pwait2": _epoll_pwait2,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "eventfd2": (UINT, kflags(_EFD_BITS, "EFD_???")), "eventfd": (UINT,),
    "epoll_create1": (kflags(((O_CLOEXEC, "EPOLL_CLOEXEC"),), "EPOLL_???"),), "epoll_create": (INT,),
}
