"""Reading and writing traces as JSON Lines: header first, one event per line, footer last;
gzip-compressed when the path ends in .gz (docs/trace-format.md)."""

from __future__ import annotations

import gc
import gzip
import mmap
import os
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import accumulate
from operator import add, itemgetter
from typing import IO, Any

import orjson

from libctrace.errors import TraceFormatError
from libctrace.model import FORMAT, VERSION, Event, Trace, header_record
from libctrace.outputs import create_file

_BATCH = 512  # events buffered before a write(2): keeps per-event cost low, loses little on a crash
# gzip's level for `-o FILE.gz`: 6 compresses a getppid loop's trace 20x; 9 costs twice the CPU for 3% less
_GZIP_LEVEL = 6
# The fields of a syscall event that its version-2 row holds by position (syscall_row)
_ROW_FIELDS = frozenset(("type", "seq", "t", "pid", "name", "args", "ret", "errno", "dur"))


class TraceWriter:
    """Streams a trace to a file created with mode 0600 (traces can hold secrets).

    The file is created at once, so that an unwritable path fails before anything runs. The
    header may be a function: it is then called at the first flush, which lets the recorder
    finish the header (the ELF summary) while the program already runs.
    """

    def __init__(self, path: str, header: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        self.path = path
        # "-" is standard output (a copy of it: closing the trace leaves stdout open)
        self._file: IO[Any] = os.fdopen(os.dup(1), "wb") if path == "-" else create_file(path, "trace")
        self._f: IO[Any] = self._file
        if path.endswith(".gz"):  # each batch is flushed whole: an interrupted trace stays readable
            self._f = gzip.GzipFile(filename="", mode="wb", fileobj=self._file, compresslevel=_GZIP_LEVEL, mtime=0)  # type: ignore[assignment]
        self._seq = 0  # the last event's seq: the next one's is implicit when it follows
        # Set when a write failed (disk full): the rest is dropped, the recording goes on, and
        # the caller reports it once the program's outcome is known.
        self.error: str | None = None
        self._pending: list[bytes] = []
        self._header: Callable[[], dict[str, Any]] | None = None
        self._making_header = False  # the header callable is running (see flush)
        if callable(header):
            self._header = header
        else:
            self._write_header(header)

    def _write_header(self, header: dict[str, Any]) -> None:
        self._put(_dumps(header_record(header)))

    def _put(self, data: bytes) -> None:
        if self.error is not None:
            return
        try:
            self._f.write(data)
            self._f.flush()
        except OSError as e:
            self.error = f"cannot write trace {self.path}: {e.strerror}"
            return

    def write(self, event: Event) -> None:
        self._pending.extend(self._encode([event]))
        if len(self._pending) >= _BATCH:
            self.flush()

    def write_many(self, events: list[Event | list[Any] | bytes]) -> None:
        """Encodes and writes a batch at once. A list is a syscall row the recorder built itself
        (syscall_row's form, its seq the next one): encoded as it is; bytes are such rows
        already encoded, one per line (the C stop loop's)."""
        self._pending.extend(self._encode(events))
        self.flush()

    def _encode(self, events: list[Event | list[Any] | bytes]) -> list[bytes]:
        """Version 2's lines, encoded: syscall events as rows, and every seq that follows the
        one before left out (the reader counts). One loop, the hottest of a recording's writer."""
        out: list[bytes] = []
        seq, dumps = self._seq, _dumps
        for e in events:
            seq += 1
            if type(e) is list:
                out.append(dumps(e))
                continue
            if type(e) is bytes:
                out.append(e)
                seq += e.count(b"\n") - 1
                continue
            given = e.get("seq")  # type: ignore[union-attr]
            gap = given != seq
            if gap and type(given) is int:
                seq = given
            if e.get("type") == "syscall":  # type: ignore[union-attr]
                out.append(dumps(syscall_row(e, gap)))  # type: ignore[arg-type]
            else:
                out.append(dumps({k: v for k, v in e.items() if k != "seq" or gap}))  # type: ignore[union-attr]
        self._seq = seq
        return out

    def flush(self) -> None:
        if self._header is not None:
            if self._making_header:  # re-entered from a signal handler: the header goes first
                return
            self._making_header = True
            try:
                header = self._header()  # may wait for the ELF summary
            finally:
                self._making_header = False
            self._header = None
            self._write_header(header)
        if self._pending:
            self._put(b"".join(self._pending))
            self._pending.clear()

    def close(self, footer: dict[str, Any] | None) -> None:
        """Writes the footer (None leaves the file footer-less, i.e. marked interrupted)."""
        self.flush()
        if footer is not None:
            self._put(_dumps({"type": "footer", **footer}))
        try:
            self._f.close()
            self._file.close()
        except OSError as e:  # what the buffer still held after a failed write
            self.error = self.error or f"cannot write trace {self.path}: {e.strerror}"


def syscall_row(e: Event, with_seq: bool = False) -> list[Any]:
    """A syscall event as version 2 writes it: [t, pid, name, args, ret, dur] with t and dur in
    integer microseconds (dur null: the call never returned), then an object of the fields
    besides those (errno when set, tid, fd_path, ret_text, arch, seq when it does not follow)."""
    dur = e.get("dur")
    row = [round(e["t"] * 1e6), e["pid"], e["name"], e["args"], e["ret"], None if dur is None else round(dur * 1e6)]
    rest = {k: v for k, v in e.items() if k not in _ROW_FIELDS or (k == "seq" and with_seq)}
    if e.get("errno") is not None:
        rest["errno"] = e["errno"]
    if rest:
        row.append(rest)
    return row


# One JSON line per object; a partial of the C function, so map() encodes without Python calls.
_dumps: Callable[[Any], bytes] = partial(orjson.dumps, option=orjson.OPT_APPEND_NEWLINE)


def write_trace(path: str, trace: Trace) -> None:
    w = TraceWriter(path, {k: v for k, v in trace.header.items() if k not in ("type", "format", "version")})
    for e in trace.events:
        w.write(e)
    w.close(trace.footer)


def load_trace(path: str) -> Trace:
    """Loads a whole trace; every defect is a TraceFormatError naming the file and line.

    The cyclic garbage collector is off while loading: a million-event trace is millions of
    new dicts and lists, none in a cycle, and the collector would rescan them again and again
    (13 s instead of 5 s for 1 000 000 events); frozen afterwards, later collections skip them.
    """
    gc.disable()
    try:
        with TraceReader(path) as reader:
            events: list[Event] = []
            for batch in reader.batches():
                events += batch
    finally:
        gc.enable()
    gc.freeze()
    return Trace(header=reader.header, events=events, footer=reader.footer, source=path, notes=tuple(reader.notes))


def _event_of(obj: Any, seq: int) -> Any:
    """A version-2 line, parsed, as the event it stands for: a syscall row (checked) as its
    dict, a dict without seq given `seq`, the implicit one (syscall_row)."""
    if type(obj) is list:
        obj = _row_event(obj, seq, checked=False)
    elif type(obj) is dict and "seq" not in obj and obj.get("type") != "footer":
        obj["seq"] = seq
    return obj


# The longest line read: a line holds one event, whose buffers `run -s` bounds (256 bytes by
# default, hex-encoded); a longer line is not a trace (`show /dev/zero`) and is not read whole.
MAX_LINE = 64 << 20


class TraceReader:
    """Reads a trace event by event, so that memory stays flat however long it is: the header
    on opening, the events by iterating, then `footer` and `notes` are known. Each event is
    checked (validate_event); a last line cut short (disk full, killed writer) ends the
    events with a note rather than an error: every complete event before it is kept.

    With index=True it also keeps where each event's line starts and its seq (`offsets`,
    `seqs`), so that EventFile can read any event again without the reader's dicts."""

    def __init__(self, path: str, index: bool = False) -> None:
        self.path = path
        self.footer: dict[str, Any] | None = None
        self.notes: list[str] = []
        self.offsets: array[int] | None = array("q") if index else None
        self.seqs: array[int] = array("q")
        try:
            self._file = open(path, "rb")
            self._f: IO[Any] = self._file
            if self._file.peek(2)[:2] == b"\x1f\x8b":  # gzip (-o FILE.gz)
                self._f = gzip.GzipFile(fileobj=self._file)  # type: ignore[assignment]
        except OSError as e:
            raise TraceFormatError(f"cannot read trace {path}: {e.strerror}") from None
        self._lineno = 0
        self._seq = 0  # the last event's seq (version 2 leaves out those that follow)
        try:
            first = self._line()
            if first is None:
                raise TraceFormatError(f"{path}: empty file, not a libctrace trace")
            obj = self._parse(first, "not a libctrace trace (not JSON)")
            self.header: dict[str, Any] = _check_header(path, obj)
            self._start = len(first)  # of the lines _blocks reads, in the (uncompressed) stream
        except BaseException:
            self._f.close()
            self._file.close()
            raise

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()
        self._file.close()  # a GzipFile leaves its file open

    def _line(self) -> bytes | None:
        """The header line; None for an empty file."""
        try:
            raw: bytes = self._f.readline(MAX_LINE + 1)
        except EOFError:  # a gzip stream cut short
            raw = b"cut"
        except (gzip.BadGzipFile, zlib.error):
            raise TraceFormatError(f"{self.path}: line {self._lineno + 1}: corrupt gzip data") from None
        if not raw:
            return None
        self._lineno += 1
        if raw.endswith(b"\n"):
            return raw
        if len(raw) > MAX_LINE:
            raise TraceFormatError(
                f"{self.path}: line {self._lineno}: longer than {MAX_LINE >> 20} MiB, not a libctrace trace line"
            )
        raise TraceFormatError(f"{self.path}: line 1: truncated trace (the header line is incomplete)")

    def _parse(self, raw: bytes, not_json: str) -> dict[str, Any]:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise TraceFormatError(f"{self.path}: line {self._lineno}: {not_json}") from None
        return self._check_type(self._expand(obj))

    def _expand(self, obj: Any) -> Any:
        """A version-2 line as the event it stands for: a syscall row as its dict, an implicit
        seq filled in (syscall_row); self._lineno must be the line's number."""
        if self._lineno > 1 and self.header["version"] >= 2:
            if type(obj) is list:
                if not (
                    6 <= len(obj) <= 7
                    and type(obj[0]) is int
                    and type(obj[5]) in (int, type(None))
                    and (len(obj) == 6 or type(obj[6]) is dict)
                ):
                    raise TraceFormatError(f"{self.path}: line {self._lineno}: corrupt syscall row")
            obj = _event_of(obj, self._seq + 1)
            if type(obj) is dict and type(obj.get("seq")) is int:
                self._seq = obj["seq"]
        return obj

    def _check_type(self, obj: Any) -> dict[str, Any]:
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
            raise TraceFormatError(f"{self.path}: line {self._lineno}: corrupt trace line (no event type)")
        return obj

    def __iter__(self) -> Iterator[Event]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Event]]:
        """The events, checked, a few thousand at a time: the file is read in blocks and parsed
        with one orjson call per line but no Python code per line; a line the fast check does
        not pass (anything but a well-formed syscall, or a defect) goes through the full one."""
        lineno = self._lineno  # of the line before `lines`
        ended = False  # the footer was read: any further line is an error
        v2 = self.header["version"] >= 2  # rows to expand (_expand), in order
        offsets = self.offsets
        start = self._start
        legacy: Callable[[Event], None] | None = None
        if self.header["version"] < 3:  # NULL C strings as the text "NULL" (format 3: numbers)
            from libctrace.syscalls.decode import pointers_as_numbers as legacy
        for lines in self._blocks():
            try:
                objs: list[Any] = list(map(orjson.loads, lines))
            except orjson.JSONDecodeError:
                objs = [None] * len(lines)  # parsed one by one below, up to the defective line
            # Every line is an event until the footer, which ends them: the events of the
            # batch are its first lines.
            batch: list[Event] = []
            k, n = 0, len(objs)
            while k < n:
                if v2 and not ended:  # well-formed syscall rows, the common case: checked at once
                    k, self._seq = fast_rows(objs, k, self._seq, batch)
                    if k == n:
                        break
                i, k = k, k + 1
                obj = objs[i]
                if v2 and obj is not None:
                    self._lineno = lineno + i + 1
                    obj = self._expand(obj)
                if not ended and type(obj) is dict and obj.get("type") == "syscall" and _syscall_ok(obj):
                    batch.append(obj)
                    continue
                self._lineno = lineno + i + 1
                if obj is None:
                    obj = self._parse(lines[i], "corrupt trace line (not valid JSON)")
                else:
                    self._check_type(obj)
                if ended:
                    raise TraceFormatError(f"{self.path}: line {self._lineno}: data after the footer line")
                problem = validate_event(obj)
                if problem is not None:
                    raise TraceFormatError(f"{self.path}: line {self._lineno}: corrupt {obj['type']} event: {problem}")
                if obj["type"] == "footer":
                    self.footer, ended = obj, True
                else:
                    batch.append(obj)
            if offsets is not None:
                before = list(accumulate(map(len, lines), initial=start))  # + k newlines: line k's start
                offsets.extend(map(add, before[: len(batch)], range(len(batch))))
                self.seqs.extend(map(itemgetter("seq"), batch))
                start = before[-1] + len(lines)
            lineno += len(lines)
            self._lineno = lineno
            if legacy is not None:
                for e in batch:
                    legacy(e)
            if batch:
                yield batch
        if self.footer is None and not self.notes:
            self.notes.append("no footer: the recording was interrupted; events up to the cut are kept")

    def _blocks(self) -> Iterator[list[bytes]]:
        """The whole lines after the header, in lists of about _BLOCK bytes (without their
        newlines); a last line cut short is noted, a line over MAX_LINE is an error."""
        rest: list[bytes] = []  # the start of a line whose end is not read yet, in pieces
        size = 0  # their length
        lineno = self._lineno
        cut_stream = False
        while True:
            try:
                # read1: a gzip stream cut short raises at its end, after the data before the cut
                data = self._f.read1(_BLOCK)  # type: ignore[attr-defined]
            except EOFError:  # a gzip stream cut short: its last line too
                cut_stream = True
                break
            except (gzip.BadGzipFile, zlib.error):
                raise TraceFormatError(f"{self.path}: line {lineno + 1}: corrupt gzip data") from None
            if not data:
                break
            cut = data.rfind(b"\n") + 1
            if cut and rest:
                data = b"".join([*rest, data])
                cut += size
                rest.clear()
                size = 0
            if len(data) > cut:
                rest.append(data[cut:])
                size += len(data) - cut
                if size > MAX_LINE:
                    raise TraceFormatError(
                        f"{self.path}: line {lineno + 1}: longer than {MAX_LINE >> 20} MiB, not a libctrace trace line"
                    )
            if cut:
                lines = data[: cut - 1].split(b"\n")
                lineno += len(lines)
                yield lines
        if rest or cut_stream:
            # The writer only ever writes whole lines, so the file was cut short here.
            self.notes.append(
                f"line {lineno + 1} is cut short (disk full, or the recording was killed); "
                "the events before it are kept"
            )


