"""strace-like text: one line per event, so people who read strace output read ours at once.

`format_event(event) -> str` is the stable entry point other modules use (diff evidence):
it renders any event of docs/trace-format.md on one line, without a trailing newline.

    4242 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
    4242 read(3</etc/passwd>, "root:x:0:0"..., 4096) = 1340
    4242 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
    4242 openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
    4242 +++ exited with 0 +++

Strings are printed as strace does: quoted, C escapes for control characters, a `...` after
the closing quote when the recorder cut them at its `-s` cap. Data buffers show their first
`strsize` bytes (32 by default, like strace's -s), printable bytes as text and the rest as
`\\xNN` (strace -x style), with `...` when there was more.
"""

from __future__ import annotations

import errno as errno_mod
import os
import re
from collections.abc import Iterable
from typing import Any, TextIO

from libctrace.model import Event, ended
from libctrace.render.safe import term
from libctrace.syscalls.decode import flags, octal, open_flags, string_positions
from libctrace.syscalls.spec import ADDRESS_RESULT, CUT_ARG, FD_ARG, HEX_ARG, IOV_ARG

# Which argument the recorder's fd_path describes, integer arguments strace prints in hex
# (mmap's offset), the argument cut at -s, iovec arguments, results that are addresses: the
# syscall table's (libctrace/syscalls/spec.py). Struct fields printed in hex: clone3's stack_size.
_HEX_FIELDS = frozenset({"stack_size"})
_C_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\v": "\\v", "\f": "\\f", '"': '\\"'}
_BYTE_ESCAPES = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x0B: "\\v", 0x0C: "\\f", 0x22: '\\"', 0x5C: "\\\\"}
_ELLIPSIS = "..."
_HEX_ESCAPE = re.compile(r"x[0-9a-fA-F]{2}")
STRSIZE = 32  # bytes of a data buffer shown by default, as strace's -s
# Kernel-internal codes that never reach a program; strace's wording, as Python has no name for them.
_RESTART_TEXT = {
    "ERESTARTSYS": "To be restarted if SA_RESTART is set",
    "ERESTARTNOINTR": "To be restarted",
    "ERESTARTNOHAND": "To be restarted if no handler",
    "ERESTART_RESTARTBLOCK": "Interrupted by signal",
}


def quote_string(s: str) -> str:
    """Quotes a recorded C string as strace does. The recorder already wrote non-UTF-8
    bytes as `\\xNN` and marked a cut string with a trailing `...`: both are kept as they are."""
    cut = s.endswith(_ELLIPSIS)
    if cut:
        s = s[: -len(_ELLIPSIS)]
    out: list[str] = []
    for i, c in enumerate(s):
        if c == "\\":
            # An escape the recorder wrote stays; a literal backslash is doubled.
            out.append(c if _HEX_ESCAPE.match(s, i + 1) else "\\\\")
        elif c in _C_ESCAPES:
            out.append(_C_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) > 0x7F:
            # Non-ASCII as its UTF-8 bytes, like strace --strings-in-hex=non-ascii-chars: the
            # line stays ASCII, and a look-alike character cannot pass for another.
            out.append("".join(f"\\x{b:02x}" for b in c.encode("utf-8", "surrogateescape")))
        else:
            out.append(c)
    return '"' + "".join(out) + '"' + (_ELLIPSIS if cut else "")


