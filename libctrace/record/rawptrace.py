"""ptrace(2) as one ctypes call: the recorder makes four of these per traced syscall.

python-ptrace's `ptrace()` wraps the same libc call in a Python function (errno reset, result
conversion), and importing `ptrace.binding` runs `ctypes.util.find_library`, which spawns
ldconfig: about 20 ms of every run's start-up. The hot path calls `PTRACE` directly and
looks at errno only when it returns -1; python-ptrace stays for the register structure of
the fallback on kernels without PTRACE_GET_SYSCALL_INFO (libctrace/record/recorder.py imports it then).
"""

from __future__ import annotations

import ctypes
import os
import signal

# Requests (linux/ptrace.h): every one libctrace makes, named once here.
PTRACE_PEEKUSER = 3
PTRACE_CONT = 7
PTRACE_DETACH = 17
PTRACE_SYSCALL = 24
PTRACE_GETEVENTMSG = 0x4201
PTRACE_GETSIGINFO = 0x4202
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_LISTEN = 0x4208
PTRACE_GET_SYSCALL_INFO = 0x420E
# PTRACE_SEIZE options, and the event each reports in the high bits of a wait status.
PTRACE_O_TRACESYSGOOD, PTRACE_O_TRACEFORK, PTRACE_O_TRACEVFORK, PTRACE_O_TRACECLONE = 0x1, 0x2, 0x4, 0x8
PTRACE_O_TRACEEXEC, PTRACE_O_TRACESECCOMP, PTRACE_O_EXITKILL = 0x10, 0x80, 0x100000
PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE, PTRACE_EVENT_EXEC = 1, 2, 3, 4
PTRACE_EVENT_SECCOMP, PTRACE_EVENT_STOP = 7, 128
SYSCALL_TRAP = signal.SIGTRAP | 0x80  # the stop signal of a syscall stop under TRACESYSGOOD
WALL = 0x40000000  # waitpid: threads and children of any kind

# dlopen(NULL): the interpreter is already linked with libc, no library search needed.
_LIBC = ctypes.CDLL(None, use_errno=True)
PTRACE = _LIBC.ptrace
PTRACE.argtypes = (ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
PTRACE.restype = ctypes.c_long
get_errno = ctypes.get_errno


def ptrace(request: int, tid: int, addr: int = 0, data: int = 0) -> int:
    """PTRACE with errors raised as OSError (errno set), for the calls outside the hot loop."""
    rc = PTRACE(request, tid, addr, data)
    if rc < 0:  # none of the requests libctrace makes returns -1 on success (no PEEK*)
        err = get_errno()
        raise OSError(err, os.strerror(err))
    return int(rc)
