"""ptrace(2) as one ctypes call: the recorder makes four of these per traced syscall.

python-ptrace's `ptrace()` wraps the same libc call in a Python function (errno reset, result
conversion), and importing `ptrace.binding` runs `ctypes.util.find_library`, which spawns
ldconfig: about 20 ms of every run's start-up. The hot path calls `PTRACE` directly and
looks at errno only when it returns -1; python-ptrace stays for the register structure of
the fallback on kernels without PTRACE_GET_SYSCALL_INFO (libctrace/recorder.py imports it then).
"""

from __future__ import annotations

import ctypes
import os

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
    return rc
