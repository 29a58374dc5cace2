"""ioctl: the requests libcs make on their own (terminals, FIONREAD...), others as strace's _IOC()."""

from __future__ import annotations

import struct
from typing import Any, Callable

from libctrace.syscalls.decode.core import (
    Args,
    Decoder,
    FdTable,
    Handler,
    Kind,
    cquote,
    flags,
    hx,
    in_struct,
    int32,
    out_struct,
    ptr,
    xlat,
)

# The requests libcs issue on their own (isatty, terminal size, interface lookups).
_IOCTL = {
    0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x540F: "TIOCGPGRP",
    0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD",
    0x5421: "FIONBIO", 0x5451: "FIOCLEX", 0x5450: "FIONCLEX", 0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS", 0x8933: "SIOCGIFINDEX", 0x8910: "SIOCGIFNAME", 0x80045430: "TIOCGPTN",
}


_IOCTL[0x40045431] = "TIOCSPTLCK"
_IOCTL.update({
    0x40049409: "BTRFS_IOC_CLONE or FICLONE", 0x4020940D: "BTRFS_IOC_CLONE_RANGE or FICLONERANGE",
    0xC0189436: "FIDEDUPERANGE", 0x5452: "FIOASYNC", 0x5460: "FIOQSIZE", 2: "FIGETBSZ", 1: "FIBMAP",
    0x80086601: "FS_IOC_GETFLAGS", 0x40086602: "FS_IOC_SETFLAGS", 0x80087601: "FS_IOC_GETVERSION",
    0x80081272: "BLKGETSIZE64", 0x1268: "BLKSSZGET", 0x540B: "TCFLSH", 0x540A: "TCXONC", 0x5409: "TCSBRK",
    0x5425: "TCSBRKP", 0x540E: "TIOCSCTTY", 0x5422: "TIOCNOTTY", 0x5411: "TIOCOUTQ", 0x540C: "TIOCEXCL",
    0x540D: "TIOCNXCL", 0x5429: "TIOCGSID", 0x5441: "TIOCGPTPEER", 0x80045439: "TIOCGPTLCK",
    0x80045440: "TIOCGEXCL", 0x5420: "TIOCPKT", 0x5415: "TIOCMGET", 0x5416: "TIOCMBIS", 0x5417: "TIOCMBIC",
    0x5418: "TIOCMSET", 0x5424: "TIOCGETD", 0x5423: "TIOCSETD", 0x40045436: "TIOCSIG", 0x5437: "TIOCVHANGUP",
    0x5412: "TIOCSTI", 0x541D: "TIOCCONS", 0x8905: "SIOCATMARK", 0x8901: "FIOSETOWN", 0x8903: "FIOGETOWN",
    0x8904: "SIOCGPGRP", 0x8902: "SIOCSPGRP", 0x8915: "SIOCGIFADDR", 0x8927: "SIOCGIFHWADDR",
    0x8921: "SIOCGIFMTU", 0x891B: "SIOCGIFNETMASK", 0x8919: "SIOCGIFBRDADDR", 0x8917: "SIOCGIFDSTADDR",
    0x8942: "SIOCGIFTXQLEN",
})


# Requests whose argument is an int behind a pointer, `[0]`; those the kernel fills, apart.
_IOCTL_INT = frozenset((0x80045430, 0x40045431, 0x541B, 0x540F, 0x5410, 0x5421, 0x5452, 0x5411, 0x80045440, 0x5429,
                        0x5420, 0x5424, 0x5423, 0x8901, 0x8903, 0x8904, 0x8902))
_IOCTL_INT_OUT = frozenset((0x80045430, 0x541B, 0x540F, 0x5411, 0x80045440, 0x5424, 0x8903, 0x8904, 0x5429))


_IOCTL_NOARG = frozenset((0x5451, 0x5450, 0x5422, 0x540C, 0x540D, 0x5437, 0x541D))
# Requests whose argument is a plain int (strace prints it in decimal), or named constants.
_IOCTL_DEC = frozenset((0x40049409, 0x5409, 0x5425, 0x540E))
_IOCTL_XLAT = {0x540B: {0: "TCIFLUSH", 1: "TCOFLUSH", 2: "TCIOFLUSH"}, 0x540A: {0: "TCOOFF", 1: "TCOON", 2: "TCIOFF", 3: "TCION"}}
_IOCTL_HEX = frozenset((0x5441, 0x40045436))


_IOC_DIR = {0: "_IOC_NONE", 1: "_IOC_WRITE", 2: "_IOC_READ", 3: "_IOC_READ|_IOC_WRITE"}


