"""Which rules a set of traces can feed: a rule whose calls a trace did not record (a narrow
`-e trace=` set) or whose bytes it cut too short (`-s`) would compare a gap with a fact, so
the diff leaves it out and says so instead of staying silent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from libctrace.analyze.facts import Facts
from libctrace.analyze.rules import RULES, Rule

# The rules a narrow trace can starve: each names the calls it needs (@rule(needs=...)).
_CHECKED: tuple[Rule, ...] = tuple(r for r in RULES if r.needs)


@dataclass(frozen=True)
class NotRun:
    rule: str
    runs: tuple[str, ...]  # the builds whose traces cannot feed it
    reason: str


def _missing(f: Facts, rule: Rule) -> list[str]:
    """The calls the rule needs that this run's trace set left out."""
    traced = f.trace_set.get("syscalls")
    if traced is None or (rule.id == "output" and f.output_source == "captured"):
        return []
    have = set(traced)
    return [name for name in rule.needs if name not in have]


def gaps(facts: Sequence[Facts], ignore_output: bool = False) -> list[NotRun]:
    """The rules that cannot run on these traces, each with the builds and the reason."""
    out: list[NotRun] = []
    for rule in _CHECKED:
        if rule.id == "output" and ignore_output:
            continue
        runs: list[str] = []
        reasons: dict[str, None] = {}
        for f in facts:
            missing = _missing(f, rule)
            if missing:
                runs.append(f.label)
                reasons[f"recorded with -e trace={f.trace_set.get('expr')}: no {', '.join(missing)}"] = None
            elif 0 <= _strsize(f) < rule.min_bytes:
                runs.append(f.label)
                reasons[f"recorded with -s {_strsize(f)}: DNS messages need at least {rule.min_bytes} bytes"] = None
        if runs:
            out.append(NotRun(rule.id, tuple(runs), "; ".join(reasons)))
    if ignore_output:
        out.append(NotRun("output", tuple(f.label for f in facts), "--ignore-output"))
    return out


def _strsize(f: Facts) -> int:
    return f.strsize if isinstance(f.strsize, int) else -1  # -1: not said (a hand-made trace)
