"""The click options that turn a command into a sandboxed one (`run`, `diff`, `scenarios run`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from libctrace.sandbox.config import SandboxConfig

_FILE = click.Path(exists=True, dir_okay=False, resolve_path=True)


def sandbox_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Adds --sandbox and the overlay options; the command receives `sandbox`:
    a SandboxConfig with absolute paths, or None when not sandboxed."""

    @click.option(
        "--sandbox",
        "sandbox_flag",
        is_flag=True,
        help="Run in private mount+network namespaces with the sandbox DNS server (see docs/sandbox.md).",
    )
    @click.option("--nsswitch", type=_FILE, metavar="FILE", help="Show FILE as /etc/nsswitch.conf (implies --sandbox).")
    @click.option(
        "--resolv-conf",
        type=_FILE,
        metavar="FILE",
        help="Show FILE as /etc/resolv.conf instead of the sandbox default (implies --sandbox).",
    )
    @click.option(
        "--hosts",
        type=_FILE,
        metavar="FILE",
        help="Show FILE as /etc/hosts instead of the sandbox default (implies --sandbox).",
    )
    @click.option(
        "--dns-zone",
        type=_FILE,
        metavar="FILE",
        help="Serve this BIND zone file instead of the default zone (implies --sandbox).",
    )
    @functools.wraps(f)
    def wrapper(
        *args: Any,
        sandbox_flag: bool,
        nsswitch: str | None,
        resolv_conf: str | None,
        hosts: str | None,
        dns_zone: str | None,
        **kwargs: Any,
    ) -> Any:
        cfg = SandboxConfig(nsswitch=nsswitch, resolv_conf=resolv_conf, hosts=hosts, dns_zone=dns_zone)
        kwargs["sandbox"] = cfg if sandbox_flag or cfg != SandboxConfig() else None
        return f(*args, **kwargs)

    return wrapper
