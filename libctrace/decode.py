"""Argument decoding: raw syscall arguments -> the JSON values of docs/trace-format.md.

Also keeps each process's descriptor table so that events can say what an fd was (strace -y).
Tracee memory is read with process_vm_readv: one system call per buffer, no open file.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import ipaddress
import os
import signal as _signal
import struct
from typing import Any, Callable

from libctrace.rawptrace import PTRACE as _PTRACE

_U64 = 1 << 64
_PTRACE_GETSIGINFO = 0x4202
_DNS_CAP = 65535  # DNS messages are kept whole so that they can be decoded later

# ---------------------------------------------------------------- tracee memory


class _Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


_libc = ctypes.CDLL(None, use_errno=True)
_vm_readv = _libc.process_vm_readv
_vm_readv.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong)
_vm_readv.restype = ctypes.c_ssize_t


class Memory:
    """Reads a tracee's memory; a buffer allocated once keeps each read to one call."""

    def __init__(self, size: int = _DNS_CAP + 1) -> None:
        self._buf = ctypes.create_string_buffer(size)
        self._size = size
        self._local = _Iovec(ctypes.addressof(self._buf), 0)
        self._remote = _Iovec(0, 0)
        self._lp = ctypes.addressof(self._local)
        self._rp = ctypes.addressof(self._remote)

    def read(self, pid: int, addr: int, size: int) -> bytes:
        """Up to size bytes at addr (fewer when the range ends in unmapped memory)."""
        if addr == 0 or size <= 0:
            return b""
        size = min(size, self._size)
        self._local.len = size
        self._remote.base = addr
        self._remote.len = size
        n = _vm_readv(pid, self._lp, 1, self._rp, 1, 0)
        return self._buf.raw[:n] if n > 0 else b""

    def cstr(self, pid: int, addr: int, cap: int) -> bytes | None:
        """The NUL-terminated string at addr, at most cap bytes (+1 to detect the cut)."""
        if addr == 0:
            return None
        out = b""
        while len(out) <= cap:
            # Never read across a page boundary at once: the next page may be unmapped.
            chunk = min(4096 - (addr % 4096), cap + 1 - len(out))
            data = self.read(pid, addr, chunk)
            if not data:
                return None  # no NUL before unreadable memory: strace prints the address
            nul = data.find(b"\0")
            if nul >= 0:
                return out + data[:nul]
            out += data
            addr += len(data)
        return out


def text(raw: bytes, cap: int) -> str:
    """C string as JSON text: non-UTF-8 bytes as \\xNN, cut at cap with '...'."""
    cut = len(raw) > cap
    s = raw[:cap].decode("utf-8", "backslashreplace")
    return s + "..." if cut else s


def signed(v: int) -> int:
    return v - _U64 if v >= 1 << 63 else v


def ptr(v: int) -> str:
    return "NULL" if v == 0 else hex(v)


# ---------------------------------------------------------------- flags and constants


def flags(value: int, table: tuple[tuple[int, str], ...], zero: str = "0") -> str:
    """Bit flags as strace spells them: names joined with |, leftover bits in hex."""
    if value == 0:
        return zero
    parts = []
    for bit, name in table:
        if value & bit == bit:
            parts.append(name)
            value &= ~bit
    if value:
        parts.append(hex(value))
    return "|".join(parts)


def const(value: int, table: dict[int, str]) -> str | int:
    return table.get(value, value)


