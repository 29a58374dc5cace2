"""`-e trace=` classes mean what strace's mean, and the seccomp filter is really in the kernel.

The reference is strace itself: one real program that makes calls of every class runs under
`strace -f -e trace=%CLASS` and under `libctrace run -e trace=%CLASS`, and both must record the
same set of syscall names. Whether the default run is filtered is read from the kernel's own
account of the traced process (/proc/self/status: `Seccomp: 2` is filter mode).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from helpers import build_c, libctrace, need_tool
from recorder_progs import load_trace, syscalls

# Files, memory, a signal to itself, a child process, and every socket call on a real TCP
# connection over loopback (a network namespace is not needed: nothing leaves 127.0.0.1).
MIX = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
static void on_usr1(int s) { (void)s; }
int main(void) {
    char b[16] = "x";
    signal(SIGUSR1, on_usr1);
    kill(getpid(), SIGUSR1);
    int fd = open("/etc/hostname", O_RDONLY);
    read(fd, b, sizeof b);
    void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(m, 4096, PROT_READ);
    munmap(m, 8192);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t l = sizeof a;
    int one = 1, sv[2];
    int s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, &l);
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 1);
    l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int d = accept(s, NULL, NULL);
    l = sizeof a;
    getpeername(c, (struct sockaddr *)&a, &l);
    sendto(c, b, 1, 0, NULL, 0);
    recvfrom(d, b, 1, 0, NULL, NULL);
    struct iovec iov = {b, 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    sendmsg(c, &msg, 0);
    recvmsg(d, &msg, 0);
    struct mmsghdr mm = {.msg_hdr = msg};
    sendmmsg(c, &mm, 1, 0);
    recvmmsg(d, &mm, 1, 0, NULL);
    shutdown(c, SHUT_RDWR);
    accept4(s, NULL, NULL, -1); /* EINVAL at once: bad flags, nothing waits */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    dup2(fd, 10);
    close(fd);
    return 0;
}
"""

_STRACE_CALL = re.compile(r"^\d+ +([a-z_0-9]+)\(", re.M)


@pytest.fixture(scope="module")
def mix() -> str:
    return str(build_c(MIX, name="trace-set-mix"))


@pytest.mark.parametrize("cls", ["%file", "%network", "%process", "%signal", "%desc", "%memory"])
def test_class_selects_what_strace_selects(tmp_path: Path, mix: str, cls: str) -> None:
    strace = need_tool("strace")
    log = tmp_path / "strace.txt"
    subprocess.run(
        [strace, "-f", "-qq", "-e", f"trace={cls}", "-e", "signal=none", "-o", str(log), mix],
        check=True,
        capture_output=True,
        timeout=60,
    )
    theirs = set(_STRACE_CALL.findall(log.read_text()))
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "-e", f"trace={cls}", "-o", str(out), "--", mix)
    assert proc.returncode == 0, proc.stderr
    ours = {e["name"] for e in syscalls(load_trace(str(out)))}
    assert theirs, f"strace recorded nothing for {cls}"  # the program exercises every class
    assert ours == theirs, (cls, sorted(ours - theirs), sorted(theirs - ours))


def _seccomp_mode(*opts: str) -> tuple[int, int]:
    """(Seccomp, Seccomp_filters) of a program as libctrace runs it, from its own /proc/self/status."""
    proc = libctrace("run", "-q", *opts, "--", "grep", "^Seccomp", "/proc/self/status")
    assert proc.returncode == 0, proc.stderr
    fields = dict(re.findall(r"^(Seccomp\w*):\s+(\d+)$", proc.stdout, re.M))
    return int(fields["Seccomp"]), int(fields["Seccomp_filters"])


def test_default_run_is_seccomp_filtered_and_trace_all_is_not() -> None:
    native = subprocess.run(["grep", "^Seccomp:", "/proc/self/status"], capture_output=True, text=True).stdout
    if not native.split()[1] == "0":
        pytest.skip(f"this test itself already runs under a seccomp filter: {native.strip()}")
    assert _seccomp_mode() == (2, 1)  # SECCOMP_MODE_FILTER, one filter: libctrace's
    assert _seccomp_mode("-e", "trace=openat,read") == (2, 1)
    assert _seccomp_mode("-e", "trace=all") == (0, 0)  # every call stops: no filter at all
