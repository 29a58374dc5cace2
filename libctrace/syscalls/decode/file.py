"""File and descriptor calls: open*, stat*, access, readlink, read/write, dup, fcntl, pipe, xattr..."""

from __future__ import annotations

import os
import struct
from typing import Any

from libctrace.syscalls.decode.core import (
    AT_BITS,
    AT_FDCWD,
    ATF,
    DIRFD,
    HEX,
    INT,
    LONG,
    MODE,
    O_CLOEXEC,
    OPEN_BITS,
    PATH,
    PTR,
    SEEK,
    STR,
    UINT,
    ULONG,
    Args,
    Decoder,
    Fd,
    FdTable,
    Handler,
    Kind,
    cquote,
    dirfd,
    flags,
    hx,
    in_struct,
    int32,
    is_dns,
    kflags,
    kxlat,
    open_flags,
    out_struct,
    ptr,
    sflags,
    signed,
    text,
    uflags,
    xlat,
)
from libctrace.syscalls.decode.timers import timespec

_FACCESSAT_BITS = ((0x200, "AT_EACCESS"), *[b for b in AT_BITS if b[0] != 0x200])


_ACCESS_BITS = ((4, "R_OK"), (2, "W_OK"), (1, "X_OK"))


_FCNTL = {
    0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK",
    7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG", 36: "F_OFD_GETLK",
    37: "F_OFD_SETLK", 38: "F_OFD_SETLKW", 1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY",
    1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS",
    1034: "F_GET_SEALS",
}


_S_IFMT = {0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o060000: "S_IFBLK",
           0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO"}


def file_mode(m: int) -> str:
    """st_mode as strace prints it: `S_IFREG|0644`."""
    names = [n for n in (_S_IFMT.get(m & 0o170000),) if n]
    names += [n for b, n in ((0o4000, "S_ISUID"), (0o2000, "S_ISGID"), (0o1000, "S_ISVTX")) if m & b]
    return "|".join([*names, f"0{m & 0o777:03o}"])


def makedev(dev: int) -> str:
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
    return f"makedev({hx(major)}, {hx(minor)})"


def stat_text(raw: bytes) -> str:
    """struct stat (x86_64), abbreviated the way strace prints it without -v."""
    mode = struct.unpack_from("=I", raw, 24)[0]
    if mode & 0o170000 in (0o020000, 0o060000):
        return f"{{st_mode={file_mode(mode)}, st_rdev={makedev(struct.unpack_from('=Q', raw, 40)[0])}, ...}}"
    return f"{{st_mode={file_mode(mode)}, st_size={struct.unpack_from('=q', raw, 48)[0]}, ...}}"


_STATX_MASK = (
    (0xFFF, "STATX_ALL"), (0x7FF, "STATX_BASIC_STATS"), (1, "STATX_TYPE"), (2, "STATX_MODE"), (4, "STATX_NLINK"), (8, "STATX_UID"),
    (0x10, "STATX_GID"), (0x20, "STATX_ATIME"), (0x40, "STATX_MTIME"), (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"), (0x200, "STATX_SIZE"), (0x400, "STATX_BLOCKS"), (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"), (0x2000, "STATX_DIOALIGN"),
)


_STATX_ATTR = (
    (0x4, "STATX_ATTR_COMPRESSED"), (0x10, "STATX_ATTR_IMMUTABLE"), (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"), (0x800, "STATX_ATTR_ENCRYPTED"), (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"), (0x100000, "STATX_ATTR_VERITY"), (0x200000, "STATX_ATTR_DAX"),
)


def statx_text(raw: bytes) -> str:
    mask, _blksize, attrs = struct.unpack_from("=IIQ", raw)
    mode = struct.unpack_from("=H", raw, 28)[0]
    size = struct.unpack_from("=Q", raw, 40)[0]
    return (f"{{stx_mask={flags(mask, _STATX_MASK)}, stx_attributes={flags(attrs, _STATX_ATTR)}, "
            f"stx_mode={file_mode(mode)}, stx_size={size}, ...}}")


_FLOCK_TYPE = {0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK"}


def flock_text(raw: bytes, with_pid: bool) -> str:
    typ, whence, start, ln, pid = struct.unpack_from("=hh4xqqi", raw)
    out = (f"{{l_type={xlat(typ, _FLOCK_TYPE, 'F_???')}, l_whence={xlat(whence, SEEK, 'SEEK_???')}, "
           f"l_start={start}, l_len={ln}")
    return out + (f", l_pid={pid}}}" if with_pid else "}")


def _opened(d: Decoder, tid: int, t: FdTable, dfd: int, p: str | int, r: int) -> str:
    """The path a new descriptor refers to, like strace -y: a relative name joined to the
    directory it is relative to (dfd, or the cwd for AT_FDCWD)."""
    if r < 0:
        return ""  # no descriptor
    if not isinstance(p, str):  # the name was unreadable at the exit: the kernel's
        try:
            return os.readlink(f"/proc/{tid}/fd/{r}")
        except OSError:
            return "?"
    if p.startswith("/"):
        return p
    fd = int32(dfd)
    if fd == AT_FDCWD:
        # Read at the call's exit rather than tracked through chdir/fchdir: those may be
        # outside the traced set, and a relative open is rare enough for one readlink.
        try:
            base: str | None = os.readlink(f"/proc/{tid}/cwd")
        except OSError:
            return p
    else:
        base = d.fd_path(tid, t, fd)
    if base is None or not base.startswith("/"):
        return p  # no directory path to join to (an fd the kernel no longer names)
    # Lexical, like the names recorded for absolute opens (no symlinks are resolved).
    return os.path.normpath(os.path.join(base, p))


def _open(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[0])
    d.new_fd(t, r, Fd(_opened(d, tid, t, AT_FDCWD, p, r), bool(a[1] & O_CLOEXEC)))
    return [p, open_flags(a[1]), a[2]] if a[1] & 0o100 or a[1] & 0o20200000 == 0o20200000 else [p, open_flags(a[1])]


def _openat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[1])
    d.new_fd(t, r, Fd(_opened(d, tid, t, a[0], p, r), bool(a[2] & O_CLOEXEC)))
    out = [dirfd(a[0]), p, open_flags(a[2])]
    if a[2] & 0o100 or a[2] & 0o20200000 == 0o20200000:
        out.append(oct(a[3]).replace("0o", "0"))
    return out


def _openat2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[1])
    raw = d.mem.read(tid, a[2], 8)
    fl = struct.unpack("=Q", raw)[0] if len(raw) == 8 else 0
    d.new_fd(t, r, Fd(_opened(d, tid, t, a[0], p, r), bool(fl & O_CLOEXEC)))
    return [dirfd(a[0]), p, {"flags": open_flags(fl)}, a[3]]


