"""Facts: what one trace says about the libc behind it, as plain records. Pure: Trace -> Facts.

One pass over the events keeps this cheap on million-event traces: a dispatch table sends
only the calls we read (files, sockets, memory, threads, writes) to a handler; the rest are
only counted. Facts are what the rules (libctrace/analyze/rules.py) and the diff compare.
"""

from __future__ import annotations

import ipaddress
import os
import re
import signal
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from dnslib import QTYPE, RCODE, DNSBuffer, DNSError, DNSHeader, DNSQuestion, DNSRecord

from libctrace.model import SIGNAL_STATUS, Event, Trace
from libctrace.syscalls.decode.sockaddr import endpoint
from libctrace.syscalls.spec import CLONES, MEMORY_CALLS, OUTPUT_CALLS, PATH_ARG, RECEIVES, SENDS

# Display order of file categories (the diff prints its per-category table in this order).
# "nss-files" extends the agreed list: the databases of the NSS `files` source (/etc/passwd,
# /etc/group...), which musl reads directly and glibc through NSS.
CATEGORIES: tuple[str, ...] = (
    "libc",
    "loader",
    "ld-cache",
    "ld-preload",
    "nss-config",
    "nss-files",
    "nss-module",
    "nscd",
    "resolver-config",
    "gconv",
    "locale",
    "timezone",
    "proc-sys",
    "program",
    "other",
)

STDOUT_CAP = 65536  # bytes of program output kept per stream: enough to compare, bounded memory

_LIBC_RE = re.compile(r"^(libc\.so(\.\d+)?|libc\.musl-\w+\.so\.1|ld-musl-\w+\.so\.1)$")
_SHARED_OBJECT_RE = re.compile(r"\.so(\.[\d.]+)?$")
_FIXED = frozenset(("MAP_FIXED", "MAP_FIXED_NOREPLACE"))  # a mapping at a chosen address is no thread stack
_NSS_FILES = frozenset(
    "/etc/" + n
    for n in (
        "passwd",
        "group",
        "shadow",
        "gshadow",
        "services",
        "protocols",
        "networks",
        "ethers",
        "rpc",
        "netgroup",
        "aliases",
        "netmasks",
    )
)
_RESOLVER_FILES = frozenset(("/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf"))

# Syscalls a dynamic loader makes while mapping the initial libraries (and the execve that
# starts it). The first call outside this set (or an open of a non-library file) marks the
# program's own code running, so any shared object mapped after that point was dlopened.
_LOADER_CALLS = frozenset(
    (
        "execve",
        "execveat",
        "brk",
        "mmap",
        "munmap",
        "mprotect",
        "access",
        "faccessat",
        "faccessat2",
        "open",
        "openat",
        "read",
        "pread64",
        "close",
        "fstat",
        "newfstatat",
        "stat",
        "statx",
        "lseek",
        "arch_prctl",
        "set_tid_address",
        "set_robust_list",
        "rseq",
        "prlimit64",
        "readlink",
        "getrandom",
        "uname",
    )
)

# The file operations facts records; path-taking calls of them: name -> (index of the path
# argument, op, index of a dirfd argument or None), from the syscall table.
_FILE_OPS = ("open", "stat", "access", "readlink", "exec")
_PATH_CALLS: dict[str, tuple[int, str, int | None]] = {
    n: (p.arg, p.op, p.dirfd) for n, p in PATH_ARG.items() if p.op in _FILE_OPS
}


class FileAccess(NamedTuple):
    """One file a run opened, probed or mapped. A named tuple, not a dataclass: a trace makes
    hundreds of thousands, and a digest sends them to the diff (4x cheaper to make, to pickle)."""

    seq: int
    pid: int
    path: str
    category: str  # one of CATEGORIES
    op: str  # "open", "stat", "access", "readlink", "exec", "mmap"
    result: str  # "ok" or the errno name


@dataclass(frozen=True)
class DnsMessage:
    seq: int
    pid: int
    direction: str  # "query" | "answer" (from the QR bit, not from the syscall)
    transport: str  # "udp" | "tcp"
    server: str  # "127.0.0.1:53"
    id: int
    name: str  # without the trailing dot
    qtype: str
    rcode: str | None  # None for queries
    answers: int  # answer-section count from the header
    tc: bool
    edns: bool


