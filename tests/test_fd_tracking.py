"""fd_path follows descriptors copied with dup, dup2, dup3 and fcntl(F_DUPFD*), as
docs/trace-format.md says: the copy names the file as the program opened it and the socket
with its peer, which a fallback to /proc/PID/fd would not (the kernel resolves symlinks
there and shows a socket as `socket:[inode]`)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from helpers import build_c, libctrace

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
    return [json.loads(line) for line in path.read_text().splitlines()[1:-1]]


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
