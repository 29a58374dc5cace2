"""The terminal form of a diff (rich): one line per build, the findings with their evidence,
compact side-by-side tables and, on request, the aligned timeline. Fits 80 columns, in a
terminal and in a pipe (rich drops the colour when stdout is not a terminal). Every string from
a trace goes through render.safe: escaped, never markup."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Collection, Hashable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from libctrace.analyze.diff import Diff, Table, Timeline, TimelineRow
from libctrace.render.safe import term, text

SEVERITY_STYLE = {"critical": "bold red", "behaviour": "yellow", "info": "dim"}
CONTEXT = 2  # identical timeline rows kept around each difference
MAX_TIMELINE_ROWS = 150  # rows printed; --format json and --html carry them all
MAX_PERIOD = 4  # longest block of timeline rows folded when it repeats (socket+connect+...)


def render(diff: Diff, console: Console, *, timeline: bool = False, focus: Collection[str] | None = None) -> None:
    """Prints the diff; with `focus` (finding ids) only those findings get their explanation
    and evidence, the others one line each (the demo tells one story per step)."""
    _runs(diff, console)
    _findings(diff, console, focus)
    _caveats(diff, console)
    for table in diff.tables:
        _table(table, console)
    if timeline and diff.timeline is not None:
        _timeline(diff, diff.timeline, console)
    _verdict(diff, console)


def _runs(diff: Diff, console: Console) -> None:
    console.print(Text(f"Compared {len(diff.runs)} builds", style="bold underline"))
    labels = {r.label: term(r.label) for r in diff.runs}
    width = max(map(len, labels.values()))
    flavour = max(len(term(r.flavour)) for r in diff.runs)
    exits = {r.label: r.exit_text + (" (trace cut off)" if r.interrupted and r.outcome == "exited" else "")
             for r in diff.runs}  # fmt: skip
    exit_width = max(map(len, exits.values()))
    for r in diff.runs:
        status = Text(f"{exits[r.label]:<{exit_width}}", style="red" if r.signal or r.status else "green")
        line = Text.assemble((f"{labels[r.label]:<{width}}", "bold"), f"  {term(r.flavour):<{flavour}}  ", status,
                             f"  {r.wall:.3f} s")  # fmt: skip
        path = term(r.path)
        if len(line) + 2 + len(path) <= console.width:
            console.print(Text.assemble(line, "  ", (path, "dim")))
        else:  # a long path gets a line of its own rather than being cut: it must stay copyable
            console.print(line)
            console.print(_indented(path, console.width, style="dim"))


def _findings(diff: Diff, console: Console, focus: Collection[str] | None) -> None:
    console.print()
    if not diff.findings:
        console.print("No findings: the builds behaved alike in everything the rules look at.")
        return
    counts = {s: sum(f.severity == s for f in diff.findings) for s in SEVERITY_STYLE}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    console.print(Text(f"Findings ({summary})", style="bold underline"))
    condensed = False
    for f in diff.findings:
        full = focus is None or f.id in focus
        if full or not condensed:
            console.print()
        if not full and not condensed:
            console.print(Text("Also found:", style="bold"))
            condensed = True
        head = Text.assemble((f"{f.severity.upper():<9}", SEVERITY_STYLE.get(f.severity, "")), " ",
                             (f"[{f.id}] ", "bold"), term(f.title))  # fmt: skip
        console.print(head)
        if not full:
            continue
        console.print(_indented(term(f.explanation), console.width))
        for e in f.evidence:
            lead = f"{term(e.run)} #{e.seq}:"
            console.print(_indented(f"{lead} {term(e.line)}", console.width, lead=len(lead)))
        console.print(Text(f"  see libctrace explain {f.id}", style="dim"))  # the installed catalogue


def _caveats(diff: Diff, console: Console) -> None:
    """What the findings above cannot say: rules left out, and what varies run to run."""
    if diff.not_run:
        console.print()
        console.print(Text("Rules that could not run", style="bold underline"))
        for g in diff.not_run:
            console.print(_indented(term(f"[{g.rule}] {', '.join(g.runs)}: {g.reason}"), console.width))
    if diff.unstable:
        console.print()
        runs = ", ".join(f"{r.label} ×{r.repeats}" for r in diff.runs if r.repeats > 1)
        console.print(text(f"Unstable between runs of one build ({runs})", style="bold underline"))
        for u in diff.unstable:
            console.print(_indented(term(f"{u.label}: [{u.rule}] {u.title}"), console.width))


def _indented(text: str, width: int, *, style: str = "", lead: int = 0) -> Text:
    """Text (already escaped) wrapped two columns in, without the trailing blanks rich's Padding
    would add; `lead` characters at the start are highlighted (the evidence's run and number)."""
    lines = textwrap.wrap(text, width=max(20, width - 2), break_on_hyphens=False, replace_whitespace=False) or [""]
    out = Text("\n".join("  " + ln for ln in lines), style=style)
    if lead:
        out.stylize("cyan", 2, 2 + lead)
    return out


def _table(table: Table, console: Console) -> None:
    console.print()
    console.print(text(table.title, style="bold"))
    t = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  caption=text(table.note) if table.note else None, caption_justify="left")  # fmt: skip
    for i, col in enumerate(table.columns):
        t.add_column(_header(col), overflow="fold", style="bold" if i == 0 else None)
    for row in table.rows:
        t.add_row(*(_cell(row[0], row[1:], i) for i in range(len(row))))
    console.print(t)


