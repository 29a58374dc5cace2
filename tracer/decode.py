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

_U64 = 1 << 64
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
                return out if out else None
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
        return f"SIG{n}" if n < 32 else f"SIGRT_{n - 34}"


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
    base = _SOCK_TYPE.get(v & 0xF, str(v & 0xF))
    rest = flags(v & ~0xF, _SOCK_BITS, zero="")
    return f"{base}|{rest}" if rest else base


def dirfd(v: int) -> int | str:
    fd = ctypes.c_int(v & 0xFFFFFFFF).value
    return "AT_FDCWD" if fd == AT_FDCWD else fd


def fdnum(v: int) -> int:
    return ctypes.c_int(v & 0xFFFFFFFF).value


# ---------------------------------------------------------------- socket addresses


def sockaddr(raw: bytes) -> dict[str, Any] | None:
    if len(raw) < 2:
        return None
    fam = struct.unpack_from("=H", raw)[0]
    if fam == 2 and len(raw) >= 8:
        port = struct.unpack_from("!H", raw, 2)[0]
        return {"family": "AF_INET", "addr": str(ipaddress.IPv4Address(raw[4:8])), "port": port}
    if fam == 10 and len(raw) >= 24:
        port = struct.unpack_from("!H", raw, 2)[0]
        return {"family": "AF_INET6", "addr": str(ipaddress.IPv6Address(raw[8:24])), "port": port}
    if fam == 1:
        path = raw[2:]
        if path[:1] == b"\0":  # abstract namespace, printed with '@' like strace
            return {"family": "AF_UNIX", "path": "@" + path[1:].rstrip(b"\0").decode("utf-8", "backslashreplace")}
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
            out.append(b)
        return out

    def msghdr(self, tid: int, addr: int, total: int, dns: bool) -> dict[str, Any] | str:
        raw = self.mem.read(tid, addr, 56)
        if len(raw) < 56:
            return ptr(addr)
        name, namelen, iov, iovlen = struct.unpack_from("=QI4xQQ", raw)
        sa = self.sockaddr_at(tid, name, namelen) if name and namelen else None
        dns = dns or (isinstance(sa, dict) and sa.get("port") == 53)
        return {"name": sa, "iov": self.iov(tid, iov, iovlen, total, dns)}

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


def _path_only(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0])]


def _access(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), flags(a[1], _ACCESS_BITS, zero="F_OK")]


def _faccessat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), flags(a[2], _ACCESS_BITS, zero="F_OK")]


def _faccessat2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_faccessat(d, tid, t, a, r), flags(a[3], _FACCESSAT_BITS)]


def _newfstatat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), ptr(a[2]), flags(a[3], _AT_BITS)]


def _statx(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), flags(a[2], _AT_BITS, zero="AT_STATX_SYNC_AS_STAT"), hex(a[3]), ptr(a[4])]


def _fd_ptr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), ptr(a[1])]


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
    return [fd, name, signed(a[2])]


# The requests libcs issue on their own (isatty, terminal size, interface lookups).
_IOCTL = {
    0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x540F: "TIOCGPGRP",
    0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD",
    0x5421: "FIONBIO", 0x5451: "FIOCLEX", 0x5450: "FIONCLEX", 0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS", 0x8933: "SIOCGIFINDEX", 0x8910: "SIOCGIFNAME", 0x80045430: "TIOCGPTN",
}


def _ioctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    req = a[1] & 0xFFFFFFFF
    return [fdnum(a[0]), _IOCTL.get(req) or hex(req), ptr(a[2])]


