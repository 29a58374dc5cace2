"""N-way comparison of runs of one program: findings from the rules, side-by-side tables, and
an alignment of the interesting event streams (the timeline). Pure: traces in, a Diff out."""

from __future__ import annotations

import os
import re
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from libctrace.analyze import facts as factlib, images, rules
from libctrace.analyze.coverage import NotRun, gaps
from libctrace.errors import LibctraceError
from libctrace.model import Event, Trace, ended
from libctrace.syscalls.decode.sockaddr import endpoint
from libctrace.syscalls.spec import MEMORY_CALLS, PATH_ARG, SIGNAL_SENDS, SOCKADDR_CALLS, SOCKET_SETUP

if TYPE_CHECKING:
    from libctrace.analyze.digest import Digest

DIFF_VERSION = 1


@dataclass(frozen=True)
class Run:
    """One build as it appears in the report: the label every table and finding uses."""

    label: str
    path: str  # the executable (or the trace file for a trace without an executable)
    command: tuple[str, ...]
    libc: str  # "glibc", "musl", "none", "unknown" from the trace header's executable summary
    linkage: str  # "dynamic", "static", "static-pie", or "" when unknown
    outcome: str
    status: int
    code: int | None
    signal: str | None
    core: bool
    wall: float
    events: int
    source: str | None  # the trace file it was loaded from; None for a fresh run
    interrupted: bool
    repeats: int = 1  # how many runs of this build were recorded (--runs)

    @property
    def exit_text(self) -> str:
        if self.outcome == "timeout":
            return "timed out (killed)"
        if self.outcome in ("interrupted", "error") and not self.signal:
            return self.outcome
        return ended(self.signal, self.code if self.code is not None else self.status, self.core)

    @property
    def flavour(self) -> str:
        return f"{self.libc} {self.linkage}".strip()