_ACCMODE = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR"}
_OPEN_BITS = (
    (0o20200000, "O_TMPFILE"), (0o4010000, "O_SYNC"), (0o100, "O_CREAT"), (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"), (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"), (0o20000, "O_ASYNC"), (0o40000, "O_DIRECT"), (0o100000, "O_LARGEFILE"),
    (0o200000, "O_DIRECTORY"), (0o400000, "O_NOFOLLOW"), (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"),
)
O_CLOEXEC = 0o2000000


def open_flags(v: int) -> str:
    v &= 0xFFFFFFFF
    rest = flags(v & ~3, _OPEN_BITS, zero="")
    acc = _ACCMODE.get(v & 3, "O_ACCMODE")
    return f"{acc}|{rest}" if rest else acc


_AT_BITS = (
    (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"), (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"), (0x8000, "AT_RECURSIVE"),
)
_FACCESSAT_BITS = ((0x200, "AT_EACCESS"), *[b for b in _AT_BITS if b[0] != 0x200])
_ACCESS_BITS = ((4, "R_OK"), (2, "W_OK"), (1, "X_OK"))
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
AF = {0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}
_SOCK_TYPE = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 10: "SOCK_PACKET"}
_SOCK_BITS = ((0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC"))
_IPPROTO = {0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP", 58: "IPPROTO_ICMPV6"}
_NETLINK = {0: "NETLINK_ROUTE", 4: "NETLINK_SOCK_DIAG", 9: "NETLINK_AUDIT", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC"}
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
_FCNTL = {
    0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK",
    7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG", 36: "F_OFD_GETLK",
    37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY",
    1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS",
    1034: "F_GET_SEALS",
}
_FUTEX = {
    0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE", 4: "FUTEX_CMP_REQUEUE",
    5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI",
    9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET", 11: "FUTEX_WAIT_REQUEUE_PI",
    12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2",
}
_MSG_BITS = (
    (1, "MSG_OOB"), (2, "MSG_PEEK"), (4, "MSG_DONTROUTE"), (8, "MSG_CTRUNC"), (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"), (0x40, "MSG_DONTWAIT"), (0x80, "MSG_EOR"), (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"), (0x400, "MSG_SYN"), (0x800, "MSG_CONFIRM"), (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"), (0x4000, "MSG_NOSIGNAL"), (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"), (0x40000, "MSG_BATCH"), (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"), (0x40000000, "MSG_CMSG_CLOEXEC"),
)
_GRND_BITS = ((1, "GRND_NONBLOCK"), (2, "GRND_RANDOM"), (4, "GRND_INSECURE"))
_WAIT_BITS = ((1, "WNOHANG"), (2, "WUNTRACED"), (8, "WCONTINUED"), (0x20000000, "__WNOTHREAD"), (0x40000000, "__WALL"), (0x80000000, "__WCLONE"))
_RLIMIT = {
    0: "RLIMIT_CPU", 1: "RLIMIT_FSIZE", 2: "RLIMIT_DATA", 3: "RLIMIT_STACK", 4: "RLIMIT_CORE",
    5: "RLIMIT_RSS", 6: "RLIMIT_NPROC", 7: "RLIMIT_NOFILE", 8: "RLIMIT_MEMLOCK", 9: "RLIMIT_AS",
    10: "RLIMIT_LOCKS", 11: "RLIMIT_SIGPENDING", 12: "RLIMIT_MSGQUEUE", 13: "RLIMIT_NICE",
    14: "RLIMIT_RTPRIO", 15: "RLIMIT_RTTIME",
}
_SEEK = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}
_SHUT = {0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}
_SOL = {0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6", 270: "SOL_NETLINK"}
AT_FDCWD = -100


def signame(n: int) -> str:
    try:
        return _signal.Signals(n).name
    except ValueError:
        return f"SIG{n}" if n < 32 else f"SIGRT_{n - 32}"


# Kernel-internal codes a tracer sees when a signal interrupts a call (never seen by programs).
_KERNEL_ERRNO = {512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 515: "ENOIOCTLCMD", 516: "ERESTART_RESTARTBLOCK"}


def errname(n: int) -> str:
    return _errno.errorcode.get(n) or _KERNEL_ERRNO.get(n, f"E{n}")


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


def sock_type(v: int) -> str:
    if v & 0xF not in _SOCK_TYPE:
        return f"{v:#x} /* SOCK_??? */"
    base = _SOCK_TYPE[v & 0xF]
    rest = flags(v & ~0xF, _SOCK_BITS, zero="")
    return f"{base}|{rest}" if rest else base


def dirfd(v: int) -> int | str:
    fd = ctypes.c_int(v & 0xFFFFFFFF).value
    return "AT_FDCWD" if fd == AT_FDCWD else fd


def fdnum(v: int) -> int:
    return ctypes.c_int(v & 0xFFFFFFFF).value


# ---------------------------------------------------------------- strace's value shapes


def xlat(v: int, table: dict[int, str], unknown: str) -> str:
    """A constant by name, else strace's `0x3039 /* AF_??? */`."""
    name = table.get(v)
    return name if name is not None else f"{v:#x} /* {unknown} */"


def int32(v: int) -> int:
    """An int argument as the kernel reads it: the low 32 bits, signed."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def octal(v: int) -> str:
    return f"0{v & 0xFFFFFFFF:o}" if v else "000"


def sflags(v: int, table: tuple[tuple[int, str], ...], zero: str = "0") -> str:
    """flags() of an int argument (32 bits)."""
    return flags(v & 0xFFFFFFFF, table, zero)


_S_IFMT = {0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o060000: "S_IFBLK",
           0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO"}


def file_mode(m: int) -> str:
    """st_mode as strace prints it: `S_IFREG|0644`."""
    kind = _S_IFMT.get(m & 0o170000)
    perm = f"0{m & 0o7777:03o}"
    return f"{kind}|{perm}" if kind else perm


def _makedev(dev: int) -> str:
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
    return f"makedev({major:#x}, {minor:#x})"


def stat_text(raw: bytes) -> str:
    """struct stat (x86_64), abbreviated the way strace prints it without -v."""
    mode = struct.unpack_from("=I", raw, 24)[0]
    if mode & 0o170000 in (0o020000, 0o060000):
        return f"{{st_mode={file_mode(mode)}, st_rdev={_makedev(struct.unpack_from('=Q', raw, 40)[0])}, ...}}"
    return f"{{st_mode={file_mode(mode)}, st_size={struct.unpack_from('=q', raw, 48)[0]}, ...}}"


_STATX_MASK = (
    (0x7FF, "STATX_BASIC_STATS"), (1, "STATX_TYPE"), (2, "STATX_MODE"), (4, "STATX_NLINK"), (8, "STATX_UID"),
    (0x10, "STATX_GID"), (0x20, "STATX_ATIME"), (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"), (0x200, "STATX_SIZE"), (0x400, "STATX_BLOCKS"), (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"), (0x2000, "STATX_DIOALIGN"),
)
_STATX_ATTR = (
    (0x4, "STATX_ATTR_COMPRESSED"), (0x10, "STATX_ATTR_IMMUTABLE"), (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"), (0x800, "STATX_ATTR_ENCRYPTED"), (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"), (0x100000, "STATX_ATTR_VERITY"), (0x200000, "STATX_ATTR_DAX"),
)


def statx_text(raw: bytes) -> str:
    mask, _blksize, attrs = struct.unpack_from("=IIQ", raw)
    mode = struct.unpack_from("=H", raw, 28)[0]
    size = struct.unpack_from("=Q", raw, 40)[0]
    return (f"{{stx_mask={flags(mask, _STATX_MASK)}, stx_attributes={flags(attrs, _STATX_ATTR)}, "
            f"stx_mode={file_mode(mode)}, stx_size={size}, ...}}")


def timespec(raw: bytes, off: int = 0, usec: bool = False) -> str:
    sec, frac = struct.unpack_from("=qq", raw, off)
    return f"{{tv_sec={sec}, {'tv_usec' if usec else 'tv_nsec'}={frac}}}"


def itimer(raw: bytes, usec: bool) -> str:
    return f"{{it_interval={timespec(raw, 0, usec)}, it_value={timespec(raw, 16, usec)}}}"


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
    return f"RT_{n - 32}" if n >= 32 else _SIGNAMES[n][3:]


def signame32(v: int) -> str | int:
    """A signal-number argument: its name, 0, or the number strace prints for no signal."""
    n = int32(v)
    if n == 0:
        return 0
    if 1 <= n <= 64:
        return signame(n)
    return n


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


_FLOCK_TYPE = {0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK"}


def flock_text(raw: bytes, with_pid: bool) -> str:
    typ, whence, start, ln, pid = struct.unpack_from("=hh4xqqi", raw)
    out = (f"{{l_type={xlat(typ, _FLOCK_TYPE, 'F_???')}, l_whence={xlat(whence, _SEEK, 'SEEK_???')}, "
           f"l_start={start}, l_len={ln}")
    return out + (f", l_pid={pid}}}" if with_pid else "}")


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


_SI_CODE = {0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ", -4: "SI_ASYNCIO",
            -5: "SI_SIGIO", -6: "SI_TKILL", -7: "SI_DETHREAD", -60: "SI_ASYNCNL"}
_CLD_CODE = {1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED"}
_FAULT_CODE = {
    11: {1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR"},
    7: {1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR"},
    4: {1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP", 5: "ILL_PRVOPC"},
    8: {1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV"}, 5: {1: "TRAP_BRKPT", 2: "TRAP_TRACE"},
}


def siginfo_text(raw: bytes) -> str:
    """siginfo_t (x86_64) in strace's fields for its kind: sender, child status or fault address."""
    signo, _err, code = struct.unpack_from("=iii", raw)
    head = f"{{si_signo={signame(signo)}, si_code="
    if code > 0 and signo == 17:  # SIGCHLD from the kernel: a child's new state
        pid, uid, status, utime, stime = struct.unpack_from("=iIi4xqq", raw, 16)
        st = signame(status) if code in (2, 3) else status
        return (f"{head}{_CLD_CODE.get(code, code)}, si_pid={pid}, si_uid={uid}, si_status={st}, "
                f"si_utime={utime}, si_stime={stime}}}")
    if code > 0 and code != 0x80 and signo in _FAULT_CODE:
        return f"{head}{_FAULT_CODE[signo].get(code, code)}, si_addr={ptr(struct.unpack_from('=Q', raw, 16)[0])}}}"
    pid, uid = struct.unpack_from("=iI", raw, 16)
    if code == 0x80:
        return f"{head}SI_KERNEL}}"
    return f"{head}{_SI_CODE.get(code, code)}, si_pid={pid}, si_uid={uid}}}"


def cquote(raw: bytes, cap: int) -> str:
    """Bytes as strace quotes a string it read itself: C escapes, non-ASCII as \\xNN."""
    out = []
    for b in raw[:cap]:
        c = _BYTE_ESC.get(b)
        out.append(c if c is not None else chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02x}")
    return '"' + "".join(out) + '"' + ("..." if len(raw) > cap else "")


_BYTE_ESC = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x0B: "\\v", 0x0C: "\\f", 0x22: '\\"', 0x5C: "\\\\"}


def hx(v: int) -> str:
    """strace's %#lx: 0 stays 0."""
    return hex(v) if v else "0"


# ---------------------------------------------------------------- socket addresses


def sockaddr(raw: bytes) -> dict[str, Any] | None:
    if len(raw) < 2:
        return None
    fam = struct.unpack_from("=H", raw)[0]
    if fam == 2 and len(raw) >= 8:
        port = struct.unpack_from("!H", raw, 2)[0]
        return {"family": "AF_INET", "addr": str(ipaddress.IPv4Address(raw[4:8])), "port": port}
    if fam == 10 and len(raw) >= 24:
        port, flow = struct.unpack_from("!HI", raw, 2)
        sa = {"family": "AF_INET6", "addr": str(ipaddress.IPv6Address(raw[8:24])), "port": port, "flowinfo": flow}
        if len(raw) >= 28:
            sa["scope_id"] = struct.unpack_from("=I", raw, 24)[0]
        return sa
    if fam == 1:
        path = raw[2:]
        if path[:1] == b"\0":  # abstract namespace: the name is every byte of the given length
            name = path[1:].decode("utf-8", "backslashreplace")
            return {"family": "AF_UNIX", "path": "@" + name, "abstract": True}
        return {"family": "AF_UNIX", "path": path.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")}
    if fam == 16 and len(raw) >= 12:
        pid, groups = struct.unpack_from("=II", raw, 4)
        return {"family": "AF_NETLINK", "pid": pid, "groups": groups}
    return {"family": AF.get(fam, fam)}


def addr_text(sa: dict[str, Any]) -> str:
    if "port" in sa:
        host = f"[{sa['addr']}]" if sa["family"] == "AF_INET6" else sa["addr"]
        return f"{host}:{sa['port']}"
    if "path" in sa:
        return sa["path"]
    if "pid" in sa:
        return f"pid={sa['pid']}"
    return ""


# ---------------------------------------------------------------- descriptor tables


class Fd:
    """What one descriptor refers to; a socket's peer on port 53 marks DNS traffic (kept whole)."""

    __slots__ = ("path", "cloexec", "family", "stype", "peer")

    def __init__(self, path: str, cloexec: bool = False, family: str = "", stype: str = "", peer: dict[str, Any] | None = None) -> None:
        self.path = path
        self.cloexec = cloexec
        self.family = family
        self.stype = stype
        self.peer = peer

    def copy(self) -> Fd:
        return Fd(self.path, self.cloexec, self.family, self.stype, self.peer)

    def describe(self) -> str:
        if not self.family:
            return self.path
        if self.peer is not None:
            return f"socket:[{self.family} {self.stype} -> {addr_text(self.peer)}]"
        return f"socket:[{self.family} {self.stype}]"

    @property
    def dns(self) -> bool:
        return self.peer is not None and self.peer.get("port") == 53


FdTable = dict[int, Fd]


# ---------------------------------------------------------------- the decoder

Args = tuple[int, ...]
_Handler = Callable[["Decoder", int, FdTable, Args, int], list[Any]]


class Decoder:
    """Decodes syscalls of all tracees; owns the descriptor table of each process."""

    def __init__(self, strsize: int) -> None:
        self.strsize = strsize
        self.mem = Memory()
        self.tables: dict[int, FdTable] = {}  # by thread-group id; threads share one
        self.len_in: dict[int, int] = {}  # thread -> a value-result length read at the call's entry
        self.note: str | None = None  # what strace prints after the result of the last call decoded
        self._si = ctypes.create_string_buffer(128)
        self._si_addr = ctypes.addressof(self._si)

    # -- process life cycle

    def table(self, tgid: int) -> FdTable:
        t = self.tables.get(tgid)
        if t is None:
            t = self.tables[tgid] = {}
        return t

    def fork(self, parent: int, child: int, share: bool) -> None:
        src = self.table(parent)
        self.tables[child] = src if share else {fd: f.copy() for fd, f in src.items()}

    def exec(self, tgid: int) -> None:
        t = self.table(tgid)
        for fd in [fd for fd, f in t.items() if f.cloexec]:
            del t[fd]

    def gone(self, tgid: int) -> None:
        self.tables.pop(tgid, None)

    # -- decoding

    def fd_path(self, tid: int, table: FdTable, fd: int) -> str | None:
        f = table.get(fd)
        if f is None:
            # Not seen opening (inherited, or traced set too narrow): ask the kernel.
            try:
                f = table[fd] = Fd(os.readlink(f"/proc/{tid}/fd/{fd}"))
            except OSError:
                return None
        return f.describe()

    def decode(self, name: str, tid: int, tgid: int, args: Args, nargs: int, ret: int) -> tuple[list[Any], str | None]:
        """Arguments of a finished call (ret is the signed result) and its fd_path."""
        self.note = None
        table = self.table(tgid)
        where = _FD_ARG.get(name)
        path = None
        if where is not None:
            fd = fdnum(args[where])
            if fd >= 0:
                path = self.fd_path(tid, table, fd)
        if name == "close_range" and ret == 0 and args[2] & 2:
            # CLOSE_RANGE_UNSHARE: the process stops sharing its table (CLONE_FILES) first
            table = self.tables[tgid] = {fd: f.copy() for fd, f in table.items()}
        h = _HANDLERS.get(name)
        out = h(self, tid, table, args, ret) if h is not None else [signed(a) for a in args[:nargs]]
        return out, path

    def siginfo(self, tid: int) -> str | None:
        """The siginfo of the signal a thread is stopped with, as strace prints it."""
        if _PTRACE(_PTRACE_GETSIGINFO, tid, None, self._si_addr) < 0:
            return None
        return siginfo_text(self._si.raw)

    def entry(self, name: str, tid: int, args: Args) -> None:
        """At the entry of a call with a value-result length: keeps the length given."""
        where = LENGTH_AT_ENTRY.get(name)
        addr = args[where] if where is not None else (args[1] if name == "recvmsg" else 0)
        if name == "recvmsg" and addr:
            raw = self.mem.read(tid, addr + 8, 4)  # msghdr.msg_namelen
        else:
            raw = self.mem.read(tid, addr, 4) if addr else b""
        if len(raw) == 4:
            self.len_in[tid] = struct.unpack("=i", raw)[0]

    def settle_at_entry(self, name: str, tgid: int, args: Args) -> bool:
        """For a call stopped on only to follow descriptors (not recorded): applies it to the
        table at entry when its result does not matter, sparing the exit stop. close releases
        the number even when it fails (EINTR) or did not hold it (EBADF); fcntl other than
        F_DUPFD* cannot fail in a way that matters here. True when done."""
        if name == "close":
            self.table(tgid).pop(fdnum(args[0]), None)
            return True
        if name == "fcntl":
            cmd = args[1] & 0xFFFFFFFF
            if cmd in (0, 1030):  # F_DUPFD, F_DUPFD_CLOEXEC: the new number is the result
                return False
            f = self.table(tgid).get(fdnum(args[0])) if cmd == 2 else None  # F_SETFD
            if f is not None:
                f.cloexec = bool(args[2] & 1)
            return True
        return False

    def buf(self, tid: int, addr: int, n: int, dns: bool = False) -> dict[str, Any] | str:
        if addr == 0:
            return "NULL"
        cap = _DNS_CAP if dns else self.strsize
        data = self.mem.read(tid, addr, min(n, cap)) if n > 0 else b""
        if n > 0 and not data:
            return ptr(addr)  # unreadable (EFAULT): strace prints the address
        return {"hex": data.hex(), "len": max(n, 0)}

    def path(self, tid: int, addr: int) -> str:
        raw = self.mem.cstr(tid, addr, 4096)
        return ptr(addr) if raw is None else text(raw, 4096)

    def string(self, tid: int, addr: int) -> str:
        raw = self.mem.cstr(tid, addr, self.strsize)
        return ptr(addr) if raw is None else text(raw, self.strsize)

    def strings(self, tid: int, addr: int) -> list[str] | str:
        """A NULL-terminated char *[] (argv)."""
        if addr == 0:
            return "NULL"
        out: list[str] = []
        while len(out) < 4096:
            raw = self.mem.read(tid, addr, 8 * 64)
            if len(raw) < 8:
                break
            ptrs = struct.unpack_from(f"={len(raw) // 8}Q", raw)
            for p in ptrs:
                if p == 0:
                    return out
                out.append(self.string(tid, p))
            addr += len(raw)
        return out

    def sockaddr_at(self, tid: int, addr: int, length: int) -> dict[str, Any] | str | None:
        if addr == 0:
            return None
        sa = sockaddr(self.mem.read(tid, addr, min(length, 128)))
        return sa if sa is not None else ptr(addr)

    def iov(self, tid: int, addr: int, count: int, total: int, dns: bool) -> list[Any]:
        """struct iovec[count]; total bytes are spread over them (what was sent or received)."""
        raw = self.mem.read(tid, addr, 16 * min(count, 1024))
        out: list[Any] = []
        for i in range(len(raw) // 16):
            base, ln = struct.unpack_from("=QQ", raw, 16 * i)
            n = min(ln, max(total, 0))
            total -= n
            b = self.buf(tid, base, n, dns)
            if isinstance(b, dict):
                b["len"] = n
                if n != ln:
                    b["size"] = ln  # the buffer's size, when more fit than was transferred
            out.append(b)
        return out

    def msghdr(self, tid: int, addr: int, total: int, dns: bool, namelen_in: int | None = None) -> dict[str, Any] | str:
        """struct msghdr with strace's fields; namelen_in is msg_namelen at a recvmsg's entry."""
        raw = self.mem.read(tid, addr, 56)
        if len(raw) < 56:
            return ptr(addr)
        name, namelen, iov, iovlen, control, controllen, fl = struct.unpack_from("=QI4xQQQQi", raw)
        sa = self.sockaddr_at(tid, name, namelen) if name and namelen else (ptr(name) if name else None)
        dns = dns or (isinstance(sa, dict) and sa.get("port") == 53)
        nl: int | str = namelen if namelen_in is None or namelen_in == namelen else f"{namelen_in} => {namelen}"
        return {"name": sa, "namelen": nl, "iov": self.iov(tid, iov, iovlen, total, dns), "iovlen": iovlen,
                "control": ptr(control) if controllen else "NULL", "controllen": controllen,
                "flags": flags(fl & 0xFFFFFFFF, _MSG_BITS)}

    def mmsghdrs(self, tid: int, addr: int, count: int, dns: bool) -> list[Any]:
        out: list[Any] = []
        for i in range(max(count, 0)):
            raw = self.mem.read(tid, addr + 64 * i + 56, 4)
            n = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
            m = self.msghdr(tid, addr + 64 * i, n, dns)
            if isinstance(m, dict):
                m["len"] = n
            out.append(m)
        return out

    def new_fd(self, table: FdTable, fd: int, f: Fd) -> None:
        if fd >= 0:
            table[fd] = f


# ---------------------------------------------------------------- per-syscall handlers
# Each gets (decoder, tid, fd table, raw args, signed return) and returns the decoded list;
# handlers of calls that create or drop descriptors also update the table.


def _opened(d: Decoder, tid: int, t: FdTable, dfd: int, addr: int, p: str, r: int) -> str:
    """The path a new descriptor refers to, like strace -y: a relative name joined to the
    directory it is relative to (dfd, or the cwd for AT_FDCWD)."""
    if r < 0 or p.startswith("/") or p == ptr(addr):
        return p  # failed, absolute, or unreadable (kept as the pointer text)
    fd = fdnum(dfd)
    if fd == AT_FDCWD:
        # Read at the call's exit rather than tracked through chdir/fchdir: those may be
        # outside the traced set, and a relative open is rare enough for one readlink.
        try:
            base: str | None = os.readlink(f"/proc/{tid}/cwd")
        except OSError:
            return p
    else:
        base = d.fd_path(tid, t, fd)
    if base is None or not base.startswith("/"):
        return p  # no directory path to join to (an fd the kernel no longer names)
    # Lexical, like the names recorded for absolute opens (no symlinks are resolved).
    return os.path.normpath(os.path.join(base, p))


def _open(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[0])
    d.new_fd(t, r, Fd(_opened(d, tid, t, AT_FDCWD, a[0], p, r), bool(a[1] & O_CLOEXEC)))
    return [p, open_flags(a[1]), a[2]] if a[1] & 0o100 or a[1] & 0o20200000 == 0o20200000 else [p, open_flags(a[1])]


def _openat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[1])
    d.new_fd(t, r, Fd(_opened(d, tid, t, a[0], a[1], p, r), bool(a[2] & O_CLOEXEC)))
    out = [dirfd(a[0]), p, open_flags(a[2])]
    if a[2] & 0o100 or a[2] & 0o20200000 == 0o20200000:
        out.append(oct(a[3]).replace("0o", "0"))
    return out


def _openat2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[1])
    raw = d.mem.read(tid, a[2], 8)
    fl = struct.unpack("=Q", raw)[0] if len(raw) == 8 else 0
    d.new_fd(t, r, Fd(_opened(d, tid, t, a[0], a[1], p, r), bool(fl & O_CLOEXEC)))
    return [dirfd(a[0]), p, {"flags": open_flags(fl)}, a[3]]


def _creat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[0])
    d.new_fd(t, r, Fd(_opened(d, tid, t, AT_FDCWD, a[0], p, r)))
    return [p, oct(a[1]).replace("0o", "0")]


def _path_ptr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), ptr(a[1])]



def _access(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), flags(a[1], _ACCESS_BITS, zero="F_OK")]


