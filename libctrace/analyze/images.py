"""Which executable image each event of a trace belongs to: the build itself, or a program it
exec'd in a child. A glibc tool spawned by a musl program reads nsswitch.conf and maps
libc.so.6 with glibc's code, not musl's: those events are the child's, and facts about them
must not be told as facts of the musl build. `split` separates the images of another libc.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from libctrace.analyze.facts import ChildImage, extract, is_libc
from libctrace.model import Event, Trace

Inspect = Callable[[str], "dict[str, Any] | None"]  # path -> the ELF summary (elfcache), or None
Programs = dict[int, list[tuple[int, str]]]  # pid -> [(seq from which, program)] (programs)
KNOWN = ("glibc", "musl", "none")  # libcs that can be told apart; "unknown" splits nothing
_MAX_INSPECTED = 64  # distinct exec'd paths inspected per trace (a build that runs many tools)


def exec_summary(path: str) -> dict[str, Any] | None:
    """The ELF summary of an exec'd path (libctrace/elf/cache.py: cached, computed once per file);
    None when the file is gone (a trace from another machine) or not ELF."""
    from libctrace.elf.cache import executable_summary

    if not os.path.isfile(path):
        return None
    summary: dict[str, Any] | None = executable_summary(path).result()
    return summary


def _mapped_libc(path: str) -> str | None:
    """The libc a mapped file is, when it is one."""
    if not is_libc(path) or path.startswith("static "):
        return None
    return "musl" if "musl" in os.path.basename(path) else "glibc"


class _Image:
    def __init__(self, path: str, exec_seq: int) -> None:
        self.path = path
        self.exec_seq = exec_seq
        self.events: list[Event] = []
        self.pids: dict[int, None] = {}
        self.mapped: str | None = None  # the libc its processes mapped, seen in the trace


def _build(header: dict[str, Any]) -> tuple[str, str, str]:
    """(the build's libc, its working directory, its executable's absolute path)."""
    elf: dict[str, Any] = header["executable"] if isinstance(header.get("executable"), dict) else {}
    cwd = str(header.get("cwd") or "/")
    return str(elf.get("libc") or ""), cwd, os.path.normpath(os.path.join(cwd, str(elf.get("path") or "")))


def may_split(header: dict[str, Any], events: Iterable[Event]) -> bool:
    """Whether split can take events away: the build's libc is known and it exec'd another
    program. Only exec events matter here (most builds exec nothing but themselves)."""
    own, cwd, exe = _build(header)
    if own not in KNOWN:
        return False
    execs = [e for e in events if e["type"] == "exec"]
    return any(os.path.normpath(os.path.join(cwd, str(e.get("path") or ""))) != exe for e in execs[1:])


def split(trace: Trace, label: str, inspect: Inspect | None = None) -> tuple[Trace, tuple[ChildImage, ...]]:
    """(the trace without the events of images of another libc than the build, those images).
    Events of exec'd programs of the same libc (or of a build whose libc is unknown) stay."""
    header = trace.header
    if not may_split(header, trace.events):
        return trace, ()
    own, cwd, exe = _build(header)
    images: dict[str, _Image] = {}
    current: dict[int, _Image | None] = {}  # pid -> the image it runs; None: the build's own
    first = next((e for e in trace.events if e["type"] == "exec"), None)
    for e in trace.events:
        kind = e["type"]
        pid: int = e["pid"]  # every event has one (traceio.validate_event)
        if kind == "exec":
            path = os.path.normpath(os.path.join(cwd, str(e.get("path") or "")))
            if e is first or path == exe:
                current[pid] = None  # the build itself, or a re-exec of it
            else:
                image = images.get(path)
                if image is None:
                    image = images[path] = _Image(path, e.get("seq", 0))
                current[pid] = image
        elif kind == "fork" and e.get("kind") != "thread":
            current[e["child"]] = current.get(pid)  # fork copies the image
        image = current.get(pid)
        if image is not None:
            image.events.append(e)
            image.pids.setdefault(pid, None)
            if e.get("name") == "mmap" and isinstance(e.get("fd_path"), str):
                image.mapped = image.mapped or _mapped_libc(e["fd_path"])
    children: list[ChildImage] = []
    foreign: set[int] = set()  # ids of the events of the images split off
    for image in list(images.values())[:_MAX_INSPECTED]:
        summary = inspect(image.path) if inspect is not None else None
        libc = str((summary or {}).get("libc") or "")
        if libc not in KNOWN:
            libc = image.mapped or ""
        if libc not in KNOWN or libc == own:
            continue  # same libc, or cannot tell: its events stay the build's
        sub = Trace(
            header={**header, "command": [image.path], "executable": summary},
            events=image.events,
            footer=None,
            source=trace.source,
        )
        facts = extract(sub, f"{label}: {os.path.basename(image.path)}")
        children.append(
            ChildImage(
                image.path, libc, str((summary or {}).get("linkage") or ""), tuple(image.pids), image.exec_seq, facts
            )
        )
        foreign.update(id(e) for e in image.events)
    if not children:
        return trace, ()
    own_events = [e for e in trace.events if id(e) not in foreign]
    return Trace(header=header, events=own_events, footer=trace.footer, source=trace.source, notes=trace.notes), tuple(
        children
    )


def programs(trace: Trace) -> Programs:
    """pid -> [(seq from which, program)] for each process that ran another program than the
    traced one at some point ("" while it runs the traced one): exec'd, or forked from one."""
    out: Programs = {}
    running: dict[int, str] = {}
    own = None
    for e in trace.events:
        kind = e.get("type")
        if kind == "exec":
            path = str(e.get("path") or "?")
            own = path if own is None else own
            pid, program = e["pid"], "" if path == own else path
        elif kind == "fork" and e.get("kind") != "thread":
            pid, program = e["child"], running.get(e["pid"], "")
        else:
            continue
        if running.get(pid, "") != program:
            running[pid] = program
            out.setdefault(pid, []).append((e.get("seq", 0), program))
    return out


def program_at(spans: Programs, pid: int, seq: int) -> str:
    """The program a process ran at event `seq` ("" for the traced one), from programs()."""
    return next((program for start, program in reversed(spans.get(pid, ())) if start <= seq), "")
