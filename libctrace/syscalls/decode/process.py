"""Process calls: clone/clone3, execve, wait4, kill, prctl, arch_prctl, limits, futex, uname..."""

from __future__ import annotations

import struct
from typing import Any

from libctrace.syscalls.decode.admin import CAPS
from libctrace.syscalls.decode.core import (
    AT_BITS,
    HEX,
    INT,
    PTR,
    SIG,
    UINT,
    ULONG,
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    cquote,
    dirfd,
    flags,
    hx,
    in_struct,
    int32,
    kflags,
    kxlat,
    out_struct,
    ptr,
    sflags,
    signame,
    signame32,
    text,
    uflags,
    xlat,
)
from libctrace.syscalls.decode.signals import siginfo_text
from libctrace.syscalls.decode.timers import CLOCKS, timespec

_CLONE_BITS = (
    (0x100, "CLONE_VM"), (0x200, "CLONE_FS"), (0x400, "CLONE_FILES"), (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"), (0x2000, "CLONE_PTRACE"), (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"), (0x10000, "CLONE_THREAD"), (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"), (0x80000, "CLONE_SETTLS"), (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"), (0x400000, "CLONE_DETACHED"), (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"), (0x2000000, "CLONE_NEWCGROUP"), (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"), (0x10000000, "CLONE_NEWUSER"), (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"), (0x80000000, "CLONE_IO"),
)


CLONE_FILES, CLONE_VFORK, CLONE_THREAD = 0x400, 0x4000, 0x10000


# clone3 has no signal in its flags' low byte, so CLONE_NEWTIME fits there; two bits above 32.
_CLONE3_BITS = (
    *_CLONE_BITS, (0x80, "CLONE_NEWTIME"), (0x100000000, "CLONE_CLEAR_SIGHAND"),
    (0x200000000, "CLONE_INTO_CGROUP"),
)


CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID = 0x1000000, 0x200000, 0x100000


CLONE_PIDFD, CLONE_SETTLS, CLONE_INTO_CGROUP = 0x1000, 0x80000, 0x200000000


_FUTEX = {
    0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE", 4: "FUTEX_CMP_REQUEUE",
    5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI",
    9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET", 11: "FUTEX_WAIT_REQUEUE_PI",
    12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2",
}


_GRND_BITS = ((1, "GRND_NONBLOCK"), (2, "GRND_RANDOM"), (4, "GRND_INSECURE"))


_WAIT_BITS = ((1, "WNOHANG"), (2, "WUNTRACED"), (8, "WCONTINUED"), (0x20000000, "__WNOTHREAD"), (0x40000000, "__WALL"), (0x80000000, "__WCLONE"))


_RLIMIT = {
    0: "RLIMIT_CPU", 1: "RLIMIT_FSIZE", 2: "RLIMIT_DATA", 3: "RLIMIT_STACK", 4: "RLIMIT_CORE",
    5: "RLIMIT_RSS", 6: "RLIMIT_NPROC", 7: "RLIMIT_NOFILE", 8: "RLIMIT_MEMLOCK", 9: "RLIMIT_AS",
    10: "RLIMIT_LOCKS", 11: "RLIMIT_SIGPENDING", 12: "RLIMIT_MSGQUEUE", 13: "RLIMIT_NICE",
    14: "RLIMIT_RTPRIO", 15: "RLIMIT_RTTIME",
}


def futex_op(v: int) -> str:
    name = _FUTEX.get(v & 0x7F, hex(v & 0x7F))
    if v & 128:
        name += "_PRIVATE"
    return name + "|FUTEX_CLOCK_REALTIME" if v & 256 else name


def clone_flags(v: int) -> str:
    sig = v & 0xFF
    s = flags(v & ~0xFF, _CLONE_BITS, zero="")
    if sig:
        s = f"{s}|{signame(sig)}" if s else signame(sig)
    return s or "0"


_RLIM_INF = (1 << 64) - 1


def _rlim(v: int) -> str:
    if v == _RLIM_INF:
        return "RLIM64_INFINITY"
    if v and v % 1024 == 0:
        return f"{v // 1024}*1024"
    return str(v)


def rlimit_text(raw: bytes) -> str:
    cur, mx = struct.unpack_from("=QQ", raw)
    return f"{{rlim_cur={_rlim(cur)}, rlim_max={_rlim(mx)}}}"


# wait status as strace spells it (src/wait.c).
def wait_status(s: int) -> str:
    if s & 0x7F == 0:
        return f"[{{WIFEXITED(s) && WEXITSTATUS(s) == {(s >> 8) & 0xFF}}}]"
    if s & 0xFF == 0x7F:
        return f"[{{WIFSTOPPED(s) && WSTOPSIG(s) == {signame((s >> 8) & 0xFF)}}}]"
    core = " && WCOREDUMP(s)" if s & 0x80 else ""
    return f"[{{WIFSIGNALED(s) && WTERMSIG(s) == {signame(s & 0x7F)}{core}}}]"


def rusage_text(raw: bytes) -> str:
    return f"{{ru_utime={timespec(raw, 0, True)}, ru_stime={timespec(raw, 16, True)}, ...}}"


def _execve(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), d.strings(tid, a[1]), f"{ptr(a[2])} /* {_count(d, tid, a[2])} vars */"]


