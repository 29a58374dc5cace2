"""Time calls: clocks, sleeps, interval timers, timerfd, times, gettimeofday."""

from __future__ import annotations

import errno as _errno
import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    INT,
    O_CLOEXEC,
    PTR,
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
    kxlat,
    out_struct,
    ptr,
    signame32,
    uflags,
    xlat,
)


def timespec(raw: bytes, off: int = 0, usec: bool = False) -> str:
    sec, frac = struct.unpack_from("=qq", raw, off)
    return f"{{tv_sec={sec}, {'tv_usec' if usec else 'tv_nsec'}={frac}}}"


def itimer(raw: bytes, usec: bool) -> str:
    return f"{{it_interval={timespec(raw, 0, usec)}, it_value={timespec(raw, 16, usec)}}}"


_TFD_BITS = ((O_CLOEXEC, "TFD_CLOEXEC"), (0o4000, "TFD_NONBLOCK"))


CLOCKS = {
    0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID", 3: "CLOCK_THREAD_CPUTIME_ID",
    4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE", 6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME",
    8: "CLOCK_REALTIME_ALARM", 9: "CLOCK_BOOTTIME_ALARM", 11: "CLOCK_TAI",
}


_ITIMER = {0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"}


def _clock_get(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), CLOCKS, "CLOCK_???"), out_struct(d, tid, a[1], 16, r, timespec)]


def _clock_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), CLOCKS, "CLOCK_???"), in_struct(d, tid, a[1], 16, timespec)]


def _rem(d: Decoder, tid: int, addr: int, r: int) -> str:
    # The remaining time is written only when a signal cut the sleep short.
    return out_struct(d, tid, addr, 16, 0, timespec) if r == -_errno.EINTR or r <= -512 else ptr(addr)


def _nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [in_struct(d, tid, a[0], 16, timespec), _rem(d, tid, a[1], r)]


def _clock_nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = "TIMER_ABSTIME" if a[1] & 0xFFFFFFFF == 1 else uflags(a[1] & 0xFFFFFFFF, ((1, "TIMER_ABSTIME"),), "TIMER_???")
    return [xlat(int32(a[0]), CLOCKS, "CLOCK_???"), fl, in_struct(d, tid, a[2], 16, timespec), _rem(d, tid, a[3], r)]


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


_SIGEV = {0: "SIGEV_SIGNAL", 1: "SIGEV_NONE", 2: "SIGEV_THREAD", 4: "SIGEV_THREAD_ID"}


def sigevent_text(raw: bytes) -> str:
    """struct sigevent as strace's print_sigevent: the value only when set, the fields of its kind."""
    ival, pval = struct.unpack_from("=i", raw)[0], struct.unpack_from("=Q", raw)[0]
    signo, notify = struct.unpack_from("=ii", raw, 8)
    out = f"{{sigev_value={{sival_int={ival}, sival_ptr={ptr(pval)}}}, " if pval else "{"
    sig = signame32(signo) if notify in (0, 4) else signo
    out += f"sigev_signo={sig}, sigev_notify={xlat(notify, _SIGEV, 'SIGEV_???')}"
    if notify == 4:
        out += f", sigev_notify_thread_id={struct.unpack_from('=i', raw, 16)[0]}"
    elif notify == 2:
        fn, attr = struct.unpack_from("=QQ", raw, 16)
        out += f", sigev_notify_function={ptr(fn)}, sigev_notify_attributes={ptr(attr)}"
    return out + "}"


def _timer_create(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    timer = out_struct(d, tid, a[2], 4, r, lambda raw: f"[{struct.unpack('=i', raw)[0]}]")
    return [xlat(int32(a[0]), CLOCKS, "CLOCK_???"), in_struct(d, tid, a[1], 32, sigevent_text), timer]


def _timer_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = uflags(a[1] & 0xFFFFFFFF, ((1, "TIMER_ABSTIME"),), "TIMER_???")
    return [int32(a[0]), fl, in_struct(d, tid, a[2], 32, _its), out_struct(d, tid, a[3], 32, r, _its)]


def _timer_gettime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), out_struct(d, tid, a[1], 32, r, _its)]


