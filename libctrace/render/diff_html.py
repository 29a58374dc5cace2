"""A diff (or one trace) as one self-contained HTML page: inline CSS and SVG, no script, no
network resource, so it can be attached to a bug report or opened from a CI artifact as it
is. Everything that came from a trace is escaped (html.escape): it is data, never markup."""

from __future__ import annotations

import os
from collections.abc import Sequence
from html import escape

from libctrace import __version__
from libctrace.analyze.diff import Diff, Run, Table, Timeline, align
from libctrace.analyze.facts import DnsMessage, extract
from libctrace.model import Trace, ended
from libctrace.render import svg

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 76em; color: #1d1d1f; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .3em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; padding: .2em .8em .2em 0; vertical-align: top; }
td code, table.side td { overflow-wrap: anywhere; }
th { border-bottom: 1px solid #999; }
code, pre, td.ev { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.verdict { padding: .8em 1em; border-radius: 6px; font-size: 1.1em; margin: .6em 0 1em; border-left: 8px solid; }
.verdict.critical { background: #fdecea; border-color: #c62828; } .verdict.behaviour { background: #fff4e0; border-color: #ef8f00; }
.verdict.info, .verdict.none { background: #eef5ee; border-color: #2e7d32; }
nav.toc { background: #f7f7f9; padding: .4em 1em; border-radius: 6px; display: inline-block; }
nav.toc ol { margin: .3em 0; padding-left: 1.4em; }
details.finding { border-left: 4px solid #bbb; padding: .2em 0 .2em 1em; margin: .6em 0; }
details.finding > summary { cursor: pointer; }
.critical { border-color: #c62828; } .behaviour { border-color: #ef8f00; } .info { border-color: #9e9e9e; }
.sev { font-weight: bold; text-transform: uppercase; font-size: .85em; }
.critical .sev { color: #c62828; } .behaviour .sev { color: #b26500; } .info .sev { color: #666; }
.differs { background: #fff4d6; } .gap { color: #aaa; } .first { outline: 2px solid #c62828; }
.exit-bad { color: #c62828; font-weight: bold; } .dim { color: #777; }
td.ev { word-break: break-all; }
.picture { overflow-x: auto; margin: .5em 0; } .pictures { display: flex; flex-wrap: wrap; gap: 1.5em; }
"""


def render(diff: Diff, traces: Sequence[Trace]) -> str:
    """The page of a diff; traces are the ones compared, in the diff's order."""
    labels = [r.label for r in diff.runs]
    sections = [
        ("builds", "Builds", _runs(diff.runs, traces)),
        ("findings", f"Findings ({len(diff.findings)})", _findings(diff)),
        *_caveats(diff),
        *_pictures(labels, traces, diff.timeline),
        *((f"table-{t.key}", t.title, _table(t)) for t in diff.tables),
    ]
    return _page(f"libctrace diff: {' vs '.join(labels)}", _verdict(diff), sections)


def render_trace(trace: Trace, label: str | None = None) -> str:
    """The page of one trace (`show --html`): what it did, drawn as a diff's builds are."""
    label = label or os.path.basename(trace.source or "trace").removesuffix(".jsonl")
    footer = trace.footer or {}
    outcome = f"{footer.get('outcome', 'cut off')}, exit {footer.get('exit_code', '?')}"
    verdict = (
        "none",
        f"{label}: {outcome}, {footer.get('syscalls', len(trace.events))} syscalls recorded in "
        f"{float(footer.get('duration') or 0):.3f} s.",
    )
    sections = [("builds", "Run", _runs(None, [trace], [label])), *_pictures([label], [trace], None)]
    return _page(f"libctrace trace: {label}", verdict, sections)


def _page(title: str, verdict: tuple[str, str], sections: list[tuple[str, str, str]]) -> str:
    toc = "".join(f'<li><a href="#{escape(sid)}">{escape(name)}</a></li>' for sid, name, _ in sections)
    body = "\n".join(
        f'<section id="{escape(sid)}"><h2>{escape(name)}</h2>{html}</section>' for sid, name, html in sections
    )
    level, sentence = verdict
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            f'<div class="verdict {escape(level)}" role="status">{escape(sentence)}</div>',
            f'<nav class="toc"><b>Contents</b><ol>{toc}</ol></nav>',
            body,
            f'<p class="dim">Made by libctrace {escape(__version__)}.</p>',
            "</body></html>\n",
        ]
    )


def _verdict(diff: Diff) -> tuple[str, str]:
    """The most severe finding in one sentence (the findings come most severe first)."""
    if not diff.findings:
        return "none", "No divergence: the builds behaved alike in everything the rules look at."
    worst = diff.findings[0]
    if worst.severity == "info":
        return "info", f"No divergence above info: {len(diff.findings)} informational finding(s), first: {worst.title}."
    return worst.severity, f"{worst.severity.capitalize()}: {worst.title} ({', '.join(worst.runs)})."


def _host_libc() -> str:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or "unknown"
    except (ValueError, OSError):
        return "unknown"


def _runs(runs: Sequence[Run] | None, traces: Sequence[Trace], labels: Sequence[str] = ()) -> str:
    """Each build's facts from its trace header and footer, then the hosts they ran on."""
    rows = []
    for k, t in enumerate(traces):
        h, f = t.header, t.footer or {}
        exe = h.get("executable") or {}
        r = runs[k] if runs is not None else None
        label = r.label if r is not None else labels[k]
        exit_text = r.exit_text if r is not None else (ended(f.get("signal"), f.get("exit_code", "?")))
        bad = ' class="exit-bad"' if f.get("signal") or f.get("exit_code") else ""
        cut = " (trace cut off)" if t.interrupted else ""
        args = " ".join(str(a) for a in (h.get("command") or [])[1:])
        rows.append(
            f"<tr><td><b>{escape(label)}</b></td><td><code>{escape(str(exe.get('path') or '?'))}</code>"
            + (f'<br><span class="dim">arguments: <code>{escape(args)}</code></span>' if args else "")
            + "</td>"
            f"<td>{escape(str(exe.get('libc', 'unknown')))}</td><td>{escape(str(exe.get('linkage', '')))}</td>"
            f"<td{bad}>{escape(exit_text)}{cut}</td><td>{float(f.get('duration') or 0):.3f} s</td>"
            f"<td>{len(t.events)}</td><td>{escape(str(h.get('started', '?')).replace('T', ' '))}</td></tr>"
        )
    head = (
        "<tr><th>build</th><th>path and arguments</th><th>libc</th><th>linkage</th><th>exit</th><th>time</th>"
        "<th>events</th><th>started (UTC)</th></tr>"
    )
    kernels = sorted({str(t.header.get("kernel", "?")) for t in traces})
    versions = sorted({str(t.header.get("libctrace", "?")) for t in traces})
    host = (
        f"<p>Host: kernel {escape(', '.join(kernels))} ({escape(str(traces[0].header.get('machine', '?')))}), "
        f"libc of this machine {escape(_host_libc())}; recorded by libctrace {escape(', '.join(versions))}.</p>"
    )
    return f"<table>{head}{''.join(rows)}</table>{host}"


def _findings(diff: Diff) -> str:
    if not diff.findings:
        return "<p>No findings: the builds behaved alike in everything the rules look at.</p>"
    out = []
    for k, f in enumerate(diff.findings):
        evidence = "\n".join(f"{e.run} #{e.seq}: {e.line}" for e in f.evidence)
        opened = " open" if k == 0 and f.severity != "info" else ""  # the verdict's; the rest one click away
        out.append(
            f'<details class="finding {escape(f.severity)}" id="{escape(f.id)}"{opened}>'
            f'<summary><span class="sev">{escape(f.severity)}</span> <code>[{escape(f.id)}]</code> '
            f"<b>{escape(f.title)}</b></summary><p>{escape(f.explanation)}</p>"
            + (f"<pre>{escape(evidence)}</pre>" if evidence else "")
            + f'<div class="dim">runs: {escape(", ".join(f.runs))} · see <code>libctrace explain {escape(f.id)}</code></div></details>'
        )
    return "\n".join(out)


def _pictures(labels: Sequence[str], traces: Sequence[Trace], table: Timeline | None) -> list[tuple[str, str, str]]:
    """The timeline swimlanes (with the aligned table when --timeline asked for it), the DNS
    sequence diagrams, and the bars."""
    tl = table if table is not None else align(traces)
    what = "each build" if len(traces) > 1 else "the trace"
    where = (
        f"first divergence at step {tl.first_divergence + 1} of {len(tl.rows)}"
        if tl.first_divergence is not None
        else f"all {len(tl.rows)} steps alike"
        if len(traces) > 1
        else f"{len(tl.rows)} steps"
    )
    aligned = "aligned" if len(traces) > 1 else "in order"
    timeline = (
        f"<p>File, network, DNS and process events of {what}, {aligned} ({escape(where)}); "
        "one lane per process, repeats folded into one mark with a count. Hover a mark for the event.</p>"
        f'<div class="picture">{svg.swimlanes(labels, tl)}</div>'
    )
    timeline += _divergence_points(labels, tl)
    if table is not None:
        timeline += f"<details><summary>The aligned events as a table</summary>{_timeline(labels, table)}</details>"
    out = [("timeline", "Timeline", timeline)]
    dns = [_dns_messages(t) for t in traces]
    if any(dns):
        diagrams = "".join(
            f'<div class="picture">{svg.dns_sequence(label, msgs)}</div>'
            for label, msgs in zip(labels, dns, strict=True)
            if msgs
        )
        silent = [label for label, msgs in zip(labels, dns, strict=True) if not msgs]
        note = f'<p class="dim">No DNS message from {escape(", ".join(silent))}.</p>' if silent else ""
        out.append(("dns", "DNS conversation", f'<div class="pictures">{diagrams}</div>{note}'))
    counts = [_syscall_counts(t) for t in traces]
    walls = [
        float((t.footer or {}).get("duration") or (t.events[-1].get("t", 0.0) if t.events else 0.0)) for t in traces
    ]
    inside = [sum(float(e.get("dur") or 0.0) for e in t.events if e.get("type") == "syscall") for t in traces]
    out.append(
        (
            "counts",
            "Syscall counts and untraced time",
            f'<div class="picture">{svg.count_bars(labels, counts)}</div>'
            f'<div class="picture">{svg.time_bars(labels, walls, inside)}</div>'
            '<p class="dim">Time in recorded calls is measured under ptrace (stops included) and '
            "summed over threads; untraced time is the rest of the wall time.</p>",
        )
    )
    return out


_POINTS = 12  # divergence points listed under the swimlanes


def _divergence_points(labels: Sequence[str], tl: Timeline) -> str:
    """The steps where the builds part after agreeing (the highlighted columns), in words."""
    points = [k for k, row in enumerate(tl.rows) if not row.same and (k == 0 or tl.rows[k - 1].same)]
    if not points or len(labels) < 2:
        return ""
    head = "<tr><th>step</th>" + "".join(f"<th>{escape(lb)}</th>" for lb in labels) + "</tr>"
    rows = "".join(f"<tr><td>{k + 1}</td>{_event_cells(tl.rows[k].cells)}</tr>" for k in points[:_POINTS])
    more = f'<p class="dim">{len(points) - _POINTS} more divergence points.</p>' if len(points) > _POINTS else ""
    return f"<p>Divergence points (where the builds part after agreeing):</p><table>{head}{rows}</table>{more}"


def _dns_messages(trace: Trace) -> tuple[DnsMessage, ...]:
    return extract(trace, "").dns


def _syscall_counts(trace: Trace) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in trace.events:
        if e.get("type") == "syscall":
            counts[e["name"]] = counts.get(e["name"], 0) + 1
    return counts


def _caveats(diff: Diff) -> list[tuple[str, str, str]]:
    out = []
    if diff.not_run:
        items = "".join(
            f"<li><code>[{escape(g.rule)}]</code> {escape(', '.join(g.runs))}: {escape(g.reason)}</li>"
            for g in diff.not_run
        )
        out.append(("not-run", "Rules that could not run", f"<ul>{items}</ul>"))
    if diff.unstable:
        items = "".join(
            f"<li>{escape(u.label)}: <code>[{escape(u.rule)}]</code> {escape(u.title)}</li>" for u in diff.unstable
        )
        out.append(("unstable", "Unstable between runs of one build", f"<ul>{items}</ul>"))
    return out


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = []
    for row in table.rows:
        cells = [f"<td><b>{escape(row[0])}</b></td>"]
        for value in row[1:]:
            cls = ' class="differs"' if value != row[1] else ""
            cells.append(f"<td{cls}>{escape(value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    note = f'<p class="dim">{escape(table.note)}</p>' if table.note else ""
    return f'<table class="side"><tr>{head}</tr>{"".join(rows)}</table>{note}'


def _timeline(labels: Sequence[str], tl: Timeline) -> str:
    head = "<tr><th>#</th>" + "".join(f"<th>{escape(lbl)}</th>" for lbl in labels) + "</tr>"
    rows = []
    for k, row in enumerate(tl.rows):
        first = k == tl.first_divergence
        classes = " ".join(c for c, on in (("differs", not row.same), ("first", first)) if on)
        attrs = (f' class="{classes}"' if classes else "") + (' id="first-divergence"' if first else "")
        rows.append(f'<tr{attrs}><td class="dim">{k + 1}</td>{_event_cells(row.cells)}</tr>')
    return f"<table>{head}{''.join(rows)}</table>"


def _event_cells(cells: Sequence[str | None]) -> str:
    return "".join('<td class="ev gap">—</td>' if c is None else f'<td class="ev">{escape(c)}</td>' for c in cells)