@dataclass(frozen=True)
class Table:
    """A side-by-side table: the first column names the row, then one cell per run."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""  # e.g. rows left out


@dataclass(frozen=True)
class TimelineRow:
    same: bool  # every run has this event, identically
    cells: tuple[str | None, ...]  # one normalised event per run, None where the run has none


@dataclass(frozen=True)
class Timeline:
    rows: tuple[TimelineRow, ...]
    first_divergence: int | None  # index into rows


@dataclass(frozen=True)
class Unstable:
    """A rule that fired between runs of one build: what it says varies by itself."""

    label: str
    rule: str
    title: str


@dataclass(frozen=True)
class Diff:
    runs: tuple[Run, ...]
    findings: tuple[rules.Finding, ...]
    tables: tuple[Table, ...]
    timeline: Timeline | None
    unstable: tuple[Unstable, ...] = ()
    not_run: tuple[NotRun, ...] = ()

    @property
    def diverged(self) -> bool:
        """True when a finding is above `info`: the diff(1)-like exit status 1."""
        return any(f.severity != "info" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DIFF_VERSION,
            "runs": [_run_json(r) for r in self.runs],
            "findings": [
                {
                    "id": f.id,
                    "severity": f.severity,
                    "title": f.title,
                    "explanation": f.explanation,
                    "runs": list(f.runs),
                    "evidence": [{"run": e.run, "seq": e.seq, "line": e.line} for e in f.evidence],
                    "ref": f.ref,
                }
                for f in self.findings
            ],
            "tables": {
                t.key: {"title": t.title, "columns": list(t.columns), "rows": [list(r) for r in t.rows], "note": t.note}
                for t in self.tables
            },
            "unstable": [{"run": u.label, "rule": u.rule, "title": u.title} for u in self.unstable],
            "not_run": [{"rule": g.rule, "runs": list(g.runs), "reason": g.reason} for g in self.not_run],
            "timeline": None
            if self.timeline is None
            else {
                "first_divergence": self.timeline.first_divergence,
                "rows": [{"same": r.same, "cells": list(r.cells)} for r in self.timeline.rows],
            },
        }


def _run_json(r: Run) -> dict[str, Any]:
    return {
        "label": r.label,
        "path": r.path,
        "command": list(r.command),
        "libc": r.libc,
        "linkage": r.linkage,
        "exit": {"outcome": r.outcome, "status": r.status, "code": r.code, "signal": r.signal, "core": r.core},
        "wall": round(r.wall, 6),
        "events": r.events,
        "source": r.source,
        "interrupted": r.interrupted,
        "repeats": r.repeats,
    }


# ---------------------------------------------------------------------------------------------
# Labels


def default_labels(names: Sequence[str], overrides: Sequence[str] = ()) -> list[str]:
    """Labels for the runs: --label values in order, else the file name, made unique by adding
    parent directories (glibc/app vs musl/app), then a #n suffix for the very same path, and
    cut to the words that differ (glibc, musl)."""
    if len(overrides) > len(names):
        raise LibctraceError(f"{len(overrides)} --label values given for {len(names)} builds")
    if len(set(overrides)) != len(overrides) or any(not o.strip() for o in overrides):
        raise LibctraceError("--label values must be unique and not empty")
    labels = list(overrides)
    rest = [os.path.normpath(n) for n in names[len(overrides) :]]
    depth = {i: 1 for i in range(len(rest))}
    for _ in range(8):  # deep enough for any sane tree
        cand = {i: _tail(p, depth[i]) for i, p in enumerate(rest)}
        owners: dict[str, set[str]] = {}
        for i, c in cand.items():
            owners.setdefault(c, set()).add(rest[i])
        # Only another file (or a --label) is a clash: the same file twice gets a #n suffix.
        clashes = [i for i, c in cand.items() if len(owners[c]) > 1 or c in labels]
        if not clashes:
            break
        for i in clashes:
            depth[i] += 1
    seen: Counter[str] = Counter(labels)
    for label in _distinct_parts([cand[i] for i in range(len(rest))], labels):
        seen[label] += 1
        labels.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return labels


_WORD = re.compile(r"([-_./])")  # labels are cut between words, never inside one


def _distinct_parts(names: list[str], taken: Sequence[str]) -> list[str]:
    """The part of each name that tells the builds apart: the words all of them share at the
    start and at the end dropped (dns-lookup-glibc, dns-lookup-musl -> glibc, musl), so labels
    stay short enough for 80-column tables. Names kept whole when cutting would leave one
    empty or make two alike."""
    if len(names) < 2:
        return names
    words = [_WORD.split(n) for n in names]
    shortest = min(map(len, words))
    head = 0
    while head < shortest and len({w[head] for w in words}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head and len({w[len(w) - 1 - tail] for w in words}) == 1:
        tail += 1
    cut = ["".join(w[head : len(w) - tail]).strip("-_./") for w in words]
    if any(not c for c in cut) or len(set(cut)) < len(cut) or set(cut) & set(taken):
        return names
    return cut


def _tail(path: str, depth: int) -> str:
    parts = [p for p in path.split(os.sep) if p]
    name = "/".join(parts[-depth:]) if parts else path
    return name[: -len(".jsonl")] if depth == 1 and name.endswith(".jsonl") else name


# ---------------------------------------------------------------------------------------------
# Comparison


# Rules whose findings rest on output or counts: when one fires, `diff --runs auto` runs every
# build once more to tell a divergence from what varies between runs of one build anyway.
RERUN_ON = frozenset(r.id for r in rules.RULES if r.varies)  # @rule(varies=True)


def compare(
    traces: Sequence[Trace],
    labels: Sequence[str],
    *,
    timeline: bool = False,
    repeats: Sequence[Sequence[Trace]] = (),
    normalize: Sequence[re.Pattern[str]] = (),
    ignore_output: bool = False,
    inspect: images.Inspect | None = None,
    digests: Sequence[Digest] = (),
) -> Diff:
    """Compares two or more traces of builds of one program. repeats[i]: more runs of build i;
    a rule that fires between them marks its finding across builds unstable (info).
    normalize: patterns masked in the output before it is compared. inspect: how to read the
    libc of a program a build exec'd (images.exec_summary); without it only the libraries its
    process mapped tell. digests: what each trace gave where it was read
    (libctrace/analyze/digest.py; traces[i] is digests[i].trace), used instead of its events."""
    if len(traces) < 2:
        raise LibctraceError("diff needs at least two builds (programs or .jsonl traces)")
    facts = [d.facts for d in digests] if digests else _facts(traces, labels, normalize, inspect)
    not_run = gaps(facts, ignore_output)
    skipped = {g.rule for g in not_run}
    digested = [(d.refusal, d.programs) for d in digests] if digests else None
    findings = [f for f in rules.evaluate(facts, traces, digested) if f.id not in skipped]  # most severe first
    unstable: list[Unstable] = []
    for trace, label, more in zip(traces, labels, repeats):
        if more:
            unstable += _unstable(label, [trace, *more], normalize, skipped, inspect)
    findings = _demote(findings, unstable)
    runs = tuple(
        replace(_run(t, f), repeats=1 + len(more))
        for t, f, more in zip(traces, facts, [*repeats, *[()] * (len(traces) - len(repeats))])
    )
    tables = tuple(
        t
        for t in (
            _files_table(facts),
            _dns_table(facts),
            _resources_table(facts),
            _profile_table(facts),
            _host_files_table(traces, labels),
        )
        if t.rows
    )
    timeline_ = align(traces, [d.runs for d in digests] if digests else None) if timeline else None
    return Diff(runs, tuple(findings), tables, timeline_, tuple(unstable), tuple(not_run))


def _facts(
    traces: Sequence[Trace], labels: Sequence[str], normalize: Sequence[re.Pattern[str]], inspect: images.Inspect | None
) -> list[factlib.Facts]:
    return [build_facts(t, label, normalize, inspect) for t, label in zip(traces, labels, strict=True)]


def build_facts(
    trace: Trace, label: str, normalize: Sequence[re.Pattern[str]], inspect: images.Inspect | None
) -> factlib.Facts:
    """Facts of a build's own image; programs of another libc it ran are its `children`."""
    own, children = images.split(trace, label, inspect)
    return replace(factlib.extract(own, label, normalize), children=children)