def _header(label: str) -> Text:
    """A column header kept on one line, cut with … only when the column is too narrow: a
    header folded in two reads as two labels. (A column min_width would stop that too, but
    rich then crops the cells of the last column.)"""
    head = text(label)
    head.no_wrap, head.overflow = True, "ellipsis"
    return head


def _cell(name: str, cells: tuple[str, ...], i: int) -> Text:
    """A table cell; a value that differs from the first run's is highlighted."""
    if i == 0:
        return text(name)
    value = cells[i - 1]
    return text(value, style="yellow" if value != cells[0] else "")


def _timeline(diff: Diff, tl: Timeline, console: Console) -> None:
    console.print()
    console.print(Text("Timeline of file, network and process events (aligned)", style="bold underline"))
    if tl.first_divergence is None:
        console.print(f"All {len(tl.rows)} events line up: no divergence.")
        return
    keep = [False] * len(tl.rows)
    for k, row in enumerate(tl.rows):
        if not row.same:
            for j in range(max(0, k - CONTEXT), min(len(tl.rows), k + CONTEXT + 1)):
                keep[j] = True
    t = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("", no_wrap=True)
    for r in diff.runs:
        t.add_column(_header(r.label), overflow="fold", ratio=1)
    blank = [""] * (len(diff.runs) - 1)
    shapes = [_shape(row) for row in tl.rows]
    shown = 0
    folded = False
    k = 0
    while k < len(tl.rows):
        if not keep[k]:
            start = k
            while k < len(tl.rows) and not keep[k]:
                k += 1
            t.add_row("", Text(f"… {k - start} identical events", style="dim"), *blank)
            continue
        if shown >= MAX_TIMELINE_ROWS:
            rest = sum(1 for j in range(k, len(tl.rows)) if not tl.rows[j].same)
            t.add_row("", Text(f"… {rest} more differing rows (see --format json or --html)", style="dim"), *blank)
            break
        period, times = repeat(shapes, k)
        end = k + period * times
        exact = tl.rows[k:end] == tl.rows[k : k + period] * times
        one_row = period == 1 and exact  # the row itself carries the count
        shown += _timeline_rows(t, tl, range(k, k + period), f"×{times}" if one_row and times > 1 else "")
        if times > 1 and not one_row:
            what = f"{period} rows" if period > 1 else "1 row"
            last = "" if exact else "; the last:"  # numbers vary: show where they end
            t.add_row("", Text(f"↑ {what} ×{times}{last}", style="dim"), *blank)
            if not exact:
                shown += _timeline_rows(t, tl, range(end - period, end), "")
        folded |= times > 1
        k = end
    console.print(t)
    console.print(Text(f"The first divergence (▶) is at event {tl.first_divergence + 1} of {len(tl.rows)}; "
                       "≠ rows differ, — the build has no such event"
                       + ("; ×N: the row (or block of rows) repeats N times in a row." if folded else "."),
                       style="dim"))  # fmt: skip


def _timeline_rows(t: RichTable, tl: Timeline, rows: range, count: str) -> int:
    for j in rows:
        row = tl.rows[j]
        mark = "▶" if j == tl.first_divergence else ("≠" if not row.same else "")
        style = "" if row.same else "yellow"
        cells = [Text("—", style="dim") if c is None else text(c, style=style) for c in row.cells]
        t.add_row(Text(mark + count, style="bold red"), *cells)
    return len(rows)


_NUMBER = re.compile(r"\d+")


def _shape(row: TimelineRow) -> tuple[object, ...]:
    """A row with its numbers masked: 60 connects to 192.0.2.100...159 have one shape."""
    return (row.same, *(c if c is None else _NUMBER.sub("#", c) for c in row.cells))


def repeat(shapes: Sequence[Hashable], k: int) -> tuple[int, int]:
    """The shortest block of rows starting at `k` whose shape repeats right after itself, and
    how many times it occurs in a row: (1, 1) when nothing repeats. 60 socket+connect retries
    print as a few rows and a count, not 120 rows."""
    for period in range(1, MAX_PERIOD + 1):
        block = shapes[k : k + period]
        times = 1
        while shapes[k + times * period : k + (times + 1) * period] == block:
            times += 1
        if times > 1 and len(block) == period:
            return period, times
    return 1, 1


def _verdict(diff: Diff, console: Console) -> None:
    console.print()
    if diff.diverged:
        worst = diff.findings[0]
        console.print(Text.assemble(("The builds diverge", "bold"), f": {len(diff.findings)} finding(s), the most "
                                    f"severe [{worst.id}] ({worst.severity})."))  # fmt: skip
    else:
        console.print(Text("No divergence above info.", style="bold"))
