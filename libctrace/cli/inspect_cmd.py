"""`libctrace inspect`: what the ELF file already tells before it runs."""

from __future__ import annotations

import json

import click

from libctrace.cli._common import format_option, stdout_console
from libctrace.errors import LibctraceError
from libctrace.render.safe import term

EPILOG = """\b
Examples:
  # libc flavour, glibc needed, where it runs
  libctrace inspect ./app
  # every versioned symbol, most demanding first
  libctrace inspect ./app --symbols
  # would that libc's loader accept it?
  libctrace inspect ./app --against /old/lib/x86_64-linux-gnu/libc.so.6
  # one panel per file
  libctrace inspect app-glibc app-static app-musl
  # the glibc version it needs, for a script
  libctrace inspect --format json ./app | jq .glibc_required

\b
Exit status: 0 when every file was read (and starts with --against's libc),
1 when a file would not start with the --against libc, 2 on bad input.
"""


@click.command(epilog=EPILOG)
@click.argument("files", metavar="BIN...", nargs=-1, required=True)
@format_option('one object per file and line ("version": 1).')
@click.option(
    "--against",
    "against",
    metavar="LIBC_SO",
    help="Check the version needs against this libc.so.6, as the dynamic loader would.",
)
@click.option("--symbols", is_flag=True, help="Show every versioned symbol, not only the most demanding.")
@click.pass_context
def inspect(ctx: click.Context, files: tuple[str, ...], as_json: bool, against: str | None, symbols: bool) -> None:
    """Report the libc flavour, linkage, glibc versions needed and run-time loading risks
    of each ELF file BIN, without running it."""
    from libctrace.elf.info import check_against, inspect_file, load_libc_versions
    from libctrace.render.inspect_view import render_inspect

    # A bad --against makes every answer meaningless: fail before reading any BIN.
    libc = load_libc_versions(against) if against is not None else None
    console = stdout_console()
    failed_start = errors = False
    for path in files:
        try:
            info = inspect_file(path)
        except LibctraceError as e:
            # Report and go on: with several files the others are still worth seeing.
            click.echo(f"libctrace: error: {term(e)}", err=True)  # quotes the file's path and names
            errors = True
            continue
        result = check_against(info, libc) if libc is not None else None
        failed_start |= result is not None and not result.ok
        if as_json:
            obj = info.to_json()
            if result is not None:
                obj["against"] = result.to_json()
            click.echo(json.dumps(obj))
        else:
            console.print(render_inspect(info, result, show_all_symbols=symbols))
    ctx.exit(2 if errors else 1 if failed_start else 0)
