"""`run -c`: the syscall table in strace -c's own plain layout, so that the two can be read
(and diffed) side by side."""

from __future__ import annotations

from libctrace.render.summary import SyscallStats

_RULE = "------ ----------- ----------- --------- --------- ----------------"


def strace_c_table(stats: list[SyscallStats]) -> str:
    total = sum(s.seconds for s in stats)
    lines = ["% time     seconds  usecs/call     calls    errors syscall", _RULE]
    for s in stats:
        lines.append(_row(100.0 * s.seconds / total if total else 0.0, s.seconds, s.calls, s.errors, s.name))
    lines.append(_RULE)
    lines.append(
        _row(100.0 if total else 0.0, total, sum(s.calls for s in stats), sum(s.errors for s in stats), "total")
    )
    return "\n".join(lines) + "\n"


def _row(share: float, seconds: float, calls: int, errors: int, name: str) -> str:
    per_call = int(1e6 * seconds / calls) if calls else 0
    return f"{share:6.2f} {seconds:11.6f} {per_call:11d} {calls:9d} {errors or '':>9} {name}"