def _execveat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), d.strings(tid, a[2]), f"{ptr(a[3])} /* {_count(d, tid, a[3])} vars */", flags(a[4], AT_BITS)]


def _count(d: Decoder, tid: int, addr: int) -> int:
    # Environment values are not recorded here (the header holds names, values on request).
    n = 0
    while addr and n < 100000:
        raw = d.mem.read(tid, addr, 8 * 128)
        if len(raw) < 8:
            break
        for p in struct.unpack_from(f"={len(raw) // 8}Q", raw):
            if p == 0:
                return n
            n += 1
        addr += len(raw)
    return n


def _clone3(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """struct clone_args with the fields strace prints, in its order; a field that only
    matters under a flag (pidfd, child_tid, parent_tid, tls, cgroup) only with that flag."""
    raw = d.mem.read(tid, a[0], min(a[1], 88))
    if len(raw) < 64:  # CLONE_ARGS_SIZE_VER0: anything shorter the kernel refuses (EINVAL)
        return [ptr(a[0]), a[1]]
    fl, pidfd, ctid, ptid, exit_signal, stack, stack_size, tls = struct.unpack_from("=8Q", raw)
    out: dict[str, Any] = {"flags": flags(fl, _CLONE3_BITS)}
    if fl & CLONE_PIDFD:
        out["pidfd"] = ptr(pidfd)
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        out["child_tid"] = ptr(ctid)
    if fl & CLONE_PARENT_SETTID:
        out["parent_tid"] = ptr(ptid)
    out["exit_signal"] = signame(exit_signal) if exit_signal else 0
    out["stack"] = ptr(stack)
    out["stack_size"] = stack_size
    if fl & CLONE_SETTLS:
        out["tls"] = ptr(tls)
    if len(raw) >= 80:
        set_tid, set_tid_size = struct.unpack_from("=2Q", raw, 64)
        if set_tid or set_tid_size:
            out["set_tid"] = ptr(set_tid)
            out["set_tid_size"] = set_tid_size
    if len(raw) >= 88 and fl & CLONE_INTO_CGROUP:
        out["cgroup"] = struct.unpack_from("=Q", raw, 80)[0]
    return [out, a[1]]


def _getrandom(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.buf(tid, a[0], r) if r >= 0 else ptr(a[0]), a[1], flags(a[2], _GRND_BITS)]


_PRIO = {0: "PRIO_PROCESS", 1: "PRIO_PGRP", 2: "PRIO_USER"}


_RUSAGE = {0: "RUSAGE_SELF", -1: "RUSAGE_CHILDREN", 1: "RUSAGE_THREAD"}


def _sysinfo(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        up, l1, l2, l3, tot, free, shared, buf, tswap, fswap, procs = struct.unpack_from("=q3Q6QH", raw)
        th, fh, unit = struct.unpack_from("=QQI", raw, 88)
        return (f"{{uptime={up}, loads=[{l1}, {l2}, {l3}], totalram={tot}, freeram={free}, sharedram={shared}, "
                f"bufferram={buf}, totalswap={tswap}, freeswap={fswap}, procs={procs}, totalhigh={th}, "
                f"freehigh={fh}, mem_unit={unit}}}")
    return [out_struct(d, tid, a[0], 112, r, fmt)]


def _uname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        sysname, node = raw[:65].split(b"\0", 1)[0], raw[65:130].split(b"\0", 1)[0]
        return f"{{sysname={cquote(sysname, d.strsize)}, nodename={cquote(node, d.strsize)}, ...}}"
    return [out_struct(d, tid, a[0], 390, r, fmt)]


def _rlimit_call(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """getrlimit / setrlimit (resource, struct)."""
    res = xlat(int32(a[0]), _RLIMIT, "RLIMIT_???")
    return [res, out_struct(d, tid, a[1], 16, r, rlimit_text)]


def _prlimit64(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _RLIMIT, "RLIMIT_???"), in_struct(d, tid, a[2], 16, rlimit_text),
            out_struct(d, tid, a[3], 16, r, rlimit_text)]


def _getrusage(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _RUSAGE, "RUSAGE_???"), out_struct(d, tid, a[1], 144, r, rusage_text)]


def _wait4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    status = out_struct(d, tid, a[1], 4, r if r > 0 else -1, lambda raw: wait_status(struct.unpack("=i", raw)[0]))
    return [int32(a[0]), status, sflags(a[2], _WAIT_BITS), out_struct(d, tid, a[3], 144, r if r > 0 else -1, rusage_text)]


def _clone(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """x86_64 clone(flags, stack, parent_tid, child_tid, tls), named as strace prints it."""
    fl = a[0]
    out: dict[str, Any] = {"child_stack": ptr(a[1]), "flags": clone_flags(fl)}
    if fl & CLONE_PARENT_SETTID:
        raw = d.mem.read(tid, a[2], 4) if r > 0 else b""
        out["parent_tid"] = f"[{struct.unpack('=i', raw)[0]}]" if len(raw) == 4 else ptr(a[2])
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        out["child_tidptr"] = ptr(a[3])
    if fl & CLONE_SETTLS:
        out["tls"] = ptr(a[4])
    return [out]


def _kill(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), signame32(a[1])]


_SCHED = {0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE"}
_PR = {
    1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
    7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME", 21: "PR_GET_SECCOMP",
    22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 36: "PR_SET_CHILD_SUBREAPER",
    37: "PR_GET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 41: "PR_SET_THP_DISABLE",
    42: "PR_GET_THP_DISABLE", 0x53564D41: "PR_SET_VMA", 0x59616D61: "PR_SET_PTRACER",
    27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 29: "PR_SET_TIMERSLACK", 30: "PR_GET_TIMERSLACK",
    31: "PR_TASK_PERF_EVENTS_DISABLE", 32: "PR_TASK_PERF_EVENTS_ENABLE", 35: "PR_SET_MM", 40: "PR_GET_TID_ADDRESS",
    47: "PR_CAP_AMBIENT", 52: "PR_GET_SPECULATION_CTRL", 53: "PR_SET_SPECULATION_CTRL", 57: "PR_SET_IO_FLUSHER",
    58: "PR_GET_IO_FLUSHER", 65: "PR_SET_MDWE", 66: "PR_GET_MDWE",
}
_SECBIT = tuple((1 << i, "SECBIT_" + n) for i, n in enumerate((
    "NOROOT", "NOROOT_LOCKED", "NO_SETUID_FIXUP", "NO_SETUID_FIXUP_LOCKED", "KEEP_CAPS", "KEEP_CAPS_LOCKED",
    "NO_CAP_AMBIENT_RAISE", "NO_CAP_AMBIENT_RAISE_LOCKED")))
_AMBIENT = {1: "PR_CAP_AMBIENT_IS_SET", 2: "PR_CAP_AMBIENT_RAISE", 3: "PR_CAP_AMBIENT_LOWER", 4: "PR_CAP_AMBIENT_CLEAR_ALL"}
_SET_MM = {i + 1: "PR_SET_MM_" + n for i, n in enumerate((
    "START_CODE", "END_CODE", "START_DATA", "END_DATA", "START_STACK", "START_BRK", "BRK", "ARG_START", "ARG_END",
    "ENV_START", "ENV_END", "AUXV", "EXE_FILE", "MAP", "MAP_SIZE"))}
_SPEC = {0: "PR_SPEC_STORE_BYPASS", 1: "PR_SPEC_INDIRECT_BRANCH", 2: "PR_SPEC_L1D_FLUSH"}
_DUMPABLE = {0: "SUID_DUMP_DISABLE", 1: "SUID_DUMP_USER", 2: "SUID_DUMP_ROOT"}


def _cap(v: int) -> str:
    c = v & 0xFFFFFFFF
    return f"CAP_{CAPS[c]}" if c < len(CAPS) else f"{c:#x} /* CAP_??? */"


def _prctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """The arguments strace prints for each option (src/prctl.c)."""
    op = a[0] & 0xFFFFFFFF
    name = _PR.get(op)
    if name is None:
        return [f"{op:#x} /* PR_??? */", *(hx(v) for v in a[1:5])]
    if op == 1:
        return [name, signame32(a[1])]
    if op == 2:
        return [name, out_struct(d, tid, a[1], 4, r, lambda raw: f"[{signame32(struct.unpack('=i', raw)[0])}]")]
    if op in (3, 7, 21, 27, 30, 31, 32, 37, 42):
        return [name]
    if op in (23, 24):
        return [name, _cap(a[1])]
    if op == 28:
        return [name, flags(a[1] & 0xFFFFFFFF, _SECBIT)]
    if op == 29:
        return [name, a[1]]
    if op == 40:
        return [name, out_struct(d, tid, a[1], 8, r, lambda raw: f"[{ptr(struct.unpack('=Q', raw)[0])}]")]
    if op == 47:  # PR_CAP_AMBIENT
        sub = a[1] & 0xFFFFFFFF
        if sub in (1, 2, 3):
            return [name, _AMBIENT[sub], _cap(a[2]), hx(a[3]), hx(a[4])]
        return [name, xlat(sub, _AMBIENT, "PR_CAP_AMBIENT_???"), *(hx(v) for v in a[2:5])]
    if op == 4:
        return [name, xlat(a[1] & 0xFFFFFFFF, _DUMPABLE, "SUID_DUMP_???")]
    if op == 8:
        return [name, a[1] & 0xFFFFFFFF]
    if op == 35:
        return [name, xlat(a[1] & 0xFFFFFFFF, _SET_MM, "PR_SET_MM_???"), *(hx(v) for v in a[2:5])]
    if op == 52:
        return [name, xlat(a[1] & 0xFFFFFFFF, _SPEC, "PR_SPEC_???")]
    if op in (57, 58, 65, 66, 53):
        return [name, *(hx(v) for v in a[1:5])]
    if op == 15:
        return [name, d.string(tid, a[1])]
    if op == 16:
        raw = d.mem.read(tid, a[1], 16) if r >= 0 else b""  # the name the kernel wrote, else the pointer
        return [name, text(raw.split(b"\0", 1)[0], d.strsize) if len(raw) == 16 else a[1]]
    if op == 0x53564D41:  # PR_SET_VMA
        sub = "PR_SET_VMA_ANON_NAME" if a[1] == 0 else hx(a[1])
        return [name, sub, ptr(a[2]), a[3], d.string(tid, a[4])]
    if op in (38, 39, 41):
        return [name, *(a[i] & 0xFFFFFFFF for i in range(1, 5))]
    if op == 0x59616D61:
        return [name, int32(a[1])]
    return [name, int32(a[1])]


_ARCH_PRCTL = {0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS", 0x1004: "ARCH_GET_GS",
               0x1011: "ARCH_GET_CPUID", 0x1012: "ARCH_SET_CPUID", 0x1021: "ARCH_GET_XCOMP_SUPP",
               0x1022: "ARCH_GET_XCOMP_PERM", 0x1023: "ARCH_REQ_XCOMP_PERM", 0x1024: "ARCH_GET_XCOMP_GUEST_PERM",
               0x1025: "ARCH_REQ_XCOMP_GUEST_PERM", 0x5001: "ARCH_SHSTK_ENABLE", 0x5002: "ARCH_SHSTK_DISABLE"}


def _arch_prctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    code = a[0] & 0xFFFFFFFF
    name = _ARCH_PRCTL.get(code)
    if name is None:
        return [f"{code:#x} /* ARCH_??? */", hx(a[1])]
    if code in (0x1003, 0x1004):
        return [name, out_struct(d, tid, a[1], 8, r, lambda raw: f"[{hx(struct.unpack('=Q', raw)[0])}]")]
    if code in (0x1002, 0x1001):
        return [name, ptr(a[1])]
    return [name, hx(a[1])]


def _futex(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """As many arguments as the operation takes (strace's futex.c)."""
    op = a[1] & 0xFFFFFFFF
    cmd = op & 0x7F
    head: list[Any] = [ptr(a[0]), futex_op(op), a[2] & 0xFFFFFFFF]
    if cmd in (1, 7, 8, 2):  # WAKE, UNLOCK_PI, TRYLOCK_PI, FD
        return head if cmd != 7 and cmd != 8 else head[:2]
    if cmd in (0, 6, 13):  # WAIT, LOCK_PI, LOCK_PI2
        return head + [ptr(a[3])] if cmd == 0 else head[:2] + [ptr(a[3])]
    if cmd in (9, 10):  # WAIT_BITSET, WAKE_BITSET
        bits = a[5] & 0xFFFFFFFF
        return head + [ptr(a[3]) if cmd == 9 else "NULL", "FUTEX_BITSET_MATCH_ANY" if bits == 0xFFFFFFFF else hex(bits)]
    if cmd == 3:  # REQUEUE
        return head + [a[3] & 0xFFFFFFFF, ptr(a[4])]
    if cmd in (4, 12):  # CMP_REQUEUE
        return head + [a[3] & 0xFFFFFFFF, ptr(a[4]), a[5] & 0xFFFFFFFF]
    return head + [ptr(a[3]), ptr(a[4]), a[5] & 0xFFFFFFFF]


def _rseq(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), hex(a[1] & 0xFFFFFFFF), int32(a[2]), hex(a[3] & 0xFFFFFFFF)]


def _int_out(d: Decoder, tid: int, addr: int, r: int) -> str:
    """An int the kernel writes: `[0]`, or the address when it did not."""
    return out_struct(d, tid, addr, 4, r, lambda raw: f"[{struct.unpack('=i', raw)[0]}]")


def _getresid(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_int_out(d, tid, a[i], r) for i in range(3)]


def _sched_param(d: Decoder, tid: int, addr: int, r: int) -> str:
    return out_struct(d, tid, addr, 4, r, lambda raw: f"[{struct.unpack('=i', raw)[0]}]")


def cpu_mask(raw: bytes) -> str:
    """A CPU set as strace prints it: the numbers of the CPUs in it, `[0 1]`."""
    bits = int.from_bytes(raw, "little")
    return "[" + " ".join(str(i) for i in range(8 * len(raw)) if bits >> i & 1) + "]"


def _sched_getaffinity(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    size = a[1] & 0xFFFFFFFF
    return [int32(a[0]), size, out_struct(d, tid, a[2], min(r, size, 4096), r, cpu_mask) if r > 0 else ptr(a[2])]


def _sched_setaffinity(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    size = a[1] & 0xFFFFFFFF
    return [int32(a[0]), size, in_struct(d, tid, a[2], min(size, 4096), cpu_mask) if size else ptr(a[2])]


def _gids(d: Decoder, tid: int, addr: int, n: int) -> str:
    """A gid_t[n] as strace prints it: `[0, 4, 27]`."""
    if addr == 0:
        return "NULL"
    if n <= 0:
        return "[]"
    raw = d.mem.read(tid, addr, 4 * min(n, 1024))
    if len(raw) < 4 * min(n, 1024):
        return ptr(addr)
    return "[" + ", ".join(str(g) for g in struct.unpack(f"={len(raw) // 4}I", raw)) + ("...]" if n > 1024 else "]")


def _getgroups(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = int32(a[0])
    # With a size of 0 the kernel only counts: strace shows the empty list it was given.
    return [n, _gids(d, tid, a[1], min(n, r)) if r >= 0 else ptr(a[1])]


def _setgroups(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = int32(a[0])
    return [n, _gids(d, tid, a[1], n)]


def _sched_getscheduler(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    if r >= 0:  # strace names the policy returned
        d.note = f"({xlat(r & ~0x40000000, _SCHED, 'SCHED_???')}{'|SCHED_RESET_ON_FORK' if r & 0x40000000 else ''})"
    return [int32(a[0])]


def _sched_getparam(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _sched_param(d, tid, a[1], r)]


def _sched_setparam(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _sched_param(d, tid, a[1], 0)]


def _sched_setscheduler(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    # strace names no SCHED_RESET_ON_FORK here: a policy with it is unknown (0x40000003 /* SCHED_??? */).
    return [int32(a[0]), xlat(int32(a[1]), _SCHED, "SCHED_???"), _sched_param(d, tid, a[2], 0)]


_SCHED_FLAG = ((1, "SCHED_FLAG_RESET_ON_FORK"), (2, "SCHED_FLAG_RECLAIM"), (4, "SCHED_FLAG_DL_OVERRUN"),
               (8, "SCHED_FLAG_KEEP_POLICY"), (0x10, "SCHED_FLAG_KEEP_PARAMS"), (0x20, "SCHED_FLAG_UTIL_CLAMP_MIN"),
               (0x40, "SCHED_FLAG_UTIL_CLAMP_MAX"))


def _sched_attr(raw: bytes) -> str:
    size, policy, fl, nice, prio, runtime, deadline, period = struct.unpack_from("=IIQiIQQQ", raw)
    out = (f"{{size={size}, sched_policy={xlat(policy, _SCHED, 'SCHED_???')}, sched_flags={flags(fl, _SCHED_FLAG)}, "
           f"sched_nice={nice}, sched_priority={prio}, sched_runtime={runtime}, sched_deadline={deadline}, "
           f"sched_period={period}")
    if size >= 56 and len(raw) >= 56:
        lo, hi = struct.unpack_from("=II", raw, 48)
        out += f", sched_util_min={lo}, sched_util_max={hi}"
    return out + "}"


def _sched_getattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    size = a[2] & 0xFFFFFFFF
    return [int32(a[0]), out_struct(d, tid, a[1], min(size, 56), r, _sched_attr) if size >= 48 else ptr(a[1]),
            size, a[3] & 0xFFFFFFFF]


def _sched_setattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    raw = d.mem.read(tid, a[1], 4)
    size = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
    attr = in_struct(d, tid, a[1], 56 if size >= 56 else 48, _sched_attr) if a[1] else "NULL"
    return [int32(a[0]), attr, a[2] & 0xFFFFFFFF]


def _sched_rr_get_interval(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), out_struct(d, tid, a[1], 16, r, timespec)]


def _getcpu(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    uint = lambda raw: f"[{struct.unpack('=I', raw)[0]}]"  # noqa: E731
    return [out_struct(d, tid, a[0], 4, r, uint), out_struct(d, tid, a[1], 4, r, uint), ptr(a[2])]


_IDTYPE = {0: "P_ALL", 1: "P_PID", 2: "P_PGID", 3: "P_PIDFD"}
_WAITID_BITS = ((1, "WNOHANG"), (2, "WSTOPPED"), (4, "WEXITED"), (8, "WCONTINUED"), (0x1000000, "WNOWAIT"),
                (0x20000000, "__WNOTHREAD"), (0x40000000, "__WALL"), (0x80000000, "__WCLONE"))


def _waitid(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    info: str = ptr(a[2])
    if a[2] and r >= 0:
        raw = d.mem.read(tid, a[2], 128)
        # WNOHANG with no child ready leaves si_pid 0: strace prints {} then.
        info = ("{}" if struct.unpack_from("=i", raw, 16)[0] == 0 else siginfo_text(raw)) if len(raw) == 128 else info
    return [xlat(a[0] & 0xFFFFFFFF, _IDTYPE, "P_???"), int32(a[1]), info, uflags(a[3] & 0xFFFFFFFF, _WAITID_BITS, "W???"),
            out_struct(d, tid, a[4], 144, r, rusage_text)]


def _get_robust_list(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), out_struct(d, tid, a[1], 8, r, lambda raw: f"[{ptr(struct.unpack('=Q', raw)[0])}]"),
            out_struct(d, tid, a[2], 8, r, lambda raw: f"[{struct.unpack('=Q', raw)[0]}]")]


def _process_vm(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """process_vm_readv/writev: the local iovec holds the data (read in this process after a read)."""
    local = d.iov(tid, a[1], a[2], 1 << 62, False) if a[1] and r >= 0 else ptr(a[1])
    return [int32(a[0]), local, a[2], d.iov_addrs(tid, a[3], a[4]), a[4], a[5]]


_PTRACE_REQ = {
    0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER", 4: "PTRACE_POKETEXT",
    5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT", 8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP",
    12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS", 14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS", 16: "PTRACE_ATTACH",
    17: "PTRACE_DETACH", 18: "PTRACE_GETFPXREGS", 19: "PTRACE_SETFPXREGS", 24: "PTRACE_SYSCALL",
    25: "PTRACE_GET_THREAD_AREA", 26: "PTRACE_SET_THREAD_AREA", 30: "PTRACE_ARCH_PRCTL", 31: "PTRACE_SYSEMU",
    32: "PTRACE_SYSEMU_SINGLESTEP", 33: "PTRACE_SINGLEBLOCK", 0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG",
    0x4202: "PTRACE_GETSIGINFO", 0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET",
    0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN", 0x4209: "PTRACE_PEEKSIGINFO",
    0x420A: "PTRACE_GETSIGMASK", 0x420B: "PTRACE_SETSIGMASK", 0x420C: "PTRACE_SECCOMP_GET_FILTER",
    0x420D: "PTRACE_SECCOMP_GET_METADATA", 0x420E: "PTRACE_GET_SYSCALL_INFO", 0x420F: "PTRACE_GET_RSEQ_CONFIGURATION",
    0x4210: "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG", 0x4211: "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG",
}
_PTRACE_O = tuple((1 << i, "PTRACE_O_" + n) for i, n in enumerate((
    "TRACESYSGOOD", "TRACEFORK", "TRACEVFORK", "TRACECLONE", "TRACEEXEC", "TRACEVFORKDONE", "TRACEEXIT",
    "TRACESECCOMP"))) + ((0x100000, "PTRACE_O_EXITKILL"), (0x200000, "PTRACE_O_SUSPEND_SECCOMP"))


def _ptrace(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """The request's arguments as strace's ptrace decoder prints the common ones."""
    req = a[0] & 0xFFFFFFFF
    name = _PTRACE_REQ.get(req)
    if name is None:
        return [f"{req:#x} /* PTRACE_??? */", int32(a[1]), ptr(a[2]), ptr(a[3])]
    if req in (0,):
        return [name]
    if req in (16, 8, 0x4207):  # ATTACH, KILL, INTERRUPT
        return [name, int32(a[1])]
    if req in (0x4200, 0x4206):  # SETOPTIONS, SEIZE
        return [name, int32(a[1]), ptr(a[2]), flags(a[3] & 0xFFFFFFFF, _PTRACE_O)]
    if req in (7, 9, 17, 24, 31, 32, 33, 0x4208):  # restarts: a signal
        return [name, int32(a[1]), ptr(a[2]), signame32(a[3])]
    return [name, int32(a[1]), ptr(a[2]), ptr(a[3])]


_KCMP = {0: "KCMP_FILE", 1: "KCMP_VM", 2: "KCMP_FILES", 3: "KCMP_FS", 4: "KCMP_SIGHAND", 5: "KCMP_IO",
         6: "KCMP_SYSVSEM", 7: "KCMP_EPOLL_TFD"}


def _kcmp(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    typ = int32(a[2])
    out: list[Any] = [int32(a[0]), int32(a[1]), xlat(typ, _KCMP, "KCMP_???")]
    if typ == 0:  # two descriptors (of two processes: no path for them here)
        return out + [int32(a[3]), int32(a[4])]
    if typ == 7:
        return out + [int32(a[3]), ptr(a[4])]
    return out + [hx(a[3]), hx(a[4])] if typ not in _KCMP else out


_IOPRIO_WHO = {1: "IOPRIO_WHO_PROCESS", 2: "IOPRIO_WHO_PGRP", 3: "IOPRIO_WHO_USER"}
_IOPRIO_CLASS = {0: "IOPRIO_CLASS_NONE", 1: "IOPRIO_CLASS_RT", 2: "IOPRIO_CLASS_BE", 3: "IOPRIO_CLASS_IDLE"}


def ioprio_text(v: int) -> str:
    return f"IOPRIO_PRIO_VALUE({xlat(v >> 13, _IOPRIO_CLASS, 'IOPRIO_CLASS_???')}, {v & 0x1FFF})"


def _ioprio_get(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    if r >= 0:
        d.note = f"({ioprio_text(r)})"
    return [xlat(int32(a[0]), _IOPRIO_WHO, "IOPRIO_WHO_???"), int32(a[1])]


def _ioprio_set(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _IOPRIO_WHO, "IOPRIO_WHO_???"), int32(a[1]), ioprio_text(a[2] & 0xFFFFFFFF)]


_FUTEX2 = ((0x80, "FUTEX_PRIVATE_FLAG"),)
_FUTEX2_SIZE = {0: "FUTEX_8", 1: "FUTEX_16", 2: "FUTEX_32", 3: "FUTEX_64"}


def _futex2_flags(v: int) -> str:
    s = _FUTEX2_SIZE[v & 3]
    rest = v & ~3
    return s + ("|" + flags(rest, _FUTEX2) if rest else "")


def _futex_waitv(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = a[1] & 0xFFFFFFFF
    waiters: str = ptr(a[0])
    if a[0] and 0 < n <= 128:
        raw = d.mem.read(tid, a[0], 24 * n)
        if len(raw) == 24 * n:
            waiters = "[" + ", ".join(
                f"{{val={hx(val)}, uaddr={ptr(uaddr)}, flags={_futex2_flags(fl)}}}"
                for val, uaddr, fl, _ in struct.iter_unpack("=QQII", raw)) + "]"
    return [waiters, n, hx(a[2] & 0xFFFFFFFF), in_struct(d, tid, a[3], 16, timespec),
            xlat(int32(a[4]), CLOCKS, "CLOCK_???")]


HANDLERS: dict[str, Handler] = {
    "execve": _execve, "execveat": _execveat, "clone": _clone, "clone3": _clone3, "wait4": _wait4, "kill": _kill,
    "prctl": _prctl, "arch_prctl": _arch_prctl, "rseq": _rseq, "prlimit64": _prlimit64, "getrlimit": _rlimit_call,
    "setrlimit": _rlimit_call, "getrusage": _getrusage, "uname": _uname, "sysinfo": _sysinfo, "futex": _futex,
    "getrandom": _getrandom, "getresuid": _getresid, "getresgid": _getresid, "sched_getparam": _sched_getparam, "sched_getscheduler": _sched_getscheduler,
    "getgroups": _getgroups, "setgroups": _setgroups, "sched_getaffinity": _sched_getaffinity,
    "sched_setaffinity": _sched_setaffinity,
    "sched_setparam": _sched_setparam, "sched_setscheduler": _sched_setscheduler, "sched_getattr": _sched_getattr,
    "sched_setattr": _sched_setattr, "sched_rr_get_interval": _sched_rr_get_interval, "getcpu": _getcpu,
    "waitid": _waitid, "get_robust_list": _get_robust_list, "process_vm_readv": _process_vm,
    "process_vm_writev": _process_vm, "ptrace": _ptrace, "kcmp": _kcmp, "ioprio_get": _ioprio_get,
    "ioprio_set": _ioprio_set, "futex_waitv": _futex_waitv,
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "setreuid": (INT, INT), "setregid": (INT, INT), "setresuid": (INT, INT, INT), "setresgid": (INT, INT, INT),
    "setfsuid": (INT,), "setfsgid": (INT,),

    "sched_get_priority_max": (kxlat(_SCHED, "SCHED_???"),), "sched_get_priority_min": (kxlat(_SCHED, "SCHED_???"),),
    "unshare": (kflags(_CLONE_BITS, "CLONE_???"),), "setns": (INT, kflags(_CLONE_BITS, "CLONE_???")),
    "pidfd_open": (INT, kflags(((0o4000, "PIDFD_NONBLOCK"),), "PIDFD_???")), "pidfd_getfd": (INT, INT, UINT),
    "pidfd_send_signal": (INT, SIG, PTR, UINT), "personality": (HEX,),
    "getpgid": (INT,), "setpgid": (INT, INT), "getsid": (INT,), "setuid": (INT,), "setgid": (INT,),
    "tkill": (INT, SIG), "tgkill": (INT, INT, SIG), "exit": (INT,), "exit_group": (INT,),
    "getpriority": (kxlat(_PRIO, "PRIO_???"), INT), "setpriority": (kxlat(_PRIO, "PRIO_???"), INT, INT),
"set_tid_address": (PTR,), "set_robust_list": (PTR, ULONG),
    "pkey_alloc": (HEX, kflags(((1, "PKEY_DISABLE_ACCESS"), (2, "PKEY_DISABLE_WRITE")), "PKEY_???")),
    "pkey_free": (INT,), "process_mrelease": (INT, UINT),
    "futex_wake": (PTR, HEX, INT, HEX), "futex_wait": (PTR, HEX, HEX, HEX, PTR, INT),
    "futex_requeue": (PTR, HEX, INT, INT),
}
