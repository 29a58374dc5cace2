"""The reader's row converter in C (libctrace/rows.c) against the same logic in Python
(traceio._fast_rows, used when the extension is not compiled): the same events, the same
stopping point, on rows well-formed and not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from libctrace import traceio

try:
    from libctrace._rows import fast_rows as c_fast_rows
except ImportError:  # pragma: no cover - `make setup` compiles it
    c_fast_rows = None

pytestmark = pytest.mark.skipif(c_fast_rows is None, reason="libctrace/_rows is not compiled (run make setup)")

# JSON values as orjson gives them, and the fields a row's object may hold (and some it may not)
_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=4)
)
_VALUES = st.recursive(
    _SCALARS, lambda v: st.lists(v, max_size=3) | st.dictionaries(st.text(max_size=3), v, max_size=2), max_leaves=6
)
_REST_KEYS = st.sampled_from(["errno", "tid", "fd_path", "ret_text", "arch", "seq", "dur", "x"])
_GOOD_REST = st.fixed_dictionaries(
    {},
    optional={
        "errno": st.none() | st.sampled_from(["ENOENT", "EAGAIN"]),
        "tid": st.integers(1, 2**31),
        "fd_path": st.text(max_size=8),
        "ret_text": st.text(max_size=8),
        "arch": st.just("i386"),
    },
)
_GOOD_ROW = st.tuples(
    st.integers(0, 2**53),
    st.integers(1, 2**22),
    st.sampled_from(["read", "openat", "getppid"]),
    st.lists(_VALUES, max_size=4),
    st.none() | st.integers(-4095, 2**63 - 1),
    st.none() | st.integers(0, 2**40),
).map(list)
_ROW = st.one_of(
    _GOOD_ROW,
    st.tuples(_GOOD_ROW, _GOOD_REST).map(lambda r: [*r[0], r[1]]),
    st.tuples(_GOOD_ROW, st.dictionaries(_REST_KEYS, _VALUES, max_size=3)).map(lambda r: [*r[0], r[1]]),
    st.tuples(_GOOD_ROW, st.integers(0, 5), _VALUES).map(lambda r: [*r[0][: r[1]], r[2], *r[0][r[1] + 1 :]]),
    st.lists(_VALUES, max_size=8),
    st.dictionaries(st.sampled_from(["type", "seq", "pid"]), _VALUES, max_size=3),
)


def _both(objs: list[Any], start: int, seq: int) -> None:
    assert c_fast_rows is not None
    out_c: list[Any] = []
    out_py: list[Any] = []
    got_c = c_fast_rows(objs, start, seq, out_c)
    got_py = traceio._fast_rows(objs, start, seq, out_py)
    assert got_c == got_py
    assert out_c == out_py
    assert [list(e) for e in out_c] == [list(e) for e in out_py]  # the same keys in the same order
    assert [[type(v) for v in e.values()] for e in out_c] == [[type(v) for v in e.values()] for e in out_py]


@settings(max_examples=300, deadline=None)
@given(objs=st.lists(_ROW, max_size=12), start=st.integers(0, 3), seq=st.integers(0, 2**40))
def test_c_and_python_agree(objs: list[Any], start: int, seq: int) -> None:
    _both(objs, min(start, len(objs)), seq)


def test_a_real_row_and_where_it_stops() -> None:
    row = [1500, 42, "openat", ["AT_FDCWD", "/etc/passwd", "O_RDONLY"], -2, 7, {"errno": "ENOENT", "tid": 43}]
    objs = [row, [1, 2, "getppid", [], 41, None], {"type": "exec"}, row]
    out: list[Any] = []
    assert c_fast_rows is not None
    assert c_fast_rows(objs, 0, 9, out) == (2, 11)
    assert out[0] == {
        "type": "syscall",
        "seq": 10,
        "t": 0.0015,
        "pid": 42,
        "name": "openat",
        "args": row[3],
        "ret": -2,
        "errno": "ENOENT",
        "tid": 43,
        "dur": 7e-06,
    }
    assert "dur" not in out[1]  # null: the call never returned
    assert c_fast_rows(objs, 3, 11, out) == (4, 12)
    _both(objs, 0, 9)