def _unstable(
    label: str,
    runs: Sequence[Trace],
    normalize: Sequence[re.Pattern[str]],
    skipped: set[str],
    inspect: images.Inspect | None,
) -> list[Unstable]:
    """The rules that fire between runs of one build (same program, same input)."""
    facts = _facts(runs, [f"{label} run {k + 1}" for k in range(len(runs))], normalize, inspect)
    seen: dict[str, Unstable] = {}
    for f in rules.evaluate(facts, runs):
        if f.id not in skipped and f.id not in seen:
            seen[f.id] = Unstable(label, f.id, f.title)
    return list(seen.values())


def _demote(findings: list[rules.Finding], unstable: Sequence[Unstable]) -> list[rules.Finding]:
    """A finding whose rule also fires between runs of one build is not evidence of a
    divergence: it stays, as info, saying which build varies."""
    varies: dict[str, list[str]] = {}
    for u in unstable:
        varies.setdefault(u.rule, []).append(u.label)
    out = []
    for f in findings:
        who = varies.get(f.id)
        if who and f.severity != "info":
            f = replace(
                f,
                severity="info",
                title=f"unstable: {f.title}",
                explanation=(
                    f"{f.explanation} This also varies between runs of {', '.join(who)} alone, so it is not "
                    "evidence of a divergence; mask what varies with --normalize REGEX (output) to compare the rest."
                ),
            )
        out.append(f)
    return sorted(out, key=lambda f: rules.SEVERITIES.index(f.severity))  # stable: catalogue order kept


def needs_rerun(result: Diff) -> bool:
    """True when a finding above info rests on output or counts (see RERUN_ON)."""
    return any(f.severity != "info" and f.id in RERUN_ON for f in result.findings)


def _run(trace: Trace, f: factlib.Facts) -> Run:
    exe = f.elf or {}
    return Run(
        label=f.label,
        path=str(exe.get("path") or (f.command[0] if f.command else trace.source)),
        command=tuple(f.command),
        libc=str(exe.get("libc") or "unknown"),  # a script, or a trace without an ELF summary
        linkage=str(exe.get("linkage") or ""),
        outcome=f.exit.outcome,
        status=f.exit.status,
        code=f.exit.code,
        signal=f.exit.signal,
        core=f.exit.core,
        wall=f.wall,
        events=len(trace.events),
        source=trace.source or None,
        interrupted=trace.interrupted,
    )


def _cols(facts: Sequence[factlib.Facts], first: str) -> tuple[str, ...]:
    return (first, *(f.label for f in facts))