def _creat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    p = d.path(tid, a[0])
    d.new_fd(t, r, Fd(_opened(d, tid, t, AT_FDCWD, p, r)))
    return [p, oct(a[1]).replace("0o", "0")]



def _access(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), flags(a[1], _ACCESS_BITS, zero="F_OK")]


def _faccessat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], _ACCESS_BITS, zero="F_OK")]


def _faccessat2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_faccessat(d, tid, t, a, r), flags(a[3], _FACCESSAT_BITS)]


def _readlink(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    target = text(d.mem.read(tid, a[1], r), d.strsize) if r > 0 else a[1]
    return [d.path(tid, a[0]), target, a[2]]


def _readlinkat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    target = text(d.mem.read(tid, a[2], r), d.strsize) if r > 0 else a[2]
    return [dirfd(a[0]), d.path(tid, a[1]), target, a[3]]


def _read(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.buf(tid, a[1], r, is_dns(t, fd)) if r >= 0 else ptr(a[1]), a[2]]


def _pread(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_read(d, tid, t, a, r), signed(a[3])]


def _write(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.buf(tid, a[1], a[2], is_dns(t, fd)), a[2]]


def _readv(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.iov(tid, a[1], a[2], r, is_dns(t, fd)) if r >= 0 else ptr(a[1]), a[2]]


def _preadv(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_readv(d, tid, t, a, r), signed(a[3])]


def _pwritev(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_writev(d, tid, t, a, r), signed(a[3])]


_RWF_BITS = ((1, "RWF_HIPRI"), (2, "RWF_DSYNC"), (4, "RWF_SYNC"), (8, "RWF_NOWAIT"), (0x10, "RWF_APPEND"))


def _preadv2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_preadv(d, tid, t, a, r), uflags(a[5] & 0xFFFFFFFF, _RWF_BITS, "RWF_???")]


def _pwritev2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [*_pwritev(d, tid, t, a, r), uflags(a[5] & 0xFFFFFFFF, _RWF_BITS, "RWF_???")]