def _faccessat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], _ACCESS_BITS, zero="F_OK")]


def _faccessat2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_faccessat(d, tid, t, a, r), flags(a[3], _FACCESSAT_BITS)]





def _readlink(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    target = text(d.mem.read(tid, a[1], r), d.strsize) if r > 0 else ptr(a[1])
    return [d.path(tid, a[0]), target, a[2]]


def _readlinkat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    target = text(d.mem.read(tid, a[2], r), d.strsize) if r > 0 else ptr(a[2])
    return [dirfd(a[0]), d.path(tid, a[1]), target, a[3]]


def _execve(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), d.strings(tid, a[1]), f"{ptr(a[2])} /* {_count(d, tid, a[2])} vars */"]


def _execveat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), d.strings(tid, a[2]), f"{ptr(a[3])} /* {_count(d, tid, a[3])} vars */", flags(a[4], _AT_BITS)]


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


def _dns(t: FdTable, fd: int) -> bool:
    f = t.get(fd)
    return f is not None and f.dns


def _read(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.buf(tid, a[1], r, _dns(t, fd)) if r >= 0 else ptr(a[1]), a[2]]


def _pread(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_read(d, tid, t, a, r), signed(a[3])]


def _write(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.buf(tid, a[1], a[2], _dns(t, fd)), a[2]]


def _readv(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.iov(tid, a[1], a[2], r, _dns(t, fd)) if r >= 0 else ptr(a[1]), a[2]]


def _writev(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.iov(tid, a[1], a[2], 1 << 62, _dns(t, fd)), a[2]]