def _files_table(facts: Sequence[factlib.Facts]) -> Table:
    """Distinct paths per category and run; failures counted apart (ENOENT probes matter)."""
    per: list[dict[str, tuple[set[str], set[str]]]] = []
    order: dict[str, None] = {}
    for f in facts:
        cats: dict[str, tuple[set[str], set[str]]] = {}
        for a in f.files:
            ok, bad = cats.setdefault(a.category, (set(), set()))
            (ok if a.result == "ok" else bad).add(a.path)
            order.setdefault(a.category, None)
        per.append(cats)
    rows = []
    known = [c for c in factlib.CATEGORIES if c in order]
    for cat in known + [c for c in order if c not in known]:
        cells = []
        for cats in per:
            ok, bad = cats.get(cat, (set(), set()))
            failed = bad - ok  # a path probed, then found, counts as found
            if not ok and not failed:
                cells.append("-")
            else:
                cells.append(f"{len(ok)}" + (f" +{len(failed)} failed" if failed else ""))
        rows.append((cat, *cells))
    return Table("files", "Files by category (distinct paths)", _cols(facts, "category"), tuple(rows))


def _dns_table(facts: Sequence[factlib.Facts]) -> Table:
    """One row per name and type asked: what each build sent and what came back."""
    keys: dict[tuple[str, str], None] = {}
    for f in facts:
        for m in f.dns:
            keys.setdefault((m.name, m.qtype), None)
        for e in f.dns_server_log:
            keys.setdefault((str(e.get("name", "?")), str(e.get("qtype", "?"))), None)
    rows = []
    for name, qtype in keys:
        cells = []
        for f in facts:
            sent = Counter(m.transport for m in f.dns if m.direction == "query" and (m.name, m.qtype) == (name, qtype))
            got = [m for m in f.dns if m.direction == "answer" and (m.name, m.qtype) == (name, qtype)]
            parts = [f"{t}×{n}" if n > 1 else t for t, n in sent.items()]
            answers = [f"{m.transport}:{m.rcode or '?'} {m.answers}" + (" TC" if m.tc else "") for m in got]
            cells.append(" ".join(parts) + (" → " + ", ".join(answers) if answers else "") if sent or got else "-")
        rows.append((f"{name} {qtype}", *cells))
    if any(f.dns_server_log for f in facts):
        server = []
        for f in facts:
            c = Counter(f"{e.get('transport', '?')}" for e in f.dns_server_log)
            server.append(" ".join(f"{t}×{n}" for t, n in sorted(c.items())) or "-")
        rows.append(("(server received)", *server))
    return Table("dns", "DNS conversations (sent → answers: rcode count)", _cols(facts, "query"), tuple(rows))


def _resources_table(facts: Sequence[factlib.Facts]) -> Table:
    """Memory, thread and process counters; rows where every run has zero are left out."""
    rows: list[tuple[str, ...]] = [("wall time", *(f"{f.wall:.3f} s" for f in facts))]
    for key in MEMORY_CALLS:
        vals = [f.memory.get(key, 0) for f in facts]
        if any(vals):
            rows.append((key, *map(str, vals)))
    for key in ("mmap_bytes", "munmap_bytes"):
        vals = [f.memory.get(key, 0) for f in facts]
        if any(vals):
            rows.append((key.replace("_bytes", " size"), *(_size(v) for v in vals)))
    rows.append(("futex", *(str(f.futex) for f in facts)))
    rows.append(("processes", *(str(f.processes) for f in facts)))
    rows.append(("threads", *(str(f.threads) for f in facts)))
    kinds = sorted({k for f in facts for k, n in f.clone_calls.items() if n})
    for k in kinds:
        rows.append((k, *(str(f.clone_calls.get(k, 0)) for f in facts)))
    if any(f.thread_stacks for f in facts):
        stacks = (_size(int(statistics.median(f.thread_stacks))) if f.thread_stacks else "-" for f in facts)
        rows.append(("thread stack", *stacks))
    rows = [r for r in rows if r[0] in ("wall time", "processes") or any(c not in ("0", "-") for c in r[1:])]
    return Table("resources", "Memory, threads and processes", _cols(facts, "counter"), tuple(rows))


_PROFILE_ROWS = 30


