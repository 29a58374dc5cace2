"""Property-based fuzz tier (Hypothesis): the trace reader, the ELF reader and the syscall
decoders, fed random and mutated real inputs, give a result or a one-line LibctraceError,
never a traceback and never unbounded memory. Run time is kept to some seconds per target
(FUZZ_EXAMPLES scales it: FUZZ_EXAMPLES=2000 for a longer hunt)."""

from __future__ import annotations

import io
import os
import resource
import shutil
from pathlib import Path

import orjson
import pytest
from helpers import build_c, libctrace
from hypothesis import HealthCheck, given, settings, strategies as st

from libctrace.errors import LibctraceError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Memory any one example may add to the process: a corrupt size must not make a reader
# allocate what the file does not hold.
MEMORY_BOUND = 256 << 20


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Named(bytes):
    """A file's bytes that print as its name (Hypothesis prints the inputs of a failure)."""

    def __new__(cls, data: bytes, name: str) -> Named:
        obj = super().__new__(cls, data)
        obj.name = name
        return obj

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self)} bytes>"


@pytest.fixture(scope="module")
def real_trace(tmp_path_factory: pytest.TempPathFactory) -> Named:
    """A real recording with files, a child process and output: the seed of the mutations."""
    out = tmp_path_factory.mktemp("fuzz") / "seed.jsonl"
    r = libctrace("run", "-q", "-o", str(out), "--", "sh", "-c", "cat /etc/hostname /nonexistent; ls / >/dev/null")
    assert r.returncode in (0, 1), r.stderr
    return Named(out.read_bytes(), "seed.jsonl")


