"""Signal calls (rt_sigaction, rt_sigprocmask, sigaltstack...) and the siginfo of a delivered signal."""

from __future__ import annotations

import ctypes
import struct
from typing import Any

from libctrace.record.rawptrace import PTRACE as _PTRACE, PTRACE_GETSIGINFO as _PTRACE_GETSIGINFO
from libctrace.syscalls.decode.core import (
    INT,
    O_CLOEXEC,
    PTR,
    SIG,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    flags,
    in_struct,
    int32,
    out_struct,
    ptr,
    signame,
    signame32,
    uflags,
    xlat,
)
from libctrace.syscalls.decode.timers import timespec

_SIGNAMES = {n: signame(n) for n in range(1, 65)}


def sigset_text(raw: bytes) -> str:
    """A sigset_t as strace prints it: `[USR2 RT_4]`, `~[...]` when most bits are set."""
    bits = int.from_bytes(raw[:8], "little")
    nbits = 8 * min(len(raw), 8)
    members = [n for n in range(1, nbits + 1) if bits >> (n - 1) & 1]
    if len(members) > nbits // 2:
        rest = [n for n in range(1, nbits + 1) if not bits >> (n - 1) & 1]
        return "~[" + " ".join(_sigshort(n) for n in rest) + "]"
    return "[" + " ".join(_sigshort(n) for n in members) + "]"


def _sigshort(n: int) -> str:
    return _SIGNAMES[n][3:]


_SA_BITS = (
    (0x04000000, "SA_RESTORER"), (1, "SA_NOCLDSTOP"), (2, "SA_NOCLDWAIT"), (4, "SA_SIGINFO"),
    (0x08000000, "SA_ONSTACK"), (0x10000000, "SA_RESTART"), (0x40000000, "SA_NODEFER"),
    (0x80000000, "SA_RESETHAND"), (0x400, "SA_EXPOSE_TAGBITS"), (0x800, "SA_UNSUPPORTED"),
)


_SIG_HANDLER = {0: "SIG_DFL", 1: "SIG_IGN", (1 << 64) - 1: "SIG_ERR"}


def sigaction_text(raw: bytes) -> str:
    handler, fl, restorer = struct.unpack_from("=QQQ", raw)
    out = (f"{{sa_handler={_SIG_HANDLER.get(handler) or hex(handler)}, sa_mask={sigset_text(raw[24:32])}, "
           f"sa_flags={flags(fl, _SA_BITS)}")
    if fl & 0x04000000:
        out += f", sa_restorer={ptr(restorer)}"
    return out + "}"


_SI_CODE = {0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ", -4: "SI_ASYNCIO",
            -5: "SI_SIGIO", -6: "SI_TKILL", -7: "SI_DETHREAD", -60: "SI_ASYNCNL"}


_CLD_CODE = {1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED"}


_FAULT_CODE = {
    11: {1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR"},
    7: {1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR"},
    4: {1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP", 5: "ILL_PRVOPC"},
    8: {1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV"}, 5: {1: "TRAP_BRKPT", 2: "TRAP_TRACE"},
}


def _clock_t(ticks: int) -> str:
    """A clock_t as strace's print_clock_t: the seconds in a comment (USER_HZ is 100)."""
    return f"{ticks} /* {ticks / 100:.2f} s */" if ticks else "0"


def siginfo_text(raw: bytes) -> str:
    """siginfo_t (x86_64) in strace's fields for its kind: sender, child status or fault address."""
    signo, _err, code = struct.unpack_from("=iii", raw)
    head = f"{{si_signo={signame(signo)}, si_code="
    if code > 0 and signo == 17:  # SIGCHLD from the kernel: a child's new state
        pid, uid, status, utime, stime = struct.unpack_from("=iIi4xqq", raw, 16)
        st = signame(status) if code in (2, 3) else status
        return (f"{head}{_CLD_CODE.get(code, code)}, si_pid={pid}, si_uid={uid}, si_status={st}, "
                f"si_utime={_clock_t(utime)}, si_stime={_clock_t(stime)}}}")
    if code > 0 and code != 0x80 and signo in _FAULT_CODE:
        return f"{head}{_FAULT_CODE[signo].get(code, code)}, si_addr={ptr(struct.unpack_from('=Q', raw, 16)[0])}}}"
    pid, uid = struct.unpack_from("=iI", raw, 16)
    if code == 0x80:
        return f"{head}SI_KERNEL}}"
    return f"{head}{_SI_CODE.get(code, code)}, si_pid={pid}, si_uid={uid}}}"


_SFD_BITS = ((O_CLOEXEC, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK"))


_SIGHOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}


def _sigaction(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [signame32(a[0]), in_struct(d, tid, a[1], 32, sigaction_text), out_struct(d, tid, a[2], 32, r, sigaction_text), a[3]]


def sigset_in(d: Decoder, tid: int, addr: int, size: int) -> str:
    return in_struct(d, tid, addr, min(size, 8), sigset_text) if size <= 128 else ptr(addr)


def _sigprocmask(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _SIGHOW, "SIG_???"), sigset_in(d, tid, a[1], a[3]),
            out_struct(d, tid, a[2], min(a[3], 8), r, sigset_text) if a[3] <= 128 else ptr(a[2]), a[3]]


def _sigpending(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [out_struct(d, tid, a[0], min(a[1], 8), r, sigset_text), a[1]]


def _sigtimedwait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    if r > 0:
        d.note = f"({signame(r)})"
    return [sigset_in(d, tid, a[0], a[3]), ptr(a[1]), in_struct(d, tid, a[2], 16, timespec), a[3]]


def _signalfd(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), sigset_in(d, tid, a[1], a[2]), a[2]]


def _sigsuspend(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [sigset_in(d, tid, a[0], a[1]), a[1]]


def _signalfd4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), sigset_in(d, tid, a[1], a[2]), a[2], uflags(a[3] & 0xFFFFFFFF, _SFD_BITS, "SFD_???")]


_SS_BITS = ((1, "SS_ONSTACK"), (2, "SS_DISABLE"), (0x80000000, "SS_AUTODISARM"))


def _stack_t(raw: bytes) -> str:
    sp, fl, size = struct.unpack_from("=Qi4xQ", raw)
    return f"{{ss_sp={ptr(sp)}, ss_flags={flags(fl & 0xFFFFFFFF, _SS_BITS)}, ss_size={size}}}"


def _sigaltstack(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [in_struct(d, tid, a[0], 24, _stack_t), out_struct(d, tid, a[1], 24, r, _stack_t)]


def _rt_sigreturn(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    mask = d.len_in.pop(tid, None)
    return [] if mask is None else [f"{{mask={sigset_text(mask.to_bytes(8, 'little'))}}}"]


HANDLERS: dict[str, Handler] = {
    "rt_sigreturn": _rt_sigreturn, "rt_sigaction": _sigaction, "rt_sigprocmask": _sigprocmask, "rt_sigpending": _sigpending,
    "rt_sigtimedwait": _sigtimedwait, "signalfd4": _signalfd4, "signalfd": _signalfd, "rt_sigsuspend": _sigsuspend, "sigaltstack": _sigaltstack,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "rt_sigqueueinfo": (INT, SIG, PTR), "rt_tgsigqueueinfo": (INT, INT, SIG, PTR),
}


_SIGINFO = ctypes.create_string_buffer(128)


def siginfo(tid: int) -> str | None:
    """The siginfo of the signal a thread is stopped with, as strace prints it."""
    if _PTRACE(_PTRACE_GETSIGINFO, tid, None, ctypes.addressof(_SIGINFO)) < 0:
        return None
    return siginfo_text(_SIGINFO.raw)
