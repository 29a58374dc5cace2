"""What a sandboxed run overlays; filled from CLI options or a scenario.toml."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class SandboxConfig:
    """Absolute paths of files to show the program instead of the host's; None keeps the default."""

    nsswitch: str | None = None
    resolv_conf: str | None = None
    hosts: str | None = None
    dns_zone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