def _writev(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    return [fd, d.iov(tid, a[1], a[2], 1 << 62, is_dns(t, fd)), a[2]]


def _close(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd = int32(a[0])
    f = t.get(fd)
    if r == 0 and f is not None and f.since <= d.entered:  # else another thread's newer descriptor (FdTable)
        del t[fd]
    return [fd]


_CLOSE_RANGE_FLAGS = ((2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC"))


def _close_range(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    first, last = a[0] & 0xFFFFFFFF, a[1] & 0xFFFFFFFF
    if r == 0:
        for fd in [fd for fd in t if first <= fd <= last]:
            if a[2] & 4:  # CLOSE_RANGE_CLOEXEC: marked, closed only by the next exec
                t[fd].cloexec = True
            else:
                del t[fd]
    return [first, last, flags(a[2], _CLOSE_RANGE_FLAGS)]


def _dup(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    old = int32(a[0])
    if r >= 0 and old in t:
        f = t[old].copy()
        f.cloexec = False
        t[r] = f
    return [old]


def _dup2(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    _dup(d, tid, t, a, r)
    return [int32(a[0]), int32(a[1])]


def _dup3(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    _dup(d, tid, t, a, r)
    if r >= 0 and r in t:
        t[r].cloexec = bool(a[2] & O_CLOEXEC)
    return [int32(a[0]), int32(a[1]), flags(a[2], ((O_CLOEXEC, "O_CLOEXEC"),))]


def _fcntl(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    fd, cmd = int32(a[0]), a[1] & 0xFFFFFFFF
    name = _FCNTL.get(cmd, cmd)
    if cmd in (0, 1030):  # F_DUPFD, F_DUPFD_CLOEXEC
        if r >= 0 and fd in t:
            f = t[r] = t[fd].copy()
            f.cloexec = cmd == 1030
        return [fd, name, a[2]]
    if cmd == 2:  # F_SETFD
        if r == 0 and fd in t:
            t[fd].cloexec = bool(a[2] & 1)
        return [fd, name, "FD_CLOEXEC" if a[2] & 1 else "0"]
    if cmd == 4:  # F_SETFL
        return [fd, name, open_flags(a[2])]
    if cmd in (1, 3, 9, 11, 1025, 1032, 1034):  # commands without an argument
        return [fd, name]
    if cmd in (5, 6, 7, 36, 37, 38):  # the lock commands: struct flock (F_GETLK's is the answer)
        if cmd in (5, 36):
            return [fd, name, out_struct(d, tid, a[2], 32, r, lambda raw: flock_text(raw, True))]
        return [fd, name, in_struct(d, tid, a[2], 32, lambda raw: flock_text(raw, False))]
    return [fd, name, signed(a[2])]


def _pipe(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    raw = d.mem.read(tid, a[0], 8) if r == 0 else b""
    if len(raw) != 8:
        return [ptr(a[0])] if len(a) < 2 else [ptr(a[0]), flags(a[1], OPEN_BITS)]
    fds = list(struct.unpack("=ii", raw))
    cloexec = len(a) > 1 and bool(a[1] & O_CLOEXEC)
    for fd in fds:
        try:
            t[fd] = Fd(os.readlink(f"/proc/{tid}/fd/{fd}"), cloexec)
        except OSError:
            t[fd] = Fd("pipe", cloexec)
    return [fds] if len(a) < 2 else [fds, flags(a[1], OPEN_BITS)]


def _lseek(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), signed(a[1]), xlat(int32(a[2]), SEEK, "SEEK_???")]


_FALLOC_BITS = ((1, "FALLOC_FL_KEEP_SIZE"), (2, "FALLOC_FL_PUNCH_HOLE"), (4, "FALLOC_FL_NO_HIDE_STALE"),
                (8, "FALLOC_FL_COLLAPSE_RANGE"), (0x10, "FALLOC_FL_ZERO_RANGE"), (0x20, "FALLOC_FL_INSERT_RANGE"),
                (0x40, "FALLOC_FL_UNSHARE_RANGE"))
_SPLICE_BITS = ((1, "SPLICE_F_MOVE"), (2, "SPLICE_F_NONBLOCK"), (4, "SPLICE_F_MORE"), (8, "SPLICE_F_GIFT"))
_LOCK_BITS = ((1, "LOCK_SH"), (2, "LOCK_EX"), (4, "LOCK_NB"), (8, "LOCK_UN"), (32, "LOCK_MAND"), (64, "LOCK_READ"),
              (128, "LOCK_WRITE"))


OPEN_TREE_BITS = ((1, "OPEN_TREE_CLONE"), (O_CLOEXEC, "OPEN_TREE_CLOEXEC"), *AT_BITS)


_RENAME_BITS = ((1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT"))


_FADV = {0: "POSIX_FADV_NORMAL", 1: "POSIX_FADV_RANDOM", 2: "POSIX_FADV_SEQUENTIAL", 3: "POSIX_FADV_WILLNEED",
         4: "POSIX_FADV_DONTNEED", 5: "POSIX_FADV_NOREUSE"}


def _stat_at(d: Decoder, tid: int, addr: int, r: int) -> str:
    return out_struct(d, tid, addr, 144, r, stat_text)


def _fstat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), _stat_at(d, tid, a[1], r)]


def _stat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), _stat_at(d, tid, a[1], r)]


def _newfstatat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), _stat_at(d, tid, a[2], r), sflags(a[3], AT_BITS)]


def _statx(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    # AT_STATX_SYNC_AS_STAT is 0: strace names it whenever neither sync bit is set.
    fl = sflags(a[2], AT_BITS, zero="AT_STATX_SYNC_AS_STAT")
    if a[2] & 0x6000 == 0 and a[2] & 0xFFFFFFFF:
        fl = "AT_STATX_SYNC_AS_STAT|" + fl
    return [dirfd(a[0]), d.path(tid, a[1]), fl,
            uflags(a[3] & 0xFFFFFFFF, _STATX_MASK, "STATX_???"), out_struct(d, tid, a[4], 256, r, statx_text)]


def _getdents(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    arg: str = ptr(a[1])
    if r >= 0:
        arg = f"{arg} /* {d.mem.dirents(tid, a[1], r)} entries */"
    return [int32(a[0]), arg, a[2] & 0xFFFFFFFF]


def _utimensat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    times = in_struct(d, tid, a[2], 32, lambda raw: f"[{_utime(raw, 0)}, {_utime(raw, 16)}]")
    return [dirfd(a[0]), d.path(tid, a[1]), times, sflags(a[3], AT_BITS)]


def _utime(raw: bytes, off: int) -> str:
    nsec = struct.unpack_from("=q", raw, off + 8)[0]
    if nsec == (1 << 30) - 1:
        return "UTIME_NOW"
    if nsec == (1 << 30) - 2:
        return "UTIME_OMIT"
    return timespec(raw, off)


def _xattr_value(d: Decoder, tid: int, addr: int, size: int, r: int) -> Any:
    if addr == 0:
        return "NULL"
    return d.buf(tid, addr, r) if r >= 0 else ptr(addr)


def _getxattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """getxattr / lgetxattr (path, name, value, size); fgetxattr takes a descriptor."""
    return [d.path(tid, a[0]), d.string(tid, a[1]), _xattr_value(d, tid, a[2], a[3], r), a[3]]


def _fgetxattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), d.string(tid, a[1]), _xattr_value(d, tid, a[2], a[3], r), a[3]]


_XATTR_BITS = ((1, "XATTR_CREATE"), (2, "XATTR_REPLACE"))


def _setxattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), *_setxattr_rest(d, tid, a)]


def _fsetxattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), *_setxattr_rest(d, tid, a)]


def _setxattr_rest(d: Decoder, tid: int, a: Args) -> list[Any]:
    return [d.string(tid, a[1]), d.buf(tid, a[2], a[3]), a[3], uflags(a[4] & 0xFFFFFFFF, _XATTR_BITS, "XATTR_???")]


def _getcwd(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    path = text(d.mem.read(tid, a[0], r - 1), 4096) if r > 0 else a[0]
    return [path, a[1]]


def _getdents_old(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    """getdents: struct linux_dirent, d_reclen at offset 16 as in getdents64's."""
    return _getdents(d, tid, t, a, r)


_SYNC_FILE_RANGE = ((1, "SYNC_FILE_RANGE_WAIT_BEFORE"), (2, "SYNC_FILE_RANGE_WRITE"), (4, "SYNC_FILE_RANGE_WAIT_AFTER"))


def _vmsplice(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    iov = d.iov(tid, a[1], a[2], 1 << 62, False) if a[1] else "NULL"
    return [int32(a[0]), iov, a[2], uflags(a[3] & 0xFFFFFFFF, _SPLICE_BITS, "SPLICE_F_???")]


def _file_handle(raw: bytes, d: Decoder, shown: int, given: int | None = None) -> str:
    nbytes, typ = struct.unpack_from("=Ii", raw)
    n = f"{given} => {nbytes}" if given is not None and given != nbytes else str(nbytes)
    data = raw[8:8 + min(shown, 128)]
    return f"{{handle_bytes={n}, handle_type={typ}, f_handle={cquote(data, d.strsize)}}}"


def _name_to_handle_at(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    given = d.len_in.pop(tid, None)
    handle: str = ptr(a[2])
    if a[2]:
        raw = d.mem.read(tid, a[2], 8 + 128)
        if len(raw) >= 8:
            nbytes = struct.unpack_from("=I", raw)[0]
            handle = _file_handle(raw, d, nbytes if r >= 0 else 0, given) if r >= 0 else f"{{handle_bytes={nbytes}}}"
    mount_id = out_struct(d, tid, a[3], 4, r, lambda raw: f"[{struct.unpack('=i', raw)[0]}]")
    return [dirfd(a[0]), d.path(tid, a[1]), handle, mount_id, sflags(a[4], AT_BITS)]


def _open_by_handle_at(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    handle: str = ptr(a[1])
    if a[1]:
        raw = d.mem.read(tid, a[1], 8 + 128)
        if len(raw) >= 8:
            handle = _file_handle(raw, d, struct.unpack_from("=I", raw)[0])
    d.new_fd(t, r, Fd(f"handle:{r}", bool(a[2] & O_CLOEXEC)))
    return [int32(a[0]), handle, open_flags(a[2])]


def _xattrat_args(d: Decoder, tid: int, a: Args) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], AT_BITS), d.string(tid, a[3])]


def _xattr_args(raw: bytes, d: Decoder, tid: int, r: int, out: bool) -> str:
    value, size, fl = struct.unpack_from("=QII", raw)
    v = (d.buf(tid, value, r) if r >= 0 else ptr(value)) if out else d.buf(tid, value, size)
    shown = v if isinstance(v, str) else _buf_text(v, d.strsize)
    return f"{{value={shown}, size={size}, flags={uflags(fl, _XATTR_BITS, 'XATTR_???')}}}"


def _buf_text(b: dict[str, Any], cap: int) -> str:
    return cquote(bytes.fromhex(b["hex"]), cap)


def _setxattrat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    args = in_struct(d, tid, a[4], 16, lambda raw: _xattr_args(raw, d, tid, 0, False)) if a[5] >= 16 else ptr(a[4])
    return [*_xattrat_args(d, tid, a), args, a[5]]


def _getxattrat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    args = in_struct(d, tid, a[4], 16, lambda raw: _xattr_args(raw, d, tid, r, True)) if a[5] >= 16 else ptr(a[4])
    return [*_xattrat_args(d, tid, a), args, a[5]]


def _listxattrat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    lst = d.buf(tid, a[3], r) if a[3] and r >= 0 else ptr(a[3])
    return [dirfd(a[0]), d.path(tid, a[1]), sflags(a[2], AT_BITS), lst, a[4]]


def _removexattrat(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return _xattrat_args(d, tid, a)


def _file_getattr(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [dirfd(a[0]), d.path(tid, a[1]), ptr(a[2]), a[3], sflags(a[4], AT_BITS)]


# f_type names of the file systems one meets (strace's xlat/fsmagic.in); others in hex.
_FSMAGIC = {
    0xEF53: "EXT2_SUPER_MAGIC", 0x01021994: "TMPFS_MAGIC", 0x9FA0: "PROC_SUPER_MAGIC", 0x62656572: "SYSFS_MAGIC",
    0x794C7630: "OVERLAYFS_SUPER_MAGIC", 0x9123683E: "BTRFS_SUPER_MAGIC", 0x58465342: "XFS_SUPER_MAGIC",
    0x6969: "NFS_SUPER_MAGIC", 0x63677270: "CGROUP2_SUPER_MAGIC", 0x27E0EB: "CGROUP_SUPER_MAGIC",
    0x1CD1: "DEVPTS_SUPER_MAGIC", 0x73717368: "SQUASHFS_MAGIC", 0x4D44: "MSDOS_SUPER_MAGIC",
    0x65735546: "FUSE_SUPER_MAGIC", 0x858458F6: "RAMFS_MAGIC", 0x64626720: "DEBUGFS_MAGIC",
    0x73636673: "SECURITYFS_MAGIC", 0xCAFE4A11: "BPF_FS_MAGIC", 0x19800202: "MQUEUE_MAGIC",
    0x958458F6: "HUGETLBFS_MAGIC", 0x6E736673: "NSFS_MAGIC", 0x50495045: "PIPEFS_MAGIC", 0x534F434B: "SOCKFS_MAGIC",
    0x74726163: "TRACEFS_MAGIC", 0x01021997: "V9FS_MAGIC", 0xF2F52010: "F2FS_SUPER_MAGIC", 0x9660: "ISOFS_SUPER_MAGIC",
    0x09041934: "ANON_INODE_FS_MAGIC", 0x6165676C: "PSTOREFS_MAGIC", 0xF97CFF8C: "SELINUX_MAGIC",
    0xDE5E81E4: "EFIVARFS_MAGIC", 0x62656570: "CONFIGFS_MAGIC", 0x2FC12FC1: "ZFS_SUPER_MAGIC",
    0xFF534D42: "CIFS_SUPER_MAGIC", 0x5346544E: "NTFS_SB_MAGIC", 0x3153464A: "JFS_SUPER_MAGIC",
    0x52654973: "REISERFS_SUPER_MAGIC", 0xABA20202: "VXFS_SUPER_MAGIC", 0x2011BAB0: "EXFAT_SUPER_MAGIC",
    0x47504653: "GPFS_SUPER_MAGIC", 0x13661366: "BALLOON_KVM_MAGIC", 0x6B414653: "AFS_FS_MAGIC",
}
_ST_BITS = ((1, "ST_RDONLY"), (2, "ST_NOSUID"), (4, "ST_NODEV"), (8, "ST_NOEXEC"), (16, "ST_SYNCHRONOUS"),
            (32, "ST_VALID"), (64, "ST_MANDLOCK"), (1024, "ST_NOATIME"), (2048, "ST_NODIRATIME"),
            (4096, "ST_RELATIME"), (8192, "ST_NOSYMFOLLOW"))


def statfs_text(raw: bytes) -> str:
    """struct statfs (x86_64) with the fields strace prints."""
    typ, bsize, blocks, bfree, bavail, files, ffree = struct.unpack_from("=7q", raw)
    fsid0, fsid1 = struct.unpack_from("=ii", raw, 56)
    namelen, frsize, fl = struct.unpack_from("=3q", raw, 64)
    return (f"{{f_type={_FSMAGIC.get(typ) or hex(typ)}, f_bsize={bsize}, f_blocks={blocks}, f_bfree={bfree}, "
            f"f_bavail={bavail}, f_files={files}, f_ffree={ffree}, f_fsid={{val=[{hx(fsid0 & 0xFFFFFFFF)}, "
            f"{hx(fsid1 & 0xFFFFFFFF)}]}}, f_namelen={namelen}, f_frsize={frsize}, f_flags={flags(fl, _ST_BITS)}}}")


def _statfs(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [d.path(tid, a[0]), out_struct(d, tid, a[1], 120, r, statfs_text)]


def _fstatfs(d: Decoder, tid: int, t: FdTable, a: Args, r: int) -> list[Any]:
    return [int32(a[0]), out_struct(d, tid, a[1], 120, r, statfs_text)]


HANDLERS: dict[str, Handler] = {
    "open": _open, "openat": _openat, "openat2": _openat2, "creat": _creat,
    "stat": _stat, "lstat": _stat, "access": _access,
    "faccessat": _faccessat, "faccessat2": _faccessat2, "newfstatat": _newfstatat, "statx": _statx,
    "fstat": _fstat, "readlink": _readlink, "readlinkat": _readlinkat, "getdents64": _getdents,
    "utimensat": _utimensat, "getcwd": _getcwd,
    "getxattr": _getxattr, "lgetxattr": _getxattr, "fgetxattr": _fgetxattr,
    "setxattr": _setxattr, "lsetxattr": _setxattr, "fsetxattr": _fsetxattr,
    "read": _read, "pread64": _pread, "write": _write, "pwrite64": _pread, "readv": _readv,
    "writev": _writev, "preadv": _preadv, "pwritev": _pwritev, "preadv2": _preadv2, "pwritev2": _pwritev2,
    "close": _close, "close_range": _close_range, "dup": _dup, "dup2": _dup2, "dup3": _dup3,
    "fcntl": _fcntl, "pipe": _pipe, "pipe2": _pipe, "lseek": _lseek, "getdents": _getdents_old,
    "statfs": _statfs, "fstatfs": _fstatfs,
    "vmsplice": _vmsplice, "name_to_handle_at": _name_to_handle_at, "open_by_handle_at": _open_by_handle_at,
    "setxattrat": _setxattrat, "getxattrat": _getxattrat, "listxattrat": _listxattrat,
    "removexattrat": _removexattrat, "file_getattr": _file_getattr, "file_setattr": _file_getattr,
}
# Arguments that handlers return as C strings (the renderer quotes them).
STRINGS: dict[str, tuple[int, ...]] = {
    "statfs": (0,), "name_to_handle_at": (1,), "setxattrat": (1, 3), "getxattrat": (1, 3), "listxattrat": (1,),
    "removexattrat": (1, 3), "file_getattr": (1,), "file_setattr": (1,),
}
SPECS: dict[str, tuple[Kind, ...]] = {
    "utimes": (PATH, PTR), "utime": (PATH, PTR),
    "futimesat": (DIRFD, PATH, PTR), "mknodat": (DIRFD, PATH, MODE, UINT), "readahead": (INT, LONG, ULONG),
    "inotify_init1": (kflags(((O_CLOEXEC, "IN_CLOEXEC"), (0o4000, "IN_NONBLOCK")), "IN_???"),),
    "inotify_add_watch": (INT, PATH, HEX), "inotify_rm_watch": (INT, INT),
    "fallocate": (INT, kflags(_FALLOC_BITS, "FALLOC_FL_???"), LONG, LONG),
    "copy_file_range": (INT, PTR, INT, PTR, ULONG, UINT), "sendfile": (INT, INT, PTR, ULONG),
    "splice": (INT, PTR, INT, PTR, ULONG, kflags(_SPLICE_BITS, "SPLICE_F_???")),
    "tee": (INT, INT, ULONG, kflags(_SPLICE_BITS, "SPLICE_F_???")),
    "listxattr": (PATH, PTR, ULONG), "llistxattr": (PATH, PTR, ULONG), "flistxattr": (INT, PTR, ULONG),
    "cachestat": (INT, PTR, PTR, UINT), "open_tree": (DIRFD, PATH, kflags(OPEN_TREE_BITS, "OPEN_TREE_???")),
    "mkdir": (PATH, MODE), "rename": (PATH, PATH), "symlink": (PATH, PATH), "link": (PATH, PATH),
    "chmod": (PATH, MODE), "fchmod": (INT, MODE), "fchmodat": (DIRFD, PATH, MODE),
    "fchmodat2": (DIRFD, PATH, MODE, ATF), "chown": (PATH, INT, INT), "lchown": (PATH, INT, INT),
    "fchown": (INT, INT, INT), "fchownat": (DIRFD, PATH, INT, INT, ATF),
    "truncate": (PATH, LONG), "ftruncate": (INT, LONG), "mkdirat": (DIRFD, PATH, MODE),
    "unlinkat": (DIRFD, PATH, ATF), "linkat": (DIRFD, PATH, DIRFD, PATH, ATF),
    "symlinkat": (PATH, DIRFD, PATH), "renameat": (DIRFD, PATH, DIRFD, PATH),
    "renameat2": (DIRFD, PATH, DIRFD, PATH, kflags(_RENAME_BITS, "RENAME_???")),
    "mknod": (PATH, MODE, UINT), "chroot": (PATH,), "umask": (MODE,), "fchdir": (INT,),
    "chdir": (PATH,), "unlink": (PATH,), "rmdir": (PATH,), "acct": (PATH,),
    "fsync": (INT,), "fdatasync": (INT,), "syncfs": (INT,), "flock": (INT, kflags(_LOCK_BITS, "LOCK_???")),
    "fadvise64": (INT, LONG, LONG, kxlat(_FADV, "POSIX_FADV_???")),
    "removexattr": (PATH, STR), "lremovexattr": (PATH, STR), "fremovexattr": (INT, STR),
    "sync_file_range": (INT, LONG, LONG, kflags(_SYNC_FILE_RANGE, "SYNC_FILE_RANGE_???")),
    "uselib": (PATH,),
}
