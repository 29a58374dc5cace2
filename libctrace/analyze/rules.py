"""Divergence rules: turn the Facts of several runs into Findings people can act on.

Each finding id is one function over the facts, registered with @rule, that returns hits:
the runs concerned, the values its title is filled from, the explanation and the events that
show it. What an id is called, how severe it is and what it says about each libc is data, in
the catalogue (libctrace/data/divergences.toml, read by libctrace/analyze/catalogue.py), which
docs/divergences.md is generated from too.
"""

from __future__ import annotations

import os
import statistics
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from libctrace.analyze import catalogue
from libctrace.analyze.facts import (
    DnsMessage,
    Facts,
    FileAccess,
    SocketUse,
    flag_set,
    is_libc,
    is_shared_object,
    sockaddr_text,
    written,
)
from libctrace.analyze.images import Programs, program_at, programs
from libctrace.analyze.refusal import Refusal, refusal
from libctrace.model import Event, Trace
from libctrace.render.evidence import evidence_line
from libctrace.syscalls.spec import RECEIVE_CALLS, SEND_CALLS
from libctrace.traceio import EventFile

SEVERITIES = catalogue.SEVERITIES
_LIMITS = catalogue.load().evidence
MAX_EVIDENCE_PER_RUN = _LIMITS.per_run  # (the catalogue's [evidence], like the lines' bytes and width)
DNS_HEADER = 12  # bytes: a DNS message cannot be read from fewer

# Every call a libc may use for the job: glibc opens with openat, musl with open; DNS goes out
# through sendmmsg (glibc), sendto (musl), write (Go over TCP)... A trace lacking any one of
# them could miss one build's side and turn the gap into a difference (libctrace/analyze/coverage.py).
_OPEN = ("open", "openat")


@dataclass(frozen=True)
class Evidence:
    run: str
    seq: int
    line: str  # the event as one strace-like line


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # "critical" | "behaviour" | "info"
    title: str
    explanation: str
    runs: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    ref: str  # "docs/divergences.md#<id>"
    values: Mapping[str, Any] = field(default_factory=dict)  # the title's values, and typed ones (counts, lists)


@dataclass
class _Hit:
    """What a check found: the runs concerned, its values (those the title names, and typed
    ones: counts, lists, per-run dicts), the explanation, and (run index, seq) pairs of the
    events that show it."""

    runs: tuple[str, ...]
    params: dict[str, Any]
    explanation: str
    evidence: list[tuple[int, int]] = field(default_factory=list)


class _Ctx:
    """The runs under comparison, with event lookup for evidence."""

    def __init__(
        self,
        facts: Sequence[Facts],
        traces: Sequence[Trace],
        refused: dict[int, Refusal] | None = None,
        programs: Sequence[Programs] | None = None,
    ) -> None:
        self.facts = list(facts)
        self.traces = list(traces)
        self.refused = refused or {}  # run index -> why that build never started
        self.labels = [f.label for f in facts]
        self._seqs: dict[int, Sequence[int]] = {}
        self._programs: dict[int, Programs] = dict(enumerate(programs or ()))
        self._dns: list[dict[int, list[DnsMessage]]] = []
        for f in facts:
            by_seq: dict[int, list[DnsMessage]] = {}
            for m in f.dns:
                by_seq.setdefault(m.seq, []).append(m)
            self._dns.append(by_seq)

    def programs(self, run: int) -> Programs:
        """Which processes of a run ran another program than the build (images.programs)."""
        if run not in self._programs:
            self._programs[run] = programs(self.traces[run])
        return self._programs[run]

    def dns(self, run: int, seq: int) -> list[DnsMessage]:
        """The DNS messages an event carried."""
        return self._dns[run].get(seq, [])

    def event(self, run: int, seq: int) -> Event | None:
        events = self.traces[run].events
        seqs = self._seqs.get(run)
        if seqs is None and isinstance(events, EventFile):
            seqs = self._seqs[run] = events.seqs  # its index: no event parsed to find one
        # seq is 1, 2, 3... in recording order, so the index is usually seq - 1.
        if 0 < seq <= len(events) and (events[seq - 1].get("seq") if seqs is None else seqs[seq - 1]) == seq:
            return events[seq - 1]
        if seqs is None:
            seqs = self._seqs[run] = [e.get("seq", 0) for e in events]
        i = bisect_left(seqs, seq)
        return events[i] if i < len(events) and seqs[i] == seq else None

    def find(
        self, run: int, match: Callable[[Event], bool], limit: int = 1, after: int = 0, calls: bool = True
    ) -> list[int]:
        """seqs of the first `limit` events of a run that match, after seq `after`. calls=False
        says no syscall event matches: a digested trace then reads only its other events."""
        events: Iterable[Event] = self.traces[run].events
        if not calls and isinstance(events, EventFile):
            events = map(events.__getitem__, events.non_calls)
        out: list[int] = []
        for e in events:
            if e.get("seq", 0) > after and match(e):
                out.append(e["seq"])
                if len(out) >= limit:
                    break
        return out


Check = Callable[["_Ctx"], list["_Hit"]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # str.format template filled from the hit's values
    check: Check
    needs: tuple[str, ...]  # syscalls a trace must have recorded for the rule to compare it fairly
    min_bytes: int  # buffer bytes a trace must have kept (`-s`); 0: any
    varies: bool  # rests on output or counts: `diff --runs auto` reruns each build to tell noise


_REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str, *, needs: tuple[str, ...] = (), min_bytes: int = 0, varies: bool = False
) -> Callable[[Check], Check]:
    """Registers a check as the rule of catalogue entry `rule_id` (its severity and title)."""

    def register(check: Check) -> Check:
        entry = catalogue.load().entries.get(rule_id)
        if entry is None:
            raise RuntimeError(f"@rule({rule_id!r}) has no [rule.{rule_id}] in libctrace/data/divergences.toml")
        _REGISTRY[rule_id] = Rule(rule_id, entry.severity, entry.title, check, needs, min_bytes, varies)
        return check

    return register


def _named(name: str) -> Callable[[Event], bool]:
    return lambda e: e.get("name") == name


def _names(labels: Sequence[str]) -> str:
    return ", ".join(labels) if labels else "none"


def _flavour(f: Facts) -> str:
    elf = f.elf or {}
    libc, linkage = elf.get("libc"), elf.get("linkage")
    if libc == "none":
        return f"{linkage}, no libc"
    return f"{linkage} {libc}" if libc and linkage else f.label


