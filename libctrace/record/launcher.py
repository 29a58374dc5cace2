"""Starting the program under ptrace: validate it, fork, seize, install the seccomp filter, exec.

The child does nothing heavy after fork: it waits on a pipe until the parent has attached
with PTRACE_SEIZE (so SECCOMP_RET_TRACE finds a tracer instead of failing with ENOSYS),
loads a BPF program that the parent built with libseccomp before fork, and execs.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import stat
import struct
from typing import NamedTuple

from libctrace.errors import LibctraceError, PermissionProblem, ProgramError
from libctrace.record.rawptrace import (
    PTRACE_INTERRUPT,
    PTRACE_O_EXITKILL,
    PTRACE_O_TRACECLONE,
    PTRACE_O_TRACEEXEC,
    PTRACE_O_TRACEFORK,
    PTRACE_O_TRACESECCOMP,
    PTRACE_O_TRACESYSGOOD,
    PTRACE_O_TRACEVFORK,
    PTRACE_SEIZE,
    ptrace,
)

OPTIONS = (
    PTRACE_O_TRACESYSGOOD
    | PTRACE_O_TRACEFORK
    | PTRACE_O_TRACEVFORK
    | PTRACE_O_TRACECLONE
    | PTRACE_O_TRACEEXEC
    | PTRACE_O_TRACESECCOMP
    | PTRACE_O_EXITKILL
)

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

_MACHINES = {3: "i386", 8: "mips", 20: "ppc", 21: "ppc64", 40: "arm", 62: "x86_64", 183: "aarch64", 243: "riscv"}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_RESTORED_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


def _binfmt_handlers() -> bool:
    """Whether binfmt_misc may run foreign executables here (qemu-user and the like)."""
    try:
        return bool(set(os.listdir("/proc/sys/fs/binfmt_misc")) - {"register", "status"})
    except OSError:
        return False  # not mounted: the kernel has no handler to try


def resolve_program(name: str, env: dict[str, str] | None, cwd: str | None = None, refused_ok: bool = False) -> str:
    """The file execve will run; every reason it cannot be run is a one-line ProgramError.

    A relative path with a slash is relative to `cwd`, where the program will start.
    refused_ok (diff): an ELF of another architecture passes when the kernel is sure to refuse
    it (ENOEXEC: no binfmt_misc handler could run it under an emulator), so that it is traced.
    """
    if "/" in name:
        path = os.path.join(cwd, name) if cwd is not None else name
    else:
        import shutil  # here: 4 ms of start-up, and a program named by its path needs no search

        search = (env if env is not None else os.environ).get("PATH", os.defpath)
        found = shutil.which(name, path=search)
        if found is None:
            # which() skips non-executables; say "not executable" when that is the reason.
            for d in search.split(os.pathsep):
                if os.path.isfile(os.path.join(d or ".", name)):
                    raise ProgramError(f"{os.path.join(d or '.', name)}: program is not executable")
            raise ProgramError(f"{name}: program not found in PATH")
        path = found
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ProgramError(f"{path}: no such program") from None
    except OSError as e:
        raise ProgramError(f"{path}: cannot access the program: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ProgramError(f"{path}: is a directory, not a program")
    if not stat.S_ISREG(st.st_mode) or not os.access(path, os.X_OK):
        raise ProgramError(f"{path}: program is not executable")
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError as e:
        raise ProgramError(f"{path}: cannot read the program: {e.strerror}") from None
    if head[:2] == b"#!":
        return path
    if head[:4] != b"\x7fELF" or len(head) < 20:
        raise ProgramError(f"{path}: not an ELF executable nor a #! script")
    cls, data = head[4], head[5]
    machine = struct.unpack_from("<H" if data == 1 else ">H", head, 18)[0]
    if (cls != 2 or machine != 62) and not (refused_ok and machine != 3 and not _binfmt_handlers()):
        arch = _MACHINES.get(machine, f"machine {machine}")
        bits = {1: "32-bit", 2: "64-bit"}.get(cls, "unknown-class")
        raise ProgramError(f"{path}: wrong architecture: {bits} {arch} ELF, libctrace traces x86_64 (64-bit) programs")
    return path


# libseccomp's stable ABI (soname libseccomp.so.2), called through ctypes: the pyseccomp
# binding runs ctypes.util.find_library twice on import, i.e. ldconfig, 20-40 ms per run.
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_TRACE = 0x7FF00000  # | the 16-bit message, 0 here
_SCMP_FLTATR_ACT_BADARCH = 2
_SCMP_FLTATR_CTL_OPTIMIZE = 8


def _libseccomp() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError as e:
        raise LibctraceError(f"libseccomp is not installed (apt-get install libseccomp2): {e}") from None
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_attr_set.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32)
    lib.seccomp_rule_add.argtypes = (ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint)
    lib.seccomp_export_bpf.argtypes = (ctypes.c_void_p, ctypes.c_int)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    lib.seccomp_release.restype = None
    return lib


def build_filter(syscall_numbers: set[int]) -> bytes:
    """BPF program: SECCOMP_RET_TRACE for the given syscalls, ALLOW for the rest.

    libseccomp checks the architecture first; calls of another ABI (int 0x80) are traced too,
    so nothing escapes unseen.
    """
    lib = _libseccomp()
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise LibctraceError("libseccomp: seccomp_init failed")
    fd = os.memfd_create("libctrace-bpf", os.MFD_CLOEXEC)
    try:

        def check(rc: int, what: str) -> None:
            if rc < 0:  # libseccomp returns -errno
                raise LibctraceError(f"libseccomp: {what}: {os.strerror(-rc)}")

        check(lib.seccomp_attr_set(ctx, _SCMP_FLTATR_ACT_BADARCH, _SCMP_ACT_TRACE), "bad-arch action")
        # A binary tree instead of a linear list: a call that is let through (the common case)
        # costs a few BPF instructions, not one per traced syscall.
        check(lib.seccomp_attr_set(ctx, _SCMP_FLTATR_CTL_OPTIMIZE, 2), "optimize")
        for nr in sorted(syscall_numbers):
            check(lib.seccomp_rule_add(ctx, _SCMP_ACT_TRACE, nr, 0), f"rule for syscall {nr}")
        check(lib.seccomp_export_bpf(ctx, fd), "export")
        size = os.lseek(fd, 0, os.SEEK_END)
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)
        lib.seccomp_release(ctx)


class Launched(NamedTuple):
    pid: int
    err_fd: int  # the child writes errno here when its exec fails (closed by exec on success)

    def exec_errno(self) -> int | None:
        """The errno of the child's failed exec (call once it has exited), or None."""
        try:
            data = os.read(self.err_fd, 32)
        finally:
            os.close(self.err_fd)
        return int(data) if data else None


