"""`libctrace diff`: run or load several builds of one program and explain where they diverge."""

from __future__ import annotations

import gc
import json
import os
import re

import click

from libctrace.cli._common import format_option
from libctrace.errors import LibctraceError
from libctrace.sandbox import SandboxConfig, sandbox_options

EXAMPLES = """\b
Examples:
  # run both, explain the differences
  libctrace diff ./app-glibc ./app-musl
  # arguments after -- go to every build
  libctrace diff ./app-glibc ./app-glibc-static ./app-musl -- --user alice
  # private network namespace with its own DNS server
  libctrace diff --sandbox ./lookup-glibc ./lookup-musl -- many.libctrace.test
  # saved traces, events side by side
  libctrace diff glibc.jsonl musl.jsonl --timeline
  # the finding ids, for a script
  libctrace diff ./a ./b --format json | jq '.findings[].id'
  # a report, the traces kept
  libctrace diff ./a ./b --html report.html --output-dir traces/
  # kill a build that hangs; environment and input for every build
  libctrace diff ./a ./b --timeout 10 -E LANG=C --stdin input.txt -- --batch
  # record only these calls
  libctrace diff ./a ./b -e trace=%file,%network

Each build is a program to trace (its stdout and stderr are captured whole as facts, not
shown) or a saved .jsonl trace. Arguments after -- go to every program; its standard input
is /dev/null unless --stdin gives a file. Exit status: 0 when no finding is above info,
1 when the builds diverge, 2 on error (like diff(1)).

\b
To gate CI on it (timestamps normalised, each build run 3 times):
  libctrace diff ./a ./b --normalize '[0-9-]+T[0-9:.]+' --runs 3
"""


