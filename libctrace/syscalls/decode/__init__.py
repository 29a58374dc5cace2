"""Argument decoding: raw syscall arguments -> the JSON values of docs/trace-format.md.

One module per family (file, network, process, memory, signals, timers, poll, ioctl, ipc, admin), each with
HANDLERS (calls that need code: structs behind pointers, descriptor tables, per-operation
arguments) and SPECS (calls read from their argument kinds alone). core.py holds the Decoder,
the value shapes strace prints and the kinds. Adding a syscall: one entry in its family's
SPECS, or a handler there.
"""

from __future__ import annotations

import re
from typing import Any

from libctrace.syscalls.decode import admin, file, ioctl, ipc, memory, network, poll, process, signals, timers
from libctrace.syscalls.decode.core import (
    ERRNAMES,
    FD_ARG,
    HANDLERS,
    LENGTH_AT_ENTRY,
    O_CLOEXEC,
    PATH,
    STR,
    Decoder,
    Fd,
    FdTable,
    Handler,
    Kind,
    Memory,
    errname,
    flags,
    from_spec,
    octal,
    open_flags,
    ptr,
    signame,
    signed,
    text,
)
from libctrace.syscalls.decode.process import CLONE_FILES, CLONE_THREAD, CLONE_VFORK
from libctrace.syscalls.decode.signals import siginfo
from libctrace.syscalls.decode.sockaddr import addr_text, sockaddr
from libctrace.syscalls.spec import CUT_ARG, ENTRY_DECODED, MEMORY_FREE, PATH_ARG, STRING_ARG, STRING_ARG_BY_OP

__all__ = [
    "CLONE_FILES", "CLONE_THREAD", "CLONE_VFORK", "ENTRY_DECODED", "ERRNAMES", "LENGTH_AT_ENTRY", "NO_MEMORY", "O_CLOEXEC",
    "SPECS", "STRING_ARGS", "Decoder", "Fd", "FdTable", "Memory", "addr_text", "errname", "flags", "octal", "open_flags", "plain", "pointers_as_numbers", "string_positions",
    "ptr", "siginfo", "signame", "signed", "sockaddr", "text",
]

_FAMILIES = (file, network, process, memory, signals, timers, poll, ioctl, ipc, admin)


def _from_kinds(kinds: tuple[Kind, ...]) -> Handler:
    return lambda d, tid, t, a, r: from_spec(d, tid, t, a, r, kinds)


# Every call decoded from its argument kinds, by name.
SPECS: dict[str, tuple[Kind, ...]] = {n: k for fam in _FAMILIES for n, k in fam.SPECS.items()}
for _fam in _FAMILIES:
    HANDLERS.update(_fam.HANDLERS)
HANDLERS.update({name: _from_kinds(k) for name, k in SPECS.items() if name not in HANDLERS})


def _table_strings(name: str) -> frozenset[int]:
    path = PATH_ARG.get(name)
    return frozenset(((path.arg,) if path is not None else ()) + STRING_ARG.get(name, ()))


# The arguments that are C strings or paths, by call: the renderer quotes them whatever they
# look like (a file named README or GPL-3 is not a constant). The table's, then the kinds'.
STRING_ARGS: dict[str, frozenset[int]] = {
    **{n: _table_strings(n) for n in (*PATH_ARG, *STRING_ARG) if n not in SPECS},
    **{n: frozenset(i) for fam in _FAMILIES for n, i in getattr(fam, "STRINGS", {}).items()},
    **{n: frozenset(i for i, k in enumerate(kinds) if k in (PATH, STR)) for n, kinds in SPECS.items()
       if PATH in kinds or STR in kinds},
}


def string_positions(name: str, args: list[Any]) -> tuple[int, ...]:
    """The arguments of this call that are C strings or paths, those of its operation included
    (STRING_ARG_BY_OP: by the name args[0] decodes to)."""
    strings = STRING_ARGS.get(name, frozenset())
    by_op = STRING_ARG_BY_OP.get(name)
    if by_op is not None and args and isinstance(args[0], str):
        return (*strings, *by_op.get(args[0], ()))
    return tuple(strings)


# Before trace format 3 a C string that was NULL or unreadable was kept as the text NULL or
# 0x..., indistinguishable from a file of that name; read as the address it almost always was.
_OLD_POINTER = re.compile(r"NULL|0x[0-9a-f]+")
_WITH_STRINGS = frozenset((*STRING_ARGS, *STRING_ARG_BY_OP, *CUT_ARG))


def pointers_as_numbers(event: dict[str, Any]) -> None:
    """An event of a trace older than format 3, the pointers of its C-string arguments made
    numbers (only a syscall event has a name: the others pass as they are)."""
    name, args = event.get("name"), event.get("args")
    if name not in _WITH_STRINGS or not isinstance(args, list):
        return  # most calls: read from every event of an old trace, so tested first
    cut = CUT_ARG.get(name)
    for i in (*string_positions(name, args), *(() if cut is None else (cut,))):
        v = args[i] if i < len(args) else None
        if isinstance(v, str) and _OLD_POINTER.fullmatch(v):
            args[i] = 0 if v == "NULL" else int(v, 16)


def plain(name: str) -> bool:
    """True when a call's arguments are plain numbers (no memory, no descriptor)."""
    return name not in HANDLERS and name not in FD_ARG


# Calls whose decoding reads no tracee memory (numbers, flags, addresses printed as such, the
# descriptor table): they can be decoded after the program has moved on, from the arguments
# and the result alone, so the recorder's C loop takes their stops (libctrace/record/stoploop.c). An
# unknown descriptor is still looked up in /proc then, a little later than at the stop. Not
# fcntl: its lock commands read a struct flock, which the next call may have overwritten by then
# (bench/fidelity/file.c: F_SETLK then F_GETLK on the same struct); the C loop copies it at the
# exit stop instead (decode/copied.py).
NO_MEMORY: frozenset[str] = MEMORY_FREE | frozenset(
    name for name, kinds in SPECS.items() if PATH not in kinds and STR not in kinds
)