def _close(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    if r == 0:
        t.pop(fd, None)
    return [fd]


_CLOSE_RANGE_FLAGS = ((2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC"))


def _close_range(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    first, last = a[0] & 0xFFFFFFFF, a[1] & 0xFFFFFFFF
    if r == 0:
        for fd in [fd for fd in t if first <= fd <= last]:
            if a[2] & 4:  # CLOSE_RANGE_CLOEXEC: marked, closed only by the next exec
                t[fd].cloexec = True
            else:
                del t[fd]
    return [first, last, flags(a[2], _CLOSE_RANGE_FLAGS)]


def _dup(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    old = fdnum(a[0])
    if r >= 0 and old in t:
        f = t[old].copy()
        f.cloexec = False
        t[r] = f
    return [old]


def _dup2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    _dup(d, tid, t, a, r)
    return [fdnum(a[0]), fdnum(a[1])]


def _dup3(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    _dup(d, tid, t, a, r)
    if r >= 0 and r in t:
        t[r].cloexec = bool(a[2] & O_CLOEXEC)
    return [fdnum(a[0]), fdnum(a[1]), flags(a[2], ((O_CLOEXEC, "O_CLOEXEC"),))]


def _fcntl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, cmd = fdnum(a[0]), a[1] & 0xFFFFFFFF
    name = _FCNTL.get(cmd, cmd)
    if cmd in (0, 1030):  # F_DUPFD, F_DUPFD_CLOEXEC
        if r >= 0 and fd in t:
            f = t[r] = t[fd].copy()
            f.cloexec = cmd == 1030
        return [fd, name, a[2]]
    if cmd == 2:  # F_SETFD
        if r == 0 and fd in t:
            t[fd].cloexec = bool(a[2] & 1)
        return [fd, name, "FD_CLOEXEC" if a[2] & 1 else "0"]
    if cmd == 4:  # F_SETFL
        return [fd, name, open_flags(a[2])]
    if cmd in (1, 3, 9, 11, 1025, 1032, 1034):  # commands without an argument
        return [fd, name]
    if cmd in (5, 6, 7, 36, 37, 38):  # the lock commands: struct flock (F_GETLK's is the answer)
        if cmd in (5, 36):
            return [fd, name, _out(d, tid, a[2], 32, r, lambda raw: flock_text(raw, True))]
        return [fd, name, _in(d, tid, a[2], 32, lambda raw: flock_text(raw, False))]
    return [fd, name, signed(a[2])]


# The requests libcs issue on their own (isatty, terminal size, interface lookups).
_IOCTL = {
    0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x540F: "TIOCGPGRP",
    0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD",
    0x5421: "FIONBIO", 0x5451: "FIOCLEX", 0x5450: "FIONCLEX", 0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS", 0x8933: "SIOCGIFINDEX", 0x8910: "SIOCGIFNAME", 0x80045430: "TIOCGPTN",
}




def _socketpair(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fds: list[int] | str = ptr(a[3])
    raw = d.mem.read(tid, a[3], 8) if r == 0 else b""
    if len(raw) == 8:
        fds = list(struct.unpack("=ii", raw))
        for fd in fds:
            t[fd] = Fd("socket", bool(a[1] & O_CLOEXEC), AF.get(a[0], str(a[0])), _SOCK_TYPE.get(a[1] & 0xF, ""))
    return [AF.get(a[0], a[0]), sock_type(a[1]), a[2], fds]














def _sendmmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.mmsghdrs(tid, a[1], r, _dns(t, fd)) if r > 0 else ptr(a[1]), a[2], flags(a[3], _MSG_BITS)]


def _recvmmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.mmsghdrs(tid, a[1], r, _dns(t, fd)) if r > 0 else ptr(a[1]), a[2], flags(a[3], _MSG_BITS), ptr(a[4])]


def _pipe(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    raw = d.mem.read(tid, a[0], 8) if r == 0 else b""
    if len(raw) != 8:
        return [ptr(a[0])] if len(a) < 2 else [ptr(a[0]), flags(a[1], _OPEN_BITS)]
    fds = list(struct.unpack("=ii", raw))
    cloexec = len(a) > 1 and bool(a[1] & O_CLOEXEC)
    for fd in fds:
        try:
            t[fd] = Fd(os.readlink(f"/proc/{tid}/fd/{fd}"), cloexec)
        except OSError:
            t[fd] = Fd("pipe", cloexec)
    return [fds] if len(a) < 2 else [fds, flags(a[1], _OPEN_BITS)]


def _mmap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    typ = _MAP_TYPE.get(a[3] & 3, "")
    rest = flags(a[3] & ~3, _MAP_BITS, zero="")
    mflags = "|".join(x for x in (typ, rest) if x) or "0"
    return [ptr(a[0]), a[1], flags(a[2], _PROT_BITS, zero="PROT_NONE"), mflags, fdnum(a[4]), a[5]]


def _lseek(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), signed(a[1]), const(a[2] & 0xFFFFFFFF, _SEEK)]



def _mprotect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], flags(a[2], _PROT_BITS, zero="PROT_NONE")]



def _mremap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    out: list[Any] = [ptr(a[0]), a[1], a[2], flags(a[3], _MREMAP_BITS)]
    return out + [ptr(a[4])] if a[3] & 2 else out




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







# ---------------------------------------------------------------- argument kinds
# A call whose arguments each read alone is described by their kinds (strace's syscallent
# plus its printers); Decoder.decode maps each raw value through its kind.

Kind = Callable[["Decoder", int, int], Any]


def _k_int(d: Decoder, tid: int, v: int) -> int:
    return int32(v)


def _k_uint(d: Decoder, tid: int, v: int) -> int:
    return v & 0xFFFFFFFF


def _k_long(d: Decoder, tid: int, v: int) -> int:
    return signed(v)


def _k_ulong(d: Decoder, tid: int, v: int) -> int:
    return v


def _k_ptr(d: Decoder, tid: int, v: int) -> str:
    return ptr(v)


def _k_path(d: Decoder, tid: int, v: int) -> str:
    return d.path(tid, v)


def _k_str(d: Decoder, tid: int, v: int) -> str:
    return d.string(tid, v)


def _k_mode(d: Decoder, tid: int, v: int) -> str:
    return octal(v)


def _k_dirfd(d: Decoder, tid: int, v: int) -> int | str:
    return dirfd(v)


def _k_at(d: Decoder, tid: int, v: int) -> str:
    return sflags(v, _AT_BITS)


def _k_sig(d: Decoder, tid: int, v: int) -> str | int:
    return signame32(v)


def _k_flags(table: tuple[tuple[int, str], ...], unknown: str, zero: str = "0") -> Kind:
    def k(d: Decoder, tid: int, v: int) -> str:
        return uflags(v & 0xFFFFFFFF, table, unknown, zero)
    return k


def _k_xlat(table: dict[int, str], unknown: str) -> Kind:
    def k(d: Decoder, tid: int, v: int) -> str:
        return xlat(int32(v), table, unknown)
    return k


def uflags(v: int, table: tuple[tuple[int, str], ...], unknown: str, zero: str = "0") -> str:
    """flags(), and strace's `0x8 /* MCL_??? */` when no bit has a name."""
    s = flags(v, table, zero)
    return f"{s} /* {unknown} */" if v and s.startswith("0x") and "|" not in s else s


_LOCK_BITS = ((1, "LOCK_SH"), (2, "LOCK_EX"), (4, "LOCK_NB"), (8, "LOCK_UN"), (32, "LOCK_MAND"), (64, "LOCK_READ"), (128, "LOCK_WRITE"))
_MS_BITS = ((1, "MS_ASYNC"), (4, "MS_SYNC"), (2, "MS_INVALIDATE"))
_MCL_BITS = ((1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT"))
_MFD_BITS = ((1, "MFD_CLOEXEC"), (2, "MFD_ALLOW_SEALING"), (4, "MFD_HUGETLB"), (8, "MFD_NOEXEC_SEAL"), (16, "MFD_EXEC"))
_EFD_BITS = ((O_CLOEXEC, "EFD_CLOEXEC"), (0o4000, "EFD_NONBLOCK"), (1, "EFD_SEMAPHORE"))
_TFD_BITS = ((O_CLOEXEC, "TFD_CLOEXEC"), (0o4000, "TFD_NONBLOCK"))
_SFD_BITS = ((O_CLOEXEC, "SFD_CLOEXEC"), (0o4000, "SFD_NONBLOCK"))
_RENAME_BITS = ((1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT"))
_CLOCKS = {
    0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID", 3: "CLOCK_THREAD_CPUTIME_ID",
    4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE", 6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME",
    8: "CLOCK_REALTIME_ALARM", 9: "CLOCK_BOOTTIME_ALARM", 11: "CLOCK_TAI",
}
_PRIO = {0: "PRIO_PROCESS", 1: "PRIO_PGRP", 2: "PRIO_USER"}
_RUSAGE = {0: "RUSAGE_SELF", -1: "RUSAGE_CHILDREN", 1: "RUSAGE_THREAD"}
_ITIMER = {0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"}
_SIGHOW = {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}
_EPOLL_OP = {1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}
_MEMBARRIER = {0: "MEMBARRIER_CMD_QUERY", 1: "MEMBARRIER_CMD_GLOBAL", 2: "MEMBARRIER_CMD_GLOBAL_EXPEDITED",
               4: "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED", 8: "MEMBARRIER_CMD_PRIVATE_EXPEDITED",
               16: "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"}

_INT, _UINT, _LONG, _ULONG, _PTR = _k_int, _k_uint, _k_long, _k_ulong, _k_ptr
_PATH, _STR, _MODE, _DIRFD, _ATF, _SIG = _k_path, _k_str, _k_mode, _k_dirfd, _k_at, _k_sig

# Calls decoded from their argument kinds alone.
SPECS: dict[str, tuple[Kind, ...]] = {
    "mkdir": (_PATH, _MODE), "rename": (_PATH, _PATH), "symlink": (_PATH, _PATH), "link": (_PATH, _PATH),
    "chmod": (_PATH, _MODE), "fchmod": (_INT, _MODE), "fchmodat": (_DIRFD, _PATH, _MODE),
    "fchmodat2": (_DIRFD, _PATH, _MODE, _ATF), "chown": (_PATH, _INT, _INT), "lchown": (_PATH, _INT, _INT),
    "fchown": (_INT, _INT, _INT), "fchownat": (_DIRFD, _PATH, _INT, _INT, _ATF),
    "truncate": (_PATH, _LONG), "ftruncate": (_INT, _LONG), "mkdirat": (_DIRFD, _PATH, _MODE),
    "unlinkat": (_DIRFD, _PATH, _ATF), "linkat": (_DIRFD, _PATH, _DIRFD, _PATH, _ATF),
    "symlinkat": (_PATH, _DIRFD, _PATH), "renameat": (_DIRFD, _PATH, _DIRFD, _PATH),
    "renameat2": (_DIRFD, _PATH, _DIRFD, _PATH, _k_flags(_RENAME_BITS, "RENAME_???")),
    "mknod": (_PATH, _MODE, _UINT), "chroot": (_PATH,), "umask": (_MODE,), "fchdir": (_INT,),
    "fsync": (_INT,), "fdatasync": (_INT,), "syncfs": (_INT,), "flock": (_INT, _k_flags(_LOCK_BITS, "LOCK_???")),
    "getpgid": (_INT,), "setpgid": (_INT, _INT), "getsid": (_INT,), "setuid": (_INT,), "setgid": (_INT,),
    "tkill": (_INT, _SIG), "tgkill": (_INT, _INT, _SIG), "alarm": (_UINT,),
    "getpriority": (_k_xlat(_PRIO, "PRIO_???"), _INT), "setpriority": (_k_xlat(_PRIO, "PRIO_???"), _INT, _INT),
    "sched_getaffinity": (_INT, _UINT, _PTR), "memfd_create": (_STR, _k_flags(_MFD_BITS, "MFD_???")),
    "eventfd2": (_UINT, _k_flags(_EFD_BITS, "EFD_???")), "eventfd": (_UINT,),
    "epoll_create1": (_k_flags(((O_CLOEXEC, "EPOLL_CLOEXEC"),), "EPOLL_???"),), "epoll_create": (_INT,),
    "timerfd_create": (_k_xlat(_CLOCKS, "CLOCK_???"), _k_flags(_TFD_BITS, "TFD_???")),
    "msync": (_PTR, _ULONG, _k_flags(_MS_BITS, "MS_???")), "mlock": (_PTR, _ULONG), "munlock": (_PTR, _ULONG),
    "mlock2": (_PTR, _ULONG, _k_flags(((1, "MLOCK_ONFAULT"),), "MLOCK_???")),
    "mlockall": (_k_flags(_MCL_BITS, "MCL_???"),), "pkey_mprotect": (_PTR, _ULONG, _k_flags(_PROT_BITS, "PROT_???", "PROT_NONE"), _INT),
    "set_mempolicy_home_node": (_PTR, _ULONG, _ULONG, _UINT), "membarrier": (_k_xlat(_MEMBARRIER, "MEMBARRIER_CMD_???"), _UINT),
    "chdir": (_PATH,), "unlink": (_PATH,), "rmdir": (_PATH,), "exit": (_INT,), "exit_group": (_INT,),
    "brk": (_PTR,), "munmap": (_PTR, _ULONG), "set_tid_address": (_PTR,), "set_robust_list": (_PTR, _ULONG),
    "listen": (_INT, _INT),
}


def _spec(d: Decoder, tid: int, t: FdTable, a: Args, r: int, kinds: tuple[Kind, ...]) -> list[Any]:
    return [k(d, tid, v) for k, v in zip(kinds, a)]


# ---------------------------------------------------------------- structs behind pointers


def _out(d: Decoder, tid: int, addr: int, size: int, r: int, fmt: Callable[[bytes], str]) -> str:
    """An output struct: decoded when the call succeeded and it can be read, else its address."""
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, size) if r >= 0 else b""
    return fmt(raw) if len(raw) == size else ptr(addr)


def _in(d: Decoder, tid: int, addr: int, size: int, fmt: Callable[[bytes], str]) -> str:
    """An input struct: decoded when it can be read, else its address."""
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, size)
    return fmt(raw) if len(raw) == size else ptr(addr)


def _stat_at(d: Decoder, tid: int, addr: int, r: int) -> str:
    return _out(d, tid, addr, 144, r, stat_text)


def _fstat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _stat_at(d, tid, a[1], r)]


def _stat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), _stat_at(d, tid, a[1], r)]


def _newfstatat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), _stat_at(d, tid, a[2], r), sflags(a[3], _AT_BITS)]


def _statx(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], _AT_BITS, zero="AT_STATX_SYNC_AS_STAT"),
            uflags(a[3] & 0xFFFFFFFF, _STATX_MASK, "STATX_???"), _out(d, tid, a[4], 256, r, statx_text)]


