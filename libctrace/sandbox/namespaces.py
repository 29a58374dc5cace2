"""Linux namespace plumbing for the sandbox, through ctypes (Python 3.11 has no os.unshare).

Everything here acts on the calling process: after enter() it lives in a fresh mount and
network namespace, whose mounts never propagate back to the host, and its children (the
traced programs, the DNS server) inherit both.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from libctrace.errors import PermissionProblem

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
RTM_NEWADDR = 20
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
IFA_ADDRESS, IFA_LOCAL = 1, 2
IFA_F_NODAD = 0x2

# why unshare(CLONE_NEWUSER) fails, in the words of the knob that controls it
_USERNS_REFUSED = {
    errno.ENOSPC: "limit reached: sysctl user.max_user_namespaces",
    errno.EPERM: "disabled: kernel.unprivileged_userns_clone=0 or an AppArmor/SELinux policy",
    errno.EINVAL: "unavailable: a kernel without CONFIG_USER_NS, or threads already running",
}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.unshare.argtypes = [ctypes.c_int]
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, flags: int) -> None:
    src = source.encode() if source is not None else None
    _check(_libc.mount(src, target.encode(), None, flags, None), f"mount {target}")


@dataclass
class Namespaces:
    """Where the process was before enter(), so leave() can go back (when it may)."""

    user: bool  # True when an unprivileged user namespace was needed
    _old_mnt: int
    _old_net: int
    _binds: list[str] = field(default_factory=list)

    def bind_file(self, source: str, target: str) -> str:
        """Bind-mounts source over target, read-only; returns the path really covered (the
        target of a symlink such as systemd-resolved's /etc/resolv.conf)."""
        real = os.path.realpath(target)
        if not os.path.isfile(real):
            raise PermissionProblem(
                f"--sandbox: cannot overlay {target}: {real} does not exist on this machine "
                f"(a bind mount needs a file to cover, and the host's /etc is never written)"
            )
        try:
            _mount(source, real, MS_BIND)
        except OSError as e:
            raise PermissionProblem(f"--sandbox: cannot bind {source} over {real}: {e.strerror}") from None
        self._binds.append(real)
        try:
            _mount(None, real, MS_REMOUNT | MS_BIND | MS_RDONLY)
        except OSError:
            pass  # read-only is a courtesy: the source is a private copy, writes cannot reach the host
        return real

    def leave(self) -> None:
        """Returns to the namespaces the process was in before enter(). Inside a user
        namespace of our own we hold no privilege over the old ones, so we stay, but drop our
        overlays: the next enter() copies this mount tree, and its overlays' files are gone."""
        for real in reversed(self._binds):
            _libc.umount2(real.encode(), MNT_DETACH)
        self._binds.clear()
        cwd = os.getcwd()
        try:
            if not self.user:
                _await_single_thread()
                if _libc.setns(self._old_mnt, CLONE_NEWNS) != 0:
                    err = ctypes.get_errno()
                    raise PermissionProblem(f"--sandbox: cannot leave the mount namespace: {os.strerror(err)}")
                _check(_libc.setns(self._old_net, CLONE_NEWNET), "setns(net)")
                os.chdir(cwd)  # setns(CLONE_NEWNS) moves the process to the namespace's root
        finally:
            os.close(self._old_mnt)
            os.close(self._old_net)


def _await_single_thread(timeout: float = 2.0) -> None:
    """setns(CLONE_NEWNS) fails with EINVAL while another thread shares our fs_struct; a
    progress spinner (rich) stops its refresh thread without joining it, so wait for it."""
    me = threading.current_thread()
    deadline = time.monotonic() + timeout
    for t in threading.enumerate():
        if t is not me:
            t.join(max(0.0, deadline - time.monotonic()))


def _write_map(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def enter() -> Namespaces:
    """Unshares a mount and a network namespace; with an unprivileged user namespace when
    plain unshare is refused. Raises PermissionProblem saying what is missing."""
    old_mnt = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    old_net = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    user = False
    try:
        if _libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
            first = ctypes.get_errno()
            if first == errno.EINVAL:  # CLONE_NEWNS implies CLONE_FS, refused once threads exist
                raise PermissionProblem("--sandbox: unshare refused: open_sandbox must run before any thread starts")
            if first != errno.EPERM:
                raise PermissionProblem(f"--sandbox: unshare(mount, network) failed: {os.strerror(first)}")
            uid, gid = os.geteuid(), os.getegid()
            if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise PermissionProblem(
                    f"--sandbox needs root or an unprivileged user namespace, and the kernel refused "
                    f"one ({_USERNS_REFUSED.get(err, os.strerror(err))}); "
                    f"run as root or allow unprivileged user namespaces"
                )
            user = True
            # Same ids inside as outside: the traced program sees who it really is.
            _write_map("/proc/self/setgroups", "deny")
            _write_map("/proc/self/uid_map", f"{uid} {uid} 1")
            _write_map("/proc/self/gid_map", f"{gid} {gid} 1")
        # First thing in the new namespace: stop mount events flowing back to the host.
        _mount(None, "/", MS_REC | MS_PRIVATE)
    except BaseException as e:
        os.close(old_mnt)
        os.close(old_net)
        if isinstance(e, OSError):
            raise PermissionProblem(f"--sandbox: {e.strerror}") from None
        raise
    return Namespaces(user=user, _old_mnt=old_mnt, _old_net=old_net)


def loopback_up() -> None:
    """Brings up lo in the new network namespace (it starts down), like `ip link set lo up`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _rtattr(kind: int, data: bytes) -> bytes:
    size = 4 + len(data)
    return struct.pack("=HH", size, kind) + data + b"\0" * (-size % 4)


def add_address(ifname: str, address: str, prefixlen: int) -> None:
    """Adds an address to an interface through rtnetlink (RTM_NEWADDR), like `ip addr add`;
    raises OSError with the kernel's errno."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    raw = socket.inet_pton(family, address)
    body = struct.pack("=BBBBI", family, prefixlen, IFA_F_NODAD, 0, socket.if_nametoindex(ifname))
    body += _rtattr(IFA_LOCAL, raw) + _rtattr(IFA_ADDRESS, raw)
    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    msg = struct.pack("=LHHLL", 16 + len(body), RTM_NEWADDR, flags, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as nl:
        nl.sendto(msg, (0, 0))
        reply = nl.recv(4096)
    kind = struct.unpack_from("=H", reply, 4)[0]
    if kind == NLMSG_ERROR:
        err = -struct.unpack_from("=i", reply, 16)[0]
        if err:
            raise OSError(err, os.strerror(err))