def launch(
    path: str,
    argv: list[str],
    env: dict[str, str] | None,
    cwd: str | None,
    bpf: bytes | None,
    stdio: tuple[int | None, int | None, int | None],
) -> Launched:
    """Forks the program, seizes it, lets it exec. Returns once it runs under ptrace.

    With bpf=None (trace=all) the child is interrupted right after seizing so that the
    caller can resume it with PTRACE_SYSCALL before it execs.
    """
    environ = dict(os.environ if env is None else env)
    # Everything the child needs is built here, before fork.
    benv = {os.fsencode(k): os.fsencode(v) for k, v in environ.items()}
    bpath = os.fsencode(path)
    bargv = [os.fsencode(a) for a in argv]
    prog = None
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    if bpf is not None:
        fbuf = ctypes.create_string_buffer(bpf, len(bpf))
        prog = _SockFprog(len(bpf) // 8, ctypes.addressof(fbuf))
        prog_addr = ctypes.addressof(prog)
    # Root does not need no_new_privs for seccomp; leaving it off keeps setuid behaviour intact.
    need_nnp = os.geteuid() != 0
    go_r, go_w = os.pipe()
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # child: no allocation-heavy work, no imports
        try:
            os.close(go_w)
            os.close(err_r)
            os.read(go_r, 1)
            os.close(go_r)
            for target, fd in enumerate(stdio):
                if fd is not None and fd != target:
                    os.dup2(fd, target)
            if cwd is not None:
                os.chdir(cwd)
            # Python ignores SIGPIPE and SIGXFSZ, and ignored signals survive exec: give the
            # program the defaults it would have had, as subprocess does.
            for sig in _RESTORED_SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            if prog is not None:
                if need_nnp and prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
                if prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, prog_addr, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
            os.execve(bpath, bargv, benv)
        except OSError as e:
            os.write(err_w, str(e.errno or 0).encode())
        finally:
            os._exit(127)
    os.close(go_r)
    os.close(err_w)
    try:
        ptrace(PTRACE_SEIZE, pid, 0, OPTIONS)
        if bpf is None:
            ptrace(PTRACE_INTERRUPT, pid, 0, 0)
    except OSError as e:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(go_w)
        os.close(err_r)
        if e.errno == errno.EPERM:
            raise PermissionProblem(
                "ptrace is not permitted here (is libctrace itself being traced or debugged, "
                "or does kernel.yama.ptrace_scope forbid it?)"
            ) from None
        raise PermissionProblem(f"cannot attach to the program with ptrace: {os.strerror(e.errno or 0)}") from None
    os.write(go_w, b"x")
    os.close(go_w)
    return Launched(pid, err_r)


def describe_attached(pids: list[int]) -> tuple[list[str], str]:
    """`run -p`: the first process's command line and executable, for the trace header; every
    reason a process cannot be traced is a one-line error before anything is attached."""
    for pid in pids:
        if pid <= 0 or pid == os.getpid():
            raise ProgramError(f"-p {pid}: not a process libctrace can attach to")
        if not os.path.isdir(f"/proc/{pid}/task"):
            raise ProgramError(f"-p {pid}: no such process")
    pid = pids[0]
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [os.fsdecode(a) for a in f.read().split(b"\0")[:-1]]
        path = os.readlink(f"/proc/{pid}/exe")
    except FileNotFoundError:
        raise ProgramError(f"-p {pid}: no such process") from None
    except PermissionError:
        raise PermissionProblem(f"-p {pid}: not permitted to look at this process") from None
    return argv or [path], path


def attach(pids: list[int]) -> dict[int, int]:
    """Seizes every thread of the processes (thread -> process) and interrupts each, so that the
    recorder resumes them to syscall stops. Threads are listed again until no new one shows
    up: one may start while the others are being seized (once its creator is seized, the
    kernel attaches its new threads itself: the second SEIZE then fails with EPERM)."""
    seized: dict[int, int] = {}
    for pid in pids:
        while True:
            try:
                tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
            except FileNotFoundError:
                raise ProgramError(f"-p {pid}: no such process") from None
            new = [t for t in tids if t not in seized]
            if not new:
                break
            for tid in new:
                try:
                    ptrace(PTRACE_SEIZE, tid, 0, OPTIONS & ~PTRACE_O_EXITKILL)
                    ptrace(PTRACE_INTERRUPT, tid, 0, 0)
                except OSError as e:
                    if e.errno == errno.ESRCH:
                        continue  # the thread ended meanwhile
                    if e.errno == errno.EPERM and pid in seized.values():
                        seized[tid] = pid  # already ours: attached with its creator
                        continue
                    raise PermissionProblem(
                        f"-p {pid}: cannot attach with ptrace: {os.strerror(e.errno or 0)}"
                        " (another tracer, or kernel.yama.ptrace_scope?)"
                    ) from None
                seized[tid] = pid
    return seized