def _libc(f: Facts) -> str:
    """The build's libc as its ELF says: glibc, musl, none (Go...) or unknown."""
    libc = str((f.elf or {}).get("libc") or "")
    return libc if libc in ("glibc", "musl", "none") else "unknown"


def _about(ctx: _Ctx, rule_id: str, runs: Sequence[int] | None = None) -> str:
    """The catalogue's sentences of a rule about each libc of the builds compared (or of
    `runs`), in its order: a statement about musl only when a musl build is there."""
    present = {_libc(ctx.facts[i]) for i in (range(len(ctx.facts)) if runs is None else runs)}
    return " ".join(text for libc, text in catalogue.entry(rule_id).libc.items() if libc in present)


def _said(rule_id: str, where: str) -> str:
    """The catalogue's fixed sentence an explanation opens or closes with."""
    return catalogue.entry(rule_id).said[where]


# -- checks ---------------------------------------------------------------------------------


@rule("loader-refusal")
def _loader_refusal(ctx: _Ctx) -> list[_Hit]:
    hits = []
    for i, r in sorted(ctx.refused.items()):
        f = ctx.facts[i]
        text = (
            f"{f.label} ({_flavour(f)}) exited {f.exit.status} before any of its own code ran: "
            f"{r.cause}. It needs {r.needs}; this host has {r.host}. Everything else that differs "
            "for this build (exit status, output, files it never read, lookups it never made) follows "
            "from that and is not listed; the builds that started are compared among themselves."
        )
        hits.append(
            _Hit((f.label,), {"run": f.label, "cause": r.cause, "needs": r.needs}, text, [(i, s) for s in r.evidence])
        )
    return hits


@rule("second-libc", needs=(*_OPEN, "mmap"))
def _second_libc(ctx: _Ctx) -> list[_Hit]:
    runs: list[str] = []
    libs_seen: list[str] = []
    parts: list[str] = []
    evidence: list[tuple[int, int]] = []
    for i, f in enumerate(ctx.facts):
        for pid, libs in f.libcs.items():
            if len(libs) < 2:
                continue
            second = libs[1]
            opens = {a.path: a.seq for a in reversed(f.files) if a.pid == pid and a.op == "open" and a.result == "ok"}
            libc_seq = opens.get(second, 0)
            culprit = next((p for p in f.dlopened if not is_libc(p) and 0 < opens.get(p, 0) < libc_seq), None)
            own = "its own static libc" if libs[0].startswith("static") else libs[0]
            via = f"dlopened {os.path.basename(culprit)}, which pulled" if culprit else "mapped"
            died = f" The run then ended: {f.exit.signal or f'exit {f.exit.code}'}." if f.exit.signal else ""
            parts.append(
                f"{f.label} ({_flavour(f)}) {via} {second} into process {pid}, which already has {own}: "
                f"two mallocs, two stdio buffers, two copies of every global in libc.{died}"
            )
            evidence += [(i, s) for s in (opens.get(culprit, 0) if culprit else 0, libc_seq) if s]
            runs.append(f.label)
            libs_seen = [os.path.basename(x) for x in libs]
            break
    if not runs:
        return []
    return [_Hit(tuple(runs), {"runs": _names(runs), "libs": " + ".join(libs_seen)}, " ".join(parts), evidence)]


@rule("child-libc")
def _child_libc(ctx: _Ctx) -> list[_Hit]:
    """Programs of another libc a build exec'd (libctrace/analyze/images.py split their events off)."""
    hits = []
    for i, f in enumerate(ctx.facts):
        for child in f.children:
            c = child.facts
            name = os.path.basename(child.path)
            nss = [a for a in c.files if a.category == "nss-config"]
            libs = [a for a in c.files if a.category == "libc" and a.op == "open" and a.result == "ok"]
            queries = [m for m in c.dns if m.direction == "query"]
            did = (
                (["read /etc/nsswitch.conf"] if nss else [])
                + ([f"loaded {', '.join(dict.fromkeys(os.path.basename(a.path) for a in libs))}"] if libs else [])
                + ([f"sent {len(queries)} DNS queries"] if queries else [])
            )
            kind = f"{child.linkage} {child.libc}".strip()
            text = (
                f"{f.label} ({_flavour(f)}) exec'd {child.path} ({kind}) in process "
                f"{', '.join(map(str, child.pids))}. That program runs its own libc's code: "
                + (f"it {', '.join(did)}. " if did else "")
                + f"Those events are told apart from {f.label}'s own and left out of the other findings, "
                f"which are about {f.label}'s libc; a lookup that {name} makes follows {child.libc}'s rules "
                f"even though the build is {(f.elf or {}).get('libc') or 'another libc'}."
            )
            ev = [(i, child.exec_seq)] + [(i, a.seq) for a in nss[:1] + libs[:1]] + [(i, m.seq) for m in queries[:1]]
            hits.append(_Hit((f.label,), {"run": f.label, "image": name, "libc": kind}, text, ev))
    return hits


def _why_exit(f: Facts) -> str | None:
    sig = f.exit.signal
    libc = str((f.elf or {}).get("libc") or "")
    second = any(len(v) > 1 for v in f.libcs.values())
    if f.exit.outcome == "timeout":
        return f"{f.label}: still running at diff's --timeout, so libctrace killed it"
    if sig == "SIGABRT" and libc == "glibc":
        return (
            f"{f.label}: glibc detected the corruption (double free, stack smashing), wrote a "
            "message to stderr and called abort()"
        )
    if sig == "SIGSEGV" and second:
        return f"{f.label}: code of a second libc ran on state the first one owns (see second-libc)"
    if sig == "SIGSEGV" and libc == "musl":
        return (
            f"{f.label}: musl's mallocng and stack protector stop a corrupt program on purpose, "
            "without a message (a `hlt` instruction), which the kernel reports as SIGSEGV"
        )
    return None


def _exit_code(f: Facts) -> str:
    return f"exit {f.exit.code}" if f.exit.code is not None else "end not recorded (trace cut short)"


