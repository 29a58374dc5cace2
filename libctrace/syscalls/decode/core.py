"""The decoder's core: tracee memory, value shapes (strace's), argument kinds, the Decoder.

Tracee memory is read with process_vm_readv: one system call per buffer, no open file. The
Decoder keeps each process's descriptor table so that events can say what an fd was (strace -y),
and dispatches each finished call to the handler its family module registered (HANDLERS).
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
import signal as _signal
import struct
from typing import Any, Callable

from libctrace.record.rawptrace import PTRACE as _PTRACE, PTRACE_PEEKUSER as _PTRACE_PEEKUSER
from libctrace.syscalls.decode.sockaddr import addr_text, sockaddr
from libctrace.syscalls.spec import FD_ARG as _FD_ARG, LENGTH_AT_ENTRY

_U64 = 1 << 64
_RSP_OFFSET = 19 * 8  # struct user_regs_struct: rsp is the 20th register
# rt_sigreturn's entry: the stack pointer is just past the frame's return address, at its
# ucontext (uc_flags, uc_link, uc_stack, uc_mcontext: 8 + 8 + 24 + 256 bytes, then the mask).
_UC_SIGMASK = 8 + 8 + 24 + 256
_DNS_CAP = 65535  # DNS messages are kept whole so that they can be decoded later


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

    def dirents(self, pid: int, addr: int, size: int) -> int:
        """How many directory entries the size bytes getdents left at addr hold (read in
        pieces: a block may be longer than the buffer)."""
        raw = b""
        while len(raw) < size:
            piece = self.read(pid, addr + len(raw), size - len(raw))
            if not piece:
                break
            raw += piece
        return count_dirents(raw)


def count_dirents(raw: bytes) -> int:
    """Directory entries in getdents/getdents64's result (d_reclen at offset 16 in both structs)."""
    n = off = 0
    while off + 18 <= len(raw):
        reclen = struct.unpack_from("=H", raw, off + 16)[0]
        if reclen == 0:
            break
        n, off = n + 1, off + reclen
    return n


def text(raw: bytes, cap: int) -> str:
    """C string as JSON text: non-UTF-8 bytes as \\xNN, cut at cap with '...'."""
    cut = len(raw) > cap
    s = raw[:cap].decode("utf-8", "backslashreplace")
    return s + "..." if cut else s


def signed(v: int) -> int:
    return v - _U64 if v >= 1 << 63 else v


def ptr(v: int) -> str:
    return "NULL" if v == 0 else hex(v)


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