def _getdents(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    arg: str = ptr(a[1])
    if r > 0:
        raw = d.mem.read(tid, a[1], r)
        n = off = 0
        while off + 18 <= len(raw):
            reclen = struct.unpack_from("=H", raw, off + 16)[0]
            if reclen == 0:
                break
            n, off = n + 1, off + reclen
        arg = f"{arg} /* {n} entries */"
    return [int32(a[0]), arg, a[2] & 0xFFFFFFFF]


def _utimensat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    times = _in(d, tid, a[2], 32, lambda raw: f"[{_utime(raw, 0)}, {_utime(raw, 16)}]")
    return [dirfd(a[0]), d.path(tid, a[1]), times, sflags(a[3], _AT_BITS)]


def _utime(raw: bytes, off: int) -> str:
    nsec = struct.unpack_from("=q", raw, off + 8)[0]
    if nsec == (1 << 30) - 1:
        return "UTIME_NOW"
    if nsec == (1 << 30) - 2:
        return "UTIME_OMIT"
    return timespec(raw, off)


def _uname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        sysname, node = raw[:65].split(b"\0", 1)[0], raw[65:130].split(b"\0", 1)[0]
        return f"{{sysname={cquote(sysname, d.strsize)}, nodename={cquote(node, d.strsize)}, ...}}"
    return [_out(d, tid, a[0], 390, r, fmt)]


def _rlimit_call(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """getrlimit / setrlimit (resource, struct)."""
    res = xlat(int32(a[0]), _RLIMIT, "RLIMIT_???")
    return [res, _out(d, tid, a[1], 16, r, rlimit_text)]


def _prlimit64(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _RLIMIT, "RLIMIT_???"), _in(d, tid, a[2], 16, rlimit_text),
            _out(d, tid, a[3], 16, r, rlimit_text)]


def _getrusage(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _RUSAGE, "RUSAGE_???"), _out(d, tid, a[1], 144, r, rusage_text)]


def _wait4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    status = _out(d, tid, a[1], 4, r if r > 0 else -1, lambda raw: wait_status(struct.unpack("=i", raw)[0]))
    return [int32(a[0]), status, sflags(a[2], _WAIT_BITS), _out(d, tid, a[3], 144, r if r > 0 else -1, rusage_text)]


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


_PR = {
    1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
    7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME", 21: "PR_GET_SECCOMP",
    22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 36: "PR_SET_CHILD_SUBREAPER",
    37: "PR_GET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 41: "PR_SET_THP_DISABLE",
    42: "PR_GET_THP_DISABLE", 0x53564D41: "PR_SET_VMA", 0x59616D61: "PR_SET_PTRACER",
}


def _prctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """The arguments strace prints for each option (src/prctl.c)."""
    op = a[0] & 0xFFFFFFFF
    name = _PR.get(op)
    if name is None:
        return [f"{op:#x} /* PR_??? */", *(hx(v) for v in a[1:5])]
    if op == 1:
        return [name, signame32(a[1])]
    if op == 2:
        return [name, _out(d, tid, a[1], 4, r, lambda raw: f"[{signame32(struct.unpack('=i', raw)[0])}]")]
    if op in (3, 7, 21, 37, 42):
        return [name]
    if op == 15:
        return [name, d.string(tid, a[1])]
    if op == 16:
        return [name, _out(d, tid, a[1], 16, r, lambda raw: text(raw.split(b"\0", 1)[0], d.strsize))]
    if op == 0x53564D41:  # PR_SET_VMA
        sub = "PR_SET_VMA_ANON_NAME" if a[1] == 0 else hx(a[1])
        return [name, sub, ptr(a[2]), a[3], d.string(tid, a[4]) if a[4] else "NULL"]
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
        return [name, _out(d, tid, a[1], 8, r, lambda raw: f"[{hx(struct.unpack('=Q', raw)[0])}]")]
    if code in (0x1002, 0x1001):
        return [name, ptr(a[1])]
    return [name, hx(a[1])]


# ---------------------------------------------------------------- signals


def _sigaction(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [signame32(a[0]), _in(d, tid, a[1], 32, sigaction_text), _out(d, tid, a[2], 32, r, sigaction_text), a[3]]


def _sigset_in(d: Decoder, tid: int, addr: int, size: int) -> str:
    return _in(d, tid, addr, min(size, 8), sigset_text) if size <= 128 else ptr(addr)


def _sigprocmask(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _SIGHOW, "SIG_???"), _sigset_in(d, tid, a[1], a[3]),
            _out(d, tid, a[2], min(a[3], 8), r, sigset_text) if a[3] <= 128 else ptr(a[2]), a[3]]


def _sigpending(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_out(d, tid, a[0], min(a[1], 8), r, sigset_text), a[1]]


def _sigtimedwait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    if r > 0:
        d.note = f"({signame(r)})"
    return [_sigset_in(d, tid, a[0], a[3]), ptr(a[1]), _in(d, tid, a[2], 16, timespec), a[3]]


def _signalfd4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _sigset_in(d, tid, a[1], a[2]), a[2], uflags(a[3] & 0xFFFFFFFF, _SFD_BITS, "SFD_???")]


_SS_BITS = ((1, "SS_ONSTACK"), (2, "SS_DISABLE"), (0x80000000, "SS_AUTODISARM"))


def _stack_t(raw: bytes) -> str:
    sp, fl, size = struct.unpack_from("=Qi4xQ", raw)
    return f"{{ss_sp={ptr(sp)}, ss_flags={flags(fl & 0xFFFFFFFF, _SS_BITS)}, ss_size={size}}}"


