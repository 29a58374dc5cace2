# libctrace/rows.c, compiled: the types traceio relies on.
from typing import Any

def fast_rows(objs: list[Any], start: int, seq: int, out: list[Any], /) -> tuple[int, int]: ...
