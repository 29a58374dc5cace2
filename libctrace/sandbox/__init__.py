"""Hermetic runs: private mount and network namespaces, /etc overlays, an embedded DNS server.

`open_sandbox` is imported on first use so that commands which only declare the options
(and every unsandboxed run) do not pay for dnslib and ctypes at start-up.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from libctrace.sandbox.config import SandboxConfig
from libctrace.sandbox.options import sandbox_options

if TYPE_CHECKING:
    from libctrace.sandbox.session import SandboxSession

__all__ = ["SandboxConfig", "sandbox_options", "open_sandbox"]


def open_sandbox(config: SandboxConfig) -> AbstractContextManager[SandboxSession]:
    """`with open_sandbox(cfg) as session:` — see libctrace.sandbox.session.open_sandbox."""
    from libctrace.sandbox.session import open_sandbox as _open

    return _open(config)