def _ioc(req: int) -> str:
    return f"_IOC({_IOC_DIR[req >> 30]}, {(req >> 8) & 0xFF:#x}, {req & 0xFF:#x}, {hx((req >> 16) & 0x3FFF)})"


def _winsize(raw: bytes) -> str:
    return "{ws_row=%d, ws_col=%d, ws_xpixel=%d, ws_ypixel=%d}" % struct.unpack("=4H", raw)


_IFLAG = ((1, "IGNBRK"), (2, "BRKINT"), (4, "IGNPAR"), (8, "PARMRK"), (0x10, "INPCK"), (0x20, "ISTRIP"),
          (0x40, "INLCR"), (0x80, "IGNCR"), (0x100, "ICRNL"), (0x200, "IUCLC"), (0x400, "IXON"), (0x800, "IXANY"),
          (0x1000, "IXOFF"), (0x2000, "IMAXBEL"), (0x4000, "IUTF8"))


_LFLAG = ((1, "ISIG"), (2, "ICANON"), (4, "XCASE"), (8, "ECHO"), (0x10, "ECHOE"), (0x20, "ECHOK"), (0x40, "ECHONL"),
          (0x80, "NOFLSH"), (0x8000, "IEXTEN"), (0x200, "ECHOCTL"), (0x400, "ECHOPRT"), (0x800, "ECHOKE"),
          (0x1000, "FLUSHO"), (0x4000, "PENDIN"), (0x100, "TOSTOP"), (0x10000, "EXTPROC"))


_BAUD = {0: "B0", 0o17: "B38400", 0o15: "B9600", 0o16: "B19200", 0o10002: "B115200", 0o10001: "B57600"}


def _termios(raw: bytes) -> str:
    i, o, c, lf = struct.unpack_from("=4I", raw)
    # c_oflag: strace names each delay field's value (NL0, CR0...) before the bits.
    od = [f"NL{(o >> 8) & 1}", f"CR{(o >> 9) & 3}", f"TAB{(o >> 11) & 3}", f"BS{(o >> 13) & 1}",
          f"VT{(o >> 14) & 1}", f"FF{(o >> 15) & 1}"]
    obits = flags(o & ~0xFF00, ((1, "OPOST"), (2, "OLCUC"), (4, "ONLCR"), (8, "OCRNL"), (0x10, "ONOCR"),
                                (0x20, "ONLRET"), (0x40, "OFILL"), (0x80, "OFDEL")), zero="")
    cbits = [_BAUD.get(c & 0o10017, f"{c & 0o10017:#o}"), f"CS{5 + ((c >> 4) & 3)}"]
    cbits += [n for b, n in ((0o100, "CSTOPB"), (0o200, "CREAD"), (0o400, "PARENB"), (0o1000, "PARODD"),
                             (0o2000, "HUPCL"), (0o4000, "CLOCAL"), (0o20000000000, "CRTSCTS")) if c & b]
    return (f"{{c_iflag={flags(i, _IFLAG)}, c_oflag={'|'.join(od + ([obits] if obits else []))}, "
            f"c_cflag={'|'.join(cbits)}, c_lflag={flags(lf, _LFLAG)}, ...}}")


def _ioctl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, req = int32(a[0]), a[1] & 0xFFFFFFFF
    name = _IOCTL.get(req)
    if name is None:
        return [fd, _ioc(req), hx(a[2])]
    if req in _IOCTL_NOARG:
        return [fd, name]
    if req in _IOCTL_DEC:
        return [fd, name, int32(a[2])]
    if req in _IOCTL_HEX:
        return [fd, name, hx(a[2])]
    if req in _IOCTL_XLAT:
        return [fd, name, xlat(int32(a[2]), _IOCTL_XLAT[req], "TC???")]
    if req in _IFREQ:
        return [fd, name, _ifreq(d, tid, a[2], r, req)]
    arg = _IOCTL_ARG.get(req)
    if arg is None:
        return [fd, name, ptr(a[2])]
    size, fmt, filled = arg
    return [fd, name, out_struct(d, tid, a[2], size, r, fmt) if filled else in_struct(d, tid, a[2], size, fmt)]


def _int_box(raw: bytes) -> str:
    return f"[{struct.unpack('=i', raw)[0]}]"


