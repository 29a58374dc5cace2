"""The rich panel of `libctrace inspect`: one compact panel per file, the verdict first.

Every status is spelled out in words ("runs", "FAILS") so the panel means the same without
colour, in a pipe or a CI log.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from libctrace.elf.info import AgainstResult, ElfInfo
from libctrace.render.safe import term, text

SYMBOLS_SHOWN = 5  # most demanding versioned symbols shown without --symbols


def verdict(info: ElfInfo, against: AgainstResult | None = None) -> tuple[str, str]:
    """One sentence that answers "will it start?", and the style to show it in."""
    if against is not None:
        if against.ok:
            return f"starts with {against.libc.path}: every version it needs is defined there", "green"
        first = against.unmet[0].rpartition("@")[2]
        return (
            f"will NOT start with {against.libc.path}: version `{first}' not found ({len(against.unmet)} unmet)",
            "bold red",
        )
    what = f"{info.libc} {info.linkage}" if info.libc != "none" else f"no libc, {info.linkage}"
    if info.linkage == "unlinked":
        return f"{what}: an object file, not linked yet", "yellow"
    if info.linkage in ("static", "static-pie"):
        risks = f"; {len(info.risks)} run-time loading risk{'s' if len(info.risks) > 1 else ''}" if info.risks else ""
        return (
            f"{what}: needs no shared library, runs on any Linux {info.machine} kernel{risks}",
            "yellow" if risks else "green",
        )
    if not info.runs_on:
        return f"{what}: libc not recognised, cannot tell where it runs", "yellow"
    runs = sum(d.ok for d in info.runs_on)
    needs = f", needs GLIBC {info.glibc_required}" if info.glibc_required else ""
    style = "green" if runs == len(info.runs_on) else "yellow"
    return f"{what}{needs}: runs on {runs} of {len(info.runs_on)} listed distributions", style


def _add(grid: Table, key: str | Text, value: str | Text) -> None:
    # Values are paths, symbol and library names read from a file that may be hostile: escaped
    # text, never rich markup (a Text value was escaped where it was built).
    grid.add_row(key, text(value) if isinstance(value, str) else value)


def _symbols(info: ElfInfo, show_all: bool) -> Text:
    syms = info.glibc_symbols + info.cxx_symbols
    shown = syms if show_all else syms[:SYMBOLS_SHOWN]
    out = Text("\n".join(term(f"{s.symbol}@{s.version}") for s in shown))
    if len(syms) > len(shown):
        out.append(f"\n... {len(syms) - len(shown)} more (--symbols shows all)", style="dim")
    return out


def _runs_on(info: ElfInfo, grid: Table) -> None:
    """The distribution table, grouped by verdict so 14 rows fit in a few lines."""

    def name(glibc: str | None, distro: str) -> str:
        return f"{distro} ({glibc or 'musl'})"

    runs = [name(d.glibc, d.distro) for d in info.runs_on if d.ok]
    if runs:
        _add(grid, Text("runs on", style="bold green"), ", ".join(runs))
    missing: dict[str, list[str]] = {}
    for d in info.runs_on:
        if not d.ok:
            missing.setdefault(d.missing or "?", []).append(name(d.glibc, d.distro))
    for what, names in missing.items():
        _add(
            grid,
            Text("FAILS on", style="bold red"),
            Text.assemble((term(f"{what} not found: "), "red"), ", ".join(names)),
        )


def render_inspect(
    info: ElfInfo, against: AgainstResult | None = None, show_all_symbols: bool = False
) -> RenderableType:
    sentence, style = verdict(info, against)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    _add(
        grid,
        "file",
        f"ELF{info.elf_class} {info.machine} {info.file_type}, {info.linkage} linkage"
        + (", stripped" if info.stripped else ""),
    )
    _add(grid, "libc", f"{info.libc} ({'; '.join(info.libc_evidence[:2])})")
    _add(grid, "runtime", info.runtime + (f" {info.runtime_version}" if info.runtime_version else ""))
    if info.interpreter:
        _add(grid, "interpreter", info.interpreter)
    if info.needed:
        _add(grid, "needed", ", ".join(info.needed))
    for key, paths in (("rpath", info.rpath), ("runpath", info.runpath)):
        if paths:
            _add(grid, key, ":".join(paths))
    if info.soname:
        _add(grid, "soname", info.soname)
    if info.build_id:
        _add(grid, "build-id", info.build_id)
    if info.glibc_required:
        _add(grid, "glibc needed", info.glibc_required)
    cxx = [f"{k} {v}" for k, v in (("GLIBCXX", info.glibcxx_required), ("CXXABI", info.cxxabi_required)) if v]
    if cxx:
        _add(grid, "C++ needed", ", ".join(cxx))
    if info.glibc_symbols or info.cxx_symbols:
        _add(grid, "symbols", _symbols(info, show_all_symbols))
    if against is not None:
        defined = against.libc.defined
        span = f"{defined[0]}…{defined[-1]}" if len(defined) > 1 else defined[0]
        _add(grid, "against", f"{against.libc.path} ({against.libc.soname}, defines {span})")
        if against.unmet:
            _add(grid, "unmet", Text("\n".join(map(term, against.unmet)), style="red"))
    for r in info.risks:
        _add(grid, Text("risk", style="bold yellow"), f"{r.id}: {r.message}")
    for note in info.notes:
        _add(grid, "note", text(note, style="dim"))
    if info.runs_on and info.linkage == "dynamic":  # a static file runs everywhere: the verdict says so
        _runs_on(info, grid)
    return Panel(
        Group(text(sentence, style=style), Text(""), grid), title=text(info.path), title_align="left", box=box.ROUNDED
    )