_ADJ_MODES = (
    (1, "ADJ_OFFSET"), (2, "ADJ_FREQUENCY"), (4, "ADJ_MAXERROR"), (8, "ADJ_ESTERROR"), (0x10, "ADJ_STATUS"),
    (0x20, "ADJ_TIMECONST"), (0x80, "ADJ_TAI"), (0x100, "ADJ_SETOFFSET"), (0x2000, "ADJ_MICRO"), (0x4000, "ADJ_TICK"),
    (0x8000, "ADJ_OFFSET_SINGLESHOT"), (0xA001, "ADJ_OFFSET_SS_READ"), (0x1000, "ADJ_NANO"),
)
_STA_BITS = tuple((1 << i, "STA_" + n) for i, n in enumerate((
    "PLL", "PPSFREQ", "PPSTIME", "FLL", "INS", "DEL", "UNSYNC", "FREQHOLD", "PPSSIGNAL", "PPSJITTER", "PPSWANDER",
    "PPSERROR", "CLOCKERR", "NANO", "MODE", "CLK")))
_TIME_STATE = {0: "TIME_OK", 1: "TIME_INS", 2: "TIME_DEL", 3: "TIME_OOP", 4: "TIME_WAIT", 5: "TIME_ERROR"}


def _timex(raw: bytes) -> str:
    modes, = struct.unpack_from("=I", raw)
    offset, freq, maxerr, esterr, status, const, prec, tol = struct.unpack_from("=4qi4xqqq", raw, 8)
    tv = timespec(raw, 72, True)
    tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai = struct.unpack_from("=qqqi4xqqqqqi", raw, 88)
    return (f"{{modes={flags(modes, _ADJ_MODES)}, offset={offset}, freq={freq}, maxerror={maxerr}, esterror={esterr}, "
            f"status={flags(status & 0xFFFFFFFF, _STA_BITS)}, constant={const}, precision={prec}, tolerance={tol}, "
            f"time={tv}, tick={tick}, ppsfreq={ppsfreq}, jitter={jitter}, shift={shift}, stabil={stabil}, "
            f"jitcnt={jitcnt}, calcnt={calcnt}, errcnt={errcnt}, stbcnt={stbcnt}, tai={tai}}}")


def _timex_arg(d: Decoder, tid: int, addr: int, r: int) -> str:
    if r >= 0:
        d.note = f"({xlat(r, _TIME_STATE, 'TIME_???')})"
    return out_struct(d, tid, addr, 208, r, _timex)


def _adjtimex(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_timex_arg(d, tid, a[0], r)]


def _clock_adjtime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), CLOCKS, "CLOCK_???"), _timex_arg(d, tid, a[1], r)]


def _settimeofday(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    tz = in_struct(d, tid, a[1], 8, lambda raw: "{tz_minuteswest=%d, tz_dsttime=%d}" % struct.unpack("=ii", raw))
    return [in_struct(d, tid, a[0], 16, lambda raw: timespec(raw, 0, True)), tz]


HANDLERS: dict[str, Handler] = {
    "clock_gettime": _clock_get, "clock_getres": _clock_get, "clock_settime": _clock_settime,
    "nanosleep": _nanosleep, "clock_nanosleep": _clock_nanosleep, "setitimer": _setitimer, "getitimer": _getitimer,
    "timerfd_settime": _timerfd_settime, "timerfd_gettime": _timerfd_gettime, "times": _times,
    "gettimeofday": _gettimeofday, "timer_create": _timer_create, "timer_settime": _timer_settime,
    "timer_gettime": _timer_gettime, "adjtimex": _adjtimex, "clock_adjtime": _clock_adjtime,
    "settimeofday": _settimeofday,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "timer_delete": (INT,), "timer_getoverrun": (INT,),
    "time": (PTR,),
    "alarm": (UINT,), "timerfd_create": (kxlat(CLOCKS, "CLOCK_???"), kflags(_TFD_BITS, "TFD_???")),
}
