"""`show`'s text lines with strace's everyday decorations: -t/-tt/-ttt (time of day), -r (time
since the previous line), -T (time spent in the call), and the DNS messages a socket call
carried, named after it as the diff's evidence names them."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from libctrace.analyze.facts import DnsMessage
from libctrace.model import Event, Trace
from libctrace.render.text import format_event
from libctrace.syscalls.spec import RECEIVES, SENDS, SOCKADDR_CALLS

_SOCKET_IO = (SENDS | RECEIVES) & SOCKADDR_CALLS  # sendto, recvfrom, sendmsg... (not write, read)


@dataclass(frozen=True)
class LineStyle:
    strsize: int = 32
    clock: int = 0  # strace's -t count: 1 HH:MM:SS, 2 with microseconds, 3 epoch seconds
    relative: bool = False  # -r
    durations: bool = False  # -T
    fd_paths: bool = True  # -y


def started_epoch(header: dict[str, Any]) -> float | None:
    """The trace's time zero in epoch seconds (microseconds in traces since -tt; whole
    seconds before); None when the header has no readable start."""
    try:
        return datetime.fromisoformat(str(header.get("started"))).timestamp()
    except ValueError:
        return None


def needs_dns(e: Event) -> bool:
    """Whether event `e` is socket I/O, which may carry DNS messages."""
    return e.get("type") == "syscall" and (
        e.get("name") in _SOCKET_IO or str(e.get("fd_path", "")).startswith("socket:")
    )


def dns_by_seq(trace: Trace) -> dict[int, list[DnsMessage]]:
    """The DNS messages each event carried; the fact extraction (a pass over the whole trace)
    runs only when the trace has socket I/O at all."""
    if not any(map(needs_dns, trace.events)):
        return {}
    from libctrace.analyze.facts import extract

    out: dict[int, list[DnsMessage]] = {}
    for m in extract(trace, "").dns:
        out.setdefault(m.seq, []).append(m)
    return out


def write_lines(
    events: Iterable[Event], out: TextIO, style: LineStyle, epoch: float | None, dns: dict[int, list[DnsMessage]]
) -> None:
    from libctrace.render.evidence import dns_note

    write = out.write
    prev: float | None = None
    for e in events:
        if not style.fd_paths and "fd_path" in e:
            e = {k: v for k, v in e.items() if k != "fd_path"}
        who, _, body = format_event(e, style.strsize).partition(" ")
        t = float(e.get("t") or 0.0)
        stamp = ""
        if style.clock and epoch is not None:
            stamp = _clock(epoch + t, style.clock) + " "
        if style.relative:
            # Lines come in the order calls ended: one that started before the previous line
            # (a wait4 that blocked) shows 0; its own length is what -T gives.
            stamp += f"{max(0.0, t - (prev if prev is not None else t)):13.6f} "
            prev = t if prev is None else max(prev, t)
        if style.durations and e.get("type") == "syscall" and e.get("dur") is not None:
            body += f" <{e['dur']:.6f}>"
        write(f"{who} {stamp}{body}{dns_note(_messages(dns, e))}\n")


def _messages(dns: dict[int, list[DnsMessage]], e: Event) -> Sequence[DnsMessage]:
    return dns.get(e.get("seq", 0), ()) if dns else ()


def _clock(epoch: float, level: int) -> str:
    if level >= 3:
        return f"{epoch:.6f}"
    local = time.strftime("%H:%M:%S", time.localtime(epoch))
    return local if level == 1 else f"{local}.{int(round(epoch % 1 * 1e6)) % 1000000:06d}"
