"""A diff as one self-contained HTML page: inline CSS, no scripts, no network resources, so
it can be attached to a bug report or opened from a CI artifact as it is."""

from __future__ import annotations

from html import escape

from tracer.diff import Diff, Table, Timeline

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #1d1d1f; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; padding: .2em .8em .2em 0; vertical-align: top; }
th { border-bottom: 1px solid #999; }
code, pre, td.ev { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.finding { border-left: 4px solid #bbb; padding: .2em 0 .2em 1em; margin: 1em 0; }
.critical { border-color: #c62828; } .behaviour { border-color: #ef8f00; } .info { border-color: #9e9e9e; }
.sev { font-weight: bold; text-transform: uppercase; font-size: .85em; }
.critical .sev { color: #c62828; } .behaviour .sev { color: #b26500; } .info .sev { color: #666; }
.differs { background: #fff4d6; } .gap { color: #aaa; } .first { outline: 2px solid #c62828; }
.exit-bad { color: #c62828; font-weight: bold; } .dim { color: #777; }
td.ev { word-break: break-all; }
"""


def render(diff: Diff) -> str:
    labels = [r.label for r in diff.runs]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>libctrace diff: {escape(' vs '.join(labels))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>libctrace diff: {escape(' vs '.join(labels))}</h1>",
        _runs(diff),
        _findings(diff),
        _caveats(diff),
        *(_table(t) for t in diff.tables),
    ]
    if diff.timeline is not None:
        parts.append(_timeline(labels, diff.timeline))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _runs(diff: Diff) -> str:
    rows = []
    for r in diff.runs:
        bad = ' class="exit-bad"' if r.signal or r.status else ""
        cut = " (trace cut off)" if r.interrupted else ""
        rows.append(
            f"<tr><td><b>{escape(r.label)}</b></td><td>{escape(r.flavour)}</td><td{bad}>{escape(r.exit_text)}{cut}</td>"
            f"<td>{r.wall:.3f} s</td><td>{r.events}</td><td><code>{escape(r.path)}</code></td></tr>"
        )
    head = "<tr><th>build</th><th>libc</th><th>exit</th><th>wall</th><th>events</th><th>path</th></tr>"
    return f"<h2>Builds</h2><table>{head}{''.join(rows)}</table>"


def _findings(diff: Diff) -> str:
    if not diff.findings:
        return "<h2>Findings</h2><p>No findings: the builds behaved alike in everything the rules look at.</p>"
    out = [f"<h2>Findings ({len(diff.findings)})</h2>"]
    for f in diff.findings:
        evidence = "\n".join(f"{e.run} #{e.seq}: {e.line}" for e in f.evidence)
        out.append(
            f'<div class="finding {escape(f.severity)}" id="{escape(f.id)}">'
            f'<div><span class="sev">{escape(f.severity)}</span> <code>[{escape(f.id)}]</code> '
            f"<b>{escape(f.title)}</b></div><p>{escape(f.explanation)}</p>"
            + (f"<pre>{escape(evidence)}</pre>" if evidence else "")
            + f'<div class="dim">runs: {escape(", ".join(f.runs))} · see <code>{escape(f.ref)}</code></div></div>'
        )
    return "\n".join(out)


def _caveats(diff: Diff) -> str:
    out = []
    if diff.not_run:
        items = "".join(f"<li><code>[{escape(g.rule)}]</code> {escape(', '.join(g.runs))}: {escape(g.reason)}</li>"
                        for g in diff.not_run)
        out.append(f"<h2>Rules that could not run</h2><ul>{items}</ul>")
    if diff.unstable:
        items = "".join(f"<li>{escape(u.label)}: <code>[{escape(u.rule)}]</code> {escape(u.title)}</li>"
                        for u in diff.unstable)
        out.append(f"<h2>Unstable between runs of one build</h2><ul>{items}</ul>")
    return "\n".join(out)


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
    return f"<h2>{escape(table.title)}</h2><table><tr>{head}</tr>{''.join(rows)}</table>{note}"


def _timeline(labels: list[str], tl: Timeline) -> str:
    head = "<tr><th>#</th>" + "".join(f"<th>{escape(lbl)}</th>" for lbl in labels) + "</tr>"
    rows = []
    for k, row in enumerate(tl.rows):
        first = k == tl.first_divergence
        classes = " ".join(c for c, on in (("differs", not row.same), ("first", first)) if on)
        attrs = (f' class="{classes}"' if classes else "") + (' id="first-divergence"' if first else "")
        cells = "".join('<td class="ev gap">—</td>' if c is None else f'<td class="ev">{escape(c)}</td>'
                        for c in row.cells)
        rows.append(f"<tr{attrs}><td class=\"dim\">{k + 1}</td>{cells}</tr>")
    where = (
        f'<p>First divergence at <a href="#first-divergence">event {tl.first_divergence + 1}</a> of {len(tl.rows)}.</p>'
        if tl.first_divergence is not None
        else f"<p>All {len(tl.rows)} events line up.</p>"
    )
    return f"<h2>Timeline (file, network and process events, aligned)</h2>{where}<table>{head}{''.join(rows)}</table>"
