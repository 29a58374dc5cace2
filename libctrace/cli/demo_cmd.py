"""`libctrace demo`: the guided tour. Real builds of the curated scenarios, traced in the
sandbox and diffed, one step of the story at a time."""

from __future__ import annotations

import os
import statistics
import subprocess
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from libctrace.analyze import diff
from libctrace.analyze.diffrun import Build, collect
from libctrace.cli._common import stderr_console, stdout_console
from libctrace.elf.info import inspect_file
from libctrace.errors import PermissionProblem
from libctrace.render.diff_console import render
from libctrace.render.inspect_view import verdict
from libctrace.render.safe import text
from libctrace.scenarios import catalog as sc

EXAMPLES = """\b
Examples:
  # every step (builds the scenarios first if needed)
  libctrace demo
  # only the DNS step
  libctrace demo --step 2
  make demo                   # sets up the machine, then runs this

Steps 1 and 2 run in the sandbox (private mount and network namespaces with a DNS server of
its own): that needs root, or unprivileged user namespaces. Without it they are skipped with
the reason, and the other steps still run. A step whose builds need a toolchain this machine
lacks (zig for step 5, for instance) is skipped with the reason.
"""


@dataclass(frozen=True)
class Step:
    scenario: str
    variants: tuple[str, ...]
    title: str
    context: str
    story: tuple[str, ...]  # the finding ids this step is about
    timed: bool = False  # also time untraced runs (tracing slows every syscall down)
    also_timed: tuple[str, ...] = ()  # variants timed untraced beside the traced ones
    inspected: bool = False  # show inspect's verdict (will it start, where) per build first


STEPS: tuple[Step, ...] = (
    Step(
        "nss-passwd",
        ("glibc-dynamic", "glibc-static", "musl-static"),
        "Users from NSS: a second libc, and a libc that ignores nsswitch.conf",
        "The program looks up users and groups. In the sandbox, /etc/nsswitch.conf lists a module "
        "of ours (libnss_ctrace.so.2) after `files`. glibc dlopens it; the static glibc build "
        "has to as well, and the module drags libc.so.6 and ld-linux into a process that already "
        "carries its own libc. musl has no NSS at all: it never opens nsswitch.conf, and the "
        "users the module serves do not exist for it.",
        ("second-libc", "nss-config", "nss-module"),
    ),
    Step(
        "dns-lookup",
        ("glibc-dynamic", "musl-static"),
        "DNS: a 60-record answer, TCP fallback against truncation",
        "getaddrinfo for names served by the sandbox's DNS server. many.libctrace.test has 60 A "
        "records: the UDP answer does not fit in 512 bytes, so the server sets TC. glibc retries "
        "over TCP and gets all 60; musl 1.2.3 has no TCP fallback and keeps what fitted.",
        ("dns-transport", "dns-answers"),
    ),
    Step(
        "iconv",
        ("glibc-dynamic", "glibc-static", "musl-static"),
        "iconv: charset modules loaded at run time",
        "The program converts text to UTF-16LE and ISO-8859-1. glibc reads gconv-modules.cache "
        "and dlopens a module per charset (in the static build: the second libc again); musl "
        "has every charset compiled in and opens no file.",
        ("gconv-module",),
    ),
    Step(
        "malloc-threads",
        ("glibc-dynamic", "musl-static"),
        "malloc under threads: arenas against one global lock",
        "Four threads allocate and free blocks of mixed sizes. glibc gives each thread an arena; "
        "musl's mallocng has one lock and maps and unmaps groups as they fill and empty. The "
        "trace shows the syscall pattern; the timing below is of untraced runs.",
        ("malloc-pattern",),
        timed=True,
    ),
    Step(
        "symbol-versions",
        ("glibc-dynamic", "glibc-2.38", "glibc-2.17", "musl-static"),
        "GLIBC_2.38 not found: a binary built for a newer glibc, and the two usual fixes",
        "The program calls strlcpy, new in glibc 2.38. Built against glibc 2.38 (zig cc -target "
        "x86_64-linux-gnu.2.38), the binary needs strlcpy@GLIBC_2.38, and this machine's glibc "
        "loader refuses to start it before main. Fix one: build against an old glibc (2.17, as an "
        "old LTS container would): the program takes its own fallback, starts everywhere and runs "
        "as the glibc build of this machine does. Fix two: link musl statically, which needs no "
        "libc on the machine at all.",
        ("loader-refusal",),
        inspected=True,
    ),
    Step(
        "malloc-threads",
        ("musl-static", "musl-mimalloc", "musl-jemalloc"),
        "musl is slow under threads: swap the allocator",
        "The same four threads, with mimalloc or jemalloc linked into the musl static build "
        "(compiled from Debian's source packages with musl-gcc). Each keeps per-thread heaps that "
        "it maps in large pieces and returns with madvise, so musl's mmap/munmap churn and futex "
        "waits go away, and so does most of the wall time.",
        ("malloc-pattern",),
        timed=True,
        also_timed=("glibc-dynamic",),
    ),
)
TIMING_RUNS = 3  # untraced runs per build in step 4; the median is reported


