"""Time calls: clocks, sleeps, interval timers, timerfd, times, gettimeofday."""

from __future__ import annotations

import errno as _errno
import struct
from typing import Any

from libctrace.decode.core import (
    Args, Decoder, FdTable, Handler, INT, Kind, O_CLOEXEC, PTR, UINT, in_struct, int32, kflags, kxlat,
    out_struct, ptr, uflags, xlat,
)


def timespec(raw: bytes, off: int = 0, usec: bool = False) -> str:
    sec, frac = struct.unpack_from("=qq", raw, off)
    return f"{{tv_sec={sec}, {'tv_usec' if usec else 'tv_nsec'}={frac}}}"


def itimer(raw: bytes, usec: bool) -> str:
    return f"{{it_interval={timespec(raw, 0, usec)}, it_value={timespec(raw, 16, usec)}}}"


_TFD_BITS = ((O_CLOEXEC, "TFD_CLOEXEC"), (0o4000, "TFD_NONBLOCK"))


_CLOCKS = {
    0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID", 3: "CLOCK_THREAD_CPUTIME_ID",
    4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE", 6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME",
    8: "CLOCK_REALTIME_ALARM", 9: "CLOCK_BOOTTIME_ALARM", 11: "CLOCK_TAI",
}


_ITIMER = {0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"}


def _clock_get(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), out_struct(d, tid, a[1], 16, r, timespec)]


def _clock_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), in_struct(d, tid, a[1], 16, timespec)]


def _rem(d: Decoder, tid: int, addr: int, r: int) -> str:
    # The remaining time is written only when a signal cut the sleep short.
    return out_struct(d, tid, addr, 16, 0, timespec) if r == -_errno.EINTR or r <= -512 else ptr(addr)


def _nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [in_struct(d, tid, a[0], 16, timespec), _rem(d, tid, a[1], r)]


def _clock_nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = "TIMER_ABSTIME" if a[1] & 0xFFFFFFFF == 1 else uflags(a[1] & 0xFFFFFFFF, ((1, "TIMER_ABSTIME"),), "TIMER_???")
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), fl, in_struct(d, tid, a[2], 16, timespec), _rem(d, tid, a[3], r)]


def _itv(raw: bytes) -> str:
    return itimer(raw, True)


def _setitimer(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _ITIMER, "ITIMER_???"), in_struct(d, tid, a[1], 32, _itv), out_struct(d, tid, a[2], 32, r, _itv)]


def _getitimer(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _ITIMER, "ITIMER_???"), out_struct(d, tid, a[1], 32, r, _itv)]


def _its(raw: bytes) -> str:
    return itimer(raw, False)


def _timerfd_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = uflags(a[1] & 0xFFFFFFFF, ((1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")), "TFD_???")
    return [int32(a[0]), fl, in_struct(d, tid, a[2], 32, _its), out_struct(d, tid, a[3], 32, r, _its)]


def _timerfd_gettime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), out_struct(d, tid, a[1], 32, r, _its)]


def _times(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        u, s, cu, cs = struct.unpack_from("=4q", raw)
        return f"{{tms_utime={u}, tms_stime={s}, tms_cutime={cu}, tms_cstime={cs}}}"
    return [out_struct(d, tid, a[0], 32, 0, fmt)]


def _gettimeofday(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    tz = out_struct(d, tid, a[1], 8, r, lambda raw: "{tz_minuteswest=%d, tz_dsttime=%d}" % struct.unpack("=ii", raw))
    return [out_struct(d, tid, a[0], 16, r, lambda raw: timespec(raw, 0, True)), tz]


HANDLERS: dict[str, Handler] = {
    "clock_gettime": _clock_get, "clock_getres": _clock_get, "clock_settime": _clock_settime,
    "nanosleep": _nanosleep, "clock_nanosleep": _clock_nanosleep, "setitimer": _setitimer, "getitimer": _getitimer,
    "timerfd_settime": _timerfd_settime, "timerfd_gettime": _timerfd_gettime, "times": _times,
    "gettimeofday": _gettimeofday,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "timer_create": (kxlat(_CLOCKS, "CLOCK_???"), PTR, PTR), "timer_delete": (INT,), "timer_getoverrun": (INT,),
    "time": (PTR,),
    "alarm": (UINT,), "timerfd_create": (kxlat(_CLOCKS, "CLOCK_???"), kflags(_TFD_BITS, "TFD_???")),
}