def _socket(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fam = AF.get(a[0], str(a[0]))
    st = sock_type(a[1])
    if r >= 0:
        t[r] = Fd("socket", bool(a[1] & O_CLOEXEC), fam, _SOCK_TYPE.get(a[1] & 0xF, str(a[1] & 0xF)))
    proto: int | str = a[2]
    if a[0] in (2, 10):
        proto = _IPPROTO.get(a[2], a[2])
    elif a[0] == 16:
        proto = _NETLINK.get(a[2], a[2])
    return [AF.get(a[0], a[0]), st, proto]


def _socketpair(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fds: list[int] | str = ptr(a[3])
    raw = d.mem.read(tid, a[3], 8) if r == 0 else b""
    if len(raw) == 8:
        fds = list(struct.unpack("=ii", raw))
        for fd in fds:
            t[fd] = Fd("socket", bool(a[1] & O_CLOEXEC), AF.get(a[0], str(a[0])), _SOCK_TYPE.get(a[1] & 0xF, ""))
    return [AF.get(a[0], a[0]), sock_type(a[1]), a[2], fds]


def _connect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    sa = d.sockaddr_at(tid, a[1], a[2])
    # A failed non-blocking connect (EINPROGRESS) still names the peer.
    if isinstance(sa, dict) and fd in t and (r == 0 or r == -_errno.EINPROGRESS):
        t[fd].peer = sa
    return [fd, sa, a[2]]


def _bind(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), d.sockaddr_at(tid, a[1], a[2]), a[2]]


def _getsockname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    raw = d.mem.read(tid, a[2], 4) if r == 0 else b""
    n = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
    return [fdnum(a[0]), d.sockaddr_at(tid, a[1], n) if n else ptr(a[1]), n]


def _accept(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    raw = d.mem.read(tid, a[2], 4) if r >= 0 and a[2] else b""
    n = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
    sa = d.sockaddr_at(tid, a[1], n) if n else None
    if r >= 0:
        lf = t.get(fd)
        cloexec = len(a) > 3 and bool(a[3] & O_CLOEXEC)
        t[r] = Fd("socket", cloexec, lf.family if lf else "", lf.stype if lf else "", sa if isinstance(sa, dict) else None)
    out: list[Any] = [fd, sa, n]
    return out


def _accept4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_accept(d, tid, t, a, r), flags(a[3], _SOCK_BITS)]


def _listen(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), signed(a[1])]


def _shutdown(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), _SHUT.get(a[1], a[1])]


def _sockopt(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), _SOL.get(a[1], a[1]), a[2], ptr(a[3]), a[4] if a[4] < 1 << 20 else ptr(a[4])]


def _sendto(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    sa = d.sockaddr_at(tid, a[4], a[5]) if a[4] else None
    dns = _dns(t, fd) or (isinstance(sa, dict) and sa.get("port") == 53)
    _fast_open(t, fd, sa, r)
    return [fd, d.buf(tid, a[1], a[2], dns), a[2], flags(a[3], _MSG_BITS), sa, a[5]]


def _recvfrom(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    sa: Any = None
    if a[4] and r >= 0:
        raw = d.mem.read(tid, a[5], 4)
        n = struct.unpack("=I", raw)[0] if len(raw) == 4 else 0
        sa = d.sockaddr_at(tid, a[4], n)
    dns = _dns(t, fd) or (isinstance(sa, dict) and sa.get("port") == 53)
    data = d.buf(tid, a[1], r, dns) if r >= 0 else ptr(a[1])
    return [fd, data, a[2], flags(a[3], _MSG_BITS), sa, ptr(a[5])]


def _sendmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    hdr = d.msghdr(tid, a[1], 1 << 62, _dns(t, fd))
    if isinstance(hdr, dict):
        _fast_open(t, fd, hdr["name"], r)
    return [fd, hdr, flags(a[2], _MSG_BITS)]


def _fast_open(t: FdTable, fd: int, sa: Any, r: int) -> None:
    """A stream socket's sendto/sendmsg with an address connects it (TCP Fast Open, as musl
    >= 1.2.4 sends DNS over TCP): name the peer as connect does, so its answers are kept whole."""
    f = t.get(fd)
    if f is not None and f.peer is None and f.stype == "SOCK_STREAM" and isinstance(sa, dict) \
            and (r >= 0 or r == -_errno.EINPROGRESS):
        f.peer = sa


def _recvmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = fdnum(a[0])
    return [fd, d.msghdr(tid, a[1], r, _dns(t, fd)) if r >= 0 else ptr(a[1]), flags(a[2], _MSG_BITS)]


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


def _munmap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1]]


def _mprotect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], flags(a[2], _PROT_BITS, zero="PROT_NONE")]


def _madvise(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], const(a[2], _MADV)]


def _mremap(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    out: list[Any] = [ptr(a[0]), a[1], a[2], flags(a[3], _MREMAP_BITS)]
    return out + [ptr(a[4])] if a[3] & 2 else out


def _brk(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0])]


