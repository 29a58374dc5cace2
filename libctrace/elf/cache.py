"""The trace header's `executable` summary without pyelftools on the recorder's path.

Importing pyelftools and parsing the program costs 40-60 ms, more than many traced programs
run. So the summary is computed in a Background child (on the other CPU, while the program
starts) and kept in a small cache file keyed by the file's identity: device, inode, size,
mtime and ctime (any rebuild or in-place rewrite changes one of them) and libctrace's
version. The next run of the same build reads that file instead. The cache lives in
$XDG_CACHE_HOME/libctrace/elf (default ~/.cache/libctrace/elf), newest 256 entries kept;
when it cannot be written, every run computes the summary in the background, only slower.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import orjson

from libctrace import __version__
from libctrace.record.background import Background

_KEEP = 256  # cache entries kept (about 300 bytes each)


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "libctrace", "elf")


def _entry(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    ident = f"{st.st_dev:x}-{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}-{st.st_ctime_ns:x}-{__version__}"
    return os.path.join(_cache_dir(), ident + ".json")


def _compute(path: str, entry: str | None) -> dict[str, Any] | None:
    """In the Background child: parse the ELF, store the result for the next run."""
    from libctrace.elf.info import summary
    from libctrace.errors import LibctraceError
    from libctrace.outputs import create_file, make_dir

    value = summary(path)  # None for a #! script or an odd ELF: the trace is useful without it
    if entry is not None:
        try:
            make_dir(os.path.dirname(entry), "cache folder")
            # a reader that comes while it is written sees bad JSON, and recomputes
            with create_file(entry, "cache entry") as f:
                f.write(orjson.dumps({"path": path, "summary": value}))
            _prune(os.path.dirname(entry))
        except (OSError, LibctraceError):
            pass  # read-only or full home: no cache, same result
    return value


def _prune(directory: str) -> None:
    """Keeps the newest _KEEP entries: every rebuild of a program adds one (off the hot path)."""
    names = os.listdir(directory)
    if len(names) <= _KEEP:
        return
    paths = [os.path.join(directory, n) for n in names]
    paths.sort(key=lambda p: os.stat(p).st_mtime_ns)
    for p in paths[: len(paths) - _KEEP]:
        os.unlink(p)


def executable_summary(path: str) -> Background:
    """The summary of `path`: read from the cache, or being computed by a child."""
    entry = _entry(path)
    if entry is not None:
        try:
            with open(entry, "rb") as f:
                cached = orjson.loads(f.read())
            if isinstance(cached, dict) and cached.get("path") == path:  # the same file by another name: recompute
                return Background.done(cached.get("summary"))
        except (OSError, orjson.JSONDecodeError):
            pass
    return Background(partial(_compute, path, entry))