def _profile_table(facts: Sequence[factlib.Facts]) -> Table:
    """Syscalls used by only some builds, or whose counts differ by more than 2x."""
    names = sorted({n for f in facts for n in f.syscall_counts})
    scored: list[tuple[int, float, str, list[int]]] = []
    for name in names:
        counts = [f.syscall_counts.get(name, 0) for f in facts]
        lo, hi = min(counts), max(counts)
        if lo == 0:
            scored.append((0, -hi, name, counts))  # missing somewhere: most telling, list first
        elif hi > 2 * lo:
            scored.append((1, -hi / lo, name, counts))
    scored.sort()
    rows = tuple((name, *(str(c) if c else "-" for c in counts)) for _, _, name, counts in scored[:_PROFILE_ROWS])
    note = f"{len(scored) - _PROFILE_ROWS} more rows left out" if len(scored) > _PROFILE_ROWS else ""
    title = "Syscall profile differences (only some builds, or >2x)"
    return Table("syscalls", title, _cols(facts, "syscall"), rows, note)


def _host_files_table(traces: Sequence[Trace], labels: Sequence[str]) -> Table:
    """Which nsswitch.conf, resolv.conf and hosts each run saw (trace header `host_files`):
    findings about lookups hold for those files, and differ with them."""
    seen: list[dict[str, Any]] = [h if isinstance(h := t.header.get("host_files"), dict) else {} for t in traces]
    rows = []
    for path in dict.fromkeys(p for s in seen for p in s):
        cells = []
        for s in seen:
            info = s.get(path)
            if not isinstance(info, dict):
                cells.append("?")  # a trace from before libctrace recorded them
            elif "missing" in info:
                cells.append(f"{info.get('origin')}: none ({info['missing']})")
            else:
                cells.append(f"{info.get('origin')} sha256:{str(info.get('sha256'))[:12]}")
        rows.append((path, *cells))
    return Table("host-files", "/etc files the runs saw (origin, content hash)", ("file", *labels), tuple(rows))


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


# ---------------------------------------------------------------------------------------------
# Alignment: the interesting events of each run, normalised into comparable tokens


# Path-taking syscalls: (index of the path argument, the operation), from the syscall table.
# Tokens name the operation, so musl's open and glibc's openat of one file line up.
_PATH_ARG: dict[str, tuple[int, str]] = {n: (p.arg, p.op) for n, p in PATH_ARG.items() if p.op}
# The socket calls that are aligned: those that make a socket or name an address.
_NET = SOCKET_SETUP | SOCKADDR_CALLS
_SIGNAL_CALLS = SIGNAL_SENDS
_TOKEN_CALLS = frozenset(_PATH_ARG) | _NET | _SIGNAL_CALLS | {"mmap"}  # one test skips the rest
# Random parts of names: temporary files, pids in /proc paths, hex addresses.
_MASKS = (
    (re.compile(r"^(/(?:tmp|var/tmp|dev/shm|run/user/\d+)/).+"), r"\1<tmp>"),
    (re.compile(r"^/proc/\d+/"), "/proc/<pid>/"),
    (re.compile(r"0x[0-9a-f]+"), "0x…"),
)


def _mask(path: str, program_dir: str) -> str:
    if program_dir and path.startswith(program_dir):
        path = "<dir>" + path[len(program_dir) :]  # each build lives in its own folder
    for rx, repl in _MASKS:
        path = rx.sub(repl, path)
    return path


def _peer(args: list[Any]) -> str | None:
    """The socket address among a call's arguments (sendto's dest, sendmsg's msg_name)."""
    for a in args:
        if isinstance(a, list) and a and isinstance(a[0], dict):
            a = a[0]  # sendmmsg: the first message's address stands for all
        if not isinstance(a, dict):
            continue
        addr = a.get("name") if "iov" in a else a
        if not isinstance(addr, dict) or "family" not in addr:
            continue
        return endpoint(addr) or str(addr["family"])
    return None


Runs = tuple[list[str], list[int]]  # run-length encoded tokens: the distinct ones in order, their counts


def token_runs(trace: Trace) -> Runs:
    """The file, network and process events of a trace as normalised one-line tokens: pids
    renumbered in order of appearance, descriptors dropped, addresses and temp names masked;
    run-length encoded (a loop is one token with a count), so alignment stays cheap."""
    t = Tokens(trace.header)
    t.feed(trace.events)
    return t.runs


