"""Why a build never started: the kernel refused its execve, or its dynamic loader refused to
load it (a missing library, a symbol version this host's libc lacks). Read from the typed trace
(the failed execve and its errno, the loader's failed opens, what ran after the loader) and
from the ELF itself as `libctrace inspect` reads it; None for a build whose own code ran."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from libctrace.analyze.facts import Facts
from libctrace.errors import LibctraceError
from libctrace.model import Trace
from libctrace.syscalls.spec import EXITS, OUTPUT_CALLS

if TYPE_CHECKING:
    from libctrace.elf.info import ElfInfo

# What a process may still do once its loader gave up: print why, and exit.
_GIVING_UP = frozenset((*OUTPUT_CALLS, *EXITS))
_LIBC_SONAME = "libc.so.6"


@dataclass(frozen=True)
class Refusal:
    cause: str  # "missing symbol version", "missing library", "missing interpreter", "wrong architecture"...
    needs: str  # what the build needs: "GLIBC_2.38 (strlcpy@GLIBC_2.38)"
    host: str  # what this host has: "glibc 2.36 (/lib/x86_64-linux-gnu/libc.so.6 defines GLIBC_2.2.5 to GLIBC_2.36)"
    evidence: tuple[int, ...]  # seqs of the events that show it


def refusal(f: Facts, trace: Trace) -> Refusal | None:
    """Why the build never reached its own code, or None when it did (or ended for another reason)."""
    if not trace.events or f.exit.status == 0 or f.exit.signal:
        return None
    first = trace.events[0]["pid"]
    execs = [a for a in f.files if a.pid == first and a.op == "exec"]
    if execs and all(a.result != "ok" for a in execs):
        return _kernel(f, execs[0].path, execs[0].result, execs[0].seq)
    if not _gave_up(f, trace, first):
        return None
    info = _inspect(f)
    if info is None or info.linkage != "dynamic":
        return None
    return _loader(f, trace, first, info)


def _inspect(f: Facts) -> ElfInfo | None:
    from libctrace.elf.info import inspect_file  # pyelftools: only for a build that failed

    path = (f.elf or {}).get("path")
    try:
        return inspect_file(path) if isinstance(path, str) else None
    except (LibctraceError, OSError):
        return None  # a trace from elsewhere: its program is not here to read


def _gave_up(f: Facts, trace: Trace, first: int) -> bool:
    """After the loader's calls the first process only wrote to stderr and exited."""
    if f.main_seq == 0:
        return False
    after = [e for e in trace.events if e.get("type") == "syscall" and e["pid"] == first and e["seq"] >= f.main_seq]
    return bool(after) and all(
        e["name"] in _GIVING_UP and (e["name"].startswith("exit") or e["args"][:1] == [2]) for e in after
    )


def _kernel(f: Facts, path: str, errno: str, seq: int) -> Refusal:
    info = _inspect(f)
    host = os.uname().machine
    if errno == "ENOEXEC":
        needs = f"a {info.elf_class}-bit {info.machine} CPU" if info else "another executable format"
        return Refusal(
            "wrong architecture (execve: ENOEXEC)",
            needs,
            f"an {host} CPU and no binfmt_misc handler for that format",
            (seq,),
        )
    if errno == "ENOENT" and os.path.exists(path):
        interp = info.interpreter if info else None
        if interp and not os.path.exists(interp):
            return Refusal(
                "missing interpreter (execve: ENOENT on a file that exists)",
                f"the loader {interp}",
                f"no {interp}",
                (seq,),
            )
    return Refusal(f"the kernel refused execve: {errno}", path, f"execve failing with {errno}", (seq,))


def _loader(f: Facts, trace: Trace, first: int, info: ElfInfo) -> Refusal | None:
    from libctrace.elf.info import check_against, load_libc_versions, version_key

    opens = [a for a in f.files if a.pid == first and a.op == "open" and (f.main_seq == 0 or a.seq < f.main_seq)]
    said = _said(trace, first, f.main_seq)
    for lib in info.needed:
        tries = [a for a in opens if os.path.basename(a.path) == lib]
        if tries and all(a.result != "ok" for a in tries):
            dirs = list(dict.fromkeys(os.path.dirname(a.path) for a in tries))
            return Refusal(
                "missing library",
                lib,
                f"no {lib} in the {len(dirs)} directories the loader searched "
                f"({', '.join(dirs[:3])}{', ...' if len(dirs) > 3 else ''})",
                (tries[0].seq, tries[-1].seq, *said),
            )
    libc = next((a for a in opens if os.path.basename(a.path) == _LIBC_SONAME and a.result == "ok"), None)
    if libc is not None:
        try:
            have = load_libc_versions(libc.path)
        except (LibctraceError, OSError):
            have = None
        unmet = check_against(info, have).unmet if have is not None else ()
        if have is not None and unmet:
            glibc = [v for v in have.defined if v[len("GLIBC_") :][:1].isdigit() and v.startswith("GLIBC_")]
            top = max(glibc, key=version_key) if glibc else "?"
            version = unmet[0].rpartition("@")[2]
            symbols = [u for u in unmet if u.endswith("@" + version) and "@" in u]
            return Refusal(
                "missing symbol version",
                f"{version}" + (f" ({', '.join(symbols[:3])})" if symbols else ""),
                f"glibc {top.removeprefix('GLIBC_')} ({libc.path} defines up to {top})",
                (libc.seq, *said),
            )
    return None  # a program that only printed an error itself: nothing the loader refused


def _said(trace: Trace, first: int, main_seq: int) -> list[int]:
    """The loader's message and the exit that follows it."""
    return [
        e["seq"]
        for e in trace.events
        if e.get("pid") == first
        and e.get("seq", 0) >= main_seq
        and (e.get("name") in OUTPUT_CALLS or e.get("type") == "exit")
    ][:2]