@dataclass(frozen=True)
class SocketUse:
    seq: int
    pid: int
    domain: str
    type: str  # as decoded, flags included ("SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK")
    peer: str | None
    purpose: str  # "dns", "nscd", "netlink", "addrconfig-probe", "address-sort", "other"
    peer_seq: int | None = None  # the connect/sendto that named the peer (extension: evidence)
    sockaddr: dict[str, Any] | None = None  # the peer as decoded: {"family", "addr", "port"} or {"path"}


@dataclass(frozen=True)
class ExitInfo:
    outcome: str
    status: int  # libctrace's exit status for the run: code, or 128+N for signal N; -1 if it never ended
    code: int | None
    signal: str | None
    core: bool


@dataclass(frozen=True)
class ChildImage:
    """A program a build exec'd in a child process that is of another libc than the build
    (libctrace/analyze/images.py): its events are its own, not the build's; `facts` are theirs."""

    path: str
    libc: str  # "glibc", "musl", "none"
    linkage: str  # "dynamic", "static"... or "" when only the trace told the libc
    pids: tuple[int, ...]
    exec_seq: int  # the exec event that started it (the first, when it ran more than once)
    facts: Facts


@dataclass(frozen=True)
class Facts:
    label: str
    command: tuple[str, ...]
    elf: dict[str, Any] | None
    exit: ExitInfo
    wall: float
    files: tuple[FileAccess, ...]
    libcs: dict[int, tuple[str, ...]]
    dlopened: tuple[str, ...]
    dns: tuple[DnsMessage, ...]
    dns_server_log: tuple[dict[str, Any], ...]
    sockets: tuple[SocketUse, ...]
    memory: dict[str, int]
    thread_stacks: tuple[int, ...]
    processes: int
    threads: int
    clone_calls: dict[str, int]
    futex: int
    signals: tuple[str, ...]
    stdout: str
    stderr: str
    syscall_counts: dict[str, int]
    trace_set: dict[str, Any]
    # Extension: seq of the first event of the program's own code in the first process, after
    # the dynamic loader's startup (0 when not seen); events before it are the loader's.
    main_seq: int = 0
    # Where stdout/stderr come from: "captured" (whole, through pipes: the footer's `output`)
    # or "writes" (rebuilt from the write buffers the trace holds, cut at its -s size).
    output_source: str = "writes"
    strsize: int = -1  # the trace's -s: buffer bytes kept per call (-1 when the header lacks it)
    children: tuple[ChildImage, ...] = ()  # programs of another libc it ran (set by libctrace/analyze/images.py)


@lru_cache(maxsize=8192)  # programs open the same few hundred paths again and again
def categorize(path: str, program_dir: str | None = None) -> str:
    """The category of a file path (see CATEGORIES)."""
    base = os.path.basename(path)
    if base.startswith("libnss_"):
        return "nss-module"
    if _LIBC_RE.match(base):
        return "libc"
    if base.startswith("ld-linux") or "/glibc-hwcaps/" in path:
        return "loader"
    if base.startswith("ld-musl-") and base.endswith(".path"):
        return "loader"
    if path == "/etc/ld.so.cache":
        return "ld-cache"
    if path == "/etc/ld.so.preload":
        return "ld-preload"
    if path == "/etc/nsswitch.conf":
        return "nss-config"
    if path in _NSS_FILES:
        return "nss-files"
    if path.startswith(("/var/run/nscd", "/run/nscd", "/var/db/nscd")):
        return "nscd"
    if path in _RESOLVER_FILES:
        return "resolver-config"
    # The program's own directory before the substring tests below: a build directory
    # named .../locale/ holds the program, not locale data.
    if program_dir and os.path.dirname(path) == program_dir:
        return "program"
    if "/gconv/" in path or base.startswith("gconv-modules"):
        return "gconv"
    if "/locale/" in path or base in ("locale-archive", "locale.alias"):
        return "locale"
    if path == "/etc/localtime" or path == "/etc/timezone" or "/zoneinfo" in path:
        return "timezone"
    if path.startswith(("/proc/", "/sys/")) or path in ("/proc", "/sys"):
        return "proc-sys"
    return "other"


def is_shared_object(path: str) -> bool:
    return bool(_SHARED_OBJECT_RE.search(path))


def is_libc(path: str) -> bool:
    return path.startswith("static ") or bool(_LIBC_RE.match(os.path.basename(path)))


def sockaddr_text(sa: Any) -> str | None:
    """'127.0.0.1:53', '[::1]:53', '/var/run/nscd/socket', 'netlink' — None when not decoded."""
    if not isinstance(sa, dict) or sa.get("family") not in ("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"):
        return None
    return "netlink" if sa["family"] == "AF_NETLINK" else endpoint(sa)


