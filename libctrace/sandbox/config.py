"""What a sandboxed run overlays; filled from CLI options or a scenario.toml."""

from __future__ import annotations

from typing import Any, NamedTuple


# NamedTuple rather than a frozen dataclass here and in the other records a run imports:
# a dataclass generates its methods at import, about 1 ms each class (issue 18, start-up).
class SandboxConfig(NamedTuple):
    """Absolute paths of files to show the program instead of the host's; None keeps the default."""

    nsswitch: str | None = None
    resolv_conf: str | None = None
    hosts: str | None = None
    dns_zone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self._asdict()
