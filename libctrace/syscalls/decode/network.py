"""Socket calls: socket, connect, bind, accept, send/recv*, socket options, value-result lengths."""

from __future__ import annotations

import errno as _errno
import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    INT,
    MSG_BITS,
    O_CLOEXEC,
    Args,
    Decoder,
    Fd,
    FdTable,
    Handler,
    Kind,
    flags,
    int32,
    is_dns,
    ptr,
    sflags,
    xlat,
)
from libctrace.syscalls.decode.sockaddr import AF, sockaddr

_SOCK_TYPE = {1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 10: "SOCK_PACKET"}


_SOCK_BITS = ((0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK"))


_IPPROTO = {0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP", 58: "IPPROTO_ICMPV6"}


_NETLINK = {0: "NETLINK_ROUTE", 4: "NETLINK_SOCK_DIAG", 9: "NETLINK_AUDIT", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC"}


_SHUT = {0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}


def sock_type(v: int) -> str:
    if v & 0xF not in _SOCK_TYPE:
        return f"{v:#x} /* SOCK_??? */"
    base = _SOCK_TYPE[v & 0xF]
    rest = flags(v & ~0xF, _SOCK_BITS, zero="")
    return f"{base}|{rest}" if rest else base


def _socketpair(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fds: list[int] | str = ptr(a[3])
    raw = d.mem.read(tid, a[3], 8) if r == 0 else b""
    if len(raw) == 8:
        fds = list(struct.unpack("=ii", raw))
        for fd in fds:
            t[fd] = Fd("socket", bool(a[1] & O_CLOEXEC), AF.get(a[0], str(a[0])), _SOCK_TYPE.get(a[1] & 0xF, ""))
    return [AF.get(a[0], a[0]), sock_type(a[1]), a[2], fds]


def _sendmmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.mmsghdrs(tid, a[1], r, is_dns(t, fd)) if r > 0 else ptr(a[1]), a[2], flags(a[3], MSG_BITS)]


def _recvmmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.mmsghdrs(tid, a[1], r, is_dns(t, fd)) if r > 0 else ptr(a[1]), a[2], flags(a[3], MSG_BITS), ptr(a[4])]


_SO = {
    1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE", 6: "SO_BROADCAST",
    7: "SO_SNDBUF", 8: "SO_RCVBUF", 9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 11: "SO_NO_CHECK",
    12: "SO_PRIORITY", 13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT", 16: "SO_PASSCRED",
    17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO_OLD", 21: "SO_SNDTIMEO_OLD",
    25: "SO_BINDTODEVICE", 26: "SO_ATTACH_FILTER", 27: "SO_DETACH_FILTER", 28: "SO_PEERNAME",
    29: "SO_TIMESTAMP_OLD", 30: "SO_ACCEPTCONN", 31: "SO_PEERSEC", 32: "SO_SNDBUFFORCE", 33: "SO_RCVBUFFORCE",
    34: "SO_PASSSEC", 35: "SO_TIMESTAMPNS_OLD", 36: "SO_MARK", 37: "SO_TIMESTAMPING_OLD", 38: "SO_PROTOCOL",
    39: "SO_DOMAIN", 40: "SO_RXQ_OVFL", 41: "SO_WIFI_STATUS", 42: "SO_PEEK_OFF", 43: "SO_NOFCS",
    44: "SO_LOCK_FILTER", 45: "SO_SELECT_ERR_QUEUE", 46: "SO_BUSY_POLL", 47: "SO_MAX_PACING_RATE",
    48: "SO_BPF_EXTENSIONS", 49: "SO_INCOMING_CPU", 50: "SO_ATTACH_BPF", 51: "SO_ATTACH_REUSEPORT_CBPF",
    52: "SO_ATTACH_REUSEPORT_EBPF", 53: "SO_CNX_ADVICE", 55: "SO_MEMINFO", 56: "SO_INCOMING_NAPI_ID",
    57: "SO_COOKIE", 59: "SO_PEERGROUPS", 60: "SO_ZEROCOPY", 61: "SO_TXTIME", 62: "SO_BINDTOIFINDEX",
    63: "SO_TIMESTAMP_NEW", 64: "SO_TIMESTAMPNS_NEW", 65: "SO_TIMESTAMPING_NEW", 66: "SO_RCVTIMEO_NEW",
    67: "SO_SNDTIMEO_NEW", 68: "SO_DETACH_REUSEPORT_BPF", 69: "SO_PREFER_BUSY_POLL", 70: "SO_BUSY_POLL_BUDGET",
    71: "SO_NETNS_COOKIE", 72: "SO_BUF_LOCK", 73: "SO_RESERVE_MEM", 74: "SO_TXREHASH", 75: "SO_RCVMARK",
}


_TCP = {
    1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE", 5: "TCP_KEEPINTVL", 6: "TCP_KEEPCNT",
    7: "TCP_SYNCNT", 8: "TCP_LINGER2", 9: "TCP_DEFER_ACCEPT", 10: "TCP_WINDOW_CLAMP", 11: "TCP_INFO",
    12: "TCP_QUICKACK", 13: "TCP_CONGESTION", 14: "TCP_MD5SIG", 16: "TCP_THIN_LINEAR_TIMEOUTS",
    17: "TCP_THIN_DUPACK", 18: "TCP_USER_TIMEOUT", 19: "TCP_REPAIR", 20: "TCP_REPAIR_QUEUE", 21: "TCP_QUEUE_SEQ",
    22: "TCP_REPAIR_OPTIONS", 23: "TCP_FASTOPEN", 24: "TCP_TIMESTAMP", 25: "TCP_NOTSENT_LOWAT", 26: "TCP_CC_INFO",
    27: "TCP_SAVE_SYN", 28: "TCP_SAVED_SYN", 29: "TCP_REPAIR_WINDOW", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP",
    32: "TCP_MD5SIG_EXT", 33: "TCP_FASTOPEN_KEY", 34: "TCP_FASTOPEN_NO_COOKIE", 35: "TCP_ZEROCOPY_RECEIVE",
    36: "TCP_INQ", 37: "TCP_TX_DELAY",
}


_IP = {
    1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 5: "IP_ROUTER_ALERT", 6: "IP_RECVOPTS",
    7: "IP_RETOPTS", 8: "IP_PKTINFO", 9: "IP_PKTOPTIONS", 10: "IP_MTU_DISCOVER", 11: "IP_RECVERR",
    12: "IP_RECVTTL", 13: "IP_RECVTOS", 14: "IP_MTU", 15: "IP_FREEBIND", 16: "IP_IPSEC_POLICY",
    17: "IP_XFRM_POLICY", 18: "IP_PASSSEC", 19: "IP_TRANSPARENT", 20: "IP_ORIGDSTADDR", 21: "IP_MINTTL",
    22: "IP_NODEFRAG", 23: "IP_CHECKSUM", 24: "IP_BIND_ADDRESS_NO_PORT", 25: "IP_RECVFRAGSIZE",
    26: "IP_RECVERR_RFC4884", 32: "IP_MULTICAST_IF", 33: "IP_MULTICAST_TTL", 34: "IP_MULTICAST_LOOP",
    35: "IP_ADD_MEMBERSHIP", 36: "IP_DROP_MEMBERSHIP", 37: "IP_UNBLOCK_SOURCE", 38: "IP_BLOCK_SOURCE",
    39: "IP_ADD_SOURCE_MEMBERSHIP", 40: "IP_DROP_SOURCE_MEMBERSHIP", 41: "IP_MSFILTER", 49: "IP_MULTICAST_ALL",
    50: "IP_UNICAST_IF",
}


_IPV6 = {
    1: "IPV6_ADDRFORM", 2: "IPV6_2292PKTINFO", 3: "IPV6_2292HOPOPTS", 4: "IPV6_2292DSTOPTS",
    5: "IPV6_2292RTHDR", 6: "IPV6_2292PKTOPTIONS", 7: "IPV6_CHECKSUM", 8: "IPV6_2292HOPLIMIT",
    9: "IPV6_NEXTHOP", 10: "IPV6_AUTHHDR", 11: "IPV6_FLOWINFO", 16: "IPV6_UNICAST_HOPS",
    17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS", 19: "IPV6_MULTICAST_LOOP", 20: "IPV6_ADD_MEMBERSHIP",
    21: "IPV6_DROP_MEMBERSHIP", 22: "IPV6_ROUTER_ALERT", 23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU",
    25: "IPV6_RECVERR", 26: "IPV6_V6ONLY", 27: "IPV6_JOIN_ANYCAST", 28: "IPV6_LEAVE_ANYCAST",
    49: "IPV6_RECVPKTINFO", 50: "IPV6_PKTINFO", 51: "IPV6_RECVHOPLIMIT", 52: "IPV6_HOPLIMIT",
    66: "IPV6_RECVTCLASS", 67: "IPV6_TCLASS",
}


_UDP = {1: "UDP_CORK", 100: "UDP_ENCAP", 101: "UDP_NO_CHECK6_TX", 102: "UDP_NO_CHECK6_RX", 103: "UDP_SEGMENT", 104: "UDP_GRO"}


_NETLINK_OPT = {1: "NETLINK_ADD_MEMBERSHIP", 2: "NETLINK_DROP_MEMBERSHIP", 3: "NETLINK_PKTINFO",
                4: "NETLINK_BROADCAST_ERROR", 5: "NETLINK_NO_ENOBUFS", 6: "NETLINK_RX_RING", 7: "NETLINK_TX_RING",
                8: "NETLINK_LISTEN_ALL_NSID", 9: "NETLINK_LIST_MEMBERSHIPS", 10: "NETLINK_CAP_ACK",
                11: "NETLINK_EXT_ACK", 12: "NETLINK_GET_STRICT_CHK"}


# (level name, option names, unknown text) by level.
_SOCKOPTS: dict[int, tuple[str, dict[int, str], str]] = {
    1: ("SOL_SOCKET", _SO, "SO_???"), 6: ("SOL_TCP", _TCP, "TCP_???"), 0: ("SOL_IP", _IP, "IP_???"),
    41: ("SOL_IPV6", _IPV6, "IPV6_???"), 17: ("SOL_UDP", _UDP, "UDP_???"), 270: ("SOL_NETLINK", _NETLINK_OPT, "NETLINK_???"),
}


def _optval(d: Decoder, tid: int, level: int, opt: int, addr: int, size: int, ok: bool) -> Any:
    if addr == 0:
        return "NULL"
    if not ok or size < 0:
        return ptr(addr)
    raw = d.mem.read(tid, addr, min(size, d.strsize + 1))
    if len(raw) < min(size, d.strsize + 1):
        return ptr(addr)
    if level == 1 and opt == 13 and size >= 8:  # SO_LINGER
        return "{l_onoff=%d, l_linger=%d}" % struct.unpack_from("=ii", raw)
    if size == 4:
        v = struct.unpack("=i", raw)[0]
        return f"[{v}]"
    return {"hex": raw[:size].hex(), "len": size}


def _sockopt_head(a: Args) -> tuple[int, int, list[Any]]:
    level, opt = int32(a[1]), a[2] & 0xFFFFFFFF
    known = _SOCKOPTS.get(level)
    if known is None:
        return level, opt, [int32(a[0]), level, opt]
    return level, opt, [int32(a[0]), known[0], xlat(opt, known[1], known[2])]


def _setsockopt(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    level, opt, out = _sockopt_head(a)
    size = int32(a[4])
    return [*out, _optval(d, tid, level, opt, a[3], size, True), size]


def _getsockopt(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    level, opt, out = _sockopt_head(a)
    before = d.len_in.pop(tid, None)
    raw = d.mem.read(tid, a[4], 4)
    after = struct.unpack("=i", raw)[0] if len(raw) == 4 else None
    val = _optval(d, tid, level, opt, a[3], after if after is not None else 0, r == 0)
    return [*out, val, inout_len(before, after, a[4])]


def inout_len(before: int | None, after: int | None, addr: int) -> str:
    """strace's value-result length: `[16]`, or `[128 => 16]` when the call changed it."""
    if addr == 0:
        return "NULL"
    if after is None:
        return ptr(addr)
    if before is None or before == after:
        return f"[{after}]"
    return f"[{before} => {after}]"


def _sockaddr_arg(d: Decoder, tid: int, addr: int, length: int) -> Any:
    if addr == 0:
        return None
    if length <= 0 or length > 1 << 20:
        return ptr(addr)
    raw = d.mem.read(tid, addr, min(length, 128))
    sa = sockaddr(raw) if len(raw) == min(length, 128) else None
    return sa if sa is not None else ptr(addr)


def _connect(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, n = int32(a[0]), int32(a[2])
    sa = _sockaddr_arg(d, tid, a[1], n)
    # A failed non-blocking connect (EINPROGRESS) still names the peer.
    if isinstance(sa, dict) and fd in t and (r == 0 or r == -_errno.EINPROGRESS):
        t[fd].peer = sa
    return [fd, sa, n]


def _bind(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    n = int32(a[2])
    return [int32(a[0]), _sockaddr_arg(d, tid, a[1], n), n]


def _result_len(d: Decoder, tid: int, addr: int) -> int | None:
    raw = d.mem.read(tid, addr, 4) if addr else b""
    return struct.unpack("=i", raw)[0] if len(raw) == 4 else None


def _peer_out(d: Decoder, tid: int, addr: int, lenp: int, r: int) -> tuple[Any, str, Any]:
    """A value-result address (accept, getsockname, recvfrom): (address, length text, dict)."""
    before = d.len_in.pop(tid, None)
    if r < 0:
        return ptr(addr) if addr else None, inout_len(before, before, lenp) if before is not None else ptr(lenp), None
    after = _result_len(d, tid, lenp)
    sa = _sockaddr_arg(d, tid, addr, min(after, before) if after is not None and before is not None else after or 0)
    return sa, inout_len(before, after, lenp), sa if isinstance(sa, dict) else None


def _getsockname(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    sa, ln, _ = _peer_out(d, tid, a[1], a[2], r)
    return [int32(a[0]), sa, ln]


def _accept(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa, ln, peer = _peer_out(d, tid, a[1], a[2], r)
    if r >= 0:
        lf = t.get(fd)
        cloexec = len(a) > 3 and bool(a[3] & O_CLOEXEC)
        t[r] = Fd("socket", cloexec, lf.family if lf else "", lf.stype if lf else "", peer)
    return [fd, sa, ln]


def _accept4(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_accept(d, tid, t, a, r), sflags(a[3], _SOCK_BITS)]


def _sendto(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa = _sockaddr_arg(d, tid, a[4], int32(a[5])) if a[4] else None
    dns = is_dns(t, fd) or (isinstance(sa, dict) and sa.get("port") == 53)
    _fast_open(t, fd, sa, r)
    return [fd, d.buf(tid, a[1], a[2], dns), a[2], sflags(a[3], MSG_BITS), sa, int32(a[5])]


def _recvfrom(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    sa, ln, peer = _peer_out(d, tid, a[4], a[5], r) if a[5] else (None if not a[4] else ptr(a[4]), "NULL", None)
    dns = is_dns(t, fd) or (peer is not None and peer.get("port") == 53)
    data = d.buf(tid, a[1], r, dns) if r >= 0 else ptr(a[1])
    return [fd, data, a[2], sflags(a[3], MSG_BITS), sa, ln]


def _sendmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    hdr = d.msghdr(tid, a[1], 1 << 62, is_dns(t, fd), None)
    if isinstance(hdr, dict):
        _fast_open(t, fd, hdr["name"], r)
    return [fd, hdr, sflags(a[2], MSG_BITS)]


def _fast_open(t: FdTable, fd: int, sa: Any, r: int) -> None:
    """A stream socket's sendto/sendmsg with an address connects it (TCP Fast Open, as musl
    >= 1.2.4 sends DNS over TCP): name the peer as connect does, so its answers are kept whole."""
    f = t.get(fd)
    if f is not None and f.peer is None and f.stype == "SOCK_STREAM" and isinstance(sa, dict) \
            and (r >= 0 or r == -_errno.EINPROGRESS):
        f.peer = sa


def _recvmsg(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    before = d.len_in.pop(tid, None)
    return [fd, d.msghdr(tid, a[1], r, is_dns(t, fd), before) if r >= 0 else ptr(a[1]), sflags(a[2], MSG_BITS)]


def _shutdown(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), xlat(int32(a[1]), _SHUT, "SHUT_???")]


def _socket(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fam, typ = int32(a[0]), a[1] & 0xFFFFFFFF
    if r >= 0:
        t[r] = Fd("socket", bool(typ & O_CLOEXEC), AF.get(fam, str(fam)), _SOCK_TYPE.get(typ & 0xF, str(typ & 0xF)))
    proto: int | str = int32(a[2])
    if fam in (2, 10):
        proto = xlat(proto, _IPPROTO, "IPPROTO_???")
    elif fam == 16:
        proto = xlat(proto, _NETLINK, "NETLINK_???")
    return [xlat(fam, AF, "AF_???"), sock_type(typ), proto]


HANDLERS: dict[str, Handler] = {
    "socket": _socket, "socketpair": _socketpair, "connect": _connect, "bind": _bind,
    "getsockname": _getsockname, "getpeername": _getsockname, "accept": _accept,
    "accept4": _accept4, "shutdown": _shutdown, "setsockopt": _setsockopt,
    "getsockopt": _getsockopt, "sendto": _sendto, "recvfrom": _recvfrom, "sendmsg": _sendmsg,
    "recvmsg": _recvmsg, "sendmmsg": _sendmmsg, "recvmmsg": _recvmmsg,
}
SPECS: dict[str, tuple[Kind, ...]] = {"listen": (INT, INT)}
