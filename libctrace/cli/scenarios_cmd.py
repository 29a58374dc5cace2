"""`libctrace scenarios list/build/run`: the curated programs, built per libc variant."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from libctrace.cli._common import format_option, stderr_console, stdout_console
from libctrace.outputs import make_dir
from libctrace.render.safe import text
from libctrace.scenarios import catalog as sc

if TYPE_CHECKING:
    from libctrace.sandbox.session import SandboxSession


def _display(path: Path, cwd: Path) -> str:
    """A path relative to the working directory when it is below it: shorter, and pasteable."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _status(scenario: sc.Scenario, variant: str, reasons: dict[str, str | None]) -> str:
    if reasons[variant] is not None:
        return "unavailable"
    return "built" if sc.is_built(scenario, variant) else "to build"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  libctrace scenarios list
  libctrace scenarios build nss-passwd
  libctrace scenarios run dns-lookup --variant musl-static --variant go
  libctrace diff scenarios/.build/traces/dns-lookup-*.jsonl
""",
)
def scenarios() -> None:
    """List, build and run the curated scenario programs (scenarios/<name>/)."""


@scenarios.command(
    "list",
    epilog="""\b
Examples:
  libctrace scenarios list
  libctrace scenarios list --format json | jq '.variants["glibc-2.17"]'
""",
)
@format_option("the same as one document.")
def list_(as_json: bool) -> None:
    """Each build variant (toolchain, libc), then each scenario and the state of its variants.

    A scenario's variant is 'built' (cached binary up to date), 'to build' (its toolchain is
    installed) or 'unavailable' (the reason is in the variant table).
    """
    reasons = {v: sc.availability(v) for v in sc.VARIANTS}
    described = {v: sc.describe(v) if reasons[v] is None else ("", "") for v in sc.VARIANTS}
    all_scenarios = sc.load_all()
    if as_json:
        doc: dict[str, Any] = {
            "version": 1,
            "root": str(sc.root()),
            "builds": str(sc.build_root()),
            "variants": {
                v: {
                    "available": reasons[v] is None,
                    "reason": reasons[v],
                    "toolchain": described[v][0] or None,
                    "libc": described[v][1] or None,
                }
                for v in sc.VARIANTS
            },  # fmt: skip
            "scenarios": [
                {
                    "name": s.name,
                    "description": s.description,
                    "shows": s.shows,
                    "directory": str(s.directory),
                    "args": list(s.args),
                    "env": s.env,
                    "sandbox": s.sandbox.to_json() if s.sandbox else None,
                    "variants": {v: _status(s, v, reasons) for v in s.variants},
                }
                for s in all_scenarios
            ],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    out = stdout_console()
    variants = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("variant", "toolchain", "libc"):
        variants.add_column(column, no_wrap=column == "variant", ratio=1 if column != "variant" else None)
    for v in sc.VARIANTS:
        toolchain, libc = described[v]
        variants.add_row(v, text(toolchain or "unavailable (below)"), text(libc))
    out.print(variants)
    for v, reason in reasons.items():
        if reason is not None:
            out.print(text(f"{v}: unavailable: {reason}"))  # a tool's message may hold [brackets]
    out.print()
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("scenario", no_wrap=True)
    table.add_column("description", ratio=1)
    table.add_column("variants", ratio=1)
    for s in all_scenarios:
        by_state: dict[str, list[str]] = {}
        for v in s.variants:
            by_state.setdefault(_status(s, v, reasons), []).append(v)
        states = "\n".join(f"{state}: {', '.join(names)}" for state, names in by_state.items())
        table.add_row(s.name, s.description, Text(states))
    out.print(table)
    out.print(text(f"scenarios: {sc.root()}"), soft_wrap=True)
    out.print(text(f"builds: {sc.build_root()}"), soft_wrap=True)


def _chosen(names: tuple[str, ...]) -> list[sc.Scenario]:
    return [sc.get(n) for n in names] if names else sc.load_all()


_VARIANT_OPTION = click.option(
    "--variant",
    "variants",
    multiple=True,
    type=click.Choice(sc.VARIANTS),
    metavar="VARIANT",
    help=f"Only this variant (repeatable): {', '.join(sc.VARIANTS)}.",
)


@scenarios.command(
    epilog="""\b
Examples:
  # every scenario, every available variant
  libctrace scenarios build
  libctrace scenarios build nss-passwd --variant glibc-static
