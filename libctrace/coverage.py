"""Which rules a set of traces can feed: a rule whose calls a trace did not record (a narrow
`-e trace=` set) or whose bytes it cut too short (`-s`) would compare a gap with a fact, so
the diff leaves it out and says so instead of staying silent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from libctrace.facts import Facts

# Every call a libc may use for the job: glibc opens with openat, musl with open; DNS goes out
# through sendmmsg (glibc), sendto (musl), write (Go over TCP)... A trace lacking any one of
# them could miss one build's side and turn the gap into a difference.
_OPEN = ("open", "openat")
_SEND = ("sendto", "sendmsg", "sendmmsg", "write", "writev")
_RECV = ("recvfrom", "recvmsg", "recvmmsg", "read", "readv")

# rule id -> the syscalls a trace must have recorded for the rule to compare it fairly.
NEEDS: dict[str, tuple[str, ...]] = {
    "second-libc": (*_OPEN, "mmap"),
    "nss-config": _OPEN,
    "nss-module": _OPEN,
    "resolver-config": _OPEN,
    "gconv-module": _OPEN,
    "locale-files": _OPEN,
    "startup": _OPEN,
    "dns-queries": ("socket", *_SEND),
    "dns-transport": ("socket", *_SEND),
    "dns-answers": ("socket", *_RECV),
    "nscd-probe": ("socket", "connect"),
    "network-peers": ("socket", "connect", "sendto", "sendmsg", "sendmmsg"),  # a peer is named there
    "malloc-pattern": ("mmap", "munmap", "brk", "madvise", "futex"),
    "thread-stack": ("mmap", "clone", "clone3"),
    "output": ("write", "writev"),  # only when the output was not captured whole (`run -o`)
}
_DNS_RULES = ("dns-queries", "dns-transport", "dns-answers")
DNS_HEADER = 12  # bytes: a DNS message cannot be read from fewer


@dataclass(frozen=True)
class NotRun:
    rule: str
    runs: tuple[str, ...]  # the builds whose traces cannot feed it
    reason: str


def _missing(f: Facts, rule: str) -> list[str]:
    """The calls the rule needs that this run's trace set left out."""
    traced = f.trace_set.get("syscalls")
    if traced is None or (rule == "output" and f.output_source == "captured"):
        return []
    have = set(traced)
    return [name for name in NEEDS[rule] if name not in have]


def gaps(facts: Sequence[Facts], ignore_output: bool = False) -> list[NotRun]:
    """The rules that cannot run on these traces, each with the builds and the reason."""
    out: list[NotRun] = []
    for rule in NEEDS:
        if rule == "output" and ignore_output:
            continue
        runs: list[str] = []
        reasons: dict[str, None] = {}
        for f in facts:
            missing = _missing(f, rule)
            if missing:
                runs.append(f.label)
                reasons[f"recorded with -e trace={f.trace_set.get('expr')}: no {', '.join(missing)}"] = None
            elif rule in _DNS_RULES and 0 <= _strsize(f) < DNS_HEADER:
                runs.append(f.label)
                reasons[f"recorded with -s {_strsize(f)}: DNS messages need at least {DNS_HEADER} bytes"] = None
        if runs:
            out.append(NotRun(rule, tuple(runs), "; ".join(reasons)))
    if ignore_output:
        out.append(NotRun("output", tuple(f.label for f in facts), "--ignore-output"))
    return out


def _strsize(f: Facts) -> int:
    return f.strsize if isinstance(f.strsize, int) else -1  # -1: not said (a hand-made trace)