_FS_FL = tuple((1 << b, f"FS_{n}_FL") for b, n in (
    (0, "SECRM"), (1, "UNRM"), (2, "COMPR"), (3, "SYNC"), (4, "IMMUTABLE"), (5, "APPEND"), (6, "NODUMP"),
    (7, "NOATIME"), (8, "DIRTY"), (9, "COMPRBLK"), (10, "NOCOMP"), (11, "ENCRYPT"), (12, "INDEX"), (13, "IMAGIC"),
    (14, "JOURNAL_DATA"), (15, "NOTAIL"), (16, "DIRSYNC"), (17, "TOPDIR"), (18, "HUGE_FILE"), (19, "EXTENT"),
    (20, "VERITY"), (21, "EA_INODE"), (22, "EOFBLOCKS"), (23, "NOCOW"), (25, "DAX"), (28, "INLINE_DATA"),
    (29, "PROJINHERIT"), (30, "CASEFOLD")))


def _fs_flags(raw: bytes) -> str:
    return f"[{flags(struct.unpack_from('=I', raw)[0], _FS_FL)}]"


_IFF = tuple((1 << i, "IFF_" + n) for i, n in enumerate((
    "UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTOPOINT", "NOTRAILERS", "RUNNING", "NOARP", "PROMISC", "ALLMULTI",
    "MASTER", "SLAVE", "MULTICAST", "PORTSEL", "AUTOMEDIA", "DYNAMIC", "LOWER_UP", "DORMANT", "ECHO")))
_ARPHRD = {1: "ARPHRD_ETHER", 772: "ARPHRD_LOOPBACK", 776: "ARPHRD_SIT", 65534: "ARPHRD_NONE", 778: "ARPHRD_IPGRE",
           768: "ARPHRD_TUNNEL", 769: "ARPHRD_TUNNEL6", 823: "ARPHRD_IP6GRE"}
# struct ifreq requests: the union member the kernel fills, by request.
_IFREQ = {0x8933: "ifr_ifindex", 0x8910: "ifr_name", 0x8913: "ifr_flags", 0x8921: "ifr_mtu", 0x8942: "ifr_qlen",
          0x8915: "ifr_addr", 0x891B: "ifr_netmask", 0x8919: "ifr_broadaddr", 0x8917: "ifr_dstaddr",
          0x8927: "ifr_hwaddr"}


def _ifreq(d: Decoder, tid: int, addr: int, r: int, req: int) -> str:
    """struct ifreq as strace prints it: the name asked about, and the answer when there is one."""
    # The name and 16 bytes of the union: all that is printed (and within the 36 bytes the C
    # loop copies for ioctl, decode/copied.py).
    raw = d.mem.read(tid, addr, 32)
    if len(raw) < 32:
        return ptr(addr)
    name = cquote(raw[:16].split(b"\0", 1)[0], d.strsize)
    field = _IFREQ[req]
    if req == 0x8910:  # SIOCGIFNAME: asks by index
        idx = struct.unpack_from("=i", raw, 16)[0]
        return f"{{ifr_ifindex={idx}, ifr_name={name}}}" if r >= 0 else f"{{ifr_ifindex={idx}}}"
    if r < 0:
        return f"{{ifr_name={name}}}"
    if field == "ifr_flags":
        value = flags(struct.unpack_from("=H", raw, 16)[0], _IFF)
    elif field == "ifr_hwaddr":
        fam = struct.unpack_from("=H", raw, 16)[0]
        value = f"{{sa_family={_ARPHRD.get(fam) or fam}, sa_data={':'.join(f'{b:02x}' for b in raw[18:24])}}}"
    elif field.endswith("addr") or field == "ifr_netmask":
        fam, port = struct.unpack_from("=HH", raw, 16)
        if fam != 2:  # AF_INET is the only family of these requests
            return f"{{ifr_name={name}, {field}={{sa_family={fam}}}}}"
        value = (f"{{sa_family=AF_INET, sin_port=htons({int.from_bytes(raw[18:20], 'big')}), "
                 f"sin_addr=inet_addr(\"{'.'.join(str(b) for b in raw[20:24])}\")}}")
    else:
        value = str(struct.unpack_from("=i", raw, 16)[0])
    return f"{{ifr_name={name}, {field}={value}}}"


# The argument of a request: its size, how strace prints it, and whether the kernel fills it.
_IOCTL_ARG: dict[int, tuple[int, Callable[[bytes], str], bool]] = {
    **{req: (4, _int_box, req in _IOCTL_INT_OUT) for req in _IOCTL_INT},
    0x80086601: (4, _fs_flags, True), 0x40086602: (4, _fs_flags, False),  # FS_IOC_[GS]ETFLAGS
    0x5413: (8, _winsize, True), 0x5414: (8, _winsize, False),  # TIOCGWINSZ, TIOCSWINSZ
    0x5401: (36, _termios, True), **{req: (36, _termios, False) for req in (0x5402, 0x5403, 0x5404)},
}

HANDLERS: dict[str, Handler] = {"ioctl": _ioctl}
SPECS: dict[str, tuple[Kind, ...]] = {}