def _fast_rows(objs: list[Any], start: int, seq: int, out: list[Event]) -> tuple[int, int]:
    """The well-formed syscall rows objs[start:stop] as events (_row_event) appended to out,
    numbered from seq + 1; returns stop, the first object that is not one (len(objs) when all
    are), and the last seq given. libctrace/rows.c does the same in C, 2x faster."""
    for i in range(start, len(objs)):
        row = objs[i]
        e = _row_event(row, seq + 1) if type(row) is list else None
        if e is None:
            return i, seq
        out.append(e)
        seq += 1
    return len(objs), seq


try:
    from libctrace._rows import fast_rows
except ImportError:  # not compiled (a checkout without `make setup`): the same in Python
    fast_rows = _fast_rows


# Bytes read at once: a batch of about 600 events small enough to stay in the CPU's cache
# while it is parsed, checked and used (4 MiB blocks made loading 1M events 1.3x slower, and
# reading them batch by batch, freeing each, 2x slower).
_BLOCK = 64 << 10


class EventFile(Sequence[Event]):
    """The events of a trace file, read again one at a time from where a TraceReader(index=True)
    found their lines: a process that digested the trace (libctrace/analyze/digest.py) hands
    this index over instead of its millions of dicts, and the few events shown as evidence
    are parsed when asked for. Iterating parses them all, in order. The file is opened at the
    first access (a gzip trace is then decompressed whole)."""

    def __init__(self, path: str, version: int, offsets: array[int], seqs: array[int], non_calls: array[int]) -> None:
        self.path = path
        self.version = version
        self.offsets = offsets
        self.seqs = seqs  # ascending
        self.non_calls = non_calls  # the indices of the events that are not syscalls (exec, exit...)
        self._data: bytes | mmap.mmap | None = None

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        data = self._open()
        start = self.offsets[i]
        e = orjson.loads(data[start : data.find(b"\n", start)])
        if self.version >= 2:
            e = _event_of(e, self.seqs[i])
        if self.version < 3:  # as TraceReader.batches reads it
            from libctrace.syscalls.decode import pointers_as_numbers

            pointers_as_numbers(e)
        return e

    def __iter__(self) -> Iterator[Event]:
        return map(self.__getitem__, range(len(self)))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_data": None}  # sent to another process: it opens the file again

    def _open(self) -> bytes | mmap.mmap:
        if self._data is None:
            try:
                with open(self.path, "rb") as f:
                    if f.peek(2)[:2] == b"\x1f\x8b":
                        self._data = gzip.decompress(f.read())
                    else:
                        self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except OSError as e:
                raise TraceFormatError(f"cannot read trace {self.path}: {e.strerror}") from None
        return self._data