def format_buffer(buf: dict[str, Any], strsize: int = STRSIZE) -> str:
    """`{"hex": ..., "len": N}` as strace prints a data buffer: `"\\x12\\x34abc"...`, at most
    strsize bytes of it."""
    try:
        data = bytes.fromhex(buf.get("hex", "")[: 2 * strsize])
    except (TypeError, ValueError):  # a damaged trace (found by tests/test_fuzz.py)
        return "/* corrupt buffer */"
    out: list[str] = []
    for b in data:
        if b in _BYTE_ESCAPES:
            out.append(_BYTE_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    length = buf.get("len")
    cut = type(length) is int and length > len(data)
    return '"' + "".join(out) + '"' + (_ELLIPSIS if cut else "")


def format_sockaddr(sa: dict[str, Any], strsize: int = STRSIZE) -> str:
    """A socket address object in strace's struct notation."""
    family = sa.get("family")
    if family == "AF_INET":
        return f'{{sa_family=AF_INET, sin_port=htons({sa.get("port")}), sin_addr=inet_addr("{sa.get("addr")}")}}'
    if family == "AF_INET6":
        flow = f"sin6_flowinfo=htonl({sa['flowinfo']}), " if "flowinfo" in sa else ""
        scope = f", sin6_scope_id={sa['scope_id']}" if "scope_id" in sa else ""
        return (
            f"{{sa_family=AF_INET6, sin6_port=htons({sa.get('port')}), {flow}"
            f'inet_pton(AF_INET6, "{sa.get("addr")}", &sin6_addr){scope}}}'
        )
    if family == "AF_UNIX":
        path = sa.get("path")
        if path is not None and sa.get("abstract"):  # strace: sun_path=@"name"
            return "{sa_family=AF_UNIX, sun_path=@" + quote_string(path[1:]) + "}"
        return "{sa_family=AF_UNIX" + (f", sun_path={quote_string(path)}" if path is not None else "") + "}"
    if family == "AF_NETLINK":
        return f"{{sa_family=AF_NETLINK, nl_pid={sa.get('pid', 0)}, nl_groups={sa.get('groups', 0):08x}}}"
    rest = ", ".join(f"{k}={format_value(v, strsize)}" for k, v in sa.items() if k != "family")
    return f"{{sa_family={family}" + (f", {rest}" if rest else "") + "}"


def format_iov(iov: list[Any], strsize: int) -> str:
    """struct iovec[] as strace prints it; iov_len is the buffer's size."""
    return (
        "["
        + ", ".join(
            f"{{iov_base={format_value(b, strsize)}, iov_len={b.get('size', b.get('len', 0))}}}"
            if isinstance(b, dict)
            else format_value(b, strsize)
            for b in iov
        )
        + "]"
    )


def _format_msghdr(m: dict[str, Any], strsize: int) -> str:
    name = m.get("name")
    iov = m.get("iov") or []
    if "namelen" not in m:  # a trace recorded before msghdr had all its fields
        hdr = f"{{msg_name={format_value(name, strsize)}, msg_iov={format_iov(iov, strsize)}, msg_iovlen={len(iov)}}}"
    else:
        control = f"msg_control={m['control']}, " if m.get("controllen") else ""
        hdr = (
            f"{{msg_name={format_value(name, strsize)}, msg_namelen={m['namelen']}, "
            f"msg_iov={format_iov(iov, strsize)}, msg_iovlen={m.get('iovlen', len(iov))}, "
            f"{control}msg_controllen={m.get('controllen', 0)}, msg_flags={m.get('flags', 0)}}}"
        )
    # An mmsghdr (sendmmsg/recvmmsg) wraps the header and adds the bytes transferred.
    return f"{{msg_hdr={hdr}, msg_len={m['len']}}}" if "len" in m else hdr


def format_value(v: Any, strsize: int = STRSIZE) -> str:
    """One decoded argument value (see the table in docs/trace-format.md)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return v  # a symbol or struct text: C strings are quoted by their position (_format_syscall)
    if isinstance(v, list):
        return "[" + ", ".join(quote_string(x) if isinstance(x, str) else format_value(x, strsize) for x in v) + "]"
    if isinstance(v, dict):
        if "hex" in v:
            return format_buffer(v, strsize)
        if "family" in v:
            return format_sockaddr(v, strsize)
        if "iov" in v:
            return _format_msghdr(v, strsize)
        return (
            "{"
            + ", ".join(f"{k}={_hex(x) if k in _HEX_FIELDS else format_value(x, strsize)}" for k, x in v.items())
            + "}"
        )
    return str(v)


def _cut(s: Any, strsize: int) -> Any:
    if not isinstance(s, str) or s.endswith(_ELLIPSIS) or len(s) <= strsize:
        return s
    return s[:strsize] + _ELLIPSIS


def _address(v: Any) -> str:
    """A pointer argument: NULL, or its address in hex, as strace prints one it cannot read."""
    return "NULL" if v == 0 else _hx(v) if isinstance(v, int) else format_value(v)


def _hx(v: int) -> str:
    """strace's %#lx of a register: unsigned, 0 as 0."""
    return hex(v & 0xFFFFFFFFFFFFFFFF) if v else "0"


def _hex(v: Any) -> str:
    return hex(v) if isinstance(v, int) and v > 0 else format_value(v)


def strerror(name: str) -> str | None:
    """`No such file or directory` for ENOENT; None for a name nobody knows."""
    code = getattr(errno_mod, name, None)
    return os.strerror(code) if isinstance(code, int) else _RESTART_TEXT.get(name)


def format_result(event: Event) -> str:
    """The part after `= `: `3`, `0x7f12a000`, `-1 ENOENT (No such file or directory)`, `?`."""
    err = event.get("errno")
    if err:
        text = strerror(err)
        # strace prints `?` for the restart codes: the program never sees them.
        value = "?" if err in _RESTART_TEXT else "-1"
        return f"{value} {err} ({text})" if text else f"{value} {err}"
    ret = event.get("ret")
    if ret is None:
        return "?"
    name = event.get("name")
    if name in ADDRESS_RESULT and isinstance(ret, int) and ret >= 0:
        return hex(ret)
    note = event.get("ret_text")
    if note:
        return f"{ret} {note}"
    if isinstance(ret, int):
        decoded = _decoded_result(name, event.get("args") or [], ret)
        if decoded is not None:
            return decoded
    return str(ret)


def _decoded_result(name: Any, args: list[Any], ret: int) -> str | None:
    """Results strace decodes from the call alone: fcntl's flags, umask's mode..."""
    if name == "fcntl" and len(args) > 1:
        if args[1] == "F_GETFL":
            return f"{ret:#x} (flags {open_flags(ret)})"
        if args[1] == "F_GETFD":
            return f"{ret:#x} (flags FD_CLOEXEC)" if ret & 1 else "0"
    if name == "membarrier" and args and args[0] == "MEMBARRIER_CMD_QUERY" and ret > 0:
        return f"{ret:#x} ({flags(ret, _MEMBARRIER_CMDS)})"
    if name == "umask":
        return octal(ret)
    if name == "prctl" and args and args[0] == "PR_GET_DUMPABLE" and ret in _DUMPABLE:
        return f"{ret} ({_DUMPABLE[ret]})"
    return None


_MEMBARRIER_CMDS = tuple(
    (1 << i, "MEMBARRIER_CMD_" + n)
    for i, n in enumerate(
        (
            "GLOBAL",
            "GLOBAL_EXPEDITED",
            "REGISTER_GLOBAL_EXPEDITED",
            "PRIVATE_EXPEDITED",
            "REGISTER_PRIVATE_EXPEDITED",
            "PRIVATE_EXPEDITED_SYNC_CORE",
            "REGISTER_PRIVATE_EXPEDITED_SYNC_CORE",
            "PRIVATE_EXPEDITED_RSEQ",
            "REGISTER_PRIVATE_EXPEDITED_RSEQ",
        )
    )
)
_DUMPABLE = {0: "SUID_DUMP_DISABLE", 1: "SUID_DUMP_USER", 2: "SUID_DUMP_ROOT"}


def _format_syscall(event: Event, strsize: int) -> str:
    args = event.get("args") or []
    name = event["name"]
    if name == "clone" and args and isinstance(args[0], dict):
        # strace names clone's arguments (their order differs between architectures).
        parts = [f"{k}={format_value(v, strsize)}" for k, v in args[0].items()]
    else:
        parts = [format_value(a, strsize) for a in args]
    iov = IOV_ARG.get(name)
    if iov is not None and len(args) > iov and isinstance(args[iov], list):
        parts[iov] = format_iov(args[iov], strsize)
    # The arguments the syscall table says are C strings or paths are quoted, whatever they look
    # like (a file named README, 0755 or O_RDONLY); every other string is a symbol or struct text.
    # A number there is the address of a string that was NULL or unreadable (trace format 3).
    for i in string_positions(name, args):
        v = args[i] if i < len(args) else None
        if isinstance(v, str):
            parts[i] = quote_string(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            parts[i] = _address(v)
    cut = CUT_ARG.get(name)
    if cut is not None and cut < len(args):
        # strace's -s applies to argv and to the target readlink read, not to paths.
        v = args[cut]
        if isinstance(v, list):
            parts[cut] = (
                "[" + ", ".join(quote_string(_cut(x, strsize)) if isinstance(x, str) else _address(x) for x in v) + "]"
            )
        elif isinstance(v, str):
            parts[cut] = quote_string(_cut(v, strsize))
    h = HEX_ARG.get(event["name"])
    if h is not None and h < len(args):
        parts[h] = _hex(args[h])
    fd_path = event.get("fd_path")
    if fd_path is not None:
        i = FD_ARG.get(event["name"], 0)
        if i < len(args) and isinstance(args[i], int):
            parts[i] = f"{args[i]}<{term(fd_path)}>"  # strace -y escapes the path too
    # A call through the 32-bit ABI (int $0x80): its name and numbers are i386's, say so.
    abi = f"[{event['arch']}] " if "arch" in event else ""
    if name.startswith("syscall_") and name[8:].isdigit():
        # A number no table names: strace's syscall_0x1f4, its arguments in hex.
        name = f"syscall_{int(name[8:]):#x}"
        parts = [_hx(a) if isinstance(a, int) else p for a, p in zip(args, parts)]
    return f"{abi}{name}({', '.join(parts)}) = {format_result(event)}"


def _format_exit(event: Event) -> str:
    return f"+++ {ended(event.get('signal'), event.get('code'), bool(event.get('core')), 'exited with')} +++"


def _format_dns_log(event: Event) -> str:
    answers = event.get("answers") or []
    return (
        f"--- dns-log {event.get('transport')} from {event.get('client')}: {event.get('qtype')} "
        f"{event.get('name')} edns={event.get('edns')} -> {event.get('rcode')}, "
        f"{len(answers)} answer(s){', TC' if event.get('tc') else ''} ---"
    )


def format_event(event: Event, strsize: int = STRSIZE) -> str:
    """One strace-like line for any trace event, prefixed by the thread (or process) id.
    Data buffers show at most strsize bytes (strace's -s); strings and paths are whole."""
    kind = event.get("type")
    who = event.get("tid", event.get("pid"))
    if kind == "syscall":
        body = _format_syscall(event, strsize)
    elif kind == "exit":
        body = _format_exit(event)
    elif kind == "signal":
        info = event.get("info")
        body = f"--- {event.get('signal')} {info} ---" if info else f"--- {event.get('signal')} ---"
    elif kind == "exec":
        body = f"--- exec {quote_string(event.get('path', ''))} {format_value(event.get('argv') or [])} ---"
    elif kind == "fork":
        body = f"--- {event.get('kind', 'process')} {event.get('child')} created ---"
    elif kind == "dns-log":
        body = _format_dns_log(event)
    else:
        # A newer event type: show its fields rather than hide it (readers stay tolerant).
        fields = ", ".join(
            f"{k}={quote_string(v) if isinstance(v, str) else format_value(v)}"
            for k, v in event.items()
            if k not in ("type", "seq", "t", "pid")
        )
        body = f"--- {kind} {fields} ---" if fields else f"--- {kind} ---"
    return f"{who} {body}"


def write_text(events: Iterable[Event], out: TextIO, strsize: int = STRSIZE) -> None:
    """Writes one line per event. Plain writes, not rich: `[`…`]` in args is not markup, and
    a trace can hold millions of lines."""
    write = out.write
    for e in events:
        write(format_event(e, strsize) + "\n")
