"""The /etc files that steer a libc's lookups, as the traced program saw them: recorded in
each trace header (`host_files`), so a diff can show that two runs saw the same (or another)
nsswitch.conf, resolv.conf and hosts: the host's own, or an overlay of the sandbox."""

from __future__ import annotations

from typing import Any

# CPython's built-in SHA-256 (the same digest): hashlib loads OpenSSL, 4-9 ms of every `run`.
try:
    from _sha2 import sha256  # type: ignore[import-not-found]  # CPython >= 3.12
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython 3.11
    except ImportError:
        from hashlib import sha256

FILES = ("/etc/nsswitch.conf", "/etc/resolv.conf", "/etc/hosts")
_READ_CAP = 1 << 20  # a larger "config file" is hashed on its first MiB only


def snapshot(sandbox: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """path -> {origin, sha256, bytes} (or {origin, missing: errno text}). `sandbox` is the
    header's sandbox object: its mounts say which files are overlays, and of what."""
    overlays = {m.get("target"): m.get("source") for m in (sandbox or {}).get("mounts") or []}
    out: dict[str, dict[str, Any]] = {}
    for path in FILES:
        source = overlays.get(path)
        origin = "host" if source is None else "sandbox default" if source == "default" else f"sandbox {source}"
        try:
            with open(path, "rb") as fh:  # read here, in the program's mount namespace
                data = fh.read(_READ_CAP)
        except OSError as e:
            out[path] = {"origin": origin, "missing": e.strerror or str(e)}
            continue
        out[path] = {"origin": origin, "sha256": sha256(data).hexdigest(), "bytes": len(data)}
    return out