def flag_set(value: Any) -> frozenset[str]:
    """The names of a decoded flags value ("SOCK_STREAM|SOCK_CLOEXEC" -> both): the trace
    keeps flags as strace spells them, and analysis asks for a name, never for a substring."""
    return frozenset(value.split("|")) if isinstance(value, str) else frozenset()


def _is_loopback(sa: Any) -> bool:
    """A decoded AF_INET/AF_INET6 address in 127.0.0.0/8 or ::1."""
    if not isinstance(sa, dict) or sa.get("family") not in ("AF_INET", "AF_INET6"):
        return False
    try:
        return ipaddress.ip_address(str(sa.get("addr"))).is_loopback
    except ValueError:
        return False


def _bytes(buf: Any, limit: int | None = None) -> bytes:
    if not isinstance(buf, dict) or not isinstance(buf.get("hex"), str):
        return b""
    try:
        data = bytes.fromhex(buf["hex"])
    except ValueError:
        return b""
    return data if limit is None or limit < 0 else data[:limit]


@dataclass
class _Image:
    """One exec image of one process: what the loader mapped and whether startup is over."""

    libcs: list[str]
    started: bool  # True once the program's own code runs (later mappings are dlopens)
    cache_opens: int = 0


@dataclass
class _Socket:
    seq: int
    pid: int
    domain: str
    type: str
    peer: str | None = None
    port: int | None = None
    peer_seq: int | None = None
    sockaddr: dict[str, Any] | None = None
    used_data: bool = False
    dns: bool = False  # carries DNS messages: port 53, or its first bytes decode as one
    streams: dict[str, bytearray] = field(default_factory=dict)  # TCP bytes per direction

    @property
    def tcp(self) -> bool:
        return "SOCK_STREAM" in flag_set(self.type)