def _read_and_render(path: Path) -> None:
    """Reads like `show` and `diff` do, then renders what was accepted."""
    from libctrace.render.summary import summarize
    from libctrace.render.text import write_text
    from libctrace.traceio import load_trace

    before = _rss()
    try:
        trace = load_trace(str(path))
    except LibctraceError as e:
        assert "\n" not in str(e)
        return
    write_text(trace.events, io.StringIO(), 32)
    summarize(trace.header, trace.footer, trace.events)
    assert _rss() - before < MEMORY_BOUND


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Byte flips, cuts and duplicated stretches at random places of a real file."""
    buf = bytearray(data)
    for kind, pos, val in ops:
        if not buf:
            break
        pos %= len(buf)
        if kind == 0:
            buf[pos] = val & 0xFF
        elif kind == 1:
            del buf[pos:]
        elif kind == 2:
            buf[pos:pos] = buf[pos : pos + (val % 200)]
        else:
            del buf[pos : pos + (val % 50)]
    return bytes(buf)


OPS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 30), st.integers(0, 1 << 16)), min_size=1, max_size=8)


@FUZZ
@given(ops=OPS)
def test_mutated_real_traces(tmp_path: Path, real_trace: Named, ops: list[tuple[int, int, int]]) -> None:
    p = tmp_path / "m.jsonl"
    p.write_bytes(_mutate(real_trace, ops))
    _read_and_render(p)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(1 << 63), (1 << 63) - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(data=st.data())
def test_real_events_with_fields_replaced(tmp_path: Path, real_trace: Named, data: st.DataObject) -> None:
    """Well-formed JSON, wrong shapes: a real event with one field dropped or replaced by any
    JSON value (inside the arguments too)."""
    lines = real_trace.splitlines()
    i = data.draw(st.integers(1, len(lines) - 1))
    event = orjson.loads(lines[i])
    key = data.draw(
        st.sampled_from(sorted(event) if isinstance(event, dict) else range(len(event)))
    )  # a row: by position
    if data.draw(st.booleans()):
        del event[key]
    elif key == "args" and event["args"] and data.draw(st.booleans()):
        event["args"][data.draw(st.integers(0, len(event["args"]) - 1))] = data.draw(JSON)
    else:
        event[key] = data.draw(JSON)
    lines[i] = orjson.dumps(event)
    p = tmp_path / "f.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    _read_and_render(p)


@pytest.fixture(scope="module")
def real_elves() -> tuple[Named, ...]:
    """Real programs nobody here wrote, and a static musl build when musl-gcc is there."""
    files = [Path(p) for p in ("/bin/true", "/usr/bin/env") if Path(p).exists()]
    busybox = shutil.which("busybox")
    if busybox:
        files.append(Path(busybox))
    if shutil.which("musl-gcc"):
        files.append(build_c("int main(void){return 0;}\n", compiler="musl-gcc", flags=("-static",), name="fuzz-musl"))
    return tuple(Named(f.read_bytes()[: 1 << 20], f.name) for f in files)


@FUZZ
@given(which=st.integers(0, 10), ops=OPS, head=st.booleans())
def test_mutated_real_elf_files(
    tmp_path: Path, real_elves: tuple[Named, ...], which: int, ops: list[tuple[int, int, int]], head: bool
) -> None:
    """inspect and the trace header's summary on real ELF files with bytes changed; `head`
    aims the changes at the ELF, program and section headers, where sizes and offsets are."""
    from libctrace.elf.info import inspect_file, summary

    data = real_elves[which % len(real_elves)]
    if head:
        ops = [(0, pos % 256 if k % 2 else 0x28 + pos % 0x40, val) for k, pos, val in ops]
    p = tmp_path / "prog"
    p.write_bytes(_mutate(data, ops))
    before = _rss()
    try:
        inspect_file(str(p))
    except LibctraceError as e:
        assert "\n" not in str(e)
    summary(str(p))  # None or a dict, never an exception
    assert _rss() - before < MEMORY_BOUND


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_as_elf_and_trace(tmp_path: Path, raw: bytes) -> None:
    from libctrace.elf.info import inspect_file

    p = tmp_path / "x"
    p.write_bytes(raw)
    try:
        inspect_file(str(p))
    except LibctraceError as e:
        assert "\n" not in str(e)
    _read_and_render(p)


@FUZZ
@given(
    name=st.sampled_from(sorted(__import__("libctrace.syscalls.spec", fromlist=["NUMBERS"]).NUMBERS)),
    args=st.lists(
        st.one_of(st.integers(0, (1 << 64) - 1), st.sampled_from([0, 1, 2, 3, 0xFFFFFFFFFFFFFF9C])),
        min_size=6,
        max_size=6,
    ),
    ret=st.integers(-4095, 1 << 20),
)
def test_decoders_on_random_arguments(name: str, args: list[int], ret: int) -> None:
    """Every syscall's decoder on random register values, reading this test's own memory (an
    address is as often unmapped as not): a list of JSON values, no exception."""
    from libctrace.syscalls.decode import Decoder

    pid = os.getpid()
    decoded, fd_path = Decoder(64).decode(name, pid, pid, tuple(args), 6, ret)
    orjson.dumps(decoded)
    assert fd_path is None or isinstance(fd_path, str)


@FUZZ
@given(raw=st.binary(max_size=130))
def test_sockaddr_decoder(raw: bytes) -> None:
    from libctrace.syscalls.decode import addr_text, sockaddr

    sa = sockaddr(raw)
    if sa is not None:
        orjson.dumps(sa)
        addr_text(sa)


def test_a_damaged_buffer_renders_as_damaged() -> None:
    """Found by test_mutated_real_traces: one byte of a buffer's hex changed (to ':') made show
    fail with a traceback."""
    from libctrace.render.text import format_buffer

    assert format_buffer({"hex": "61:62", "len": 2}) == "/* corrupt buffer */"
    assert format_buffer({"hex": 5, "len": 2}) == "/* corrupt buffer */"
    assert format_buffer({"hex": "6162", "len": "x"}) == '"ab"'
    assert format_buffer({"hex": "6162", "len": 9}) == '"ab"...'
