"""ioctl: the requests libcs make on their own (terminals, FIONREAD...), others as strace's _IOC()."""

from __future__ import annotations

import struct
from typing import Any, Callable

from libctrace.decode.core import (
    Args, Decoder, FdTable, Handler, Kind, flags, hx, in_struct, int32, out_struct, ptr,
)


# The requests libcs issue on their own (isatty, terminal size, interface lookups).
_IOCTL = {
    0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x540F: "TIOCGPGRP",
    0x5410: "TIOCSPGRP", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x541B: "FIONREAD",
    0x5421: "FIONBIO", 0x5451: "FIOCLEX", 0x5450: "FIONCLEX", 0x8912: "SIOCGIFCONF",
    0x8913: "SIOCGIFFLAGS", 0x8933: "SIOCGIFINDEX", 0x8910: "SIOCGIFNAME", 0x80045430: "TIOCGPTN",
}


_IOCTL[0x40045431] = "TIOCSPTLCK"


_IOCTL_INT = frozenset((0x80045430, 0x40045431, 0x541B, 0x540F, 0x5410, 0x5421, 0x5429, 0x5422, 0x5452))


_IOCTL_NOARG = frozenset((0x5451, 0x5450, 0x540E, 0x5422))


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
    arg = _IOCTL_ARG.get(req)
    if arg is None:
        return [fd, name, ptr(a[2])]
    size, fmt, filled = arg
    return [fd, name, out_struct(d, tid, a[2], size, r, fmt) if filled else in_struct(d, tid, a[2], size, fmt)]


def _int_box(raw: bytes) -> str:
    return f"[{struct.unpack('=i', raw)[0]}]"


# The argument of a request: its size, how strace prints it, and whether the kernel fills it.
_IOCTL_ARG: dict[int, tuple[int, Callable[[bytes], str], bool]] = {
    **{req: (4, _int_box, req in (0x80045430, 0x541B, 0x540F)) for req in _IOCTL_INT},
    0x5413: (8, _winsize, True), 0x5414: (8, _winsize, False),  # TIOCGWINSZ, TIOCSWINSZ
    0x5401: (36, _termios, True), **{req: (36, _termios, False) for req in (0x5402, 0x5403, 0x5404)},
}

HANDLERS: dict[str, Handler] = {"ioctl": _ioctl}
SPECS: dict[str, tuple[Kind, ...]] = {}
