"""Socket addresses: struct sockaddr as a JSON object, and its short text for fd_path."""

from __future__ import annotations

import struct
from typing import Any

AF = {0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET"}


def sockaddr(raw: bytes) -> dict[str, Any] | None:
    import ipaddress  # here, not above: 2 ms of every `run`'s start-up, and most runs have no socket

    if len(raw) < 2:
        return None
    fam = struct.unpack_from("=H", raw)[0]
    if fam == 2 and len(raw) >= 8:
        port = struct.unpack_from("!H", raw, 2)[0]
        return {"family": "AF_INET", "addr": str(ipaddress.IPv4Address(raw[4:8])), "port": port}
    if fam == 10 and len(raw) >= 24:
        port, flow = struct.unpack_from("!HI", raw, 2)
        sa = {"family": "AF_INET6", "addr": str(ipaddress.IPv6Address(raw[8:24])), "port": port, "flowinfo": flow}
        if len(raw) >= 28:
            sa["scope_id"] = struct.unpack_from("=I", raw, 24)[0]
        return sa
    if fam == 1:
        path = raw[2:]
        if path[:1] == b"\0":  # abstract namespace: the name is every byte of the given length
            name = path[1:].decode("utf-8", "backslashreplace")
            return {"family": "AF_UNIX", "path": "@" + name, "abstract": True}
        return {"family": "AF_UNIX", "path": path.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")}
    if fam == 16 and len(raw) >= 12:
        pid, groups = struct.unpack_from("=II", raw, 4)
        return {"family": "AF_NETLINK", "pid": pid, "groups": groups}
    return {"family": AF.get(fam, fam)}


def endpoint(sa: dict[str, Any]) -> str | None:
    """The one short text of an address (fd_path, facts, diff): `127.0.0.1:53`, `[::1]:53`, a
    socket path; None for a family without either (netlink: each caller names it its way)."""
    if "port" in sa:
        host = f"[{sa.get('addr')}]" if sa.get("family") == "AF_INET6" else sa.get("addr")
        return f"{host}:{sa['port']}"
    if "path" in sa:
        return str(sa["path"])
    return None


def addr_text(sa: dict[str, Any]) -> str:
    """endpoint() for fd_path: a netlink socket by its port id."""
    text = endpoint(sa)
    if text is not None:
        return text
    return f"pid={sa['pid']}" if "pid" in sa else ""
