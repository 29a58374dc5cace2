"""Evidence lines: the events a finding points at, as `libctrace show` prints them, cut to the
catalogue's limits (libctrace/data/divergences.toml [evidence]), with the DNS messages an
event carried named after it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from libctrace.analyze import catalogue
from libctrace.analyze.facts import DnsMessage
from libctrace.model import Event
from libctrace.render.text import format_event

_LIMITS = catalogue.load().evidence


def _clip(value: Any) -> Any:
    if isinstance(value, dict):
        if "hex" in value:
            return {**value, "hex": str(value["hex"])[: 2 * _LIMITS.bytes]}
        return {k: _clip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clip(v) for v in value]
    return value


def evidence_line(event: Event, dns: Sequence[DnsMessage] = ()) -> str:
    """The event as `show` renders it, buffers cut to the catalogue's bytes (marked `...`), the
    line to its width.
    DNS messages the event carried are named after it: their raw bytes say little."""
    if dns and event.get("args"):
        # Only the descriptor and the result: the decoded messages follow.
        head, sep, result = format_event({**event, "args": event["args"][:1]}).rpartition(") = ")
        line = f"{head}, ...{sep}{result}"
    else:
        line = format_event({**event, "args": _clip(event["args"])} if "args" in event else event)
    note = dns_note(dns)
    room = _LIMITS.width - len(note)
    return (line if len(line) <= room else line[: room - 3] + "...") + note


def dns_note(dns: Sequence[DnsMessage]) -> str:
    """`  ; DNS query A example.com`: what the DNS messages an event carried say."""
    return ("  ; DNS " + ", ".join(_dns_text(m) for m in dns)) if dns else ""


def _dns_text(m: DnsMessage) -> str:
    if m.direction == "query":
        return f"query {m.qtype} {m.name}"
    return f"answer {m.qtype} {m.name} {m.rcode} {m.answers}" + (" TC" if m.tc else "")
