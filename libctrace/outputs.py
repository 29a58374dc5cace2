"""Every file and folder libctrace writes is created here: never through a planted symbolic
link, files 0600 and folders 0700 whatever the umask (traces and reports hold the program's
data: paths, buffers, environment names).

A file is made fresh under a random name in its folder (O_CREAT | O_EXCL | O_NOFOLLOW: no link
and no existing file is ever opened for writing) and renamed over the requested path at once,
before anything is written. rename(2) replaces a regular file there, or a hard link, without
touching what it linked to; so a reader can `tail -f` a trace while it is recorded. A symbolic
link at the path is refused rather than replaced (it may be /dev/stdout, or something the user
made on purpose), and an existing device or FIFO (`-o /dev/null`) is opened as it is, never
created or truncated.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Any

from libctrace.errors import LibctraceError

FILE_MODE = 0o600
DIR_MODE = 0o700


def _refuse_link(path: str, what: str) -> os.stat_result | None:
    """lstat(path), None when nothing is there; a symbolic link is an error."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise LibctraceError(f"cannot write {what} {path}: {e.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise LibctraceError(
            f"{what} {path} is a symbolic link; refusing to write through it (remove it or choose another path)"
        )
    return st


def create_file(path: str, what: str = "output", text: bool = False) -> IO[Any]:
    """Opens `path` for writing as a new file, mode 0600 (see the module's docstring).
    `what` names the output in errors: "cannot write trace x.jsonl: ..."."""
    fd = create_fd(path, what)
    return os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb")


def create_fd(path: str, what: str = "output") -> int:
    """create_file's descriptor, for writers that write(2) themselves."""
    st = _refuse_link(path, what)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise LibctraceError(f"cannot write {what} {path}: it is a folder")
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            # a device or FIFO the user named: write into it, nothing is created
            fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY)
        else:
            folder = os.path.dirname(path) or "."
            tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
            try:
                os.fchmod(fd, FILE_MODE)  # the umask may have taken bits off the creation mode
                os.rename(tmp, path)
            except BaseException:
                os.close(fd)
                os.unlink(tmp)
                raise
    except OSError as e:
        raise LibctraceError(f"cannot write {what} {path}: {e.strerror}") from None
    return fd


def make_dir(path: str, what: str = "output folder") -> None:
    """Creates folder `path` (and missing parents) with mode 0700; an existing folder is used
    as it is, a symbolic link in its place is refused."""
    st = _refuse_link(path, what)
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise LibctraceError(f"{what} {path} exists and is not a folder")
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        make_dir(parent, what)
    try:
        os.mkdir(path, DIR_MODE)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchmod(fd, DIR_MODE)  # the umask may have taken bits off
        finally:
            os.close(fd)
    except FileExistsError:
        make_dir(path, what)  # made meanwhile (another libctrace): check it again
    except OSError as e:
        raise LibctraceError(f"cannot create {what} {path}: {e.strerror}") from None
