"""The syscall table: generated, complete up to this kernel's numbers, and in step with libseccomp."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest
from helpers import ROOT, build_c, libctrace

from libctrace.syscalls.spec import I386_NAMES, NAMES, NUMBERS, parse_trace_set

_ARCHES = {"x86_64": (0xC000003E, NAMES), "i386": (0x40000003, I386_NAMES)}


def _libseccomp() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        pytest.skip("libseccomp.so.2 is not installed (make setup installs libseccomp2)")
    lib.seccomp_syscall_resolve_num_arch.argtypes = (ctypes.c_uint32, ctypes.c_int)
    lib.seccomp_syscall_resolve_num_arch.restype = ctypes.c_void_p
    return lib


@pytest.mark.parametrize("arch", sorted(_ARCHES))
def test_every_number_libseccomp_knows_has_its_name(arch: str) -> None:
    lib = _libseccomp()
    audit, table = _ARCHES[arch]
    known = 0
    for nr in range(1024):
        p = lib.seccomp_syscall_resolve_num_arch(audit, nr)
        if p:
            known += 1
            assert table.get(nr) == ctypes.string_at(p).decode(), (arch, nr)
    assert known > 300 and len(table) >= known


def test_the_table_is_what_the_generator_makes() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_syscall_table.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_calls_up_to_this_kernel_are_named() -> None:
    for name, nr in {
        "cachestat": 451,
        "fchmodat2": 452,
        "map_shadow_stack": 453,
        "futex_waitv": 449,
        "statmount": 457,
        "listmount": 458,
        "lsm_get_self_attr": 459,
        "lsm_set_self_attr": 460,
        "lsm_list_modules": 461,
        "mseal": 462,
    }.items():
        assert NUMBERS[name] == nr and NAMES[nr] == name
    assert parse_trace_set("trace=fchmodat2,mseal").names == {"fchmodat2", "mseal"}


FCHMODAT2 = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
    close(open("f", O_CREAT | O_WRONLY, 0600));
    return syscall(452, AT_FDCWD, "f", 0640, 0) == 0 ? 0 : 3;
}
"""


def test_fchmodat2_is_traced_by_name(tmp_path) -> None:
    exe = build_c(FCHMODAT2, name="fchmodat2")
    trace = tmp_path / "t.jsonl"
    run = libctrace("run", "-q", "-e", "trace=fchmodat2", "-o", str(trace), "--", str(exe), cwd=tmp_path)
    if run.returncode == 3:
        pytest.skip("this kernel has no fchmodat2 (Linux 6.6+)")
    assert run.returncode == 0, run.stderr
    lines = libctrace("show", str(trace)).stdout.splitlines()
    assert [ln.split(" ", 1)[1] for ln in lines if " fchmodat2(" in ln] == ['fchmodat2(AT_FDCWD, "f", 0640, 0) = 0']
