"""fd_path follows descriptors copied with dup, dup2, dup3 and fcntl(F_DUPFD*), as
docs/trace-format.md says: the copy names the file as the program opened it and the socket
with its peer, which a fallback to /proc/PID/fd would not (the kernel resolves symlinks
there and shows a socket as `socket:[inode]`)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import build_c, libctrace, need_tool, trace_lines

# argv[1]: a path through a symlinked directory; argv[2]: a UDP port on 127.0.0.1.
DUPS = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char b[4];
    if (argc < 3) return 2;
    int fd = open(argv[1], O_RDONLY);
    int a = dup(fd);
    int c = dup2(fd, 20);
    int d = dup3(fd, 21, O_CLOEXEC);
    int e = fcntl(fd, F_DUPFD_CLOEXEC, 30);
    close(fd); /* the copies outlive the original */
    pread(a, b, 1, 0);
    pread(c, b, 1, 0);
    pread(d, b, 1, 0);
    pread(e, b, 1, 0);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connect(s, (struct sockaddr *)&to, sizeof to);
    int t = dup2(s, 40);
    close(s);
    return send(t, "dup", 3, 0) == 3 ? 0 : 1;
}
"""


def _events(path: Path) -> list[dict[str, Any]]:
    return trace_lines(path)[1:-1]


def test_copies_of_descriptors_keep_their_names(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "data").write_text("payload")
    (tmp_path / "link").symlink_to(real)
    opened = str(tmp_path / "link" / "data")  # what the program opens; /proc would say .../real/data
    exe = str(build_c(DUPS, name="dups"))
    out = tmp_path / "t.jsonl"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(10)
        port = server.getsockname()[1]
        proc = libctrace("run", "-q", "-e", "trace=all", "-o", str(out), "--", exe, opened, str(port))
        assert proc.returncode == 0, proc.stderr
        assert server.recv(16) == b"dup"  # the copy really was the connected socket
    events = _events(out)
    preads = [e for e in events if e["type"] == "syscall" and e["name"] == "pread64"][-4:]  # the loader's come first
    assert [e["args"][0] for e in preads] == [4, 20, 21, 30]
    assert [e["fd_path"] for e in preads] == [opened] * 4
    (send,) = [e for e in events if e["type"] == "syscall" and e["name"] == "sendto"]
    assert send["args"][0] == 40
    assert send["fd_path"] == f"socket:[AF_INET SOCK_DGRAM -> 127.0.0.1:{port}]"


# The same descriptor number for two files, then for a pipe, then (after close_range) for an
# eventfd: argv[1] and argv[2] are files.
REUSE = r"""
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char b[8];
    int p[2];
    if (argc < 3) return 2;
    int fd = open(argv[1], O_RDONLY);
    read(fd, b, 1);
    close(fd);
    fd = open(argv[2], O_RDONLY); /* the number just freed */
    read(fd, b, 1);
    if (pipe(p) != 0) return 1;
    dup2(p[0], fd); /* fd is now the pipe's read end */
    write(p[1], "y", 1);
    read(fd, b, 1);
    syscall(436, 3, ~0U, 0); /* close_range(3, ~0U, 0): all of them at once (no musl wrapper) */
    fd = eventfd(1, 0); /* 3 again, made by a call the recorder does not decode */
    read(fd, b, 8);
    return 0;
}
"""

# strace -y: `read(3</etc/ld.so.cache>, ` and mmap's fifth argument `, 3</usr/lib/...>, 0x`.
_STRACE_FD = {
    "read": re.compile(r"^\d+ +read\((\d+)<(.*?)>, "),
    "mmap": re.compile(r"^\d+ +mmap\([^,]+, \d+, [^,]+, [^,]+, (\d+)<(.*?)>, "),
}


_PIPE = re.compile(r"pipe:\[\d+\]")  # a new pipe in each run


def _strace_fds(text: str) -> list[tuple[str, int, str]]:
    out = []
    for line in text.splitlines():
        for name, rx in _STRACE_FD.items():
            m = rx.match(line)
            if m:
                out.append((name, int(m.group(1)), _PIPE.sub("pipe", m.group(2))))
    return out


@pytest.mark.parametrize("compiler", ["gcc", "musl-gcc"])
@pytest.mark.parametrize("trace_set", ["mmap,clone3", "read,mmap"])
def test_fd_path_is_right_with_a_narrow_trace_set(tmp_path: Path, compiler: str, trace_set: str) -> None:
    """Neither open nor close is selected, yet fd_path follows descriptors closed and reused,
    as strace -y (which asks /proc at each call) shows them."""
    strace = need_tool("strace")
    exe = str(build_c(REUSE, compiler=compiler, name="reuse"))
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text("1")
    second.write_text("2")
    argv = [exe, str(first), str(second)]
    st_file, out = tmp_path / "strace.txt", tmp_path / "t.jsonl"
    subprocess.run(
        [strace, "-f", "-qq", "-y", "-e", f"trace={trace_set}", "-o", str(st_file), *argv], check=True, timeout=60
    )
    proc = libctrace("run", "-q", "-e", f"trace={trace_set}", "-o", str(out), "--", *argv)
    assert proc.returncode == 0, proc.stderr
    ours = []
    for e in _events(out):
        if e["type"] == "syscall" and "fd_path" in e and e["name"] in _STRACE_FD:
            fd = e["args"][4 if e["name"] == "mmap" else 0]
            # Paths as opened; the kernel (and so strace) resolves symlinks such as /lib -> usr/lib.
            path = os.path.realpath(e["fd_path"]) if e["fd_path"].startswith("/") else _PIPE.sub("pipe", e["fd_path"])
            ours.append((e["name"], fd, path))
    reference = _strace_fds(st_file.read_text())
    assert ours == reference
    if compiler == "gcc":  # the dynamic loader maps ld.so.cache, then libc.so.6, through one number
        mapped = {p for n, _, p in ours if n == "mmap"}
        assert {"/etc/ld.so.cache", os.path.realpath("/lib/x86_64-linux-gnu/libc.so.6")} <= mapped
    if trace_set == "read,mmap":
        reads = [(fd, p) for n, fd, p in ours if n == "read"][-4:]
        assert reads == [(3, str(first)), (3, str(second)), (3, "pipe"), (3, "anon_inode:[eventfd]")]