def _sigaltstack(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_in(d, tid, a[0], 24, _stack_t), _out(d, tid, a[1], 24, r, _stack_t)]


# ---------------------------------------------------------------- time


def _clock_get(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), _out(d, tid, a[1], 16, r, timespec)]


def _clock_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), _in(d, tid, a[1], 16, timespec)]


def _rem(d: Decoder, tid: int, addr: int, r: int) -> str:
    # The remaining time is written only when a signal cut the sleep short.
    return _out(d, tid, addr, 16, 0, timespec) if r == -_errno.EINTR or r <= -512 else ptr(addr)


def _nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_in(d, tid, a[0], 16, timespec), _rem(d, tid, a[1], r)]


def _clock_nanosleep(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = "TIMER_ABSTIME" if a[1] & 0xFFFFFFFF == 1 else uflags(a[1] & 0xFFFFFFFF, ((1, "TIMER_ABSTIME"),), "TIMER_???")
    return [xlat(int32(a[0]), _CLOCKS, "CLOCK_???"), fl, _in(d, tid, a[2], 16, timespec), _rem(d, tid, a[3], r)]


def _itv(raw: bytes) -> str:
    return itimer(raw, True)


def _setitimer(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _ITIMER, "ITIMER_???"), _in(d, tid, a[1], 32, _itv), _out(d, tid, a[2], 32, r, _itv)]