class Tokens:
    """token_runs() of a trace whose events are fed in order, in one list or batch by batch."""

    def __init__(self, header: dict[str, Any]) -> None:
        exe = (header.get("executable") or {}).get("path") or next(iter(header.get("command") or []), "")
        program_dir = os.path.dirname(os.path.abspath(exe)) + "/" if exe else ""
        if program_dir in ("/", "/usr/bin/", "/bin/", "/usr/local/bin/"):
            program_dir = ""  # a shared folder says nothing about the build; keep paths as they are
        self.program_dir = program_dir
        self.pids: dict[int, str] = {}
        self.runs: Runs = ([], [])
        self.masked: dict[str, str] = {}  # a trace opens and maps the same few paths again and again

    def feed(self, events: Iterable[Event]) -> None:
        program_dir = self.program_dir
        pids = self.pids
        vals, counts = self.runs
        prev = vals[-1] if vals else None
        masked = self.masked

        def mask(path: str) -> str:
            m = masked.get(path)
            if m is None:
                m = masked[path] = _mask(path, program_dir)
            return m

        path_arg = _PATH_ARG
        token_calls = _TOKEN_CALLS
        for e in events:
            kind = e["type"]
            if kind == "syscall":
                name = e["name"]
                if name not in token_calls:
                    continue
                spec = path_arg.get(name)
                if spec is not None:
                    idx, op = spec
                    if op == "exec" and e.get("errno") is None:
                        continue  # the exec event below tells it better
                    args = e["args"]
                    path = args[idx] if len(args) > idx and isinstance(args[idx], str) else "?"
                    if not path:
                        continue  # AT_EMPTY_PATH: an fstat in disguise, not a file lookup
                    if idx == 1 and path[0] != "/" and "fd_path" in e:
                        path = os.path.join(e["fd_path"], path)  # relative to a directory fd
                    tok = f"{op} {mask(path)}"
                elif name == "mmap":
                    fd_path = e.get("fd_path")
                    if not fd_path:
                        continue  # anonymous memory is counted in the tables, not aligned
                    tok = f"mmap {mask(fd_path)}"
                elif name in _NET:
                    args = e["args"]
                    if name == "socket":
                        tok = "socket " + " ".join(str(a) for a in args[:2])
                    else:
                        # A connected socket names its peer in fd_path ("socket:[AF_INET ... -> ip:53]").
                        peer = _peer(args) or e.get("fd_path", "").partition(" -> ")[2].rstrip("]")
                        tok = f"{name} {peer}" if peer else name
                elif name in _SIGNAL_CALLS:
                    tok = f"{name} {e['args'][-1] if e['args'] else ''}"
                else:
                    continue
                err = e.get("errno")
                if err:
                    tok += f" = {err}"
            elif kind == "exec":
                # The program itself has another path in every build; what it execs later does not.
                tok = f"exec {_mask(e.get('path', '?'), program_dir)}" if pids else "exec <program>"
            elif kind == "fork":
                child = e["child"]
                if e.get("kind") == "thread":
                    tok = "clone thread"
                else:
                    pids.setdefault(child, f"p{len(pids) + 1}")
                    tok = f"{e.get('kind', 'process')} → {pids[child]}"
            elif kind == "signal":
                tok = f"signal {e.get('signal')}"
            elif kind == "exit":
                if "tid" in e:
                    continue  # thread exits are noise next to the process's own
                sig = e.get("signal")
                tok = f"exit {ended(sig, None)}" if sig else f"exit {e.get('code')}"
            else:
                continue
            pid = e["pid"]
            tag = pids.get(pid)
            if tag is None:
                tag = pids[pid] = f"p{len(pids) + 1}"
            if tag != "p1":
                tok = f"[{tag}] {tok}"
            if tok == prev:
                counts[-1] += 1
            else:
                vals.append(tok)
                counts.append(1)
                prev = tok


Pairs = list[tuple[int | None, int | None]]  # (index in a, index in b); None is a gap


def _pairs(a: list[str], b: list[str]) -> Pairs:
    """Aligns two token lists into matched pairs, side-by-side pairs and gaps, in O(n log n).

    Anchors are the k-th occurrences of a token in both lists (the 3rd open of a file in one
    build most likely is the 3rd open in the other); the longest increasing run of anchors
    (patience sorting) fixes the alignment, and the short stretches between anchors are
    refined with difflib. difflib alone is quadratic on long traces with many repeats."""
    seen: Counter[str] = Counter()
    where_b: dict[tuple[str, int], int] = {}
    for j, tok in enumerate(b):
        seen[tok] += 1
        where_b[(tok, seen[tok])] = j
    seen.clear()
    cand: list[tuple[int, int]] = []
    for i, tok in enumerate(a):
        seen[tok] += 1
        match = where_b.get((tok, seen[tok]))
        if match is not None:
            cand.append((i, match))
    anchors = _increasing(cand)
    pairs: Pairs = []
    pi = pj = 0
    for i, j in [*anchors, (len(a), len(b))]:
        if i > pi or j > pj:  # most anchors follow each other: nothing between them
            _fill(a, b, pi, i, pj, j, pairs)
        if i < len(a):
            pairs.append((i, j))
        pi, pj = i + 1, j + 1
    return pairs