_ACCMODE = {0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR"}


# In strace's order (src/xlat/open_mode_flags.in).
OPEN_BITS = (
    (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"), (0o4010000, "O_SYNC"), (0o10000, "O_DSYNC"), (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"), (0o400000, "O_NOFOLLOW"), (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"),
    (0o10000000, "O_PATH"), (0o20200000, "O_TMPFILE"), (0o200000, "O_DIRECTORY"), (0o20000, "FASYNC"),
)


O_CLOEXEC = 0o2000000


def open_flags(v: int) -> str:
    v &= 0xFFFFFFFF
    rest = flags(v & ~3, OPEN_BITS, zero="")
    acc = _ACCMODE.get(v & 3, "O_ACCMODE")
    return f"{acc}|{rest}" if rest else acc


AT_BITS = (
    (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"), (0x2000, "AT_STATX_FORCE_SYNC"),
    (0x4000, "AT_STATX_DONT_SYNC"), (0x8000, "AT_RECURSIVE"),
)


MSG_BITS = (
    (1, "MSG_OOB"), (2, "MSG_PEEK"), (4, "MSG_DONTROUTE"), (8, "MSG_CTRUNC"), (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"), (0x40, "MSG_DONTWAIT"), (0x80, "MSG_EOR"), (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"), (0x400, "MSG_SYN"), (0x800, "MSG_CONFIRM"), (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"), (0x4000, "MSG_NOSIGNAL"), (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"), (0x40000, "MSG_BATCH"), (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"), (0x40000000, "MSG_CMSG_CLOEXEC"),
)


SEEK = {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}


AT_FDCWD = -100


def signame(n: int) -> str:
    """strace's names: real-time signals counted from the kernel's SIGRTMIN (32), not libc's."""
    if n >= 32:
        return "SIGRTMIN" if n == 32 else f"SIGRT_{n - 32}"
    try:
        return _signal.Signals(n).name
    except ValueError:
        return f"SIG{n}"


# Kernel-internal codes a tracer sees when a signal interrupts a call (never seen by programs).
_KERNEL_ERRNO = {512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 515: "ENOIOCTLCMD", 516: "ERESTART_RESTARTBLOCK"}


# Where two names share a number, the one strace prints (Python keeps the other).
ERRNAMES: dict[int, str] = {**_errno.errorcode, _errno.EDEADLK: "EDEADLK", _errno.EOPNOTSUPP: "EOPNOTSUPP", **_KERNEL_ERRNO}


def errname(n: int) -> str:
    return ERRNAMES.get(n) or f"E{n}"


def dirfd(v: int) -> int | str:
    fd = int32(v)
    return "AT_FDCWD" if fd == AT_FDCWD else fd


def xlat(v: int, table: dict[int, str], unknown: str) -> str:
    """A constant by name, else strace's `0x3039 /* AF_??? */`."""
    name = table.get(v)
    return name if name is not None else f"{v:#x} /* {unknown} */" if v else f"0 /* {unknown} */"


def int32(v: int) -> int:
    """An int argument as the kernel reads it: the low 32 bits, signed."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def octal(v: int) -> str:
    return f"0{v & 0xFFFFFFFF:o}" if v else "000"


def sflags(v: int, table: tuple[tuple[int, str], ...], zero: str = "0") -> str:
    """flags() of an int argument (32 bits)."""
    return flags(v & 0xFFFFFFFF, table, zero)


def signame32(v: int) -> str | int:
    """A signal-number argument: its name, 0, or the number strace prints for no signal."""
    n = int32(v)
    if n == 0:
        return 0
    if 1 <= n <= 64:
        return signame(n)
    return n


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


# ---------------------------------------------------------------- descriptor tables


class Fd:
    """What one descriptor refers to; a socket's peer on port 53 marks DNS traffic (kept whole)."""

    __slots__ = ("path", "cloexec", "family", "stype", "peer", "since")

    def __init__(self, path: str, cloexec: bool = False, family: str = "", stype: str = "", peer: dict[str, Any] | None = None) -> None:
        self.path = path
        self.cloexec = cloexec
        self.family = family
        self.stype = stype
        self.peer = peer
        self.since = 0.0  # trace time the call that put it in its table returned (FdTable)

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


class FdTable(dict[int, Fd]):
    """One process's descriptors. Each entry is stamped with the time the call that set it
    returned (Fd.since): threads reuse a number at once, and their exit stops may come in
    either order, so a close of that number which entered before then closed the descriptor
    the entry replaced, and leaves it (file._close)."""

    __slots__ = ("decoder",)

    def __init__(self, decoder: Decoder, entries: dict[int, Fd] | None = None) -> None:
        super().__init__(entries or {})
        self.decoder = decoder

    def __setitem__(self, fd: int, f: Fd) -> None:
        f.since = self.decoder.left
        super().__setitem__(fd, f)


Args = tuple[int, ...]


Handler = Callable[["Decoder", int, FdTable, Args, int], list[Any]]


class Decoder:
    """Decodes syscalls of all tracees; owns the descriptor table of each process."""

    def __init__(self, strsize: int) -> None:
        self.strsize = strsize
        self.mem = Memory()
        self.tables: dict[int, FdTable] = {}  # by thread-group id; threads share one
        self.len_in: dict[int, int] = {}  # thread -> a value (length, mask) read at the call's entry
        self.note: str | None = None  # what strace prints after the result of the last call decoded
        self.entered = self.left = 0.0  # trace times of the call being decoded: its entry and exit

    # -- process life cycle

    def table(self, tgid: int) -> FdTable:
        t = self.tables.get(tgid)
        if t is None:
            t = self.tables[tgid] = FdTable(self)
        return t

    def fork(self, parent: int, child: int, share: bool) -> None:
        src = self.table(parent)
        self.tables[child] = src if share else FdTable(self, {fd: f.copy() for fd, f in src.items()})

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

    def decode(
        self, name: str, tid: int, tgid: int, args: Args, nargs: int, ret: int, entered: float = 0.0, left: float = 0.0
    ) -> tuple[list[Any], str | None]:
        """Arguments of a finished call (ret is the signed result) and its fd_path; entered and
        left: the trace times of its entry and exit, which order it against other threads' calls."""
        self.note = None
        self.entered, self.left = entered, left
        table = self.table(tgid)
        where = FD_ARG.get(name)
        path = None
        if where is not None:
            fd = int32(args[where])
            if fd >= 0:
                path = self.fd_path(tid, table, fd)
        if name == "close_range" and ret == 0 and args[2] & 2:
            # CLOSE_RANGE_UNSHARE: the process stops sharing its table (CLONE_FILES) first
            table = self.tables[tgid] = FdTable(self, {fd: f.copy() for fd, f in table.items()})
        h = HANDLERS.get(name)
        if h is None:
            return [signed(a) for a in args[:nargs]], path
        try:
            return h(self, tid, table, args, ret), path
        except (struct.error, ValueError, IndexError, KeyError):
            # A struct the program filled in a way no decoder expects: its raw values, not a lost trace.
            self.note = None
            return [signed(a) for a in args[:nargs]], path

    def entry(self, name: str, tid: int, args: Args) -> None:
        """At the entry of a call with a value-result length: keeps the length given."""
        if name == "rt_sigreturn":
            self._sigreturn_mask(tid)
            return
        where = LENGTH_AT_ENTRY.get(name)
        addr = args[where] if where is not None else (args[1] if name == "recvmsg" else 0)
        if name == "recvmsg" and addr:
            raw = self.mem.read(tid, addr + 8, 4)  # msghdr.msg_namelen
        else:
            raw = self.mem.read(tid, addr, 4) if addr else b""
        if len(raw) == 4:
            self.len_in[tid] = struct.unpack("=i", raw)[0]

    def _sigreturn_mask(self, tid: int) -> None:
        """The signal mask rt_sigreturn restores, as strace reads it: in the signal frame the
        stack pointer points into at the call's entry (x86_64: its ucontext's uc_sigmask)."""
        self.len_in.pop(tid, None)
        sp = _PTRACE(_PTRACE_PEEKUSER, tid, _RSP_OFFSET, None)
        raw = self.mem.read(tid, sp + _UC_SIGMASK, 8) if sp > 0 else b""
        if len(raw) == 8:
            self.len_in[tid] = int.from_bytes(raw, "little")

    def settle_at_entry(self, name: str, tgid: int, args: Args) -> bool:
        """For a call stopped on only to follow descriptors (not recorded): applies it to the
        table at entry when its result does not matter, sparing the exit stop. close releases
        the number even when it fails (EINTR) or did not hold it (EBADF); fcntl other than
        F_DUPFD* cannot fail in a way that matters here. True when done."""
        if name == "close":
            self.table(tgid).pop(int32(args[0]), None)
            return True
        if name == "fcntl":
            cmd = args[1] & 0xFFFFFFFF
            if cmd in (0, 1030):  # F_DUPFD, F_DUPFD_CLOEXEC: the new number is the result
                return False
            f = self.table(tgid).get(int32(args[0])) if cmd == 2 else None  # F_SETFD
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

    # A C string that is NULL or unreadable is kept as its address, a number: a string in its
    # place is always the program's text, a file named NULL or 0x1 included (trace format 3).
    def path(self, tid: int, addr: int) -> str | int:
        raw = self.mem.cstr(tid, addr, 4096)
        return addr if raw is None else text(raw, 4096)

    def string(self, tid: int, addr: int) -> str | int:
        raw = self.mem.cstr(tid, addr, self.strsize)
        return addr if raw is None else text(raw, self.strsize)

    def strings(self, tid: int, addr: int) -> list[str | int] | int:
        """A NULL-terminated char *[] (argv); NULL is 0, as a string's."""
        if addr == 0:
            return 0
        out: list[str | int] = []
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
                "flags": flags(fl & 0xFFFFFFFF, MSG_BITS)}

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

    def iov_addrs(self, tid: int, addr: int, count: int) -> list[dict[str, Any]] | str:
        """struct iovec[count] of another address space (process_vm_*, process_madvise): addresses only."""
        if addr and 0 < count <= 1024:
            raw = self.mem.read(tid, addr, 16 * count)
            if len(raw) == 16 * count:
                return [{"iov_base": ptr(b), "iov_len": n} for b, n in struct.iter_unpack("=QQ", raw)]
        return ptr(addr)

    def new_fd(self, table: FdTable, fd: int, f: Fd) -> None:
        if fd >= 0:
            table[fd] = f


def is_dns(t: FdTable, fd: int) -> bool:
    f = t.get(fd)
    return f is not None and f.dns


# ---------------------------------------------------------------- argument kinds
# A call whose arguments each read alone is described by their kinds (strace's syscallent
# plus its printers): the family modules' SPECS map each raw value through its kind.

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


def _k_path(d: Decoder, tid: int, v: int) -> str | int:
    return d.path(tid, v)


def _k_str(d: Decoder, tid: int, v: int) -> str | int:
    return d.string(tid, v)


def _k_mode(d: Decoder, tid: int, v: int) -> str:
    return octal(v)


def _k_dirfd(d: Decoder, tid: int, v: int) -> int | str:
    return dirfd(v)


def _k_at(d: Decoder, tid: int, v: int) -> str:
    return sflags(v, AT_BITS)


def _k_sig(d: Decoder, tid: int, v: int) -> str | int:
    return signame32(v)


def kflags(table: tuple[tuple[int, str], ...], unknown: str, zero: str = "0") -> Kind:
    def k(d: Decoder, tid: int, v: int) -> str:
        return uflags(v & 0xFFFFFFFF, table, unknown, zero)
    return k


def kxlat(table: dict[int, str], unknown: str) -> Kind:
    def k(d: Decoder, tid: int, v: int) -> str:
        return xlat(int32(v), table, unknown)
    return k


def uflags(v: int, table: tuple[tuple[int, str], ...], unknown: str, zero: str = "0") -> str:
    """flags(), and strace's `0x8 /* MCL_??? */` when no bit has a name."""
    s = flags(v, table, zero)
    return f"{s} /* {unknown} */" if v and s.startswith("0x") and "|" not in s else s


INT, UINT, LONG, ULONG, PTR = _k_int, _k_uint, _k_long, _k_ulong, _k_ptr


PATH, STR, MODE, DIRFD, ATF, SIG = _k_path, _k_str, _k_mode, _k_dirfd, _k_at, _k_sig


def _k_hex(d: Decoder, tid: int, v: int) -> str:
    return hx(v)


HEX = _k_hex


def from_spec(d: Decoder, tid: int, t: FdTable, a: Args, r: int, kinds: tuple[Kind, ...]) -> list[Any]:
    return [k(d, tid, v) for k, v in zip(kinds, a)]


# ---------------------------------------------------------------- structs behind pointers


def out_struct(d: Decoder, tid: int, addr: int, size: int, r: int, fmt: Callable[[bytes], str]) -> str:
    """An output struct: decoded when the call succeeded and it can be read, else its address."""
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, size) if r >= 0 else b""
    return fmt(raw) if len(raw) == size else ptr(addr)


def in_struct(d: Decoder, tid: int, addr: int, size: int, fmt: Callable[[bytes], str]) -> str:
    """An input struct: decoded when it can be read, else its address."""
    if addr == 0:
        return "NULL"
    raw = d.mem.read(tid, addr, size)
    return fmt(raw) if len(raw) == size else ptr(addr)

# ---------------------------------------------------------------- the registry
# Filled by libctrace/syscalls/decode/__init__.py from the family modules' HANDLERS and SPECS.
HANDLERS: dict[str, Handler] = {}

# Index of the first descriptor argument, for fd_path: the syscall table's FD_ARG.
FD_ARG = _FD_ARG