class _DiffCommand(click.Command):
    """Everything after `--` is the programs' arguments, not more builds."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            ctx.meta["program_args"] = tuple(args[cut + 1 :])
            args = args[:cut]
        return super().parse_args(ctx, args)


@click.command(cls=_DiffCommand, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("builds", nargs=-1, required=True, metavar="A B [C]... [-- ARGS]...")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="NAME",
    help="Name the builds, in order (repeatable); default: the file names cut to the words that differ.",
)
@sandbox_options
@format_option("the diff as one document (libctrace/schemas/diff.schema.json).")
@click.option("--html", "html_path", metavar="FILE", help="Also write a self-contained HTML report to FILE.")
@click.option("--timeline", is_flag=True, help="Show the aligned file/network/process events side by side.")
@click.option("--output-dir", metavar="DIR", help="Save each traced run as DIR/LABEL.jsonl.")
@click.option(
    "-e",
    "expr",
    metavar="trace=SET",
    help="Syscalls to record in each program, as run's -e (default: what the analysis needs).",
)
@click.option(
    "-E",
    "env_settings",
    multiple=True,
    metavar="VAR[=VAL]",
    help="Set VAR in every program's environment, or remove it without =VAL (repeatable).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="S",
    help="Kill a build still running after S seconds; the report says it timed out.",
)
@click.option(
    "--stdin",
    "stdin_file",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Every program reads FILE as its standard input (default: /dev/null).",
)
@click.option(
    "--runs",
    "runs",
    default="auto",
    metavar="N|auto",
    show_default=True,
    help="Runs of each program. auto: once, and a second time when output or counts differ; "
    "what varies between runs of one build is reported as unstable, not as divergence.",
)
@click.option(
    "--normalize",
    "normalize",
    multiple=True,
    metavar="REGEX",
    help="Mask every match of REGEX in the programs' output before comparing it (repeatable).",
)
@click.option("--ignore-output", is_flag=True, help="Do not compare what the programs printed.")
@click.pass_context
def diff(
    ctx: click.Context,
    builds: tuple[str, ...],
    labels: tuple[str, ...],
    sandbox: SandboxConfig | None,
    as_json: bool,
    html_path: str | None,
    timeline: bool,
    output_dir: str | None,
    expr: str | None,
    env_settings: tuple[str, ...],
    timeout: float | None,
    stdin_file: str | None,
    runs: str,
    normalize: tuple[str, ...],
    ignore_output: bool,
) -> None:
    """Run (or load) builds A, B, C... of one program and explain where their libc
    behaviour diverges: findings most severe first, with the events that show them, then
    side-by-side tables of files, DNS, memory and threads, and syscall counts."""
    from libctrace.analyze import diff as diffmod
    from libctrace.analyze.diffrun import Build, RunSettings, collect_runs, is_trace_file
    from libctrace.analyze.digest import Digest, digest_files
    from libctrace.analyze.images import exec_summary
    from libctrace.cli._common import environment, keep_until_exit, stderr_console, stdout_console
    from libctrace.cli.run_cmd import trace_expr
    from libctrace.model import Trace
    from libctrace.outputs import create_file, make_dir
    from libctrace.render.safe import text

    if len(builds) < 2:
        raise LibctraceError("diff needs at least two builds (programs or .jsonl traces)")
    # Everything a diff builds lives until the process exits (keep_until_exit), none of it in a
    # garbage cycle: the cyclic collector would only rescan it (a fifth of facts' time on 1M events).
    gc.disable()
    patterns = _patterns(normalize)
    wanted = _runs(runs)
    program_args: tuple[str, ...] = ctx.meta.get("program_args", ())
    names = diffmod.default_labels(builds, labels)
    env = environment(env_settings)
    specs = [
        Build(n, (b,) if is_trace_file(b) else (_build_path(b), *program_args), env)
        for n, b in zip(names, builds, strict=True)
    ]
    # Opened before anything runs, so an unwritable path fails fast.
    html_file = create_file(html_path, "--html report", text=True) if html_path else None
    settings = RunSettings(trace_expr(expr), timeout, os.path.abspath(stdin_file) if stdin_file else os.devnull)
    options = {"normalize": patterns, "ignore_output": ignore_output, "inspect": exec_summary}

    def more(first: list[Trace]) -> int:
        if wanted is not None:
            return wanted - 1
        return 1 if diffmod.needs_rerun(diffmod.compare(first, names, **options)) else 0

    out_dir = os.path.abspath(output_dir) if output_dir else None
    digests: list[Digest] = []
    if all(s.is_trace for s in specs):  # saved traces only: each is read in a process of its own
        if out_dir is not None:
            make_dir(out_dir, "--output-dir folder")
        digests = digest_files([s.argv[0] for s in specs], names, patterns, exec_summary)
        traces, repeats = [d.trace for d in digests], []
    else:
        traces, repeats = collect_runs(specs, sandbox, out_dir, stderr_console(), more, settings)
    result = diffmod.compare(traces, names, timeline=timeline, repeats=repeats, digests=digests, **options)
    if html_file is not None:
        from libctrace.render.diff_html import render as render_html
        from libctrace.traceio import load_trace

        # The report reads every event of every trace, more than once: digested traces loaded
        # whole for it (read again through their index, they would be parsed at every pass).
        if digests:
            traces = [load_trace(t.source) for t in traces]
        with html_file:
            html_file.write(render_html(result, traces))
        stderr_console().print(text(f"wrote {html_path}"), highlight=False)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))  # compact: only then json uses its C encoder
    else:
        from libctrace.render.diff_console import render

        render(result, stdout_console(), timeline=timeline)
    keep_until_exit(traces, result)
    ctx.exit(1 if result.diverged else 0)


_MAX_RUNS = 20


def _runs(value: str) -> int | None:
    """--runs: None for auto, else a count from 1 to _MAX_RUNS."""
    if value == "auto":
        return None
    if not value.isdigit() or not 1 <= int(value) <= _MAX_RUNS:
        raise LibctraceError(f"--runs must be auto or a number from 1 to {_MAX_RUNS}, not {value!r}")
    return int(value)


def _patterns(normalize: tuple[str, ...]) -> list[re.Pattern[str]]:
    out = []
    for rx in normalize:
        try:
            pattern = re.compile(rx, re.MULTILINE)
        except re.error as e:
            raise LibctraceError(f"--normalize {rx!r}: not a regular expression: {e}") from None
        if pattern.search(""):
            raise LibctraceError(f"--normalize {rx!r} matches the empty string: it would mask between every character")
        out.append(pattern)
    return out


def _build_path(arg: str) -> str:
    """diff compares build files: `app-musl` is the file here when there is one (as `./app-musl`),
    and only otherwise a command looked up in PATH, as `run` does."""
    return f"./{arg}" if "/" not in arg and os.path.isfile(arg) else arg
