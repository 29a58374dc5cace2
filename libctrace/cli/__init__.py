"""The libctrace command line. Commands live in their own modules and are imported only
when invoked, so `libctrace run` starts fast (its start-up is part of the measured overhead)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from libctrace import __version__
from libctrace.cli import _common

# command name -> "module:function"; each module holds one command (or group) of its own.
_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("libctrace.cli.run_cmd:run", "Trace one program and record its syscalls."),
    "show": ("libctrace.cli.show_cmd:show", "Render a saved trace (strace-like text, summary, JSON)."),
    "inspect": ("libctrace.cli.inspect_cmd:inspect", "Static ELF facts: libc flavour, glibc versions needed, risks."),
    "diff": ("libctrace.cli.diff_cmd:diff", "Run or load several builds and explain where they diverge."),
    "scenarios": ("libctrace.cli.scenarios_cmd:scenarios", "List, build and run the curated scenario programs."),
    "explain": ("libctrace.cli.explain_cmd:explain", "Print the catalogue entry of a finding id."),
    "demo": ("libctrace.cli.demo_cmd:demo", "The guided tour on the built-in scenarios."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = _COMMANDS.get(name)
        if spec is None:
            return None
        module, attr = spec[0].split(":")
        return getattr(importlib.import_module(module), attr)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as e:  # "No such command": add the nearest name
            import difflib

            near = difflib.get_close_matches(args[0], _COMMANDS, n=1) if args else []
            if near:
                e.message += f" Did you mean '{near[0]}'?"
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table, so `libctrace --help` imports nothing.
        with formatter.section("Commands"):
            formatter.write_dl([(name, spec[1]) for name, spec in _COMMANDS.items()])


EPILOG = """\b
Examples:
  # which libc, which glibc it needs
  libctrace inspect ./app
  # record one run
  libctrace run -o trace.jsonl -- ./app --flag
  # strace -c style table
  libctrace show trace.jsonl --format summary
  # the headline job: three builds compared
  libctrace diff app-glibc app-glibc-static app-musl
  # the guided tour
  libctrace demo
"""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="libctrace")
def cli() -> None:
    """Trace builds of one program and explain where their libc behaviour diverges."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: the only place that turns errors into exit codes."""
    from libctrace.errors import LibctraceError

    def term(text: object) -> str:  # render.safe compiles a regex: imported only for an error line
        from libctrace.render.safe import term

        return term(text)

    try:
        # Without standalone mode click returns the code a command exits with (ctx.exit(n)).
        rv = cli.main(args=argv, prog_name="libctrace", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        if _common.KEPT:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # skip freeing what keep_until_exit kept: the kernel does it at once
        sys.exit(code)
    except LibctraceError as e:
        click.echo(f"libctrace: error: {term(e)}", err=True)  # errors quote paths and names: data
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("libctrace: aborted", err=True)
        sys.exit(130)
    except click.UsageError as e:
        where = e.ctx.command_path if e.ctx else "libctrace"
        click.echo(f"libctrace: error: {term(e.format_message())} (see '{where} --help')", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"libctrace: error: {term(e.format_message())}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