@click.command(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--step", "only", type=click.IntRange(1, len(STEPS)), metavar="N", help=f"Run only step N (1-{len(STEPS)})."
)
def demo(only: int | None) -> None:
    """The guided tour: why the same program behaves differently on glibc (dynamic and
    static) and musl, shown with real runs of the built-in scenarios."""
    out = stdout_console()
    progress = stderr_console()
    chosen = [(n, s) for n, s in enumerate(STEPS, 1) if only is None or n == only]
    unbuilt: dict[int, str] = {}
    for n, step in chosen:
        scenario = sc.get(step.scenario)
        results = sc.build(scenario, step.variants + step.also_timed, _say(progress), _say(progress))
        reasons = [f"{v}: {r}" for v, r in results.items() if isinstance(r, str)]
        if reasons:
            unbuilt[n] = "; ".join(reasons)
    skipped = 0
    for n, step in chosen:
        if n in unbuilt:
            out.rule(Text(f"Step {n}/{len(STEPS)}: {step.title}", style="bold"), align="left")
            out.print(text(f"skipped: a build this step needs cannot be made here: {unbuilt[n]}", style="bold red"))
            continue
        skipped += not _step(n, step, out, progress)
    if skipped:
        out.print(Text(f"\n{skipped} step(s) skipped: they need the sandbox (run as root, or enable "
                       "unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1).",
                       style="bold"))  # fmt: skip


def _say(progress: Console) -> Callable[[str], None]:
    return lambda message: progress.print(text(f"build: {message}"), highlight=False)


def _step(n: int, step: Step, out: Console, progress: Console) -> bool:
    """Runs one step; False when it had to be skipped for want of a sandbox."""
    scenario = sc.get(step.scenario)
    out.rule(Text(f"Step {n}/{len(STEPS)}: {step.title}", style="bold"), align="left")
    out.print(Text(textwrap.fill(step.context, width=out.width)))  # no trailing blanks, unlike rich's wrap
    out.print()
    builds: list[Build] = []
    config = None
    for variant in step.variants:
        argv, env, config = sc.run_spec(scenario, variant)
        builds.append(Build(variant, tuple(argv), {**os.environ, **env}))
    # The same by hand, with commands that work as printed.
    variants = " ".join(f"--variant {v}" for v in step.variants)
    out.print(Text(f"$ libctrace scenarios run {step.scenario} {variants}", style="dim"), soft_wrap=True)
    traces_dir = sc.build_root() / "traces"  # where `scenarios run` writes them (the cache when installed)
    if traces_dir.is_relative_to(Path.cwd()):
        traces_dir = traces_dir.relative_to(Path.cwd())
    out.print(Text(f"$ libctrace diff {traces_dir}/{step.scenario}-{{{','.join(step.variants)}}}.jsonl",
                   style="dim"), soft_wrap=True)  # fmt: skip
    if step.inspected:
        _verdicts(builds, out)
    try:
        traces = collect(builds, config, None, progress)
    except PermissionProblem as e:
        if config is None:
            raise
        out.print(Text(f"skipped: this step needs the sandbox, which could not be set up: {e}", style="bold red"))
        return False
    result = diff.compare(traces, [b.label for b in builds])
    render(result, out, focus=step.story)
    missing = [i for i in step.story if i not in {f.id for f in result.findings}]
    if missing:
        out.print(Text(f"note: expected finding(s) not seen on this machine: {', '.join(missing)}", style="yellow"))
    if step.timed:
        extra = []
        for variant in step.also_timed:
            argv, env, _ = sc.run_spec(scenario, variant)
            extra.append(Build(variant, tuple(argv), {**os.environ, **env}))
        _timings(builds + extra, out, progress)
    out.print()
    return True


def _verdicts(builds: list[Build], out: Console) -> None:
    """inspect's verdict per build: what the ELF file says before anything runs."""
    out.print(Text("What libctrace inspect says before anything runs:", style="bold"))
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for b in builds:
        line, style = verdict(inspect_file(b.argv[0]))
        table.add_row(text(f"  {b.label}"), text(line, style=style))
    out.print(table)
    out.print()


def _timings(builds: list[Build], out: Console, progress: Console) -> None:
    """Wall time of untraced runs: tracing slows every syscall, so it cannot time malloc."""
    medians: dict[str, float] = {}
    for b in builds:
        walls: list[float] = []
        with progress.status(f"timing {b.label} untraced ({TIMING_RUNS} runs)"):
            for _ in range(TIMING_RUNS):
                start = time.perf_counter()
                subprocess.run(b.argv, env=b.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=False)
                walls.append(time.perf_counter() - start)
        medians[b.label] = statistics.median(walls)
    out.print(Text(f"Untraced wall time, median of {TIMING_RUNS} runs:", style="bold"))
    fastest = min(medians.values())
    for label, wall in medians.items():
        out.print(f"  {label:<14} {wall:7.3f} s  ({wall / fastest:.1f}x the fastest)")