# The fields besides the row's own that a syscall row may hold for _row_event (seq, or any
# field a row holds by position, sends it the long way)
_ROW_REST = frozenset(("errno", "tid", "fd_path", "ret_text", "arch"))


def _row_event(row: list[Any], seq: int, checked: bool = True) -> Event | None:
    """A version-2 syscall row as the event it stands for, given its implicit seq, when
    _syscall_ok would pass that event; else None, and the row goes through _expand and
    validate_event, which say what is wrong. One function for the most frequent line.
    checked=False: the row as it is, any field of any type (_expand checked only its shape,
    6 or 7 items; validate_event says what is wrong)."""
    if len(row) == 7:
        t, pid, name, args, ret, dur, rest = row
        if checked and not (
            type(rest) is dict
            and rest.keys() <= _ROW_REST
            and type(rest.get("errno")) in _STR_NULL
            and type(rest.get("tid", 0)) is int
            and type(rest.get("fd_path", "")) is str
        ):
            return None
    elif len(row) == 6:
        t, pid, name, args, ret, dur = row
        rest = None
    else:
        return None
    if checked and not (
        type(t) is int
        and type(pid) is int
        and type(name) is str
        and type(args) is list
        and type(ret) in _INT_NULL
        and type(dur) in _INT_NULL
    ):
        return None
    e = {"type": "syscall", "seq": seq, "t": t / 1e6, "pid": pid, "name": name, "args": args, "ret": ret, "errno": None}
    if rest:
        e.update(rest)
    if dur is not None:
        e["dur"] = dur / 1e6
    return e


