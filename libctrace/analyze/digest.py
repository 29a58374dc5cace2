"""Saved traces digested for a diff, each in a process of its own (the first in the diff's, the
others forked): the trace is read batch by batch and everything the diff needs from its events
(facts, timeline tokens, the programs its processes ran, why it never started) is worked out
on the way, so neither the worker nor the diff holds a dict per event. Back come those compact
results and an index of the trace's lines (traceio.EventFile), from which the few events shown
as evidence are read again. Two traces use two CPUs: reading and parsing the lines is most of
a big diff's time.
"""

from __future__ import annotations

import os
import pickle
import re
import signal
import traceback
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter
from typing import NoReturn

from libctrace.analyze import images
from libctrace.analyze.diff import Runs, Tokens, build_facts, token_runs
from libctrace.analyze.facts import Extractor, Facts
from libctrace.analyze.refusal import Refusal, refusal
from libctrace.errors import LibctraceError
from libctrace.model import Event, Trace
from libctrace.traceio import EventFile, TraceReader, load_trace

_TYPE, _NOT_A_CALL = itemgetter("type"), "syscall".__ne__


@dataclass(frozen=True)
class Digest:
    """What diff.compare needs of one trace besides its header and footer."""

    trace: Trace  # its events an EventFile: read again only for evidence
    facts: Facts  # diff.build_facts(trace)
    runs: Runs  # diff.token_runs(trace): the timeline's tokens
    refusal: Refusal | None  # refusal.refusal(facts, trace)
    programs: images.Programs  # images.programs(trace)


def digest(path: str, label: str, normalize: Sequence[re.Pattern[str]], inspect: images.Inspect | None) -> Digest:
    """One trace file, read once, in this process."""
    with TraceReader(path, index=True) as reader:
        extractor, toks = Extractor(reader.header), Tokens(reader.header)
        others: list[Event] = []  # exec, fork, exit...: the few events that say which program runs
        where = array("q")  # their indices
        for batch in reader.batches():
            extractor.feed(batch)
            toks.feed(batch)
            chosen = list(map(_NOT_A_CALL, map(_TYPE, batch)))  # no Python code per event
            others += compress(batch, chosen)
            where.extend(compress(range(len(reader.seqs) - len(batch), len(reader.seqs)), chosen))
    assert reader.offsets is not None
    events = EventFile(path, reader.header["version"], reader.offsets, reader.seqs, where)
    trace = Trace(reader.header, events, reader.footer, path, tuple(reader.notes))  # type: ignore[arg-type]
    if images.may_split(reader.header, others):
        # It ran a program of another libc, maybe: split needs every event at hand (rare).
        whole = load_trace(path)
        facts, encoded = build_facts(whole, label, normalize, inspect), token_runs(whole)
    else:
        facts, encoded = extractor.facts(label, reader.footer, normalize), toks.runs
    # programs() reads only exec and fork events; refusal() reads events only for a build
    # that failed, and then parses them from the file again.
    return Digest(trace, facts, encoded, refusal(facts, trace), images.programs(Trace(reader.header, others)))


def digest_files(
    paths: Sequence[str], labels: Sequence[str], normalize: Sequence[re.Pattern[str]], inspect: images.Inspect | None
) -> list[Digest]:
    """digest() of every trace file at once: the first in this process, each other one in a
    child process (this one would only wait: the first trace's result then needs no pickling);
    the first error met (a corrupt trace: TraceFormatError) is raised here, once every child
    has ended."""
    children = []
    for path, label in zip(paths[1:], labels[1:], strict=True):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(w, path, label, normalize, inspect)
        os.close(w)
        children.append((pid, r, path))
    first: Digest | BaseException
    try:
        first = digest(paths[0], labels[0], normalize, inspect)
    except BaseException as e:  # raised below, once the children have ended (Ctrl-C stops them too)
        first = e
    results = [first, *(_collect(pid, r, path) for pid, r, path in children)]
    for res in results:
        if isinstance(res, BaseException):
            raise res
    return results  # type: ignore[return-value]


def _child(
    w: int, path: str, label: str, normalize: Sequence[re.Pattern[str]], inspect: images.Inspect | None
) -> NoReturn:
    try:
        try:
            result: Digest | BaseException = digest(path, label, normalize, inspect)
        except BaseException as e:  # the parent raises it
            if not isinstance(e, (LibctraceError, KeyboardInterrupt)):
                e.add_note(f"in the process digesting {path}:\n{traceback.format_exc().rstrip()}")
            result = e
        with os.fdopen(w, "wb") as f:
            if isinstance(result, BaseException):
                try:
                    f.write(pickle.dumps(result))
                except Exception as e:  # an exception that does not pickle
                    f.write(pickle.dumps(RuntimeError(f"digesting {path}: {result!r} ({e})")))
            else:
                pickle.dump(result, f, pickle.HIGHEST_PROTOCOL)  # streamed: no second copy in memory
    finally:
        os._exit(0)  # nothing to free, flush or run at exit: the parent carries on


def _collect(pid: int, r: int, path: str) -> Digest | BaseException:
    result: Digest | BaseException | None
    with os.fdopen(r, "rb") as f:
        try:
            result = pickle.load(f)
        except (EOFError, pickle.UnpicklingError):
            result = None
    _, status = os.waitpid(pid, 0)
    if result is None:  # it died before it could answer
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        name = signal.Signals(sig).name if sig in signal.valid_signals() else f"signal {sig}"
        how = f"was killed by {name}" if sig else f"ended without a result (status {os.waitstatus_to_exitcode(status)})"
        hint = " (out of memory?)" if sig == signal.SIGKILL else ""
        return LibctraceError(f"cannot read trace {path}: the process reading it {how}{hint}")
    return result
