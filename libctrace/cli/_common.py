"""Small pieces shared by the command modules."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # rich is imported only by commands that print with it (start-up cost)
    from rich.console import Console

# Objects left for the process's exit (see keep_until_exit); main() ends with os._exit then.
KEPT: list[Any] = []


def stderr_console() -> Console:
    """Console for progress and summaries; never pollutes stdout (which may be a pipe)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    # A pipe gets $COLUMNS, else 80: not the width of whatever terminal stdin happens to be.
    columns = os.environ.get("COLUMNS", "")
    piped = 80 if not columns.isdigit() else int(columns)
    return Console(highlight=False, width=None if sys.stdout.isatty() else piped)


def keep_until_exit(*objs: Any) -> None:
    """Leaves big data (millions of trace events) to the end of the process: freeing it object
    by object takes seconds (1.6 s for two 1M-event traces) that the user would wait for nothing."""
    KEPT.extend(objs)


def environment(settings: tuple[str, ...]) -> dict[str, str] | None:
    """The programs' environment after strace's `-E VAR=val` (set) and `-E VAR` (remove);
    None without any -E: the programs inherit ours as it is."""
    from libctrace.errors import LibctraceError

    if not settings:
        return None
    env = dict(os.environ)
    for s in settings:
        name, eq, value = s.partition("=")
        if not name or "\0" in s:
            raise LibctraceError(f"-E {s!r}: expected VAR=value or VAR")
        if eq:
            env[name] = value
        else:
            env.pop(name, None)
    return env


def format_option(json_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format text|json` for a command whose machine format is JSON (one spelling across
    commands, as `show --format`); the command receives `as_json`. The older `--json` flag
    stays accepted, hidden and deprecated, for scripts written before."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @click.option(
            "--format",
            "output_format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help=f"text: for people; json: {json_help}",
        )
        @click.option("--json", "json_flag", is_flag=True, hidden=True)
        @functools.wraps(command)
        def wrapper(*args: Any, output_format: str, json_flag: bool, **kwargs: Any) -> Any:
            return command(*args, as_json=json_flag or output_format == "json", **kwargs)

        return wrapper

    return decorate