def _getitimer(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [xlat(int32(a[0]), _ITIMER, "ITIMER_???"), _out(d, tid, a[1], 32, r, _itv)]


def _its(raw: bytes) -> str:
    return itimer(raw, False)


def _timerfd_settime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = uflags(a[1] & 0xFFFFFFFF, ((1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")), "TFD_???")
    return [int32(a[0]), fl, _in(d, tid, a[2], 32, _its), _out(d, tid, a[3], 32, r, _its)]


def _timerfd_gettime(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _out(d, tid, a[1], 32, r, _its)]


def _times(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    def fmt(raw: bytes) -> str:
        u, s, cu, cs = struct.unpack_from("=4q", raw)
        return f"{{tms_utime={u}, tms_stime={s}, tms_cutime={cu}, tms_cstime={cs}}}"
    return [_out(d, tid, a[0], 32, 0, fmt)]


def _gettimeofday(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    tz = _out(d, tid, a[1], 8, r, lambda raw: "{tz_minuteswest=%d, tz_dsttime=%d}" % struct.unpack("=ii", raw))
    return [_out(d, tid, a[0], 16, r, lambda raw: timespec(raw, 0, True)), tz]


# ---------------------------------------------------------------- poll and epoll


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
        left = _in(d, tid, a[2], 16, timespec)
        if r > 0 and d.note is not None:
            d.note = f"{d.note[:-1]}, left {left})"
    return [out[0], out[1], _in(d, tid, a[2], 16, timespec), _sigset_in(d, tid, a[3], a[4]), a[4]]


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
        left = _in(d, tid, a[4], 16, lambda raw: timespec(raw, 0, usec))
        d.note = f"({', '.join(ready)}" + (f", left {left})" if a[4] else ")")
    elif r == 0:
        d.note = "(Timeout)"
    return [n, *sets, _in(d, tid, a[4], 16, lambda raw: timespec(raw, 0, usec))]


def _epoll_event(raw: bytes) -> str:
    return epoll_events_text(raw)[1:-1]


def _epoll_ctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _EPOLL_OP, "EPOLL_CTL_???"), int32(a[2]), _in(d, tid, a[3], 12, _epoll_event)]


def _epoll_wait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    evs: str = ptr(a[1])
    if a[1] and r >= 0:
        raw = d.mem.read(tid, a[1], 12 * r)
        if len(raw) == 12 * r:
            evs = epoll_events_text(raw)
    return [int32(a[0]), evs, int32(a[2]), int32(a[3])]


def _epoll_pwait(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_epoll_wait(d, tid, t, a, r), _sigset_in(d, tid, a[4], a[5]), a[5]]


# ---------------------------------------------------------------- socket options and lengths

_SO = {
    1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE", 6: "SO_BROADCAST",
    7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 11: "SO_NO_CHECK",
    12: "SO_PRIORITY", 13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT", 16: "SO_PASSCRED",
    17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO_OLD", 21: "SO_SNDTIMEO_OLD",
    25: "SO_BINDTODEVICE", 26: "SO_ATTACH_FILTER", 27: "SO_DETACH_FILTER", 28: "SO_PEERNAME",
    29: "SO_TIMESTAMP_OLD", 30: "SO_ACCEPTCONN", 31: "SO_PEERSEC", 32: "SO_SNDBUFFORCE", 33: "SO_RCVBUFFORCE",
    34: "SO_PASSSEC", 35: "SO_TIMESTAMPNS_OLD", 36: "SO_MARK", 37: "SO_TIMESTAMPING_OLD", 38: "SO_PROTOCOL",
    39: "SO_DOMAIN", 40: "SO_RXQ_OVFL", 41: "SO_WIFI_STATUS", 42: "SO_PEEK_OFF", 43: "SO_NOFCS",
    44: "SO_LOCK_FILTER", 45: "SO_SELECT_ERR_QUEUE", 46: "SO_BUSY_POLL", 47: "SO_MAX_PACING_RATE",
    48: "SO_BPF_EXTENSIONS", 49: "SO_INCOMING_CPU", 50: "SO_ATTACH_BPF", 51: "SO_ATTACH_REUSEPORT_CBPF",
    52: "SO_ATTACH_REUSEPORT_EBPF", 53: "SO_CNX_ADVICE", 55: "SO_MEMINFO", 56: "SO_INCOMING_NAPI_ID",
    57: "SO_COOKIE", 59: "SO_PEERGROUPS", 60: "SO_ZEROCOPY", 61: "SO_TXTIME", 62: "SO_BINDTOIFINDEX",
    63: "SO_TIMESTAMP_NEW", 64: "SO_TIMESTAMPNS_NEW", 65: "SO_TIMESTAMPING_NEW", 66: "SO_RCVTIMEO_NEW",
    67: "SO_SNDTIMEO_NEW", 68: "SO_DETACH_REUSEPORT_BPF", 69: "SO_PREFER_BUSY_POLL", 70: "SO_BUSY_POLL_BUDGET",
    71: "SO_NETNS_COOKIE", 72: "SO_BUF_LOCK", 73: "SO_RESERVE_MEM", 74: "SO_TXREHASH", 75: "SO_RCVMARK",
}
_TCP = {
    1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL", 6: "TCP_KEEPCNT",
    7: "TCP_SYNCNT", 8: "TCP_LINGER2", 9: "TCP_DEFER_ACCEPT", 10: "TCP_WINDOW_CLAMP", 11: "TCP_INFO",
    12: "TCP_QUICKACK", 13: "TCP_CONGESTION", 14: "TCP_MD5SIG", 16: "TCP_THIN_LINEAR_TIMEOUTS",
    17: "TCP_THIN_DUPACK", 18: "TCP_USER_TIMEOUT", 19: "TCP_REPAIR", 20: "TCP_REPAIR_QUEUE", 21: "TCP_QUEUE_SEQ",
    22: "TCP_REPAIR_OPTIONS", 23: "TCP_FASTOPEN", 24: "TCP_TIMESTAMP", 25: "TCP_NOTSENT_LOWAT", 26: "TCP_CC_INFO",
    27: "TCP_SAVE_SYN", 28: "TCP_SAVED_SYN", 29: "TCP_REPAIR_WINDOW", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP",
    32: "TCP_MD5SIG_EXT", 33: "TCP_FASTOPEN_KEY", 34: "TCP_FASTOPEN_NO_COOKIE", 35: "TCP_ZEROCOPY_RECEIVE",
    36: "TCP_INQ", 37: "TCP_TX_DELAY",
}
_IP = {
    1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 5: "IP_ROUTER_ALERT", 6: "IP_RECVOPTS",
    7: "IP_RETOPTS", 8: "IP_PKTINFO", 9: "IP_PKTOPTIONS", 10: "IP_MTU_DISCOVER", 11: "IP_RECVERR",
    12: "IP_RECVTTL", 13: "IP_RECVTOS", 14: "IP_MTU", 15: "IP_FREEBIND", 16: "IP_IPSEC_POLICY",
    17: "IP_XFRM_POLICY", 18: "IP_PASSSEC", 19: "IP_TRANSPARENT", 20: "IP_ORIGDSTADDR", 21: "IP_MINTTL",
    22: "IP_NODEFRAG", 23: "IP_CHECKSUM", 24: "IP_BIND_ADDRESS_NO_PORT", 25: "IP_RECVFRAGSIZE",
    26: "IP_RECVERR_RFC4884", 32: "IP_MULTICAST_IF", 33: "IP_MULTICAST_TTL", 34: "IP_MULTICAST_LOOP",
    35: "IP_ADD_MEMBERSHIP", 36: "IP_DROP_MEMBERSHIP", 37: "IP_UNBLOCK_SOURCE", 38: "IP_BLOCK_SOURCE",
    39: "IP_ADD_SOURCE_MEMBERSHIP", 40: "IP_DROP_SOURCE_MEMBERSHIP", 41: "IP_MSFILTER", 49: "IP_MULTICAST_ALL",
    50: "IP_UNICAST_IF",
}
_IPV6 = {
    1: "IPV6_ADDRFORM", 2: "IPV6_2292PKTINFO", 3: "IPV6_2292HOPOPTS", 4: "IPV6_2292DSTOPTS",
    5: "IPV6_2292RTHDR", 6: "IPV6_2292PKTOPTIONS", 7: "IPV6_CHECKSUM", 8: "IPV6_2292HOPLIMIT",
    9: "IPV6_NEXTHOP", 10: "IPV6_AUTHHDR", 11: "IPV6_FLOWINFO", 16: "IPV6_UNICAST_HOPS",
    17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS", 19: "IPV6_MULTICAST_LOOP", 20: "IPV6_ADD_MEMBERSHIP",
    21: "IPV6_DROP_MEMBERSHIP", 22: "IPV6_ROUTER_ALERT", 23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU",
    25: "IPV6_RECVERR", 26: "IPV6_V6ONLY", 27: "IPV6_JOIN_ANYCAST", 28: "IPV6_LEAVE_ANYCAST",
    49: "IPV6_RECVPKTINFO", 50: "IPV6_PKTINFO", 51: "IPV6_RECVHOPLIMIT", 52: "IPV6_HOPLIMIT",
    66: "IPV6_RECVTCLASS", 67: "IPV6_TCLASS",
}
_UDP = {1: "UDP_CORK", 100: "UDP_ENCAP", 101: "UDP_NO_CHECK6_TX", 102: "UDP_NO_CHECK6_RX", 103: "UDP_SEGMENT", 104: "UDP_GRO"}
_NETLINK_OPT = {1: "NETLINK_ADD_MEMBERSHIP", 2: "NETLINK_DROP_MEMBERSHIP", 3: "NETLINK_PKTINFO",
                4: "NETLINK_BROADCAST_ERROR", 5: "NETLINK_NO_ENOBUFS", 6: "NETLINK_RX_RING", 7: "NETLINK_TX_RING",
                8: "NETLINK_LISTEN_ALL_NSID", 9: "NETLINK_LIST_MEMBERSHIPS", 10: "NETLINK_CAP_ACK",
                11: "NETLINK_EXT_ACK", 12: "NETLINK_GET_STRICT_CHK"}
# (level name, option names, unknown text) by level.
_SOCKOPTS: dict[int, tuple[str, dict[int, str], str]] = {
    1: ("SOL_SOCKET", _SO, "SO_???"), 6: ("SOL_TCP", _TCP, "TCP_???"), 0: ("SOL_IP", _IP, "IP_???"),
    41: ("SOL_IPV6", _IPV6, "IPV6_???"), 17: ("SOL_UDP", _UDP, "UDP_???"), 270: ("SOL_NETLINK", _NETLINK_OPT, "NETLINK_???"),
}


def _optval(d: Decoder, tid: int, level: int, opt: int, addr: int, size: int, ok: bool) -> Any:
    if addr == 0:
        return "NULL"
    if not ok or size < 0:
        return ptr(addr)
    raw = d.mem.read(tid, addr, min(size, d.strsize + 1))
    if len(raw) < min(size, d.strsize + 1):
        return ptr(addr)
    if level == 1 and opt == 13 and size >= 8:  # SO_LINGER
        return "{l_onoff=%d, l_linger=%d}" % struct.unpack_from("=ii", raw)
    if size == 4:
        v = struct.unpack("=i", raw)[0]
        return f"[{v}]"
    return {"hex": raw[:size].hex(), "len": size}


def _sockopt_head(a: Args) -> tuple[int, int, list[Any]]:
    level, opt = int32(a[1]), a[2] & 0xFFFFFFFF
    known = _SOCKOPTS.get(level)
    if known is None:
        return level, opt, [int32(a[0]), level, opt]
    return level, opt, [int32(a[0]), known[0], xlat(opt, known[1], known[2])]


def _setsockopt(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    level, opt, out = _sockopt_head(a)
    size = int32(a[4])
    return [*out, _optval(d, tid, level, opt, a[3], size, True), size]


def _getsockopt(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    level, opt, out = _sockopt_head(a)
    before = d.len_in.pop(tid, None)
    raw = d.mem.read(tid, a[4], 4)
    after = struct.unpack("=i", raw)[0] if len(raw) == 4 else None
    val = _optval(d, tid, level, opt, a[3], after if after is not None else 0, r == 0)
    return [*out, val, inout_len(before, after, a[4])]


def inout_len(before: int | None, after: int | None, addr: int) -> str:
    """strace's value-result length: `[16]`, or `[128 => 16]` when the call changed it."""
    if addr == 0:
        return "NULL"
    if after is None:
        return ptr(addr)
    if before is None or before == after:
        return f"[{after}]"
    return f"[{before} => {after}]"


def _sockaddr_arg(d: Decoder, tid: int, addr: int, length: int) -> Any:
    if addr == 0:
        return None
    if length <= 0 or length > 1 << 20:
        return ptr(addr)
    raw = d.mem.read(tid, addr, min(length, 128))
    sa = sockaddr(raw) if len(raw) == min(length, 128) else None
    return sa if sa is not None else ptr(addr)


def _connect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, n = int32(a[0]), int32(a[2])
    sa = _sockaddr_arg(d, tid, a[1], n)
    # A failed non-blocking connect (EINPROGRESS) still names the peer.
    if isinstance(sa, dict) and fd in t and (r == 0 or r == -_errno.EINPROGRESS):
        t[fd].peer = sa
    return [fd, sa, n]


def _bind(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = int32(a[2])
    return [int32(a[0]), _sockaddr_arg(d, tid, a[1], n), n]


def _result_len(d: Decoder, tid: int, addr: int) -> int | None:
    raw = d.mem.read(tid, addr, 4) if addr else b""
    return struct.unpack("=i", raw)[0] if len(raw) == 4 else None


def _peer_out(d: Decoder, tid: int, addr: int, lenp: int, r: int) -> tuple[Any, str, Any]:
    """A value-result address (accept, getsockname, recvfrom): (address, length text, dict)."""
    before = d.len_in.pop(tid, None)
    if r < 0:
        return ptr(addr) if addr else None, inout_len(before, before, lenp) if before is not None else ptr(lenp), None
    after = _result_len(d, tid, lenp)
    sa = _sockaddr_arg(d, tid, addr, min(after, before) if after is not None and before is not None else after or 0)
    return sa, inout_len(before, after, lenp), sa if isinstance(sa, dict) else None


def _getsockname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    sa, ln, _ = _peer_out(d, tid, a[1], a[2], r)
    return [int32(a[0]), sa, ln]


def _accept(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa, ln, peer = _peer_out(d, tid, a[1], a[2], r)
    if r >= 0:
        lf = t.get(fd)
        cloexec = len(a) > 3 and bool(a[3] & O_CLOEXEC)
        t[r] = Fd("socket", cloexec, lf.family if lf else "", lf.stype if lf else "", peer)
    return [fd, sa, ln]


def _accept4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_accept(d, tid, t, a, r), sflags(a[3], _SOCK_BITS)]


def _sendto(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa = _sockaddr_arg(d, tid, a[4], int32(a[5])) if a[4] else None
    dns = _dns(t, fd) or (isinstance(sa, dict) and sa.get("port") == 53)
    _fast_open(t, fd, sa, r)
    return [fd, d.buf(tid, a[1], a[2], dns), a[2], sflags(a[3], _MSG_BITS), sa, int32(a[5])]


def _recvfrom(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa, ln, peer = _peer_out(d, tid, a[4], a[5], r) if a[5] else (None if not a[4] else ptr(a[4]), "NULL", None)
    dns = _dns(t, fd) or (peer is not None and peer.get("port") == 53)
    data = d.buf(tid, a[1], r, dns) if r >= 0 else ptr(a[1])
    return [fd, data, a[2], sflags(a[3], _MSG_BITS), sa, ln]


def _sendmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    hdr = d.msghdr(tid, a[1], 1 << 62, _dns(t, fd), None)
    if isinstance(hdr, dict):
        _fast_open(t, fd, hdr["name"], r)
    return [fd, hdr, sflags(a[2], _MSG_BITS)]


def _fast_open(t: FdTable, fd: int, sa: Any, r: int) -> None:
    """A stream socket's sendto/sendmsg with an address connects it (TCP Fast Open, as musl
    >= 1.2.4 sends DNS over TCP): name the peer as connect does, so its answers are kept whole."""
    f = t.get(fd)
    if f is not None and f.peer is None and f.stype == "SOCK_STREAM" and isinstance(sa, dict) \
            and (r >= 0 or r == -_errno.EINPROGRESS):
        f.peer = sa


def _recvmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    before = d.len_in.pop(tid, None)
    return [fd, d.msghdr(tid, a[1], r, _dns(t, fd), before) if r >= 0 else ptr(a[1]), sflags(a[2], _MSG_BITS)]


def _shutdown(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _SHUT, "SHUT_???")]


def _socket(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fam, typ = int32(a[0]), a[1] & 0xFFFFFFFF
    if r >= 0:
        t[r] = Fd("socket", bool(typ & O_CLOEXEC), AF.get(fam, str(fam)), _SOCK_TYPE.get(typ & 0xF, str(typ & 0xF)))
    proto: int | str = int32(a[2])
    if fam in (2, 10):
        proto = xlat(proto, _IPPROTO, "IPPROTO_???")
    elif fam == 16:
        proto = xlat(proto, _NETLINK, "NETLINK_???")
    return [xlat(fam, AF, "AF_???"), sock_type(typ), proto]


# ---------------------------------------------------------------- ioctl

_IOCTL[0x40045431] = "TIOCSPTLCK"
_IOCTL_INT = frozenset((0x80045430, 0x40045431, 0x541B, 0x540F, 0x5410, 0x5421, 0x5429, 0x5422, 0x5452))
_IOCTL_NOARG = frozenset((0x5451, 0x5450, 0x540E, 0x5422))
_IOC_DIR = {0: "_IOC_NONE", 1: "_IOC_WRITE", 2: "_IOC_READ", 3: "_IOC_READ|_IOC_WRITE"}


def _ioc(req: int) -> str:
    return f"_IOC({_IOC_DIR[req >> 30]}, {(req >> 8) & 0xFF:#x}, {req & 0xFF:#x}, {hx((req >> 16) & 0x3FFF)})"


def _winsize(raw: bytes) -> str:
    return "{ws_row=%d, ws_col=%d, ws_xpixel=%d, ws_ypixel=%d}" % struct.unpack("=4H", raw)


_IFLAG = ((1, "IGNBRK"), (2, "BRKINT"), (4, "IGNPAR"), (8, "PARMRK"), (0x10, "INPCK"), (0x20, "ISTRIP"),
          (0x40, "INLCR"), (0x80, "IGNCR"), (0x100, "ICRNL"), (0x200, "IUCLC"), (0x400, "IXON"), (0x800, "IXANY"),
          (0x1000, "IXOFF"), (0x2000, "IMAXBEL"), (0x4000, "IUTF8"))
_LFLAG = ((1, "ISIG"), (2, "ICANON"), (4, "XCASE"), (8, "ECHO"), (0x10, "ECHOE"), (0x20, "ECHOK"), (0x40, "ECHONL"),
          (0x80, "NOFLSH"), (0x8000, "IEXTEN"), (0x200, "ECHOCTL"), (0x400, "ECHOPRT"), (0x800, "ECHOKE"),
          (0x1000, "FLUSHO"), (0x4000, "PENDIN"), (0x100, "TOSTOP"), (0x10000, "EXTPROC"))
_BAUD = {0: "B0", 0o17: "B38400", 0o15: "B9600", 0o16: "B19200", 0o10002: "B115200", 0o10001: "B57600"}


def _termios(raw: bytes) -> str:
    i, o, c, lf = struct.unpack_from("=4I", raw)
    # c_oflag: strace names each delay field's value (NL0, CR0...) before the bits.
    od = [f"NL{(o >> 8) & 1}", f"CR{(o >> 9) & 3}", f"TAB{(o >> 11) & 3}", f"BS{(o >> 13) & 1}",
          f"VT{(o >> 14) & 1}", f"FF{(o >> 15) & 1}"]
    obits = flags(o & ~0xFF00, ((1, "OPOST"), (2, "OLCUC"), (4, "ONLCR"), (8, "OCRNL"), (0x10, "ONOCR"),
                                (0x20, "ONLRET"), (0x40, "OFILL"), (0x80, "OFDEL")), zero="")
    cbits = [_BAUD.get(c & 0o10017, f"{c & 0o10017:#o}"), f"CS{5 + ((c >> 4) & 3)}"]
    cbits += [n for b, n in ((0o100, "CSTOPB"), (0o200, "CREAD"), (0o400, "PARENB"), (0o1000, "PARODD"),
                             (0o2000, "HUPCL"), (0o4000, "CLOCAL"), (0o20000000000, "CRTSCTS")) if c & b]
    return (f"{{c_iflag={flags(i, _IFLAG)}, c_oflag={'|'.join(od + ([obits] if obits else []))}, "
            f"c_cflag={'|'.join(cbits)}, c_lflag={flags(lf, _LFLAG)}, ...}}")


def _ioctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, req = int32(a[0]), a[1] & 0xFFFFFFFF
    name = _IOCTL.get(req)
    if name is None:
        return [fd, _ioc(req), hx(a[2])]
    if req in _IOCTL_NOARG:
        return [fd, name]
    if req in _IOCTL_INT:
        out = req in (0x80045430, 0x541B, 0x540F)  # filled by the kernel
        return [fd, name, (_out(d, tid, a[2], 4, r, _int_box) if out else _in(d, tid, a[2], 4, _int_box))]
    if req in (0x5413, 0x5414):  # TIOCGWINSZ, TIOCSWINSZ
        return [fd, name, _out(d, tid, a[2], 8, r if req == 0x5413 else 0, _winsize) if req == 0x5413 else _in(d, tid, a[2], 8, _winsize)]
    if req in (0x5401, 0x5402, 0x5403, 0x5404):  # TCGETS, TCSETS*
        return [fd, name, _out(d, tid, a[2], 36, r, _termios) if req == 0x5401 else _in(d, tid, a[2], 36, _termios)]
    return [fd, name, ptr(a[2])]


def _int_box(raw: bytes) -> str:
    return f"[{struct.unpack('=i', raw)[0]}]"


def _mincore(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    pages = (a[1] + 4095) // 4096
    vec = _out(d, tid, a[2], min(pages, 4096), r, lambda raw: "[" + ", ".join(str(b & 1) for b in raw[:d.strsize]) + ("...]" if len(raw) > d.strsize else "]"))
    return [ptr(a[0]), a[1], vec]


def _remap_file_pages(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fl = a[4] & 0xFFFFFFFF
    mf = flags(fl, _MAP_BITS, zero="MAP_FILE")
    return [ptr(a[0]), a[1], flags(a[2] & 0xFFFFFFFF, _PROT_BITS, zero="PROT_NONE"), a[3], mf]


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


def _madvise(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], xlat(int32(a[2]), _MADV, "MADV_???")]



_HANDLERS: dict[str, _Handler] = {
    "open": _open, "openat": _openat, "openat2": _openat2, "creat": _creat,
    "stat": _stat, "lstat": _stat, "statfs": _path_ptr, "access": _access,
    "faccessat": _faccessat, "faccessat2": _faccessat2, "newfstatat": _newfstatat, "statx": _statx,
    "fstat": _fstat, "readlink": _readlink, "readlinkat": _readlinkat, "getdents64": _getdents,
    "utimensat": _utimensat, "execve": _execve, "execveat": _execveat,
    "read": _read, "pread64": _pread, "write": _write, "pwrite64": _pread, "readv": _readv,
    "writev": _writev, "close": _close, "close_range": _close_range, "dup": _dup, "dup2": _dup2, "dup3": _dup3,
    "fcntl": _fcntl, "ioctl": _ioctl,
    "socket": _socket, "socketpair": _socketpair, "connect": _connect, "bind": _bind,
    "getsockname": _getsockname, "getpeername": _getsockname, "accept": _accept,
    "accept4": _accept4, "shutdown": _shutdown, "setsockopt": _setsockopt,
    "getsockopt": _getsockopt, "sendto": _sendto, "recvfrom": _recvfrom, "sendmsg": _sendmsg,
    "recvmsg": _recvmsg, "sendmmsg": _sendmmsg, "recvmmsg": _recvmmsg,
    "pipe": _pipe, "pipe2": _pipe,
    "lseek": _lseek, "mmap": _mmap, "mprotect": _mprotect, "madvise": _madvise, "mremap": _mremap,
    "mincore": _mincore, "remap_file_pages": _remap_file_pages,
    "clone": _clone, "clone3": _clone3, "wait4": _wait4, "kill": _kill, "prctl": _prctl, "arch_prctl": _arch_prctl,
    "rseq": _rseq, "prlimit64": _prlimit64, "getrlimit": _rlimit_call, "setrlimit": _rlimit_call,
    "getrusage": _getrusage, "uname": _uname, "futex": _futex, "getrandom": _getrandom,
    "rt_sigaction": _sigaction, "rt_sigprocmask": _sigprocmask, "rt_sigpending": _sigpending,
    "rt_sigtimedwait": _sigtimedwait, "signalfd4": _signalfd4, "sigaltstack": _sigaltstack,
    "clock_gettime": _clock_get, "clock_getres": _clock_get, "clock_settime": _clock_settime,
    "nanosleep": _nanosleep, "clock_nanosleep": _clock_nanosleep, "setitimer": _setitimer, "getitimer": _getitimer,
    "timerfd_settime": _timerfd_settime, "timerfd_gettime": _timerfd_gettime, "times": _times,
    "gettimeofday": _gettimeofday,
    "poll": _poll, "ppoll": _ppoll, "select": _select5, "pselect6": _pselect6, "epoll_ctl": _epoll_ctl, "epoll_wait": _epoll_wait, "epoll_pwait": _epoll_pwait,
}
# The handlers above take precedence; the rest are read from their argument kinds.
_HANDLERS.update({name: (lambda kinds: lambda d, tid, t, a, r: _spec(d, tid, t, a, r, kinds))(k)
                  for name, k in SPECS.items() if name not in _HANDLERS})

# Index of the first descriptor argument, for fd_path.
_FD_ARG: dict[str, int] = {
    **{n: 0 for n in (
        "read", "write", "pread64", "pwrite64", "readv", "writev", "close", "fstat", "lseek",
        "ioctl", "fcntl", "dup", "dup2", "dup3", "connect", "bind", "listen", "accept", "accept4",
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "getsockname",
        "getpeername", "setsockopt", "getsockopt", "shutdown", "getdents64", "fsync",
        "ftruncate", "fchdir", "fstatfs", "openat", "openat2", "newfstatat", "statx",
        "faccessat", "faccessat2", "readlinkat", "execveat", "mkdirat", "unlinkat",
    )},
    "mmap": 4,
}

def plain(name: str) -> bool:
    """True when a call's arguments are plain numbers (no memory, no descriptor)."""
    return name not in _HANDLERS and name not in _FD_ARG


# Calls whose decoding reads no tracee memory (numbers, flags, addresses printed as such, the
# descriptor table): they can be decoded after the program has moved on, from the arguments
# and the result alone, so the recorder's C loop takes their stops (libctrace/stoploop.c). An
# unknown descriptor is still looked up in /proc then, a little later than at the stop.
# fcntl reads a struct flock for the lock commands only: read a little later, it is still there
# in every program seen (the caller's stack frame is waiting for the result).
NO_MEMORY: frozenset[str] = frozenset((
    "close", "close_range", "dup", "dup2", "dup3", "fcntl", "lseek",
    "mmap", "munmap", "mprotect", "madvise", "mremap", "brk",
    "set_robust_list", "rseq", "set_tid_address", "futex", "kill",
    *(name for name, kinds in SPECS.items() if _PATH not in kinds and _STR not in kinds),
))

# Calls whose value-result length (socklen_t *) is read at entry too, for strace's `[128 => 16]`.
LENGTH_AT_ENTRY: dict[str, int] = {
    "getsockname": 2, "getpeername": 2, "accept": 2, "accept4": 2, "recvfrom": 5, "getsockopt": 4,
}


# Calls decoded at entry: their memory may be gone at exit (exec) or there is no exit.
ENTRY_DECODED: frozenset[str] = frozenset(("execve", "execveat", "exit", "exit_group"))