"""
)
@click.argument("names", nargs=-1, metavar="[NAME]...")
@_VARIANT_OPTION
def build(names: tuple[str, ...], variants: tuple[str, ...]) -> None:
    """Build scenarios (default: all) in each variant; cached by sources and compiler.

    Prints one line per variant: the binary's path, or why the variant was skipped. Build
    logs (compiler output) are kept beside each binary in build.log.
    """
    chosen = _chosen(names)
    wanted = variants or None
    total = sum(len(variants or s.variants) for s in chosen)
    results: list[tuple[str, str, Path | str]] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr_console(), transient=True
    ) as progress:
        task = progress.add_task("building", total=total)

        def step(message: str) -> None:
            progress.update(task, advance=1, description=message)

        for s in chosen:
            # a slow first build (zig's libc, an allocator from source) says so above the bar
            results += [(s.name, v, r) for v, r in sc.build(s, wanted, step, progress.console.print).items()]
    # One path per line (pipe-friendly: `| xargs file`); the path names scenario and variant.
    for name, variant, result in results:
        if isinstance(result, Path):
            click.echo(_display(result, Path.cwd()))
        else:
            click.echo(f"skipped {name} {variant}: {result}")


def _record_variants(
    scenario: sc.Scenario, variants: list[str], out_dir: Path, cwd: Path, session: SandboxSession | None
) -> list[str]:
    """Traces each variant; returns one summary line per variant. `session`: the open
    sandbox (its header goes into each trace, its DNS log after each run) or None."""
    from libctrace.analyze.diffrun import Build, record_one
    from libctrace.model import ended

    lines = []
    for variant in variants:
        argv, env, _ = sc.run_spec(scenario, variant)
        trace_path = out_dir / f"{scenario.name}-{variant}.jsonl"
        build = Build(variant, tuple(argv), {**os.environ, **env})
        with stderr_console().status(f"tracing {scenario.name} {variant}"):
            # The program's own output goes to a file: stdout carries one summary line per run.
            trace = record_one(build, str(trace_path), session, str(out_dir / f"{scenario.name}-{variant}.out"))
        f = trace.footer
        assert f is not None  # record() always closes what it recorded with a footer
        status = ended(f["signal"], f["exit_code"]) + (f" ({f['exit_code']})" if f["signal"] else "")
        lines.append(f"{variant:<17} {status:<22} {f['syscalls']:>7} syscalls  {_display(trace_path, cwd)}")
    return lines


@scenarios.command(
    epilog="""\b
Examples:
  libctrace scenarios run nss-passwd
  libctrace scenarios run dns-lookup --variant musl-static --variant go
  libctrace scenarios run fatal --output-dir /tmp/traces --no-sandbox
  libctrace diff scenarios/.build/traces/nss-passwd-*.jsonl
"""
)
@click.argument("name")
@_VARIANT_OPTION
@click.option(
    "--output-dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Where to write the traces (default: traces/ in the build folder: scenarios/.build in a "
    "checkout, $XDG_CACHE_HOME/libctrace/scenarios when installed).",
)
@click.option("--no-sandbox", is_flag=True, help="Run on the host even if the scenario declares a sandbox.")
def run(name: str, variants: tuple[str, ...], out_dir: Path | None, no_sandbox: bool) -> None:
    """Trace scenario NAME once per variant (default: every available one).

    Writes DIR/NAME-VARIANT.jsonl (the trace) and DIR/NAME-VARIANT.out (what the program
    printed), inside the sandbox the scenario declares (needs root or user namespaces),
    and prints one line per variant: exit status, syscalls recorded, trace path.
    """
    scenario = sc.get(name)
    cwd = Path.cwd()  # paths are shown relative to where the user is
    binaries = sc.build(scenario, variants or None, started=stderr_console().print)
    out_dir = (out_dir or sc.build_root() / "traces").resolve()
    make_dir(str(out_dir), "--output-dir folder")
    for variant, result in binaries.items():
        if isinstance(result, str):
            click.echo(f"{variant:<17} skipped: {result}")
    ready = [v for v, r in binaries.items() if isinstance(r, Path)]
    if not ready:
        return
    if scenario.sandbox is None or no_sandbox:
        lines = _record_variants(scenario, ready, out_dir, cwd, None)
    else:
        from libctrace.sandbox import open_sandbox

        with open_sandbox(scenario.sandbox) as session:
            lines = _record_variants(scenario, ready, out_dir, cwd, session)
    # plain echo: a trace path must stay on one line to be pasteable
    for line in lines:
        click.echo(line)
    click.echo(f"compare them: libctrace diff {_display(out_dir, cwd)}/{scenario.name}-*.jsonl")
