"""The report's pictures as inline SVG (no script, no external asset): swimlane timelines of
the aligned builds, a DNS sequence diagram, and bars. Every text that came from a trace is
escaped; tooltips are SVG <title> elements, which browsers show on hover without a script."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from libctrace.analyze.diff import Timeline
from libctrace.analyze.facts import DnsMessage
from libctrace.render.diff_console import repeat
from libctrace.syscalls.spec import SIGNAL_SENDS, SOCKADDR_CALLS, SOCKET_SETUP

# One colour per build (bars, legends), and per kind of timeline event.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
KINDS = {"file": "#1565c0", "network": "#2e7d32", "dns": "#8e24aa", "process": "#455a64", "signal": "#c62828"}
_FONT = 'font-family="system-ui, sans-serif" font-size="11"'
_NET_OPS = SOCKET_SETUP | SOCKADDR_CALLS  # the network calls diff.tokens aligns
_PROCESS_OPS = frozenset(("exec", "process", "vfork", "clone", "exit"))
_TAG = re.compile(r"^\[(p\d+)\] ")
_NUMBER = re.compile(r"\d+")
_COUNT = re.compile(r" ×(\d+)$")
FOLD = 3  # this many aligned rows alike in every build, or more, are drawn as one grey band
MAX_COLUMNS = 160  # beyond this, the rest of the timeline is one band (the tables have it all)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_e(label)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" {_FONT}>'
        + "".join(body)
        + "</svg>"
    )


@dataclass(frozen=True)
class Mark:
    lane: str  # p1, p2... in order of appearance in that build
    text: str  # the event, without lane tag and count
    count: int  # repeats folded into this mark
    kind: str  # a key of KINDS
    failed: bool


def parse_cell(cell: str) -> Mark:
    """A timeline cell (`[p2] connect 127.0.0.1:53 ×60`) as a mark."""
    m = _TAG.match(cell)
    lane = m.group(1) if m else "p1"
    text = cell[m.end() :] if m else cell
    c = _COUNT.search(text)
    count = int(c.group(1)) if c else 1
    if c:
        text = text[: c.start()]
    op = text.split(" ", 1)[0]
    if op in _NET_OPS:
        kind = "dns" if re.search(r":53\b", text) else "network"
    elif op in _PROCESS_OPS:
        kind = "process"
    elif op == "signal" or op in SIGNAL_SENDS:
        kind = "signal"
    else:
        kind = "file"
    return Mark(lane, text, count, kind, " = E" in text)


@dataclass(frozen=True)
class _Column:
    rows: tuple[int, ...]  # indices into the timeline's rows
    folded: bool  # rows alike in every build, drawn as one band
    differs: bool  # a divergence point: the builds part here after agreeing (or at the start)
    first: bool  # holds the first divergence
    repeats: int = 0  # a folded repetition: the block of this many columns before it, again and again


def _columns(tl: Timeline, fold: bool) -> list[_Column]:
    """The picture's columns; fold: stretches alike in every build become one (with one
    build, every row is "alike": nothing is folded but the repeats)."""
    cols: list[_Column] = []
    same: list[int] = []

    def flush() -> None:
        if fold and len(same) >= FOLD:
            cols.append(_Column(tuple(same), True, False, False))
        else:
            cols.extend(_Column((k,), False, False, False) for k in same)
        same.clear()

    shapes = [(row.same, *(c if c is None else _NUMBER.sub("#", c) for c in row.cells)) for row in tl.rows]
    k = 0
    while k < len(tl.rows):
        row = tl.rows[k]
        if row.same:
            same.append(k)
            k += 1
            continue
        flush()
        # 60 connect retries to 60 addresses are one block of marks and a count, as in the
        # terminal's --timeline (same shapes: numbers masked)
        period, times = repeat(shapes, k)
        for j in range(k, k + period):
            # only where a divergent stretch starts is highlighted: not every row of it
            point = j == 0 or tl.rows[j - 1].same
            cols.append(_Column((j,), False, point, j == tl.first_divergence))
        if times > 1:
            rest = tuple(range(k + period, k + period * times))
            cols.append(_Column(rest, True, False, tl.first_divergence in rest, repeats=period))
        k += period * times
    flush()
    if len(cols) > MAX_COLUMNS:
        rest = tuple(k for c in cols[MAX_COLUMNS - 1 :] for k in c.rows)
        cols = cols[: MAX_COLUMNS - 1] + [_Column(rest, True, any(not tl.rows[k].same for k in rest), False)]
    return cols


def _lane_order(lane: str) -> int:
    return int(lane[1:])


def swimlanes(labels: Sequence[str], tl: Timeline) -> str:
    """One panel per build, a lane per process; the x axis is the alignment, so an event and
    its counterpart in another build sit one above the other, and so do the divergences."""
    cols = _columns(tl, fold=len(labels) > 1)
    n = len(labels)
    marks = [[parse_cell(c) if c is not None else None for c in row.cells] for row in tl.rows]
    lanes = [sorted({mk.lane for m in marks if (mk := m[b]) is not None} or {"p1"}, key=_lane_order) for b in range(n)]
    left, top, lane_h, head_h, gap = 130, 30, 22, 20, 14
    cw = max(7.0, min(22.0, 880 / max(len(cols), 1)))  # the page's width, scrolled beyond
    width = max(left + cw * len(cols) + 20, 980)  # room for the legend
    panel_y = []
    y = top
    for b in range(n):
        panel_y.append(y)
        y += head_h + lane_h * len(lanes[b]) + gap
    height = y + 44
    out: list[str] = []
    # the columns where the builds differ, across every panel
    for i, col in enumerate(cols):
        x = left + i * cw
        if col.differs and not col.folded:
            out.append(
                f'<rect x="{x:.1f}" y="{top - 6}" width="{cw:.1f}" height="{y - top}" fill="#ffe08a">'
                f"<title>divergence point: step {col.rows[0] + 1}</title></rect>"
            )
        if col.first:
            out.append(
                f'<rect x="{x:.1f}" y="{top - 6}" width="{cw:.1f}" height="{y - top}" fill="none" '
                f'stroke="#c62828" stroke-width="2"><title>first divergence</title></rect>'
                f'<text x="{x + cw / 2:.1f}" y="{top - 12}" text-anchor="middle" fill="#c62828" '
                'font-weight="bold">first divergence</text>'
            )
    for b, label in enumerate(labels):
        py = panel_y[b]
        out.append(
            f'<text x="4" y="{py + 13}" font-weight="bold" fill="{PALETTE[b % len(PALETTE)]}">{_e(_clip(label, 22))}</text>'
        )
        lane_y = {lane: py + head_h + lane_h * k + lane_h / 2 for k, lane in enumerate(lanes[b])}
        for lane, ly in lane_y.items():
            out.append(
                f'<text x="12" y="{ly + 4:.1f}" fill="#555">{_e(lane)}</text>'
                f'<line x1="{left}" y1="{ly:.1f}" x2="{left + cw * len(cols):.1f}" y2="{ly:.1f}" stroke="#ddd"/>'
            )
        for i, col in enumerate(cols):
            x = left + i * cw
            if col.repeats:
                if all(marks[k][b] is None for k in col.rows):
                    continue  # the repeats are of the other builds' events
                tip = f"the {col.repeats} step(s) before, {len(col.rows) // col.repeats} more times (steps {col.rows[0] + 1}-{col.rows[-1] + 1})"
                out.append(
                    f'<rect x="{x + 1:.1f}" y="{py + head_h - 2}" width="{cw - 2:.1f}" '
                    f'height="{lane_h * len(lanes[b]) + 4}" rx="3" fill="#fff" stroke="#888" stroke-dasharray="3 2">'
                    f"<title>{_e(tip)}</title></rect>"
                    f'<text x="{x + cw / 2:.1f}" y="{py + head_h - 4}" text-anchor="middle" font-size="9" '
                    f'fill="#333">×{len(col.rows) // col.repeats + 1}</text>'
                )
                continue
            if col.folded:
                out.append(
                    f'<rect x="{x + 1:.1f}" y="{py + head_h - 2}" width="{cw - 2:.1f}" '
                    f'height="{lane_h * len(lanes[b]) + 4}" rx="3" fill="#e8e8e8">'
                    f"<title>{len(col.rows)} events alike in every build (steps {col.rows[0] + 1}-{col.rows[-1] + 1})</title></rect>"
                )
                continue
            m = marks[col.rows[0]][b]
            if m is None:
                continue
            cx, cy = x + cw / 2, lane_y.get(m.lane, py + head_h + lane_h / 2)
            r = min(cw / 2 - 0.5, 3.5 + 1.2 * math.log2(m.count))
            colour = KINDS[m.kind]
            fill = "#fff" if m.failed else colour
            tip = f"{label} step {col.rows[0] + 1}: {m.text}" + (f" (×{m.count})" if m.count > 1 else "")
            out.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="{colour}" '
                f'stroke-width="1.6"><title>{_e(tip)}</title></circle>'
            )
            if m.count > 1:
                out.append(
                    f'<text x="{cx:.1f}" y="{cy - r - 2:.1f}" text-anchor="middle" font-size="9" '
                    f'fill="#333">×{m.count}</text>'
                )
    out.append(_legend(left, y + 8))
    return _svg(width, height, out, "swimlane timeline of the aligned builds")


def _legend(x: float, y: float) -> str:
    parts = []
    for name, colour in KINDS.items():
        parts.append(
            f'<circle cx="{x + 5}" cy="{y + 6}" r="4" fill="{colour}"/><text x="{x + 13}" y="{y + 10}">{name}</text>'
        )
        x += 24 + 6.5 * len(name)
    parts.append(
        f'<circle cx="{x + 5}" cy="{y + 6}" r="4" fill="#fff" stroke="#333"/>'
        f'<text x="{x + 13}" y="{y + 10}">failed call</text>'
    )
    x += 90
    parts.append(
        f'<rect x="{x}" y="{y}" width="12" height="12" fill="#e8e8e8"/>'
        f'<text x="{x + 17}" y="{y + 10}">events alike (folded)</text>'
    )
    x += 140
    parts.append(
        f'<rect x="{x}" y="{y}" width="12" height="12" fill="#ffe08a"/>'
        f'<text x="{x + 17}" y="{y + 10}">divergence point</text>'
    )
    x += 120
    parts.append(
        f'<rect x="{x}" y="{y}" width="12" height="12" fill="#fff" stroke="#888" stroke-dasharray="3 2"/>'
        f'<text x="{x + 17}" y="{y + 10}">×N: the steps before, repeated</text>'
    )
    return "".join(parts)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else "…" + text[-(n - 1) :]


MAX_MESSAGES = 40  # per build in the sequence diagram; the DNS table counts every one


def dns_sequence(label: str, messages: Sequence[DnsMessage]) -> str:
    """Program ↔ server(s): each query an arrow to the server, each answer one back, TCP
    dashed, truncated answers (TC) in red, the TCP retry after one named."""
    servers = list(dict.fromkeys(m.server for m in messages)) or ["server"]
    shown = list(messages[:MAX_MESSAGES])
    prog_x, first_x, step_x, row = 70, 400, 170, 22
    xs = {s: first_x + k * step_x for k, s in enumerate(servers)}
    width = first_x + step_x * (len(servers) - 1) + 90
    top = 44
    height = top + row * len(shown) + (44 if len(messages) > len(shown) else 22)
    out = [
        f'<text x="{prog_x}" y="16" text-anchor="middle" font-weight="bold">program</text>'
        f'<text x="{prog_x}" y="30" text-anchor="middle" fill="#555">{_e(_clip(label, 26))}</text>'
        f'<line x1="{prog_x}" y1="36" x2="{prog_x}" y2="{height - 8}" stroke="#999" stroke-dasharray="2 3"/>'
    ]
    for s, x in xs.items():
        out.append(
            f'<text x="{x}" y="16" text-anchor="middle" font-weight="bold">server</text>'
            f'<text x="{x}" y="30" text-anchor="middle" fill="#555">{_e(s)}</text>'
            f'<line x1="{x}" y1="36" x2="{x}" y2="{height - 8}" stroke="#999" stroke-dasharray="2 3"/>'
        )
    truncated = False
    for k, m in enumerate(shown):
        y = top + row * k + 14
        sx = xs[m.server]
        query = m.direction == "query"
        x1, x2 = (prog_x, sx) if query else (sx, prog_x)
        tcp = m.transport == "tcp"
        colour = "#c62828" if m.tc else "#ef6c00" if tcp else "#1565c0"
        if query:
            text = f"{m.transport.upper()} {m.qtype} {m.name}" + (" +EDNS" if m.edns else "")
            if tcp and truncated:
                text = "retry over TCP: " + text
                truncated = False
        else:
            text = f"{m.rcode} · {m.answers} answer{'s' if m.answers != 1 else ''}" + (
                " · TC truncated" if m.tc else ""
            )
            truncated = truncated or m.tc
        dash = ' stroke-dasharray="6 3"' if tcp else ""
        head = -7 if x2 > x1 else 7
        out.append(
            f'<line x1="{x1}" y1="{y}" x2="{x2 + head}" y2="{y}" stroke="{colour}" stroke-width="1.6"{dash}/>'
            f'<polygon points="{x2},{y} {x2 + head},{y - 4} {x2 + head},{y + 4}" fill="{colour}"/>'
            f'<text x="{(x1 + x2) / 2:.0f}" y="{y - 5}" text-anchor="middle" fill="{colour}">'
            f"<title>{_e(f'event #{m.seq}, pid {m.pid}, id {m.id}')}</title>{_e(_clip(text, 52))}</text>"
        )
    if len(messages) > len(shown):
        out.append(
            f'<text x="{prog_x}" y="{height - 14}" fill="#555">… {len(messages) - len(shown)} more messages (see the DNS table)</text>'
        )
    return _svg(width, height, out, f"DNS messages of {label}")


def count_bars(labels: Sequence[str], counts: Sequence[dict[str, int]], top: int = 16) -> str:
    """Grouped horizontal bars: the syscalls with the most calls in any build."""
    names = sorted({n for c in counts for n in c}, key=lambda n: (-max(c.get(n, 0) for c in counts), n))[:top]
    biggest = max((c.get(n, 0) for c in counts for n in names), default=1) or 1
    left, bar, span = 110, 11, 520
    group = bar * len(labels) + 8
    out = []
    for g, name in enumerate(names):
        y = 8 + g * group
        out.append(f'<text x="{left - 6}" y="{y + bar * len(labels) / 2 + 4:.0f}" text-anchor="end">{_e(name)}</text>')
        for b, c in enumerate(counts):
            n = c.get(name, 0)
            w = span * n / biggest
            yb = y + b * bar
            out.append(
                f'<rect x="{left}" y="{yb}" width="{max(w, 0.5):.1f}" height="{bar - 2}" '
                f'fill="{PALETTE[b % len(PALETTE)]}"><title>{_e(f"{labels[b]}: {n} {name}")}</title></rect>'
                f'<text x="{left + w + 4:.1f}" y="{yb + bar - 3}" font-size="9">{n}</text>'
            )
    height = 8 + group * len(names) + 26
    out.append(_build_legend(labels, left, height - 16))
    return _svg(left + span + 60, height, out, "syscall counts per build")


def time_bars(labels: Sequence[str], walls: Sequence[float], in_calls: Sequence[float]) -> str:
    """Per build: wall time split into time inside the recorded calls and the rest (the
    program's own code, and calls not recorded), which no trace line accounts for."""
    left, span, bar = 150, 460, 18
    longest = max(walls, default=0.0) or 1.0
    out = []
    for b, (label, wall, inside) in enumerate(zip(labels, walls, in_calls, strict=True)):
        y = 6 + b * (bar + 10)
        inside = min(inside, wall)
        w_in, w_all = span * inside / longest, span * wall / longest
        out.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="{PALETTE[b % len(PALETTE)]}" '
            f'font-weight="bold">{_e(_clip(label, 22))}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w_all, 0.5):.1f}" height="{bar}" fill="#cfd8dc">'
            f"<title>{_e(f'untraced: {wall - inside:.3f} s')}</title></rect>"
            f'<rect x="{left}" y="{y}" width="{w_in:.1f}" height="{bar}" fill="#455a64">'
            f"<title>{_e(f'in recorded calls: {inside:.3f} s')}</title></rect>"
            f'<text x="{left + w_all + 6:.1f}" y="{y + 13}">{wall:.3f} s, untraced {wall - inside:.3f} s</text>'
        )
    height = 6 + len(labels) * (bar + 10) + 22
    y = height - 16
    out.append(
        f'<rect x="{left}" y="{y}" width="12" height="12" fill="#455a64"/><text x="{left + 17}" y="{y + 10}">in recorded calls</text>'
        f'<rect x="{left + 140}" y="{y}" width="12" height="12" fill="#cfd8dc"/>'
        f'<text x="{left + 157}" y="{y + 10}">untraced: the program\'s own code, calls not recorded</text>'
    )
    return _svg(left + span + 170, height, out, "wall time, in recorded calls and untraced")


def _build_legend(labels: Sequence[str], x: float, y: float) -> str:
    parts = []
    for b, label in enumerate(labels):
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[b % len(PALETTE)]}"/>'
            f'<text x="{x + 17}" y="{y + 10}">{_e(_clip(label, 22))}</text>'
        )
        x += 30 + 6.5 * min(len(label), 22)
    return "".join(parts)
