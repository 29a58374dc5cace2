"""The divergence catalogue (libctrace/data/divergences.toml): each finding id's severity,
title template, prose and reference, and the evidence limits, as data.

rules.py reads its titles, severities and per-libc sentences from here; docs/divergences.md
is kept in step with it by `sync_doc` (run `python -m libctrace.analyze.catalogue docs/divergences.md`
after editing the TOML; tests/test_rules.py fails while the two disagree).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

SEVERITIES: tuple[str, ...] = ("critical", "behaviour", "info")
LIBCS: tuple[str, ...] = ("glibc", "musl", "none")  # the keys of an entry's `libc` sentences
SAID: tuple[str, ...] = ("opening", "closing")  # the keys of an entry's fixed sentences


@dataclass(frozen=True)
class Entry:
    id: str
    severity: str  # one of SEVERITIES
    title: str  # str.format template, filled from the rule's values
    what: str  # markdown: what the finding means
    why: str  # markdown: why the libcs differ
    reference: str  # markdown: libc sources and bug threads the fact comes from
    libc: Mapping[str, str]  # libc -> the sentence an explanation carries when that libc is compared
    said: Mapping[str, str]  # "opening"/"closing" -> the sentence every explanation of the id starts/ends with


@dataclass(frozen=True)
class Limits:
    per_run: int  # evidence events per run and finding
    bytes: int  # buffer bytes shown in an evidence line
    width: int  # characters of an evidence line


@dataclass(frozen=True)
class Catalogue:
    entries: Mapping[str, Entry]  # in the order of findings within a severity
    severity_meaning: Mapping[str, str]
    evidence: Limits


def _entry(rule_id: str, raw: dict[str, Any]) -> Entry:
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise ValueError(f"divergences.toml: [rule.{rule_id}] severity {severity!r} is not one of {SEVERITIES}")
    libc = dict(raw.get("libc", {}))
    if not set(libc) <= set(LIBCS):
        raise ValueError(f"divergences.toml: [rule.{rule_id}.libc] keys must be among {LIBCS}")
    said = dict(raw.get("said", {}))
    if not set(said) <= set(SAID):
        raise ValueError(f"divergences.toml: [rule.{rule_id}.said] keys must be among {SAID}")
    return Entry(rule_id, severity, raw["title"], raw["what"], raw["why"], raw["reference"], libc, said)


def parse(text: str) -> Catalogue:
    data = tomllib.loads(text)
    entries = {rule_id: _entry(rule_id, raw) for rule_id, raw in data["rule"].items()}
    return Catalogue(entries, dict(data["severity"]), Limits(**data["evidence"]))


@cache
def load() -> Catalogue:
    """The catalogue shipped with the package."""
    return parse(resources.files("libctrace").joinpath("data/divergences.toml").read_text(encoding="utf-8"))


def entry(rule_id: str) -> Entry:
    return load().entries[rule_id]


# -- docs/divergences.md ----------------------------------------------------------------------

_LIBC_NAMES = {"glibc": "glibc", "musl": "musl", "none": "no libc"}


def _head(e: Entry) -> str:
    """An id's opening paragraphs: Severity and What, Why, and the per-libc sentences."""
    text = f"**Severity** {e.severity}. **What**: {e.what}\n\n**Why**: {e.why}"
    if "opening" in e.said:
        text += f"\n\n**The explanation opens with**: {e.said['opening']}"
    if e.libc:
        text += "\n\n**The explanation says**, for each libc among the builds compared:\n" + "".join(
            f"\n- {_LIBC_NAMES[k]}: {v}" for k, v in e.libc.items()
        )
    if "closing" in e.said:
        text += f"\n\n**It closes with**: {e.said['closing']}"
    return text


def _severity_table(c: Catalogue) -> str:
    rows = ["| severity | meaning | ids |", "|---|---|---|"]
    for sev in SEVERITIES:
        ids = ", ".join(f"`{e.id}`" for e in c.entries.values() if e.severity == sev)
        rows.append(f"| `{sev}` | {c.severity_meaning[sev]} | {ids} |")
    return "\n".join(rows)


def _evidence(c: Catalogue) -> str:
    lim = c.evidence
    return (
        f"Evidence lines are `libctrace show` lines with buffers cut to {lim.bytes} bytes (strace's default\n"
        f"`-s`) and at most {lim.width} characters; {lim.per_run} per run and finding."
    )


def _replace(text: str, start: str, end: str, new: str, what: str, after: int = 0) -> tuple[str, int]:
    """text with the span from `start` (a paragraph's first characters) up to `end` replaced."""
    i = text.find(start, after)
    if i < 0:
        raise ValueError(f"docs/divergences.md has no {what} (a paragraph starting {start!r})")
    j = text.find(end, i)
    if j < 0:
        raise ValueError(f"docs/divergences.md: {what} does not end with {end!r}")
    return text[:i] + new + text[j:], i + len(new)


def sync_doc(text: str, c: Catalogue | None = None) -> str:
    """docs/divergences.md with every part the catalogue says rewritten from it; the
    hand-written prose around (signatures, real runs) is kept as it is."""
    c = c or load()
    text, _ = _replace(text, "| severity | meaning | ids |", "\n\n", _severity_table(c), "severity table")
    text, _ = _replace(text, "Evidence lines are ", "\n\n", _evidence(c), "evidence paragraph")
    ids = re.findall(r"^## `([a-z0-9-]+)`$", text, re.MULTILINE)
    if ids != [i for i in ids if i in c.entries] or set(ids) != set(c.entries):
        raise ValueError(f"docs/divergences.md sections {sorted(ids)} are not the catalogue's ids {sorted(c.entries)}")
    for e in c.entries.values():
        heading = f"## `{e.id}`\n\n"
        text, at = _replace(text, heading, "\n\n**Signature**", heading + _head(e), f"section {e.id}")
        text, _ = _replace(text, "**Reference**: ", "\n\n", f"**Reference**: {e.reference}", f"{e.id} reference", at)
    return text


def main(argv: list[str]) -> int:
    """`python -m libctrace.analyze.catalogue [--check] DOC`: rewrite DOC from the catalogue (or only
    say whether it is in step)."""
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if len(paths) != 1:
        print("usage: python -m libctrace.analyze.catalogue [--check] docs/divergences.md", file=sys.stderr)
        return 2
    path = Path(paths[0])
    old = path.read_text(encoding="utf-8")
    new = sync_doc(old)
    if check:
        if new != old:
            print(
                f"{path} differs from libctrace/data/divergences.toml: run python -m libctrace.analyze.catalogue {path}",
                file=sys.stderr,
            )
            return 1
        return 0
    if new != old:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
