"""Where libctrace's shipped files are, and where it keeps what it builds.

The scenario programs and the docs live beside the package in a source checkout (scenarios/,
docs/); an installed package carries copies as libctrace/share/<name> (setup.py puts them there).
Builds of the packaged scenarios go to the user's cache, never into the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE.parent


def in_checkout() -> bool:
    """True when running from a source checkout (an editable install or the tree itself)."""
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "scenarios").is_dir()


def shipped(name: str) -> Path:
    """The folder `scenarios` or `docs`: the checkout's own, else the installed copy."""
    return _CHECKOUT / name if in_checkout() else PACKAGE / "share" / name


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/libctrace, else ~/.cache/libctrace (a relative XDG_CACHE_HOME is ignored,
    as the XDG spec says); created 0700 on first use."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    path = (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "libctrace"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def catalogue() -> Path:
    """The divergence catalogue that findings refer to (docs/divergences.md)."""
    return shipped("docs") / "divergences.md"
