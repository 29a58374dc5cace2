"""Calls of the i386 ABI (`int $0x80`) from a 64-bit program are recorded, filter or not, with
`"arch": "i386"`, their i386 name and raw arguments, and agree with what strace shows."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import build_c, libctrace, need_tool
from recorder_progs import load_trace, syscalls

SCHEMA = json.loads((Path(__file__).parent.parent / "libctrace" / "schemas" / "trace.schema.json").read_text())

# Two 64-bit calls (one with a number no kernel knows), then five i386 calls, the last one
# ending the program.
# -no-pie keeps `msg` below 4 GiB, where a 32-bit pointer can reach it; -mno-red-zone lets the
# asm push.
I386 = r"""
#include <sys/syscall.h>
#include <unistd.h>
static char msg[] = "abc\n";
static long int80(long nr, long a, long b, long c) {
    long r; /* all six argument registers set (ebp zeroed around the call): same in every run */
    __asm__ volatile("push %%rbp\n\txor %%ebp, %%ebp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L) : "memory");
    return r;
}
int main(void) {
    syscall(1000); /* x86_64: no such call either */
    getppid();
    int80(20, 0, 0, 0);        /* getpid */
    int80(4, 1, (long)msg, 4); /* write(1, msg, 4) */
    int80(6, -1, 0, 0);        /* close(-1): EBADF */
    int80(1000, 0, 0, 0);      /* no such call: ENOSYS */
    int80(252, 7, 0, 0);       /* exit_group(7) */
    return 0;
}
"""

# `1234 name(args) = ret` or `= -1 ENOSYS (...)` or `= ?`
_LINE = re.compile(r"^(?:\d+ +)?(\w+)\((.*)\) += (\?|-?\d+|0x[0-9a-f]+)(?: (E\w+))?")


def _strace_calls(text: str) -> list[tuple[str, list[Any], Any]]:
    """The calls after strace's "runs in 32 bit mode" line: (name, integer arguments or None
    where not a number, errno or return value)."""
    out = []
    for line in text.split("runs in 32 bit mode", 1)[1].splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        name, args, ret, err = m.groups()
        if name.startswith("syscall_0x"):  # strace names unknown numbers in hex
            name = f"syscall_{int(name[len('syscall_') :], 16)}"
        nums: list[Any] = []
        for a in (a.strip() for a in args.split(",")) if args else ():
            try:
                nums.append(int(a, 0))
            except ValueError:
                nums.append(None)  # a decoded string or pointer: not comparable with a raw int
        out.append((name, nums, err or (None if ret == "?" else int(ret, 0))))
    return out


@pytest.mark.parametrize("trace_set", ["default", "all"])
def test_i386_calls_are_recorded_like_strace_shows_them(tmp_path: Path, trace_set: str) -> None:
    strace = need_tool("strace")
    exe = str(build_c(I386, flags=("-no-pie", "-mno-red-zone"), name="i386"))
    out = tmp_path / "t.jsonl"
    # To stderr: with -o strace leaves out its "[ Process PID=N runs in 32 bit mode. ]" line.
    st = subprocess.run([strace, exe], capture_output=True, text=True, timeout=60)
    assert st.returncode == 7 and "runs in 32 bit mode" in st.stderr, st.stderr
    reference = _strace_calls(st.stderr)
    assert [c[0] for c in reference] == ["getpid", "write", "close", "syscall_1000", "exit_group"]

    proc = libctrace("run", "-q", "-e", f"trace={trace_set}", "-o", str(out), "--", exe)
    assert proc.returncode == 7, proc.stderr
    assert proc.stdout == "abc\n"
    trace = load_trace(str(out))
    ours = [e for e in syscalls(trace) if e.get("arch") == "i386"]
    assert all(e["arch"] == "i386" for e in syscalls(trace)[-len(ours) :])  # nothing else after them
    assert [e["name"] for e in ours] == [c[0] for c in reference]
    for e in ours:
        jsonschema.validate(e, SCHEMA)
    assert ours[0]["ret"] == ours[0]["pid"]  # getpid through the i386 table is still getpid
    for e, (name, args, result) in zip(ours[1:], reference[1:]):  # (another run: another pid)
        assert len(e["args"]) == len(args), (name, e["args"], args)
        assert all(a == b for a, b in zip(e["args"], args) if b is not None), (name, e["args"], args)
        assert (e["errno"] or e["ret"]) == result, (name, e, result)
    assert ours[-1]["args"] == [7] and "dur" not in ours[-1]  # exit_group never returns
    if trace_set == "all":  # unknown x86_64 numbers too, as strace shows them
        (unknown,) = [e for e in syscalls(trace) if e["name"] == "syscall_1000" and "arch" not in e]
        assert unknown["errno"] == "ENOSYS" and len(unknown["args"]) == 6


def test_show_marks_i386_calls() -> None:
    from libctrace.render.text import format_event

    event = {"type": "syscall", "seq": 1, "t": 0.0, "pid": 7, "name": "getpid", "args": [], "ret": 7, "errno": None}
    assert format_event(event) == "7 getpid() = 7"
    assert format_event({**event, "arch": "i386"}) == "7 [i386] getpid() = 7"
