"""One sandboxed period of the calling process: namespaces, /etc overlays, DNS server."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from libctrace.errors import PermissionProblem
from libctrace.outputs import create_file
from libctrace.sandbox import namespaces
from libctrace.sandbox.config import SandboxConfig
from libctrace.sandbox.dns_server import ServerProcess, start_server
from libctrace.sandbox.zone import load_zone

DEFAULTS = files("libctrace.sandbox").joinpath("defaults")
CONTENT_CAP = 4096  # overlay text kept in the header, so a saved trace says what the program saw
# Addresses beside 127.0.0.1 and ::1 on lo. glibc's AI_ADDRCONFIG ignores loopback addresses,
# so with lo alone getaddrinfo(AF_INET, AI_ADDRCONFIG) fails with EAI_NONAME; these make the
# sandbox look like an ordinary dual-stack host. Documentation prefixes (RFC 5737, RFC 3849).
HOST_ADDRESSES = (("192.0.2.1", 32), ("2001:db8::1", 128))


class SandboxSession:
    def __init__(
        self,
        config: SandboxConfig,
        mounts: list[dict[str, Any]],
        addresses: list[str],
        zone: dict[str, Any],
        server: ServerProcess,
        user_namespace: bool,
    ) -> None:
        self.config = config
        self.mounts = mounts
        self.addresses = addresses
        self.zone = zone
        self.server = server
        self.user_namespace = user_namespace

    def header(self) -> dict[str, Any]:
        """The trace header's `sandbox` object (docs/sandbox.md)."""
        return {
            "config": self.config.to_json(),
            "namespaces": ["mnt", "net"] + (["user"] if self.user_namespace else []),
            "mounts": self.mounts,
            "loopback": self.addresses,
            "dns": {
                "listen": f"127.0.0.1:{self.server.port}",
                "transports": ["udp", "tcp"],
                "server_pid": self.server.pid,
                "zone": self.zone,
            },
        }

    def drain_log(self) -> list[dict[str, Any]]:
        """dns-log events the server received since the last call."""
        return self.server.drain()


def _overlays(config: SandboxConfig) -> list[tuple[str, str, str]]:
    """(target in /etc, source file, label for the header) for every file to overlay."""
    chosen: list[tuple[str, str | None, str | None]] = [
        ("/etc/resolv.conf", config.resolv_conf, str(DEFAULTS.joinpath("resolv.conf"))),
        ("/etc/hosts", config.hosts, str(DEFAULTS.joinpath("hosts"))),
        # nsswitch.conf only on request: the host's NSS setup is often the thing under study
        ("/etc/nsswitch.conf", config.nsswitch, None),
    ]
    return [
        (target, source, given or "default")
        for target, given, default in chosen
        if (source := given or default) is not None
    ]


def _snapshot(source: str, target: str, workdir: Path) -> tuple[Path, bytes]:
    """Copies an overlay into the session directory: the program may write what it sees,
    and such writes must reach neither the user's file nor the package's default."""
    try:
        data = Path(source).read_bytes()
    except OSError as e:
        raise PermissionProblem(f"--sandbox: cannot read {source}: {e.strerror}") from None
    copy = workdir / Path(target).name  # targets are distinct, so are their copies
    with create_file(str(copy), "sandbox copy") as f:  # 0600
        f.write(data)
    if os.stat(source).st_mode & stat.S_IROTH:
        # a traced program that dropped privileges still reads a public file (the defaults,
        # a hosts file); a private one (--hosts /etc/shadow) stays 0600
        copy.chmod(0o644)
    return copy, data


@contextmanager
def open_sandbox(config: SandboxConfig) -> Iterator[SandboxSession]:
    """Moves the calling process into new mount and network namespaces with the overlays
    and the DNS server in place; on exit stops the server and goes back where possible."""
    zone = load_zone(config.dns_zone)  # a bad zone fails before anything is unshared
    workdir = Path(tempfile.mkdtemp(prefix="libctrace-sandbox-"))  # 0700: the copies are reached by their mounts only
    try:
        copies = [(target, *_snapshot(source, target, workdir), label) for target, source, label in _overlays(config)]
        ns = namespaces.enter()
        server: ServerProcess | None = None
        try:
            mounts = []
            for target, copy, data, label in copies:
                covered = ns.bind_file(str(copy), target)
                mounts.append(
                    {
                        "target": target,
                        "covered": covered,
                        "source": label,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "content": data[:CONTENT_CAP].decode(errors="replace"),
                    }
                )
            try:
                namespaces.loopback_up()
            except OSError as e:
                raise PermissionProblem(f"--sandbox: cannot bring up the loopback interface: {e.strerror}") from None
            addresses = ["127.0.0.1/8", "::1/128"]
            for address, prefix in HOST_ADDRESSES:
                try:
                    namespaces.add_address("lo", address, prefix)
                    addresses.append(f"{address}/{prefix}")
                except OSError:
                    pass  # IPv6 may be disabled on this kernel: the header lists what was added
            server = start_server(zone, str(workdir / "dns-log.jsonl"), scratch=str(workdir))
            yield SandboxSession(config, mounts, addresses, zone.summary(), server, ns.user)
        finally:
            if server is not None:
                server.stop()
            ns.leave()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