@rule("exit-status", varies=True)
def _exit_status(ctx: _Ctx) -> list[_Hit]:
    # a trace cut before its end (no footer, no exit event) has no status to compare
    keys = [(f.exit.status, f.exit.signal) for f in ctx.facts if f.exit.signal or f.exit.code is not None]
    if len(set(keys)) < 2:
        return []
    statuses = ", ".join(
        f"{f.label} {'killed by ' + f.exit.signal if f.exit.signal else _exit_code(f)}" for f in ctx.facts
    )
    why = [w for w in (_why_exit(f) for f in ctx.facts) if w]
    text = f"The builds end differently: {statuses}." + (" " + "; ".join(why) + "." if why else "")
    short = " vs ".join(f.exit.signal or _exit_code(f) for f in ctx.facts)
    ev: list[tuple[int, int]] = []
    for i, f in enumerate(ctx.facts):
        ev += [(i, s) for s in ctx.find(i, _ending(ctx.traces[i], f.exit.signal), limit=2, calls=False)]
    values = {
        "short": short,
        "status": {f.label: f.exit.status for f in ctx.facts},
        "signal": {f.label: f.exit.signal for f in ctx.facts},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _ending(trace: Trace, signal: str | None) -> Callable[[Event], bool]:
    """Matches the fatal signal and the exit of the traced program's first process."""
    first = trace.events[0]["pid"] if trace.events else None

    def match(e: Event) -> bool:
        kind = e.get("type")
        if kind == "signal":
            return signal is not None and e.get("signal") == signal and e.get("pid") == first
        return kind == "exit" and e.get("pid") == first and "tid" not in e

    return match


def _file_hits(ctx: _Ctx, category: str, ok_only: bool = True) -> list[dict[str, int]]:
    """Per run: path -> seq of its first access in a category."""
    out = []
    for f in ctx.facts:
        seen: dict[str, int] = {}
        for a in f.files:
            if a.category == category and (a.result == "ok" or not ok_only):
                seen.setdefault(a.path, a.seq)
        out.append(seen)
    return out


@rule("nss-config", needs=_OPEN)
def _nss_config(ctx: _Ctx) -> list[_Hit]:
    per = _file_hits(ctx, "nss-config")
    readers = [f.label for f, p in zip(ctx.facts, per) if p]
    others = [f.label for f, p in zip(ctx.facts, per) if not p]
    if not readers or not others:
        return []
    parts = []
    for f, p in zip(ctx.facts, per):
        libc = _libc(f)
        if p:
            parts.append(
                f"{f.label} ({_flavour(f)}) read it"
                + (
                    ": glibc routes user, group and host lookups through NSS, configured there"
                    if libc == "glibc"
                    else ": no libc at all, the program's own code read it (Go's resolver reads the hosts line)"
                    if libc == "none"
                    else ""
                )
            )
            continue
        files = sorted({a.path for a in f.files if a.category in ("nss-files", "resolver-config") and a.result == "ok"})
        read = f"read {', '.join(files)} directly" if files else "looked nothing up in those files"
        why = {
            "musl": "musl has no NSS",
            "none": "no libc: the program's own code",
            "glibc": "its own code, not glibc's NSS, which would have read nsswitch.conf first" if files else "",
        }.get(libc, "")
        parts.append(f"{f.label} ({_flavour(f)}) never opened it and {read}" + (f" ({why})" if why else ""))
    text = _said("nss-config", "opening") + " " + "; ".join(parts) + ". " + _said("nss-config", "closing")
    # The open shows it best (glibc stats the file first, to notice changes later).
    opens = [{a.seq for a in f.files if a.category == "nss-config" and a.op == "open"} for f in ctx.facts]
    ev = [(i, min(o or p.values())) for i, (p, o) in enumerate(zip(per, opens)) if p]
    values = {
        "readers": _names(readers),
        "others": _names(others),
        "read": {f.label: bool(p) for f, p in zip(ctx.facts, per)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


@rule("nss-module", needs=_OPEN)
def _nss_module(ctx: _Ctx) -> list[_Hit]:
    loaded: list[dict[str, int]] = []
    missing: list[dict[str, int]] = []
    for f in ctx.facts:
        ok: dict[str, int] = {}
        bad: dict[str, int] = {}
        for a in f.files:
            if a.category == "nss-module" and a.op == "open":
                (ok if a.result == "ok" else bad).setdefault(os.path.basename(a.path), a.seq)
        loaded.append(ok)
        missing.append({k: v for k, v in bad.items() if k not in ok})
    if len({tuple(sorted(x)) for x in loaded}) < 2 and not any(missing):
        return []
    parts = []
    for f, ok, bad in zip(ctx.facts, loaded, missing):
        what = [f"loaded {', '.join(ok)}"] if ok else []
        what += [f"missing {', '.join(bad)}"] if bad else []
        parts.append(f"{f.label} {', '.join(what) or 'none'}")
    text = (
        _about(ctx, "nss-module")
        + " "
        + "; ".join(parts)
        + "."
        + (
            " A listed module that is not installed fails silently: its users and hosts just are not found."
            if any(missing)
            else ""
        )
    )
    ev = [(i, s) for i, (ok, bad) in enumerate(zip(loaded, missing)) for s in sorted([*ok.values(), *bad.values()])]
    values = {
        "summary": "; ".join(parts),
        "loaded": {f.label: list(ok) for f, ok in zip(ctx.facts, loaded)},
        "missing": {f.label: list(bad) for f, bad in zip(ctx.facts, missing)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _nscd_shape(f: Facts) -> tuple[int, str, str]:
    """(connections, blocking mode, when) of a run's nscd use."""
    socks = [s for s in f.sockets if s.purpose == "nscd"]
    if not socks:
        return 0, "", ""
    mode = "non-blocking" if all("SOCK_NONBLOCK" in flag_set(s.type) for s in socks) else "blocking"
    first_file = min((a.seq for a in f.files if a.category == "nss-files"), default=None)
    when = "after a miss" if first_file is not None and first_file < socks[0].seq else "first"
    return len(socks), mode, when


@rule("nscd-probe", needs=("socket", "connect"))
def _nscd_probe(ctx: _Ctx) -> list[_Hit]:
    shapes = [_nscd_shape(f) for f in ctx.facts]
    if len(set(shapes)) < 2:
        return []
    summary = " vs ".join(f"{n}x {mode}, {when}" if n else "never" for n, mode, when in shapes)
    text = (
        _about(ctx, "nscd-probe")
        + " Seen: "
        + ", ".join(
            f"{f.label} {n}x ({mode}, {when})" if n else f"{f.label} never"
            for f, (n, mode, when) in zip(ctx.facts, shapes)
        )
        + "."
    )
    ev = [
        (i, s.peer_seq or s.seq)
        for i, f in enumerate(ctx.facts)
        for s in [s for s in f.sockets if s.purpose == "nscd"][:2]
    ]
    values = {"summary": summary, "connections": {f.label: n for f, (n, _, _) in zip(ctx.facts, shapes)}}
    return [_Hit(tuple(ctx.labels), values, text, ev)]


@rule("resolver-config", needs=_OPEN)
def _resolver_config(ctx: _Ctx) -> list[_Hit]:
    per = _file_hits(ctx, "resolver-config")
    if len({tuple(sorted(p)) for p in per}) < 2:
        return []
    common = set(per[0]).intersection(*per[1:])
    parts = [f"{f.label} {', '.join(os.path.basename(x) for x in p) or 'none'}" for f, p in zip(ctx.facts, per)]
    groups: dict[str, list[str]] = {}
    for path in dict.fromkeys(x for p in per for x in p if x not in common):
        users = ", ".join(f.label for f, p in zip(ctx.facts, per) if path in p)
        groups.setdefault(users, []).append(os.path.basename(path))
    summary = "; ".join(f"{', '.join(files)} read by {users} only" for users, files in groups.items())
    text = _about(ctx, "resolver-config") + " Files read: " + "; ".join(parts) + "."
    ev = [(i, s) for i, p in enumerate(per) for path, s in p.items() if path not in common]
    values = {"summary": summary, "files": {f.label: list(p) for f, p in zip(ctx.facts, per)}}
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _queries(f: Facts) -> list[DnsMessage]:
    return [m for m in f.dns if m.direction == "query"]


@rule("dns-queries", needs=("socket", *SEND_CALLS), min_bytes=DNS_HEADER, varies=True)
def _dns_queries(ctx: _Ctx) -> list[_Hit]:
    per = [_queries(f) for f in ctx.facts]
    if not any(per):
        return []
    asked = [list(dict.fromkeys(f"{m.name} {m.qtype}" for m in q)) for q in per]
    # Several messages from one call: glibc's sendmmsg of A and AAAA (or both over one TCP writev).
    batched = [len(q) > len({m.seq for m in q}) for q in per]
    shapes = [(tuple(a), b, len(q)) for a, b, q in zip(asked, batched, per)]
    if len(set(shapes)) < 2:
        return []
    lines = []
    only: dict[str, list[str]] = {}  # "run, run" -> questions only those runs asked
    for key in dict.fromkeys(k for a in asked for k in a):
        askers = [f.label for f, a in zip(ctx.facts, asked) if key in a]
        if len(askers) < len(ctx.facts):
            only.setdefault(", ".join(askers), []).append(key)
    for who, keys in only.items():
        lines.append(f"only {who} asked {', '.join(keys)}")
    for i, (f, q, b) in enumerate(zip(ctx.facts, per, batched)):
        tcp = sum(1 for m in q if m.transport == "tcp")
        notes = [f"{tcp} over TCP"] if tcp else []
        notes += [v] if (v := _musl_verdict(ctx, i)) else []
        notes += ["with EDNS"] if any(m.edns for m in q) else []
        how = "A and AAAA together in one call" if b else "one message per call"
        servers = ", ".join(sorted({m.server for m in q})) or "-"
        extra = f" ({', '.join(notes)})" if notes else ""
        lines.append(
            f"{f.label} sent {len(q)} queries{extra}, {how}, to {servers}" if q else f"{f.label} sent no query"
        )
    asking = [i for i, q in enumerate(per) if q]
    text = _about(ctx, "dns-queries", asking) + " " + "; ".join(lines) + "."
    n_only = sum(len(k) for k in only.values())
    # The title names only what differs: "sent 8 vs 8" is no difference.
    counts = [len(q) for q in per]
    together = [f.label for f, b in zip(ctx.facts, batched) if b]
    summary = (
        "; ".join(
            part
            for part in (
                f"{n_only} asked by only some builds" if n_only else "",
                "sent " + " vs ".join(map(str, counts)) if len(set(counts)) > 1 else "",
                f"A and AAAA in one call in {_names(together)} only" if 0 < len(together) < len(per) else "",
            )
            if part
        )
        or "the same questions in another order"
    )
    ev: list[tuple[int, int]] = []
    for i, q in enumerate(per):
        # The first query of each differing name, then the first queries at all.
        mine = [m.seq for m in q if any(f"{m.name} {m.qtype}" in k for k in only.values())]
        ev += [(i, s) for s in list(dict.fromkeys([*mine, *(m.seq for m in q)]))[:MAX_EVIDENCE_PER_RUN]]
    values = {
        "summary": summary,
        "queries": {f.label: n for f, n in zip(ctx.facts, counts)},
        "asked_by_some": only,
        "batched": {f.label: b for f, b in zip(ctx.facts, batched)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _tcp_socket(f: Facts) -> SocketUse | None:
    return next((s for s in f.sockets if s.purpose == "dns" and "SOCK_STREAM" in flag_set(s.type)), None)


def _tcp_how(ctx: _Ctx, run: int) -> str:
    """How the build opened its DNS-over-TCP connection, from the call that named the peer."""
    s = _tcp_socket(ctx.facts[run])
    e = ctx.event(run, s.peer_seq) if s is not None and s.peer_seq else None
    if e is None:
        return ""
    if e["name"] == "connect":
        return "connect, then the query"
    flags = e["args"][2] if e["name"] == "sendmsg" else e["args"][3]
    if "MSG_FASTOPEN" in flag_set(flags):
        return f"TCP Fast Open: {e['name']} with MSG_FASTOPEN on an unconnected socket"
    return f"{e['name']} to an address on an unconnected socket"


def _musl_verdict(ctx: _Ctx, run: int) -> str | None:
    """Which musl a build that got a truncated UDP answer behaves like (None: not musl, no TC)."""
    f = ctx.facts[run]
    if _libc(f) != "musl" or not any(m.tc and m.transport == "udp" for m in f.dns):
        return None
    if any(m.transport == "tcp" for m in f.dns):
        return "musl ≥ 1.2.4: TCP fallback seen"
    return "musl ≤ 1.2.3 behaviour: no TCP fallback"


@rule("dns-transport", needs=("socket", *SEND_CALLS), min_bytes=DNS_HEADER)
def _dns_transport(ctx: _Ctx) -> list[_Hit]:
    per = [_queries(f) for f in ctx.facts]
    asked = [i for i, q in enumerate(per) if q]
    tcp = [i for i in asked if any(m.transport == "tcp" for m in per[i])]
    if not tcp or len(tcp) == len(asked):
        return []
    truncated = [i for i in asked if any(m.tc for m in ctx.facts[i].dns)]
    kept = [i for i in truncated if i not in tcp]
    whole = [i for i in asked if i not in tcp and i not in truncated]
    parts = []
    for i in tcp:
        f = ctx.facts[i]
        how = _tcp_how(ctx, i)
        why: str | None = _musl_verdict(ctx, i) or ("as glibc's res_send does on TC" if _libc(f) == "glibc" else "")
        parts.append(
            f"{f.label} ({_flavour(f)}) retried the query over TCP"
            + (f" ({how})" if how else "")
            + (f" — {why}" if why else "")
        )
    for i in kept:
        f = ctx.facts[i]
        why = _musl_verdict(ctx, i)
        parts.append(f"{f.label} ({_flavour(f)}) did not, and used the truncated answer" + (f" — {why}" if why else ""))
    for i in whole:
        edns = all(m.edns for m in per[i])
        parts.append(
            f"{ctx.labels[i]} never got a truncated answer"
            + (" (its queries carried EDNS: the whole answer fit in UDP)" if edns else "")
        )
    text = _said("dns-transport", "opening") + " " + "; ".join(parts) + "."
    ev: list[tuple[int, int]] = []
    for i in truncated:
        ev += [(i, m.seq) for m in ctx.facts[i].dns if m.tc][:1]
    for i in tcp:
        # The retry and what it brought back.
        ev += [(i, m.seq) for m in per[i] if m.transport == "tcp"][:1]
        ev += [(i, m.seq) for m in ctx.facts[i].dns if m.transport == "tcp" and m.direction == "answer"][:1]
    values = {
        "tcp": _names([ctx.labels[i] for i in tcp]),
        "over_tcp": [ctx.labels[i] for i in tcp],
        "kept_truncated": [ctx.labels[i] for i in kept],
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


@rule("dns-answers", needs=("socket", *RECEIVE_CALLS), min_bytes=DNS_HEADER, varies=True)
def _dns_answers(ctx: _Ctx) -> list[_Hit]:
    finals: list[dict[str, DnsMessage]] = []
    for f in ctx.facts:
        last: dict[str, DnsMessage] = {}
        for m in f.dns:
            if m.direction == "answer":
                last[f"{m.name} {m.qtype}"] = m  # the last answer per question is the one used
        finals.append(last)
    keys = list(dict.fromkeys(k for fin in finals for k in fin))
    asked = [{f"{m.name} {m.qtype}" for m in _queries(f)} for f in ctx.facts]
    differing = []  # questions whose final answers differ
    for k in keys:
        got = {
            (fin[k].rcode, fin[k].answers, fin[k].tc) if k in fin else None
            for fin, a in zip(finals, asked)
            if k in a or k in fin
        }
        if len(got) > 1:
            differing.append(k)
    if not differing:
        return []  # every build kept the same answers (even the same cut one): nothing differs
    parts = []
    ev: list[tuple[int, int]] = []
    for k in differing:
        cells = []
        for i, (f, fin) in enumerate(zip(ctx.facts, finals)):
            final = fin.get(k)
            if final is None:
                cells.append(f"{f.label} {'no answer' if k in asked[i] else 'not asked'}")
                continue
            cells.append(
                f"{f.label} {final.rcode} {final.answers} over {final.transport}" + (" (truncated)" if final.tc else "")
            )
            ev.append((i, final.seq))
        parts.append(f"{k}: " + ", ".join(cells))
    used_tc = [i for i, fin in enumerate(finals) if any(m.tc for m in fin.values())]
    old_musl = [ctx.labels[i] for i in used_tc if _libc(ctx.facts[i]) == "musl"]
    # The sandbox server logs how many records it holds: the truth both builds are measured by.
    held: dict[str, int] = {}
    for f in ctx.facts:
        for e in f.dns_server_log:
            key = f"{str(e.get('name', '')).rstrip('.')} {e.get('qtype')}"
            if key in differing and isinstance(e.get("answers_total"), int):
                held[key] = max(held.get(key, 0), e["answers_total"])
    if held:
        parts.append("the sandbox server holds " + ", ".join(f"{n} records for {k}" for k, n in held.items()))
    text = (
        _said("dns-answers", "opening")
        + " "
        + "; ".join(parts)
        + "."
        + (
            f" A truncated answer was used as final by {_names([ctx.labels[i] for i in used_tc])}: only the "
            "records that fit in 512 bytes reach the program"
            if used_tc
            else ""
        )
        + (f" ({_names(old_musl)}: musl ≤ 1.2.3 behaviour, a 512-byte buffer and TC ignored)" if old_musl else "")
        + ("." if used_tc else "")
    )
    if len(differing) == 1:
        k = differing[0]
        summary = f"differ: {k}: " + " vs ".join(
            f"{fin[k].answers}{' (TC)' if fin[k].tc else ''}" if k in fin else "none" for fin in finals
        )
    else:
        summary = f"differ for {len(differing)} questions"
    finals_of = {
        k: {
            f.label: {"rcode": fin[k].rcode, "answers": fin[k].answers, "tc": fin[k].tc, "transport": fin[k].transport}
            if k in fin
            else None
            for f, fin in zip(ctx.facts, finals)
        }
        for k in differing
    }
    return [_Hit(tuple(ctx.labels), {"summary": summary, "final": finals_of, "held": held}, text, ev)]


@rule("gconv-module", needs=_OPEN)
def _gconv_module(ctx: _Ctx) -> list[_Hit]:
    per = [{os.path.basename(p): s for p, s in hits.items() if p.endswith(".so")} for hits in _file_hits(ctx, "gconv")]
    if len({tuple(sorted(p)) for p in per}) < 2:
        return []
    loaders = [f.label for f, p in zip(ctx.facts, per) if p]
    modules = sorted({m for p in per for m in p})
    static = [f.label for f, p in zip(ctx.facts, per) if p and any(len(v) > 1 for v in f.libcs.values())]
    text = (
        _about(ctx, "gconv-module")
        + f" Loaded by {_names(loaders)}: {', '.join(modules)}."
        + (f" In {_names(static)} that dlopen also mapped a second libc (see second-libc)." if static else "")
    )
    ev = [(i, s) for i, p in enumerate(per) for s in sorted(p.values())[:MAX_EVIDENCE_PER_RUN]]
    who = loaders[0] if len(loaders) == 1 else f"{len(loaders)} of {len(ctx.facts)} builds"
    values = {
        "loaders": who,
        "modules": ", ".join(modules),
        "loaded": {f.label: sorted(p) for f, p in zip(ctx.facts, per)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


@rule("locale-files", needs=_OPEN)
def _locale_files(ctx: _Ctx) -> list[_Hit]:
    per = _file_hits(ctx, "locale", ok_only=False)
    if len({bool(p) for p in per}) < 2:
        return []
    readers = [f.label for f, p in zip(ctx.facts, per) if p]
    found = _file_hits(ctx, "locale")
    count = ", ".join(
        f"{len(p)} paths, {len(p) - len(ok)} not found" if len(readers) == 1 else f"{f.label} {len(p)} paths"
        for f, p, ok in zip(ctx.facts, per, found)
        if p
    )
    text = (
        _about(ctx, "locale-files")
        + f" Read by {_names(readers)}, not by {_names([f.label for f, p in zip(ctx.facts, per) if not p])}: "
        "the same LANG can give different results."
    )
    ev = [(i, s) for i, p in enumerate(per) for s in sorted(p.values())[:MAX_EVIDENCE_PER_RUN]]
    values = {
        "readers": _names(readers),
        "count": count,
        "paths": {f.label: len(p) for f, p in zip(ctx.facts, per)},
        "found": {f.label: len(ok) for f, ok in zip(ctx.facts, found)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


_MALLOC_COUNTERS = ("mmap", "munmap", "brk", "madvise", "futex")
_MALLOC_EVIDENCE = ("munmap", "futex", "madvise", "brk", "mmap")  # most telling first
_MALLOC_RATIO = 4  # counts must differ this many times...
_MALLOC_MIN_DELTA = 100  # ...and by at least this many calls, so loader noise never fires the rule


@rule("malloc-pattern", needs=("mmap", "munmap", "brk", "madvise", "futex"), varies=True)
def _malloc_pattern(ctx: _Ctx) -> list[_Hit]:
    def count(f: Facts, k: str) -> int:
        return f.futex if k == "futex" else f.memory.get(k, 0)

    hot = []
    for k in _MALLOC_COUNTERS:
        vals = [count(f, k) for f in ctx.facts]
        hi, lo = max(vals), min(vals)
        if hi - lo >= _MALLOC_MIN_DELTA and hi >= _MALLOC_RATIO * max(lo, 1):
            hot.append((k, vals))
    if not hot:
        return []
    rows = [f"{k}: " + " vs ".join(f"{v} ({f.label})" for v, f in zip(vals, ctx.facts)) for k, vals in hot]
    walls = ", ".join(f"{f.label} {f.wall:.2f} s" for f in ctx.facts)
    text = _about(ctx, "malloc-pattern") + f" {'; '.join(rows)}. Wall time under the tracer: {walls}."
    # Point at the churn itself: munmap (or futex) calls in the program's own code.
    k, vals = min(hot, key=lambda h: _MALLOC_EVIDENCE.index(h[0]))
    heavy = vals.index(max(vals))
    ev = [(heavy, s) for s in ctx.find(heavy, _named(k), limit=3, after=ctx.facts[heavy].main_seq)]
    # The two counters furthest apart make the title; the explanation has them all.
    top = sorted(hot, key=lambda h: max(h[1]) / max(min(h[1]), 1), reverse=True)[:2]
    summary = ", ".join(f"{k} " + " vs ".join(map(str, v)) for k, v in top)
    counts = {k: {f.label: v for f, v in zip(ctx.facts, vals)} for k, vals in hot}
    return [_Hit(tuple(ctx.labels), {"summary": summary, "counts": counts}, text, ev)]


def _size(n: float) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


@rule("thread-stack", needs=("mmap", "clone", "clone3"), varies=True)
def _thread_stack(ctx: _Ctx) -> list[_Hit]:
    with_threads = [(i, f) for i, f in enumerate(ctx.facts) if f.thread_stacks]
    if len(with_threads) < 2:
        return []
    med = {i: statistics.median(f.thread_stacks) for i, f in with_threads}
    if max(med.values()) < 2 * min(med.values()):
        return []
    parts = [f"{ctx.labels[i]} {_size(m)}" for i, m in med.items()]
    short = " vs ".join(_size(m) for m in med.values())
    text = _about(ctx, "thread-stack") + f" Stack mappings: {', '.join(parts)}."
    ev: list[tuple[int, int]] = []
    for i, f in with_threads:
        size = f.thread_stacks[0]
        stack_mmap = partial(_is_anon_mmap_of, size)
        ev += [(i, s) for s in ctx.find(i, stack_mmap, limit=1)]
        ev += [
            (i, s)
            for s in ctx.find(i, lambda e: e.get("name") in ("clone", "clone3") and (e.get("ret") or 0) > 0, limit=1)
        ]
    return [
        _Hit(tuple(ctx.labels), {"summary": short, "stack_bytes": {ctx.labels[i]: m for i, m in med.items()}}, text, ev)
    ]


def _first_difference(texts: Sequence[str]) -> int:
    """Index of the first line that is not the same in every text."""
    split = [t.splitlines() for t in texts]
    n = 0
    while all(n < len(lines) for lines in split) and len({lines[n] for lines in split}) == 1:
        n += 1
    return n


def _write_of_line(ctx: _Ctx, run: int, fd: int, line: int) -> list[int]:
    """seq of the write to fd that carried the first byte of line `line` (0-based)."""
    seen = 0  # newlines written so far
    for e in ctx.traces[run].events:
        if e.get("name") not in ("write", "writev") or (e.get("args") or [None])[0] != fd:
            continue
        data = written(e)
        if not data:
            continue
        if seen == line:
            return [e["seq"]]
        for k, byte in enumerate(data):
            if byte == 0x0A:
                seen += 1
                if seen == line and k < len(data) - 1:
                    return [e["seq"]]
    return []


@rule("output", needs=("write", "writev"), varies=True)
def _output(ctx: _Ctx) -> list[_Hit]:
    streams = [name for name in ("stdout", "stderr") if len({getattr(f, name) for f in ctx.facts}) > 1]
    if not streams:
        return []
    parts = []
    ev: list[tuple[int, int]] = []
    first_line: dict[str, int] = {}  # stream -> the first line (1-based) that differs
    for name in streams:
        fd = 1 if name == "stdout" else 2
        texts = [getattr(f, name) for f in ctx.facts]
        line = _first_difference(texts)
        first_line[name] = line + 1
        cells = []
        for i, (f, text) in enumerate(zip(ctx.facts, texts)):
            lines = text.splitlines()
            cells.append(f"{f.label} {lines[line]!r}" if line < len(lines) else f"{f.label} (nothing)")
            ev += [(i, s) for s in _write_of_line(ctx, i, fd, line)]
        parts.append(f"{name} line {line + 1}: " + "; ".join(cells))
    text = _said("output", "opening") + " " + ". ".join(parts) + ". " + _said("output", "closing")
    return [_Hit(tuple(ctx.labels), {"streams": " and ".join(streams), "first_line": first_line}, text, ev)]


_STARTUP_CATEGORIES = ("libc", "loader", "ld-cache", "ld-preload")


def _startup_files(f: Facts) -> list[FileAccess]:
    """Files the loader touched before the program's own code ran (later ones are dlopen's):
    its own (cache, preload, hwcaps probes) and every shared object it opened."""
    first = min(f.libcs, default=None)
    return [
        a
        for a in f.files
        if a.op != "mmap"
        and a.pid == first
        and (f.main_seq == 0 or a.seq < f.main_seq)
        and (a.category in _STARTUP_CATEGORIES or is_shared_object(a.path))
    ]


def _startup_libraries(f: Facts, files: list[FileAccess]) -> list[str]:
    """Every library loaded at startup: the interpreter the kernel mapped, then each shared
    object the loader opened (names; musl's interpreter is its libc)."""
    elf = f.elf or {}
    interp = elf.get("interpreter") if elf.get("linkage") == "dynamic" else None
    libs = [os.path.basename(interp)] if isinstance(interp, str) else []
    libs += [
        os.path.basename(a.path) for a in files if a.result == "ok" and a.op == "open" and is_shared_object(a.path)
    ]
    return list(dict.fromkeys(libs))


@rule("startup", needs=_OPEN)
def _startup(ctx: _Ctx) -> list[_Hit]:
    shapes = []
    for f in ctx.facts:
        files = _startup_files(f)
        libs = tuple(_startup_libraries(f, files))
        found = {
            os.path.basename(a.path): a.result == "ok"
            for a in reversed(files)
            if a.category in ("ld-cache", "ld-preload")
        }
        own = tuple(sorted(f"read {name}" if ok else f"no {name}" for name, ok in found.items()))
        failed = sum(1 for a in files if a.result != "ok" and is_shared_object(a.path))
        shapes.append((libs, own, failed))
    if len(set(shapes)) < 2:
        return []
    parts = []
    for f, (libs, own, failed) in zip(ctx.facts, shapes):
        what = (
            f"{len(libs)} {'library' if len(libs) == 1 else 'libraries'} ({', '.join(libs)})"
            if libs
            else "no library (static: the libc is in the executable)"
            if str((f.elf or {}).get("linkage")).startswith("static")
            else "no library"
        )
        extra = [*own, *([f"{failed} failed probes"] if failed else [])]
        parts.append(f"{f.label} ({_flavour(f)}) {what}" + (f", {', '.join(extra)}" if extra else ""))
    text = _about(ctx, "startup") + " Loaded at startup: " + "; ".join(parts) + "."
    ev: list[tuple[int, int]] = []
    for i, f in enumerate(ctx.facts):
        ev += [(i, a.seq) for a in _startup_files(f) if a.result == "ok"][:3]
    summary = " vs ".join(str(len(libs)) for libs, _, _ in shapes) + " libraries loaded"
    values = {"summary": summary, "libraries": {f.label: list(libs) for f, (libs, _, _) in zip(ctx.facts, shapes)}}
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _peer_key(sa: dict[str, Any]) -> tuple[str, str, int | None]:
    return str(sa.get("family")), str(sa.get("addr") or sa.get("path") or ""), sa.get("port")


@rule("network-peers", needs=("socket", "connect", "sendto", "sendmsg", "sendmmsg"))
def _network_peers(ctx: _Ctx) -> list[_Hit]:
    """Who each build talked to (DNS servers, the addresses it connected to), from the decoded
    sockaddrs: another DNS server, or /etc/hosts answering in one build and DNS in another."""
    per: list[dict[tuple[str, str, int | None], tuple[str, str, int]]] = []
    for f in ctx.facts:
        peers: dict[tuple[str, str, int | None], tuple[str, str, int]] = {}
        for s in f.sockets:
            if s.sockaddr and s.purpose in ("dns", "other") and s.domain in ("AF_INET", "AF_INET6"):
                text = sockaddr_text(s.sockaddr) or "?"
                peers.setdefault(_peer_key(s.sockaddr), (text, s.purpose, s.peer_seq or s.seq))
        per.append(peers)
    if len({tuple(sorted(p)) for p in per}) < 2:
        return []
    common = set(per[0]).intersection(*per[1:])
    parts = []
    for f, peers in zip(ctx.facts, per):
        dns = [t for t, purpose, _ in peers.values() if purpose == "dns"]
        other = [t for t, purpose, _ in peers.values() if purpose != "dns"]
        said = (
            [f"asked the DNS server {', '.join(dns)}"]
            if dns
            else [
                "asked no DNS server"
                + (" (it read /etc/hosts)" if any(a.path == "/etc/hosts" and a.result == "ok" for a in f.files) else "")
            ]
        )
        said += [f"connected to {', '.join(other)}"] if other else []
        parts.append(f"{f.label} {' and '.join(said)}")
    only = []
    for key in dict.fromkeys(k for p in per for k in p if k not in common):
        users = [f.label for f, p in zip(ctx.facts, per) if key in p]
        text = next(p[key][0] for p in per if key in p)
        only.append(f"{text} only {', '.join(users)}")
    text = _said("network-peers", "opening") + " " + "; ".join(parts) + "."
    ev = [(i, seq) for i, p in enumerate(per) for k, (_, _, seq) in p.items() if k not in common]
    values = {
        "summary": "; ".join(only),
        "peers": {f.label: [t for t, _, _ in p.values()] for f, p in zip(ctx.facts, per)},
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


_PROFILE_RATIO = 2
_PROFILE_MIN = 10  # a count under this in every run is noise for the ratio test


@rule("syscall-profile")
def _syscall_profile(ctx: _Ctx) -> list[_Hit]:
    # Compare only what every run recorded: a seccomp-filtered trace does not see the rest.
    names: set[str] = set().union(*(f.syscall_counts for f in ctx.facts))
    for f in ctx.facts:
        traced = f.trace_set.get("syscalls")
        if traced is not None:
            names &= set(traced)
    only: dict[tuple[int, ...], list[str]] = {}  # indexes of the runs using them -> syscalls
    ratio: list[str] = []
    for n in sorted(names):
        counts = [f.syscall_counts.get(n, 0) for f in ctx.facts]
        if 0 in counts:
            only.setdefault(tuple(i for i, c in enumerate(counts) if c), []).append(n)
        elif max(counts) >= _PROFILE_MIN and max(counts) > _PROFILE_RATIO * min(counts):
            ratio.append(n)
    if not only and not ratio:
        return []
    n_only = sum(len(v) for v in only.values())
    lines = [f"only {_names([ctx.labels[i] for i in users])}: {', '.join(ns)}" for users, ns in only.items()]
    if ratio:
        lines.append(
            "counts differ more than 2x: "
            + ", ".join(f"{n} " + "/".join(str(f.syscall_counts.get(n, 0)) for f in ctx.facts) for n in ratio)
        )
    kinds = {_libc(f) for f in ctx.facts}
    notes = (
        ["rseq and set_robust_list are glibc's per-thread registration", "clone3 its thread creation"]
        if "glibc" in kinds
        else []
    ) + (["writev musl's stdio flush"] if "musl" in kinds else [])
    text = (
        "Syscalls used by only some builds show libc choices: "
        + ", ".join([*notes, "openat vs open the libc's wrapper"])
        + ". "
        + "; ".join(lines)
        + "."
    )
    ev: list[tuple[int, int]] = []
    for users, ns in only.items():
        for n in ns[:2]:
            ev += [(users[0], s) for s in ctx.find(users[0], _named(n))]
    summary = f"{n_only} in only some builds, {len(ratio)} counts over 2x apart"
    values = {
        "summary": summary,
        "only": {", ".join(ctx.labels[i] for i in users): ns for users, ns in only.items()},
        "over_2x": ratio,
    }
    return [_Hit(tuple(ctx.labels), values, text, ev)]


def _in_catalogue_order() -> tuple[Rule, ...]:
    """Every rule, in the catalogue's order; an id the catalogue has and no rule fails at import."""
    missing = [rule_id for rule_id in catalogue.load().entries if rule_id not in _REGISTRY]
    if missing:
        raise RuntimeError(f"libctrace/data/divergences.toml has ids without a @rule: {', '.join(missing)}")
    return tuple(_REGISTRY[rule_id] for rule_id in catalogue.load().entries)


RULES: tuple[Rule, ...] = _in_catalogue_order()


def _evidence(ctx: _Ctx, pairs: list[tuple[int, int]]) -> tuple[Evidence, ...]:
    chosen: list[tuple[int, int]] = []
    per_run: dict[int, int] = {}
    # The checks list the most telling events first: keep those, then show them in order.
    for run, seq in dict.fromkeys(pairs):
        if per_run.get(run, 0) < MAX_EVIDENCE_PER_RUN and ctx.event(run, seq) is not None:
            chosen.append((run, seq))
            per_run[run] = per_run.get(run, 0) + 1
    out = []
    for run, seq in sorted(chosen):
        e = ctx.event(run, seq)
        assert e is not None
        line = evidence_line(e, ctx.dns(run, seq))
        program = program_at(ctx.programs(run), e.get("pid", 0), seq)
        out.append(Evidence(ctx.labels[run], seq, f"[{os.path.basename(program)}] {line}" if program else line))
    return tuple(out)


def evaluate(
    facts: Sequence[Facts],
    traces: Sequence[Trace],
    digested: Sequence[tuple[Refusal | None, Programs]] | None = None,
) -> list[Finding]:
    """Findings for the runs compared, most severe first (catalogue order within a severity).
    facts[i] must be the facts of traces[i]; digested[i], when given, is (refusal(facts[i],
    traces[i]), images.programs(traces[i])) worked out where the events were loaded
    (libctrace/analyze/digest.py), so that nothing here reads every event of a trace again."""
    if len(facts) != len(traces):
        raise ValueError("evaluate needs the facts of each trace, in the same order")
    if digested is None:
        refusals = [refusal(f, t) for f, t in zip(facts, traces)]
        progs: list[Programs] | None = None
    else:
        refusals, progs = [d[0] for d in digested], [d[1] for d in digested]
    refused = {i: r for i, r in enumerate(refusals) if r is not None}
    ctx = _Ctx(facts, traces, refused, progs)
    # What a build that never started did not do follows from that: the other rules compare
    # only the builds that ran.
    kept = [i for i in range(len(facts)) if i not in refused]
    started = (
        _Ctx([facts[i] for i in kept], [traces[i] for i in kept], None, [progs[i] for i in kept] if progs else None)
        if refused
        else ctx
    )
    findings: list[Finding] = []
    for registered in sorted(RULES, key=lambda x: SEVERITIES.index(x.severity)):
        on = ctx if registered.id == "loader-refusal" else started
        if on is not ctx and len(kept) < 2:
            continue
        for hit in registered.check(on):
            findings.append(
                Finding(
                    id=registered.id,
                    severity=registered.severity,
                    title=registered.title.format(**hit.params),
                    explanation=hit.explanation,
                    runs=hit.runs,
                    evidence=_evidence(on, hit.evidence),
                    ref=f"docs/divergences.md#{registered.id}",
                    values=dict(hit.params),
                )
            )
    return findings


def _is_anon_mmap_of(size: int, e: Event) -> bool:
    """An anonymous mapping of exactly `size` bytes: how both libcs allocate a thread stack."""
    return e.get("name") == "mmap" and (e.get("args") or [0, 0])[1] == size and e.get("fd_path") is None
