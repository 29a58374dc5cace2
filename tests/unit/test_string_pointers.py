"""Trace format 3: at an argument that is a C string or path, a string is always the program's
text (a file named NULL or 0x1 included) and a NULL or unreadable pointer is its address, a
number; show prints the one quoted and the other bare, as strace does. Checked on every decoder,
without a program: the decoders read memory through Decoder.mem, here memory that reads nothing."""

from __future__ import annotations

import re

import pytest

from libctrace.render.text import format_event
from libctrace.syscalls.decode import STRING_ARGS, Decoder, Memory, pointers_as_numbers, string_positions
from libctrace.syscalls.spec import CUT_ARG, NARGS, NUMBERS, STRING_ARG_BY_OP


class _Unreadable(Memory):
    def read(self, pid: int, addr: int, size: int) -> bytes:
        return b""


class _Text(Memory):
    """Every pointer points at the same C string."""

    def __init__(self, text: bytes) -> None:
        super().__init__()
        self.text = text

    def read(self, pid: int, addr: int, size: int) -> bytes:
        return (self.text + b"\0" * 64)[:size] if addr else b""


_POINTERY = re.compile(r"NULL|0x[0-9a-f]+")
_CALLS = sorted(n for n in set(STRING_ARGS) | set(STRING_ARG_BY_OP) | set(CUT_ARG) if n in NUMBERS)


def _decode(name: str, mem: Memory, args: tuple[int, ...], ret: int) -> list:
    d = Decoder(32)
    d.mem = mem
    return d.decode(name, 1, 1, args, len(args), ret)[0]


def _cases(name: str, addr: int) -> list[tuple[int, ...]]:
    """Every argument the same address; for a call whose first argument names the operation,
    each operation number below 64 and prctl's PR_SET_VMA, the second argument 0 or the address."""
    n = NARGS[NUMBERS[name]]
    if name not in STRING_ARG_BY_OP:
        return [(addr,) * n]
    return [(op, second) + (addr,) * (n - 2) for op in (*range(64), 0x53564D41) for second in (0, addr)]


def _positions(name: str, args: list) -> list[int]:
    return [i for i in (*string_positions(name, args), CUT_ARG.get(name, -1)) if 0 <= i < len(args)]


@pytest.mark.parametrize("addr", [0, 0x1000], ids=["NULL", "unreadable"])
@pytest.mark.parametrize("ret", [0, -14], ids=["ok", "EFAULT"])
def test_a_pointer_at_a_string_argument_is_a_number(addr: int, ret: int) -> None:
    wrong, ops = [], set()
    for name in _CALLS:
        for case in _cases(name, addr):
            args = _decode(name, _Unreadable(), case, ret)
            if name in STRING_ARG_BY_OP and args and args[0] in STRING_ARG_BY_OP[name]:
                ops.add(args[0])
            wrong += _wrong(name, args)
    assert ops == {op for by_op in STRING_ARG_BY_OP.values() for op in by_op}  # every operation tried
    assert not wrong, "pointer kept as text where a string belongs: " + ", ".join(sorted(set(wrong)))


def _wrong(name: str, args: list) -> list[str]:
    wrong = []
    for i in _positions(name, args):
        v = args[i]
        if isinstance(v, str) and _POINTERY.fullmatch(v):
            wrong.append(f"{name} argument {i}: {v!r}")
    return wrong


def test_a_file_named_null_is_quoted_and_a_null_pointer_is_not() -> None:
    named = {"type": "syscall", "seq": 1, "t": 0.0, "pid": 7, "name": "openat", "ret": 3, "errno": None}
    assert format_event({**named, "args": ["AT_FDCWD", "NULL", "O_RDONLY"]}).endswith(
        'openat(AT_FDCWD, "NULL", O_RDONLY) = 3'
    )
    assert format_event({**named, "args": ["AT_FDCWD", "0x1", "O_RDONLY"]}).endswith(
        'openat(AT_FDCWD, "0x1", O_RDONLY) = 3'
    )
    failed = {**named, "ret": -14, "errno": "EFAULT"}
    assert "openat(AT_FDCWD, NULL, O_RDONLY) = -1 EFAULT" in format_event(
        {**failed, "args": ["AT_FDCWD", 0, "O_RDONLY"]}
    )
    assert "openat(AT_FDCWD, 0x1, O_RDONLY) = -1 EFAULT" in format_event(
        {**failed, "args": ["AT_FDCWD", 1, "O_RDONLY"]}
    )
    # the decoder keeps the program's text, whatever it looks like
    for text in (b"NULL", b"0x1"):
        assert _decode("openat", _Text(text), (0x1000,) * 4, 3)[1] == text.decode()


def test_traces_before_format_3_read_the_text_null_as_a_pointer() -> None:
    old = {"type": "syscall", "name": "execve", "args": ["NULL", "NULL", "0x7ffd0"], "ret": -14}
    pointers_as_numbers(old)
    assert old["args"] == [0, 0, "0x7ffd0"]  # the environment is not a string argument
    kept = {"type": "syscall", "name": "openat", "args": ["AT_FDCWD", "passwd", "O_RDONLY"], "ret": 3}
    pointers_as_numbers(kept)
    assert kept["args"][1] == "passwd"
