"""The sandbox DNS zone: BIND master-file records (parsed by dnslib) plus per-name behaviour.

Behaviour controls stay valid BIND syntax so any zone tool still reads the file: a TXT record
owned by `<label>._libctrace.<rest>` configures the name `<label>.<rest>`, e.g.

    fail._libctrace  IN TXT "servfail"     ; fail.<origin> answers SERVFAIL
    slow._libctrace  IN TXT "delay=2"      ; slow.<origin> is answered after 2 seconds

Several words may share one TXT record ("servfail delay=1.5"). The control records are
ordinary data as well, so `dig TXT fail._libctrace.libctrace.test` shows them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from dnslib import QTYPE, RR, DNSLabel, ZoneParser

from libctrace.errors import LibctraceError

CONTROL_LABEL = b"_libctrace"
DEFAULT_ZONE = files("libctrace.sandbox").joinpath("defaults/default.zone")


class ZoneError(LibctraceError):
    """A --dns-zone file cannot be read or parsed."""


@dataclass(frozen=True)
class Behaviour:
    """How the server treats one name beyond its records."""

    servfail: bool = False
    delay: float = 0.0


@dataclass
class Zone:
    records: dict[DNSLabel, list[RR]]
    behaviours: dict[DNSLabel, Behaviour]
    soa: RR | None
    source: str  # file path, for the trace header and messages
    sha256: str
    # every name that exists, including empty non-terminals (a.b exists when x.a.b has records)
    existing: set[DNSLabel]

    def exists(self, name: DNSLabel) -> bool:
        return name in self.existing

    def in_zone(self, name: DNSLabel) -> bool:
        # Without an SOA the file claims no apex; then every name is "ours" (answers NXDOMAIN).
        return self.soa is None or name.matchSuffix(self.soa.rname)

    def summary(self) -> dict[str, object]:
        """What the trace header records about the zone: enough to know which one was served."""
        return {
            "path": self.source,
            "sha256": self.sha256,
            "origin": str(self.soa.rname).rstrip(".") if self.soa else None,
            "names": len(self.records),
            "records": sum(len(v) for v in self.records.values()),
            "servfail": sorted(str(n).rstrip(".") for n, b in self.behaviours.items() if b.servfail),
            "delay": {str(n).rstrip("."): b.delay for n, b in sorted(self.behaviours.items(), key=str) if b.delay},
        }


def _parse_behaviour(owner: DNSLabel, words: list[str]) -> Behaviour:
    servfail, delay = False, 0.0
    for word in words:
        if word == "servfail":
            servfail = True
        elif word.startswith("delay="):
            try:
                delay = float(word.removeprefix("delay="))
            except ValueError:
                raise ZoneError(f"control record {owner}: bad delay {word!r} (want delay=SECONDS)") from None
            if not 0 <= delay <= 60:
                raise ZoneError(f"control record {owner}: delay must be between 0 and 60 seconds")
        else:
            raise ZoneError(f"control record {owner}: unknown word {word!r} (known: servfail, delay=SECONDS)")
    return Behaviour(servfail=servfail, delay=delay)


def parse_zone(text: str, source: str) -> Zone:
    try:
        rrs = list(ZoneParser(text))
    except Exception as e:  # dnslib raises ValueError, KeyError, DNSError... for bad input
        raise ZoneError(f"zone file {source}: cannot parse: {e or type(e).__name__}") from None
    records: dict[DNSLabel, list[RR]] = {}
    behaviours: dict[DNSLabel, Behaviour] = {}
    soa: RR | None = None
    for rr in rrs:
        records.setdefault(rr.rname, []).append(rr)
        if rr.rtype == QTYPE.SOA and soa is None:
            soa = rr
        labels = [part.lower() for part in rr.rname.label]
        if rr.rtype == QTYPE.TXT and CONTROL_LABEL in labels[1:]:
            i = labels.index(CONTROL_LABEL, 1)
            target = DNSLabel(rr.rname.label[:i] + rr.rname.label[i + 1 :])
            words = " ".join(s.decode(errors="replace") for s in rr.rdata.data).split()
            behaviours[target] = _parse_behaviour(rr.rname, words)
    existing: set[DNSLabel] = set()
    for name in records:
        for i in range(len(name.label)):
            existing.add(DNSLabel(name.label[i:]))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Zone(records, behaviours, soa, source, digest, existing)


def load_zone(path: str | None) -> Zone:
    """Loads a zone file, or the packaged default zone when path is None."""
    if path is None:
        return parse_zone(DEFAULT_ZONE.read_text(), "default")
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ZoneError(f"cannot read zone file {path}: {getattr(e, 'strerror', None) or e}") from None
    return parse_zone(text, path)