def _syscall_ok(e: dict[str, Any]) -> bool:
    """validate_event's answer for a syscall event, in one expression (the per-event cost of
    loading a trace); False sends the event through validate_event, which says what is wrong."""
    g = e.get
    return (
        type(g("seq")) is int
        and type(g("pid")) is int
        and type(g("t")) in _NUM
        and type(g("name")) is str
        and type(g("args")) is list
        and type(g("ret", _MISSING)) in _INT_NULL
        and type(g("errno", _MISSING)) in _STR_NULL
        and ("tid" not in e or type(e["tid"]) is int)
        and ("fd_path" not in e or type(e["fd_path"]) is str)
        and ("dur" not in e or type(e["dur"]) in _NUM)
    )


# What each line type must hold (docs/trace-format.md, libctrace/schemas/trace.schema.json): the
# fields every reader relies on, with their JSON types. A check in Python per event, cheaper
# than a JSON-schema validator by far (traces reach millions of events).
_INT, _NUM, _STR, _BOOL, _LIST, _DICT, _NULL = (int,), (int, float), (str,), (bool,), (list,), (dict,), (type(None),)
_INT_NULL, _STR_NULL = _INT + _NULL, _STR + _NULL
_COMMON = (("seq", _INT), ("t", _NUM), ("pid", _INT))
_FIELDS: dict[str, tuple[tuple[str, tuple[type, ...]], ...]] = {
    "syscall": (*_COMMON, ("name", _STR), ("args", _LIST), ("ret", _INT_NULL), ("errno", _STR_NULL)),
    "exec": (*_COMMON, ("path", _STR), ("argv", _LIST)),
    "fork": (*_COMMON, ("child", _INT), ("kind", _STR)),
    "signal": (*_COMMON, ("signal", _STR)),
    "exit": (*_COMMON, ("code", _INT + _NULL), ("signal", _STR + _NULL), ("core", _BOOL)),
    "dns-log": (*_COMMON, ("client", _DICT), ("transport", _STR), ("size", _INT)),
    "footer": (
        ("outcome", _STR),
        ("exit_code", _INT),
        ("signal", _STR + _NULL),
        ("duration", _NUM),
        ("events", _INT),
        ("syscalls", _INT),
        ("processes", _INT),
        ("threads", _INT),
    ),
}
# header fields are checked when present (readers use .get: a trace written by hand may lack some)
_HEADER = (
    ("command", _LIST),
    ("executable", _DICT + _NULL),
    ("cwd", _STR),
    ("env", _DICT),
    ("trace_set", _DICT),
    ("strsize", _INT),
    ("sandbox", _DICT + _NULL),
)
_OPTIONAL = (("tid", _INT), ("fd_path", _STR), ("dur", _NUM))
_NAMES = {
    int: "an integer",
    float: "a number",
    str: "a string",
    bool: "true or false",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def validate_event(e: dict[str, Any]) -> str | None:
    """What is wrong with event or footer `e` (None: nothing). type() rather than isinstance:
    JSON true is not a number here."""
    fields = _FIELDS.get(e["type"])
    if fields is None:
        return "unknown event type"
    for name, types in fields:
        if type(e.get(name, _MISSING)) not in types:
            return _wrong(e, name, types)
    for name, types in _OPTIONAL:
        if name in e and type(e[name]) not in types:
            return _wrong(e, name, types)
    return None


_MISSING = object()


def _wrong(e: dict[str, Any], name: str, types: tuple[type, ...]) -> str:
    if name not in e:
        return f"no {name!r} field"
    want = "a number" if float in types else " or ".join(_NAMES[t] for t in types)
    return f"{name!r} is {_NAMES.get(type(e[name]), type(e[name]).__name__)}, not {want}"


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
    for name, types in _HEADER:
        if name in obj and type(obj[name]) not in types:
            raise TraceFormatError(f"{path}: line 1: corrupt trace header: {_wrong(obj, name, types)}")
    return obj
