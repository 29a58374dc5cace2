"""Reading and writing traces as JSON Lines: header first, one event per line, footer last."""

from __future__ import annotations

import gc
import os
from functools import partial
from typing import Any, BinaryIO, Callable

import orjson

from tracer.errors import LibctraceError, TraceFormatError
from tracer.model import FORMAT, VERSION, Event, Trace, header_record

_BATCH = 512  # events buffered before a write(2): keeps per-event cost low, loses little on a crash


class TraceWriter:
    """Streams a trace to a file created with mode 0600 (traces can hold secrets).

    The file is created at once, so that an unwritable path fails before anything runs. The
    header may be a function: it is then called at the first flush, which lets the recorder
    finish the header (the ELF summary) while the program already runs.
    """

    def __init__(self, path: str, header: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        try:
            # "-" is standard output (a copy of it: closing the trace leaves stdout open)
            fd = os.dup(1) if path == "-" else os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise LibctraceError(f"cannot write trace to {path}: {e.strerror}") from None
        self._f: BinaryIO = os.fdopen(fd, "wb")
        self._pending: list[bytes] = []
        self._header: Callable[[], dict[str, Any]] | None = None
        if callable(header):
            self._header = header
        else:
            self._write_header(header)

    def _write_header(self, header: dict[str, Any]) -> None:
        self._f.write(_dumps(header_record(header)))
        self._f.flush()

    def write(self, event: Event) -> None:
        self._pending.append(_dumps(event))
        if len(self._pending) >= _BATCH:
            self.flush()

    def write_many(self, events: list[Event]) -> None:
        """Encodes and writes a batch at once (the recorder's way: no Python call per event)."""
        self._pending.extend(map(_dumps, events))
        self.flush()

    def flush(self) -> None:
        if self._header is not None:
            header, self._header = self._header, None
            self._write_header(header())
        if self._pending:
            self._f.write(b"".join(self._pending))
            self._pending.clear()
        self._f.flush()

    def close(self, footer: dict[str, Any] | None) -> None:
        """Writes the footer (None leaves the file footer-less, i.e. marked interrupted)."""
        self.flush()
        if footer is not None:
            self._f.write(_dumps({"type": "footer", **footer}))
        self._f.close()


# One JSON line per object; a partial of the C function, so map() encodes without Python calls.
_dumps: Callable[[Any], bytes] = partial(orjson.dumps, option=orjson.OPT_APPEND_NEWLINE)


def write_trace(path: str, trace: Trace) -> None:
    w = TraceWriter(path, {k: v for k, v in trace.header.items() if k not in ("type", "format", "version")})
    for e in trace.events:
        w.write(e)
    w.close(trace.footer)


def load_trace(path: str) -> Trace:
    """Loads a trace; every defect is a TraceFormatError naming the file and line.

    The cyclic garbage collector is off while loading: a million-event trace is millions of
    new dicts and lists, none in a cycle, and the collector would rescan them again and again
    (13 s instead of 5 s for 1 000 000 events); frozen afterwards, later collections skip them.
    """
    gc.disable()
    try:
        trace = _load(path)
    finally:
        gc.enable()
    gc.freeze()
    return trace


def _load(path: str) -> Trace:
    try:
        f = open(path, "rb")
    except OSError as e:
        raise TraceFormatError(f"cannot read trace {path}: {e.strerror}") from None
    header: dict[str, Any] | None = None
    footer: dict[str, Any] | None = None
    events: list[Event] = []
    notes: list[str] = []
    loads = orjson.loads
    with f:
        lineno = 0
        for lineno, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                # The writer only ever writes whole lines, so this file was cut short.
                raise TraceFormatError(f"{path}: line {lineno}: truncated trace (the line is incomplete)")
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError:
                if header is None:
                    raise TraceFormatError(f"{path}: line {lineno}: not a libctrace trace (not JSON)") from None
                raise TraceFormatError(f"{path}: line {lineno}: corrupt trace line (not valid JSON)") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
                raise TraceFormatError(f"{path}: line {lineno}: corrupt trace line (no event type)")
            if header is None:
                header = _check_header(path, obj)
                continue
            if footer is not None:
                raise TraceFormatError(f"{path}: line {lineno}: data after the footer line")
            if obj["type"] == "footer":
                footer = obj
            else:
                events.append(obj)
        if header is None:
            raise TraceFormatError(f"{path}: empty file, not a libctrace trace")
    if footer is None:
        notes.append("no footer: the recording was interrupted; events up to the cut are kept")
    return Trace(header=header, events=events, footer=footer, source=path, notes=tuple(notes))


def _check_header(path: str, obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("type") != "header" or obj.get("format") != FORMAT:
        raise TraceFormatError(f"{path}: line 1: not a libctrace trace (no libctrace header)")
    version = obj.get("version")
    if not isinstance(version, int):
        raise TraceFormatError(f"{path}: line 1: trace header has no format version")
    if version > VERSION:
        raise TraceFormatError(
            f"{path}: line 1: trace format version {version} is newer than this libctrace reads ({VERSION}); upgrade libctrace"
        )
    return obj