class Extractor:
    """The facts of one trace, its events fed in order, in one list or batch by batch (a trace
    digested while it is read: libctrace/analyze/digest.py); extract() for a loaded trace."""

    def __init__(self, header: dict[str, Any]) -> None:
        h = self.header = header
        self.elf: dict[str, Any] | None = h.get("executable")
        self.cwd: str = h.get("cwd") or "/"
        exe = (self.elf or {}).get("path") or (h.get("command") or [None])[0]
        self.exe = self._absolute(exe) if exe else None
        self.program_dir = os.path.dirname(self.exe) if self.exe else None
        self.execs = 0  # exec events seen: the first one is the traced program
        self.files: list[FileAccess] = []
        self.images: dict[int, _Image] = {}
        self.libcs: dict[int, tuple[str, ...]] = {}
        self.dlopened: list[str] = []
        self.fds: dict[tuple[int, int], str] = {}  # (pid, fd) -> path, when fd_path is absent
        self.socks: dict[tuple[int, int], _Socket] = {}
        self.all_socks: list[_Socket] = []
        self.dns: list[DnsMessage] = []
        self.dns_log: list[dict[str, Any]] = []
        self.mmap_bytes = self.munmap_bytes = 0  # of the calls that succeeded
        # tid -> (size, address, flags) of its last mapping that could be a thread stack
        self.last_anon_mmap: dict[int, tuple[int, int, frozenset[str]]] = {}
        self.clone_stack: dict[tuple[int, int], int] = {}  # (pid, child tid) -> stack size
        self.thread_children: list[tuple[int, int]] = []
        self.clone_calls: Counter[str] = Counter()
        self.signals: list[str] = []
        self.out: dict[int, bytearray] = {1: bytearray(), 2: bytearray()}
        self.counts: dict[str, int] = {}  # a plain dict: Counter's += costs 2.5x its get
        self.pids: dict[int, None] = {}
        self.threads = 0
        self.main_seq = 0  # first event of the traced program's own code, after its loader
        self.exits: dict[int, Event] = {}
        self.last_t: float = 0.0  # the last event's time: the wall time of a trace without a footer
        self.handlers: dict[str, Callable[[Event], None]] = {n: self._path_call for n in _PATH_CALLS}
        self.handlers.update(
            {
                "mmap": self._mmap,
                "close": self._close,
                "socket": self._socket,
                "connect": self._connect,
                **dict.fromkeys(CLONES, self._clone),
            }
        )
        self.handlers["munmap"] = self._munmap  # the other memory calls are only counted (counts)
        for n in SENDS:  # what the program prints, or sends on a socket
            self.handlers[n] = self._io
        # RECEIVES matter on sockets only: handled while one is open (_socket, _drop_socket),
        # so that the reads of files, a third of a busy trace, cost no call.

    # -- per-event dispatch -------------------------------------------------------------
    def feed(self, events: Sequence[Event]) -> None:
        """The next events of the trace."""
        if events:
            self.last_t = events[-1].get("t", 0.0)
        counts = self.counts
        count = counts.get
        handlers = self.handlers
        pids = self.pids
        images = self.images
        for e in events:
            kind = e.get("type")
            if kind == "syscall":
                name = e["name"]
                counts[name] = count(name, 0) + 1
                pid = e["pid"]
                if pid not in pids:
                    pids[pid] = None
                image = images.get(pid) or self._image(pid)  # inlined: once per event
                if not image.started and name not in _LOADER_CALLS:
                    self._start(pid, image, e["seq"])
                h = handlers.get(name)
                if h is not None:
                    h(e)
            elif kind == "exec":
                self._exec(e)
            elif kind == "fork":
                self._fork(e)
            elif kind == "signal":
                self.signals.append(e["signal"])
            elif kind == "exit" and "tid" not in e:
                self.exits.setdefault(e["pid"], e)
            elif kind == "dns-log":
                self.dns_log.append({k: v for k, v in e.items() if k != "type"})

    def _image(self, pid: int) -> _Image:
        image = self.images.get(pid)
        if image is None:
            # First sight of a process without an exec event: the traced program itself.
            image = self.images[pid] = self._new_image(self.exe)
        return image

    def _absolute(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    def _new_image(self, path: str | None) -> _Image:
        # The header's ELF summary describes the traced program: the first exec, or a re-exec of it.
        if self.elf and (self.execs <= 1 or (path is not None and self._absolute(path) == self.exe)):
            libc = str(self.elf.get("libc") or "").lower()
            flavour = "glibc" if "glibc" in libc else "musl" if "musl" in libc else None
            if str(self.elf.get("linkage") or "").startswith("static"):
                # The executable carries its own libc; nothing is loaded at startup.
                return _Image([f"static {flavour}"] if flavour else [], started=True)
            interp = self.elf.get("interpreter") or ""
            # musl's loader is its libc, mapped by the kernel at exec: no syscall shows it.
            return _Image([interp] if _LIBC_RE.match(os.path.basename(interp)) else [], started=False)
        return _Image([], started=False)

    def _start(self, pid: int, image: _Image, seq: int) -> None:
        image.started = True
        if self.main_seq == 0 and pid == next(iter(self.pids), pid):
            self.main_seq = seq

    def _keep_libcs(self, pid: int, image: _Image) -> None:
        # A process that exec'd keeps the image with the most libcs: a second libc in any
        # of its images is the thing to report.
        if len(image.libcs) >= len(self.libcs.get(pid, ())):
            self.libcs[pid] = tuple(image.libcs)

    def _exec(self, e: Event) -> None:
        pid = e["pid"]
        self.execs += 1
        self.pids.setdefault(pid, None)
        old = self.images.get(pid)
        if old is not None:
            self._keep_libcs(pid, old)
        self.images[pid] = image = self._new_image(e.get("path"))
        if image.started and self.main_seq == 0 and pid == next(iter(self.pids)):
            self.main_seq = e["seq"]  # static: the program's code runs from the exec on
        path = self._absolute(e["path"])
        self.files.append(FileAccess(e["seq"], pid, path, self._category(path), "exec", "ok"))

    def _fork(self, e: Event) -> None:
        if e.get("kind") == "thread":
            self.threads += 1
            self.thread_children.append((e["pid"], e["child"]))
            return
        parent = self._image(e["pid"])
        # fork copies the address space: the child carries the parent's libraries.
        self.images[e["child"]] = _Image(list(parent.libcs), started=True)
        self.pids.setdefault(e["child"], None)

    # -- files --------------------------------------------------------------------------
    def _category(self, path: str) -> str:
        return categorize(path, self.program_dir)

    def _resolve(self, e: Event, path: str, dirfd_index: int | None) -> str:
        if path.startswith("/"):
            return path
        base = self.cwd
        if dirfd_index is not None and e["args"][dirfd_index] != "AT_FDCWD":
            base = e.get("fd_path") or self.fds.get((e["pid"], e["args"][dirfd_index]), "?")
        return os.path.normpath(os.path.join(base, path)) if path else base

    def _path_call(self, e: Event) -> None:
        name = e["name"]
        index, op, dirfd_index = _PATH_CALLS[name]
        args = e["args"]
        if len(args) <= index or not isinstance(args[index], str):
            return
        raw = args[index]
        if raw == "" and op == "stat":
            return  # fstat through AT_EMPTY_PATH: a descriptor already counted at its open
        if op == "exec" and e.get("errno") is None:
            return  # successful execs are recorded from the exec event
        path = self._resolve(e, raw, dirfd_index)
        errno = e.get("errno")
        self.files.append(FileAccess(e["seq"], e["pid"], path, self._category(path), op, errno or "ok"))
        if op != "open":
            return
        image = self._image(e["pid"])
        if not image.started:
            if path == "/etc/ld.so.cache":
                image.cache_opens += 1
            # ld.so opens the cache once at startup; a second open is dlopen at work.
            lib_like = (
                _SHARED_OBJECT_RE.search(path)
                or path in ("/etc/ld.so.cache", "/etc/ld.so.preload")
                or os.path.basename(path).startswith("ld-musl-")
            )
            if not lib_like or image.cache_opens > 1:
                self._start(e["pid"], image, e["seq"])
        if errno is None and isinstance(e.get("ret"), int):
            self.fds[(e["pid"], e["ret"])] = path
            self._drop_socket((e["pid"], e["ret"]))  # the number was reused (its close unseen)

    def _fd_file(self, e: Event, fd: Any) -> str | None:
        if not isinstance(fd, int) or fd < 0:
            return None
        return self.fds.get((e["pid"], fd))

    def _mmap(self, e: Event) -> None:
        args = e["args"]
        if e.get("errno") is not None:
            return
        if len(args) > 1 and isinstance(args[1], int):
            self.mmap_bytes += args[1]
        if len(args) < 5:
            return
        fd = args[4]
        if not isinstance(fd, int) or fd < 0:
            # Thread stacks: glibc maps them MAP_STACK, musl PROT_NONE (the guard, then mprotect).
            # The libcs map it right before the clone; any other mapping in between (Go's heap
            # reservations, say) means the thread's stack came from elsewhere.
            flags = flag_set(args[3])
            tid = int(e.get("tid") or e["pid"])
            if (
                isinstance(args[1], int)
                and isinstance(e.get("ret"), int)
                and not flags & _FIXED
                and ("MAP_STACK" in flags or args[2] == "PROT_NONE")
            ):
                self.last_anon_mmap[tid] = (args[1], e["ret"], flags)
            else:
                self.last_anon_mmap.pop(tid, None)
            return
        path = self._fd_file(e, fd) or e.get("fd_path")
        if not path or not path.startswith("/"):
            return
        pid = e["pid"]
        image = self._image(pid)
        if _LIBC_RE.match(os.path.basename(path)) and path not in image.libcs:
            image.libcs.append(path)
        if image.started and _SHARED_OBJECT_RE.search(path) and path not in self.dlopened:
            self.dlopened.append(path)
        if not self.files or self.files[-1].path != path or self.files[-1].op != "mmap":
            self.files.append(FileAccess(e["seq"], pid, path, self._category(path), "mmap", "ok"))

    def _close(self, e: Event) -> None:
        if e["args"] and isinstance(e["args"][0], int):
            key = (e["pid"], e["args"][0])
            self.fds.pop(key, None)
            self._drop_socket(key)

    # -- memory and threads -------------------------------------------------------------
    def _munmap(self, e: Event) -> None:
        args = e["args"]
        if e.get("errno") is None and len(args) > 1 and isinstance(args[1], int):
            self.munmap_bytes += args[1]

    def _clone(self, e: Event) -> None:
        ret = e.get("ret")
        if ret == 0:
            return  # the child's side of the call, where a tracer reports it
        self.clone_calls[e["name"]] += 1
        if isinstance(ret, int) and ret > 0:
            size = _stack_size(e, self.last_anon_mmap.pop(int(e.get("tid") or e["pid"]), None))
            if size is not None:
                self.clone_stack[(e["pid"], ret)] = size

    # -- sockets and DNS ----------------------------------------------------------------
    def _socket(self, e: Event) -> None:
        ret = e.get("ret")
        if e.get("errno") is not None or not isinstance(ret, int):
            return
        args = e["args"]
        s = _Socket(e["seq"], e["pid"], str(args[0]) if args else "?", str(args[1]) if len(args) > 1 else "?")
        if not self.socks:
            self.handlers.update(dict.fromkeys(RECEIVES, self._io))
        self.socks[(e["pid"], ret)] = s
        self.all_socks.append(s)
        self.fds.pop((e["pid"], ret), None)

    def _drop_socket(self, key: tuple[int, int]) -> None:
        if self.socks.pop(key, None) is not None and not self.socks:
            for n in RECEIVES:
                del self.handlers[n]

    def _set_peer(self, s: _Socket, sa: Any, seq: int) -> None:
        text = sockaddr_text(sa)
        if text is None:
            return
        port = sa.get("port") if isinstance(sa, dict) else None
        # The first peer names the socket, but a port-53 peer anywhere makes it a DNS socket.
        if s.peer is None or (port == 53 and s.port != 53):
            s.peer, s.port, s.peer_seq, s.sockaddr = text, port, seq, sa

    def _connect(self, e: Event) -> None:
        s = self.socks.get((e["pid"], e["args"][0])) if e["args"] else None
        if s is not None and len(e["args"]) > 1:
            self._set_peer(s, e["args"][1], e["seq"])

    def _io(self, e: Event) -> None:
        args = e["args"]
        if not args or not isinstance(args[0], int):
            return
        fd = args[0]
        name = e["name"]
        ret = e.get("ret")
        if fd in (1, 2) and name in OUTPUT_CALLS and isinstance(ret, int) and ret > 0:
            self._output(fd, e)
            return
        s = self.socks.get((e["pid"], fd))  # most reads and writes: files and pipes, passed over here
        if s is None:
            return
        if e.get("errno") is not None or not isinstance(ret, int) or ret < 0:
            if name == "sendmsg" and e.get("errno") == "EINPROGRESS":
                # TCP Fast Open (musl >= 1.2.4): the unconnected socket's peer is the msg_name
                # of a sendmsg that only started the connection; the data is sent again later.
                for _, sa in _payloads(name, args, 0):
                    if sa is not None:
                        self._set_peer(s, sa, e["seq"])
            return
        sending = name in SENDS
        for data, sa in _payloads(name, args, ret):
            if sa is not None:
                self._set_peer(s, sa, e["seq"])
            if not data:
                continue
            if not s.used_data:
                # Follow the bytes, not the port or the way it was connected: a socket whose
                # first message is a DNS question (length-prefixed on a stream) is DNS.
                s.dns = s.port == 53 or _is_dns_question(data[2:] if s.tcp else data, s.tcp and data[:2])
            s.used_data = True
            if s.dns:
                self._dns_data(e, s, data, "out" if sending else "in")

    def _output(self, fd: int, e: Event) -> None:
        buf = self.out[fd]
        if len(buf) >= STDOUT_CAP:
            return
        for data, _ in _payloads(e["name"], e["args"], e["ret"]):
            buf += data[: STDOUT_CAP - len(buf)]

    def _dns_data(self, e: Event, s: _Socket, data: bytes, direction: str) -> None:
        if not s.tcp:
            self._dns_message(e, s, data, "udp")
            return
        # TCP carries each message behind a 2-byte length; calls may split or join them.
        stream = s.streams.setdefault(direction, bytearray())
        stream += data
        while len(stream) >= 2:
            n = int.from_bytes(stream[:2], "big")
            if len(stream) < 2 + n:
                break
            self._dns_message(e, s, bytes(stream[2 : 2 + n]), "tcp")
            del stream[: 2 + n]

    def _dns_message(self, e: Event, s: _Socket, data: bytes, transport: str) -> None:
        msg = decode_dns(data)
        if msg is None:
            return
        header, name, qtype, edns = msg
        self.dns.append(
            DnsMessage(
                seq=e["seq"],
                pid=e["pid"],
                direction="answer" if header.qr else "query",
                transport=transport,
                server=s.peer or "?",
                id=header.id,
                name=name,
                qtype=qtype,
                rcode=str(RCODE[header.rcode]) if header.qr else None,
                answers=header.a,
                tc=bool(header.tc),
                edns=edns,
            )
        )

    # -- results ------------------------------------------------------------------------
    def sockets(self) -> tuple[SocketUse, ...]:
        return tuple(
            SocketUse(s.seq, s.pid, s.domain, s.type, s.peer, _purpose(s), s.peer_seq, s.sockaddr)
            for s in self.all_socks
        )

    def thread_stacks(self) -> tuple[int, ...]:
        return tuple(self.clone_stack[k] for k in self.thread_children if k in self.clone_stack)

    def exit_info(self, footer: dict[str, Any]) -> ExitInfo:
        first = next(iter(self.pids), None)
        ev = self.exits.get(first) if first is not None else None
        code = ev.get("code") if ev else None
        sig = (ev.get("signal") if ev else None) or footer.get("signal")
        status = footer.get("exit_code")
        if not isinstance(status, int):
            status = SIGNAL_STATUS + _signal_number(sig) if sig else (code if isinstance(code, int) else -1)
        outcome = footer.get("outcome") or ("interrupted" if ev is None else "killed" if sig else "exited")
        return ExitInfo(outcome, status, code, sig, bool(ev.get("core")) if ev else False)

    def facts(self, label: str, footer: dict[str, Any] | None, normalize: Sequence[re.Pattern[str]] = ()) -> Facts:
        """The facts, once every event was fed; footer: the trace's (None: it was cut short)."""
        footer = footer or {}
        for pid, image in self.images.items():
            self._keep_libcs(pid, image)
        wall = footer.get("duration")
        if not isinstance(wall, (int, float)):
            wall = self.last_t
        memory = {k: self.counts.get(k, 0) for k in MEMORY_CALLS}
        memory.update(mmap_bytes=self.mmap_bytes, munmap_bytes=self.munmap_bytes)
        output = raw if isinstance(raw := footer.get("output"), dict) else {}
        stdout, stderr = _captured(output.get("stdout")), _captured(output.get("stderr"))
        return Facts(
            label=label,
            command=tuple(self.header.get("command") or ()),
            elf=self.elf,
            exit=self.exit_info(footer),
            wall=float(wall),
            files=tuple(self.files),
            libcs=self.libcs,
            dlopened=tuple(self.dlopened),
            dns=tuple(self.dns),
            dns_server_log=tuple(self.dns_log),
            sockets=self.sockets(),
            memory=memory,
            thread_stacks=self.thread_stacks(),
            processes=len(self.pids),
            threads=self.threads,
            clone_calls={k: self.clone_calls.get(k, 0) for k in CLONES},
            futex=self.counts.get("futex", 0),
            signals=tuple(self.signals),
            stdout=_normalized(stdout if stdout is not None else _text(bytes(self.out[1])), normalize),
            stderr=_normalized(stderr if stderr is not None else _text(bytes(self.out[2])), normalize),
            syscall_counts=dict(self.counts),
            trace_set=dict(self.header.get("trace_set") or {}),
            main_seq=self.main_seq,
            output_source="captured" if stdout is not None else "writes",
            strsize=size if isinstance(size := self.header.get("strsize"), int) else -1,
        )


def _stack_size(e: Event, mapping: tuple[int, int, frozenset[str]] | None) -> int | None:
    """The stack size of the thread a clone/clone3 created, when the trace shows it."""
    args = e["args"]
    if args and isinstance(args[0], dict) and isinstance(args[0].get("stack_size"), int):
        # clone3 with its struct decoded: the mapping its stack lies in (guard page and TLS
        # included, as for clone below), else the size the kernel was given.
        stack = args[0].get("stack")
        if mapping is not None and isinstance(stack, str) and stack.startswith("0x"):
            if mapping[1] <= int(stack, 16) < mapping[1] + mapping[0]:
                return mapping[0]
        return int(args[0]["stack_size"])
    if mapping is None:
        return None
    size, addr, flags = mapping
    # clone's arguments by name (libctrace/syscalls/decode/process.py); a trace from before that has them in register order.
    stack = args[0].get("child_stack") if args and isinstance(args[0], dict) else args[1] if len(args) > 1 else None
    if e["name"] == "clone" and isinstance(stack, str) and stack.startswith("0x"):
        # The new stack pointer must lie in the mapping; Go, say, reserves heap PROT_NONE too.
        return size if addr <= int(stack, 16) <= addr + size else None
    return size if "MAP_STACK" in flags else None


def _signal_number(name: str) -> int:
    try:
        return int(signal.Signals[name])
    except KeyError:
        return 0


def _is_dns_question(data: bytes, length: bytes | bool = False) -> bool:
    """A whole DNS query with one question (after a matching 2-byte length on a stream)."""
    if isinstance(length, bytes) and int.from_bytes(length, "big") != len(data):
        return False
    msg = decode_dns(data)
    return msg is not None and not msg[0].qr and msg[0].q == 1 and msg[0].opcode == 0 and bool(msg[1])


def _purpose(s: _Socket) -> str:
    if s.dns:
        return "dns"
    sa = s.sockaddr or {}
    if sa.get("family") == "AF_UNIX" and "nscd" in str(sa.get("path")):
        return "nscd"
    if s.domain == "AF_NETLINK":
        return "netlink"
    if "SOCK_DGRAM" in flag_set(s.type) and s.port is not None and not s.used_data:
        # musl probes for AI_ADDRCONFIG by connecting to port 65535 of the loopbacks; RFC 6724
        # sorting connects a UDP socket to each candidate (glibc: one socket, reconnected) to
        # learn the source address, and never sends.
        if s.port == 65535 and _is_loopback(s.sockaddr):
            return "addrconfig-probe"
        return "address-sort"
    return "other"


def _payloads(name: str, args: list[Any], ret: int) -> Iterable[tuple[bytes, Any]]:
    """(bytes, peer sockaddr or None) per message a send/recv/read/write call carried."""
    if name in ("write", "read", "sendto", "recvfrom"):
        sa = args[4] if name in ("sendto", "recvfrom") and len(args) > 4 else None
        return [(_bytes(args[1], ret), sa)] if len(args) > 1 else []
    if name in ("writev", "readv"):
        return [(_iov_bytes(args[1], ret), None)] if len(args) > 1 else []
    if name in ("sendmsg", "recvmsg"):
        hdr = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        return [(_iov_bytes(hdr.get("iov"), ret), hdr.get("name"))]
    # sendmmsg / recvmmsg: ret is the number of messages; each carries its own length.
    msgs = args[1] if len(args) > 1 and isinstance(args[1], list) else []
    out = []
    for hdr in msgs[:ret]:
        if isinstance(hdr, dict):
            n = hdr.get("len")
            out.append((_iov_bytes(hdr.get("iov"), n if isinstance(n, int) else -1), hdr.get("name")))
    return out


def written(event: Event) -> bytes:
    """The bytes a write/writev/send call carried, as captured (cut at the trace's -s cap)."""
    ret = event.get("ret")
    if not isinstance(ret, int) or ret <= 0:
        return b""
    return b"".join(data for data, _ in _payloads(event["name"], event["args"], ret))


def _iov_bytes(iov: Any, limit: int) -> bytes:
    if isinstance(iov, dict):
        return _bytes(iov, limit)
    if not isinstance(iov, list):
        return b""
    data = b"".join(_bytes(b) for b in iov)
    return data if limit < 0 else data[:limit]


def decode_dns(data: bytes) -> tuple[DNSHeader, str, str, bool] | None:
    """(header, query name, query type, EDNS present); None when not a DNS message.
    A message cut short still yields its header and question: counts come from the header."""
    try:
        rec = DNSRecord.parse(data)
    except (DNSError, ValueError, IndexError, KeyError):
        rec = None
    if rec is not None:
        q = rec.questions[0] if rec.questions else None
        edns = any(rr.rtype == QTYPE.OPT for rr in rec.ar)
        return rec.header, _qname(q.qname) if q else "", str(QTYPE[q.qtype]) if q else "", edns
    if len(data) < 12:
        return None
    try:
        buf = DNSBuffer(data)
        header = DNSHeader.parse(buf)
        q = DNSQuestion.parse(buf) if header.q else None
    except (DNSError, ValueError, IndexError, KeyError):
        return None
    return header, _qname(q.qname) if q else "", str(QTYPE[q.qtype]) if q else "", False


def _qname(label: Any) -> str:
    return str(label).rstrip(".")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _captured(stream: Any) -> str | None:
    """A stream as libctrace/record/capture.py summarised it; beyond the text kept, its size and hash
    stand for the rest, so two streams that differ only there still compare unequal."""
    if not isinstance(stream, dict) or not isinstance(stream.get("text"), str):
        return None
    text: str = stream["text"]
    if stream.get("truncated"):
        text += f"\n[{stream.get('bytes')} bytes in all, sha256 {str(stream.get('sha256'))[:16]}]"
    return text


def _normalized(text: str, normalize: Sequence[re.Pattern[str]]) -> str:
    for rx in normalize:
        text = rx.sub("<…>", text)
    return text


def extract(trace: Trace, label: str, normalize: Sequence[re.Pattern[str]] = ()) -> Facts:
    """All the facts of one trace. label names the run in findings and tables; every match of
    a `normalize` pattern in the program's output is replaced by <…> before it is compared."""
    x = Extractor(trace.header)
    x.feed(trace.events)
    return x.facts(label, trace.footer, normalize)