def _clone(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [clone_flags(a[0]), ptr(a[1]), ptr(a[2]), ptr(a[3]), ptr(a[4])]


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


def _wait4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), ptr(a[1]), flags(a[2], _WAIT_BITS), ptr(a[3])]


def _exit(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0])]


def _set_robust_list(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1]]


def _rseq(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), a[1], a[2], hex(a[3])]


def _set_tid_address(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0])]


def _prlimit64(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), const(a[1], _RLIMIT), ptr(a[2]), ptr(a[3])]


def _futex(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [ptr(a[0]), futex_op(a[1]), a[2] & 0xFFFFFFFF, ptr(a[3]), ptr(a[4]), a[5] & 0xFFFFFFFF]


def _getrandom(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.buf(tid, a[0], r) if r >= 0 else ptr(a[0]), a[1], flags(a[2], _GRND_BITS)]


def _kill(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [fdnum(a[0]), signame(a[1]) if a[1] else 0]


def _pollfds(d: Decoder, tid: int, addr: int, n: int) -> list[dict[str, int]] | str:
    raw = d.mem.read(tid, addr, 8 * min(n, 256))
    if not raw:
        return ptr(addr)
    return [{"fd": struct.unpack_from("=i", raw, 8 * i)[0]} for i in range(len(raw) // 8)]


def _poll(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_pollfds(d, tid, a[0], a[1]), a[1], fdnum(a[2])]


def _ppoll(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [_pollfds(d, tid, a[0], a[1]), a[1], ptr(a[2]), ptr(a[3]), a[4]]


_HANDLERS: dict[str, _Handler] = {
    "open": _open, "openat": _openat, "openat2": _openat2, "creat": _creat,
    "stat": _path_ptr, "lstat": _path_ptr, "statfs": _path_ptr, "access": _access,
    "faccessat": _faccessat, "faccessat2": _faccessat2, "newfstatat": _newfstatat, "statx": _statx,
    "fstat": _fd_ptr, "readlink": _readlink, "readlinkat": _readlinkat,
    "chdir": _path_only, "unlink": _path_only, "rmdir": _path_only,
    "execve": _execve, "execveat": _execveat,
    "read": _read, "pread64": _pread, "write": _write, "pwrite64": _pread, "readv": _readv,
    "writev": _writev, "close": _close, "close_range": _close_range, "dup": _dup, "dup2": _dup2, "dup3": _dup3,
    "fcntl": _fcntl, "ioctl": _ioctl,
    "socket": _socket, "socketpair": _socketpair, "connect": _connect, "bind": _bind,
    "getsockname": _getsockname, "getpeername": _getsockname, "accept": _accept,
    "accept4": _accept4, "listen": _listen, "shutdown": _shutdown, "setsockopt": _sockopt,
    "getsockopt": _sockopt, "sendto": _sendto, "recvfrom": _recvfrom, "sendmsg": _sendmsg,
    "recvmsg": _recvmsg, "sendmmsg": _sendmmsg, "recvmmsg": _recvmmsg,
    "pipe": _pipe, "pipe2": _pipe,
    "lseek": _lseek, "mmap": _mmap, "munmap": _munmap, "mprotect": _mprotect, "madvise": _madvise,
    "mremap": _mremap, "brk": _brk,
    "clone": _clone, "clone3": _clone3, "wait4": _wait4, "exit": _exit, "exit_group": _exit,
    "set_robust_list": _set_robust_list, "rseq": _rseq, "set_tid_address": _set_tid_address,
    "prlimit64": _prlimit64, "futex": _futex, "getrandom": _getrandom, "kill": _kill,
    "poll": _poll, "ppoll": _ppoll,
}

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
# and the result alone, so the recorder's C loop takes their stops (tracer/stoploop.c). An
# unknown descriptor is still looked up in /proc then, a little later than at the stop.
NO_MEMORY: frozenset[str] = frozenset((
    "fstat", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "ioctl", "lseek",
    "mmap", "munmap", "mprotect", "madvise", "mremap", "brk",
    "set_robust_list", "rseq", "set_tid_address", "prlimit64", "futex", "kill",
))


# Calls decoded at entry: their memory may be gone at exit (exec) or there is no exit.
ENTRY_DECODED: frozenset[str] = frozenset(("execve", "execveat", "exit", "exit_group"))