def _increasing(cand: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of (i, j) pairs, already sorted by i, with increasing j."""
    tails: list[int] = []  # tails[k]: smallest j ending an increasing run of length k+1
    tail_idx: list[int] = []
    back: list[int] = []
    for n, (_, j) in enumerate(cand):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_idx.append(n)
        else:
            tails[k] = j
            tail_idx[k] = n
        back.append(tail_idx[k - 1] if k else -1)
    out: list[tuple[int, int]] = []
    n = tail_idx[-1] if tail_idx else -1
    while n >= 0:
        out.append(cand[n])
        n = back[n]
    return out[::-1]


_REFINE = 40_000  # largest gap (len a × len b) worth difflib's quadratic matcher


def _fill(a: list[str], b: list[str], i1: int, i2: int, j1: int, j2: int, pairs: Pairs) -> None:
    """Aligns the stretch between two anchors: difflib when small, else side by side."""
    if i1 == i2 or j1 == j2 or (i2 - i1) * (j2 - j1) > _REFINE:
        _side_by_side(i1, i2, j1, j2, pairs)
        return
    for op, x1, x2, y1, y2 in SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False).get_opcodes():
        if op == "equal":
            pairs.extend((i1 + x1 + k, j1 + y1 + k) for k in range(x2 - x1))
        else:
            _side_by_side(i1 + x1, i1 + x2, j1 + y1, j1 + y2, pairs)


def _side_by_side(i1: int, i2: int, j1: int, j2: int, pairs: Pairs) -> None:
    common = min(i2 - i1, j2 - j1)
    pairs.extend((i1 + k, j1 + k) for k in range(common))
    pairs.extend((i, None) for i in range(i1 + common, i2))
    pairs.extend((None, j) for j in range(j1 + common, j2))


def align(traces: Sequence[Trace], encoded: Sequence[Runs] | None = None) -> Timeline:
    """Aligns every run against the first (a star alignment) and merges the results into rows
    of one cell per run; the first row where the runs differ is the first divergence.
    encoded: each trace's token_runs(trace), when already made."""
    if encoded is None:
        encoded = [token_runs(t) for t in traces]
    base_vals = encoded[0][0]
    nbase = len(base_vals)
    # For each other run: base index -> its matched index, and its inserts before a base index.
    matched: list[list[int | None]] = []
    inserts: list[dict[int, list[int]]] = []
    for vals, _ in encoded[1:]:
        m: list[int | None] = [None] * nbase
        ins: dict[int, list[int]] = {}
        next_base = 0
        for i, j in _pairs(base_vals, vals):
            if i is None:
                ins.setdefault(next_base, []).append(j)  # type: ignore[arg-type]
            else:
                m[i] = j
                next_base = i + 1
        matched.append(m)
        inserts.append(ins)
    # Every token of every run is shown once: its cell text, with its count when it repeats.
    texts = [[v if n == 1 else f"{v} ×{n}" for v, n in zip(vals, counts)] for vals, counts in encoded]
    others = list(zip(texts[1:], matched, inserts))

    rows: list[TimelineRow] = []
    for i in range(nbase + 1):
        if any(i in ins for _, _, ins in others):
            before = [(t, ins.get(i, [])) for t, _, ins in others]
            for k in range(max(len(b) for _, b in before)):
                rows.append(TimelineRow(False, (None, *(t[b[k]] if k < len(b) else None for t, b in before))))
        if i < nbase:
            cells = (texts[0][i], *(None if (j := m[i]) is None else t[j] for t, m, _ in others))
            rows.append(TimelineRow(all(c == cells[0] for c in cells), cells))
    first = next((k for k, r in enumerate(rows) if not r.same), None)
    return Timeline(tuple(rows), first)
