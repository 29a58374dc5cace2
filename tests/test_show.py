"""`libctrace show` and the text/summary renderers.

The rendering is checked against strace itself: the same real program is recorded by
`libctrace run` and by `strace`, and the lines must say the same thing (string literals are
compared as the bytes they denote, since strace prints octal escapes where we print hex).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, build_c, libctrace, need_tool, trace_lines

from libctrace.render.text import format_event

# Writes bytes that need escaping, fails an open, talks UDP to a closed local port, exits 3.
PROG = r"""
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
    write(1, "\x01\x02" "a\"b\\c\t\n\x7f\xff", 11);
    open("/nonexistent/\"q\"\n", O_RDONLY);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connect(s, (struct sockaddr *)&a, sizeof a);
    sendto(s, "hello", 5, 0, (struct sockaddr *)&a, sizeof a);
    close(s);
    return 3;
}
"""

# A parent and a child that each open a different file, then a loop of cheap calls.
FORK_PROG = r"""
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    pid_t child = fork();
    if (child == 0) { close(open("/etc/hostname", O_RDONLY)); _exit(0); }
    waitpid(child, NULL, 0);
    close(open("/etc/passwd", O_RDONLY));
    for (long i = 0, n = argc > 1 ? atol(argv[1]) : 0; i < n; i++) getppid();
    return 0;
}
"""

SEGV_PROG = r"""
#include <sys/resource.h>
int main(void) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* the same exit line for strace and us, no core file */
    *(volatile int *)0 = 1;
    return 0;
}
"""

_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SIMPLE_ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, '"': 34, "\\": 92}


def _unescape(body: str) -> bytes:
    """The bytes a C string literal denotes, for strace's octal and our hex escapes alike."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "x":
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            assert m is not None
            out.append(int(m.group(), 8))
            i += 1 + len(m.group())
        else:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
    return bytes(out)


def _normal(line: str) -> str:
    """A line with each string literal replaced by its bytes and strace -y annotations gone."""
    line = _LITERAL.sub(lambda m: repr(_unescape(m.group(1))), line)
    line = re.sub(r"(\d+)<.*?>(?=[,)])", r"\1", line)  # fd paths may hold ">" (socket:[... -> ...])
    return re.sub(r"\s+=\s+", " = ", line).strip()


def _record(tmp_path: Path, *argv: str, trace_set: str | None = None) -> Path:
    out = tmp_path / "t.jsonl"
    opts = ["-e", f"trace={trace_set}"] if trace_set else []
    proc = libctrace("run", "-q", "-o", str(out), *opts, "--", *argv, errors="replace")
    assert out.exists(), proc.stderr
    return out


def _strace(tmp_path: Path, *argv: str) -> list[str]:
    need_tool("strace")
    out = tmp_path / "strace.txt"
    subprocess.run(["strace", "-f", "-q", "-o", str(out), *argv], capture_output=True, timeout=60)
    # -f adds the pid column; drop it, ours is compared without it too.
    return [re.sub(r"^\d+\s+", "", ln) for ln in out.read_text().splitlines()]


def _show(*args: str) -> subprocess.CompletedProcess[str]:
    proc = libctrace("show", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_text_lines_say_what_strace_says(tmp_path):
    exe = str(build_c(PROG, name="show-prog"))
    trace = _record(tmp_path, exe, trace_set="all")
    ours = [ln.split(" ", 1)[1] for ln in _show(str(trace)).stdout.splitlines()]
    theirs = _strace(tmp_path, exe)
    for call in ("write(1", 'openat(AT_FDCWD, "/nonexistent', "connect(", "sendto(", "exit_group("):
        mine = [_normal(ln) for ln in ours if ln.startswith(call)]
        ref = [_normal(ln) for ln in theirs if ln.startswith(call)]
        assert mine and mine == ref, (call, mine, ref)
    assert ours[-1] == "+++ exited with 3 +++" == theirs[-1]


def test_fd_arguments_show_their_path(tmp_path):
    exe = str(build_c(FORK_PROG, name="show-fork"))
    lines = _show(str(_record(tmp_path, exe, trace_set="all"))).stdout.splitlines()
    # The close of the descriptor opened on /etc/passwd names the file, like strace -y.
    assert any(re.fullmatch(r"\d+ close\(\d+</etc/passwd>\) = 0", ln) for ln in lines), lines


def test_killed_by_signal_reads_like_strace(tmp_path):
    exe = str(build_c(SEGV_PROG, name="show-segv"))
    ours = _show(str(_record(tmp_path, exe))).stdout.splitlines()
    theirs = _strace(tmp_path, exe)
    assert theirs[-1] == "+++ killed by SIGSEGV +++"
    assert ours[-1].split(" ", 1)[1] == theirs[-1]
    assert ours[-2].split(" ", 1)[1] == theirs[-2]  # with its siginfo, as strace prints it


def test_filters_by_syscall_and_pid(tmp_path):
    exe = str(build_c(FORK_PROG, name="show-fork"))
    trace = _record(tmp_path, exe, trace_set="all")
    events = trace_lines(trace)[1:-1]
    pids = list(dict.fromkeys(e["pid"] for e in events))
    parent, child = pids[0], pids[1]

    only_open = _show(str(trace), "-e", "trace=openat,close").stdout.splitlines()
    calls = [ln.split(" ", 1)[1].split("(")[0] for ln in only_open if "(" in ln]
    assert set(calls) == {"openat", "close"}
    # Process events are kept under a syscall filter, as strace keeps them.
    assert sum("+++ exited with 0 +++" in ln for ln in only_open) == 2

    child_json = [
        json.loads(ln) for ln in _show(str(trace), "--format", "json", "--pid", str(child)).stdout.splitlines()
    ]
    assert child_json == [e for e in events if e["pid"] == child]
    assert any(e.get("name") == "openat" and "/etc/hostname" in e["args"] for e in child_json)
    parent_text = _show(str(trace), "--pid", str(parent), "-e", "trace=%file").stdout
    assert "/etc/passwd" in parent_text and "/etc/hostname" not in parent_text
    nobody = _show(str(trace), "--pid", "1")  # init is never in a trace
    assert nobody.stdout == "" and "no process or thread 1 in this trace" in nobody.stderr


def test_filter_warns_about_calls_the_trace_did_not_record(tmp_path):
    exe = str(build_c(FORK_PROG, name="show-fork"))
    trace = _record(tmp_path, exe, "5")  # default set: getppid is allowed without a stop
    proc = _show(str(trace), "-e", "trace=getppid,openat")
    assert "not recorded in this trace" in proc.stderr and "getppid" in proc.stderr
    assert "getppid(" not in proc.stdout and "openat(" in proc.stdout


def test_summary_tables(tmp_path):
    exe = str(build_c(PROG, name="show-prog"))
    out = _show(str(_record(tmp_path, exe)), "--format", "summary").stdout
    assert max(len(ln) for ln in out.splitlines()) <= 80
    assert re.search(r"Trace set: default - \d+ syscalls traced", out)
    assert "not in this trace" in out
    # openat: its calls and one error; the failed path with its errno; the process and its exit.
    row = next(ln for ln in out.splitlines() if ln.rstrip().endswith(" openat"))
    calls, errors = row.split()[3:5]
    assert int(calls) >= 1 and errors == "1"
    assert re.search(r"/nonexistent/.*ENOENT", out.replace("\n", " "))
    assert os.path.basename(exe)[:12] in out and "exited with 3" in out  # the path folds at 80 columns

    all_out = _show(str(_record(tmp_path, exe, trace_set="all")), "--format", "summary").stdout
    assert "Trace set: all - every syscall was recorded" in all_out


def test_interrupted_trace_is_shown_with_a_note(tmp_path):
    exe = str(build_c(PROG, name="show-prog"))
    full = _record(tmp_path, exe)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(full.read_text().splitlines(keepends=True)[:-1]))  # drop the footer
    proc = _show(str(cut))
    assert "interrupted" in proc.stderr
    assert proc.stdout.splitlines()[-1].endswith("+++ exited with 3 +++")


def test_works_in_a_pipe(tmp_path):
    exe = str(build_c(FORK_PROG, name="show-fork"))
    trace = _record(tmp_path, exe, "20000", trace_set="all")  # far more than a pipe buffer
    proc = subprocess.run(
        f"{sys.executable} -m libctrace show {trace} | head -3; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert len(proc.stdout.splitlines()) == 3


@pytest.mark.parametrize(
    "content, needle",
    [
        (
            '{"type":"header","format":"libctrace-trace","version":1}\n{"type":"exit"}\n{oops\n',
            "line 2: corrupt exit event: no 'seq'",
        ),
        (
            '{"type":"header","format":"libctrace-trace","version":1}\n{"type":"exit","seq":1,"t":0,"pid":1,"code":0,"signal":null,"core":false}\n{oops\n',
            "line 3: corrupt",
        ),
        ('{"type":"header","format":"libctrace-trace","version":7}\n', "line 1: trace format version 7"),
        ("not json\n", "line 1: not a libctrace trace"),
    ],
)
def test_bad_trace_files(tmp_path, content, needle):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    assert_one_line_error(libctrace("show", str(bad)), needle)


def test_bad_arguments(tmp_path):
    assert_one_line_error(libctrace("show", str(tmp_path / "missing.jsonl")), "cannot read trace")
    exe = str(build_c(PROG, name="show-prog"))
    trace = str(_record(tmp_path, exe))
    assert_one_line_error(libctrace("show", trace, "-e", "trace=no_such_call"), "no_such_call")
    assert_one_line_error(libctrace("show", trace, "-e", "signal=none"), "trace=SET")
    assert_one_line_error(libctrace("show", trace, "--format", "xml"), "xml")


# Rendering of shapes a small program cannot easily produce on demand.
@pytest.mark.parametrize(
    "event, line",
    [
        (
            {
                "type": "syscall",
                "pid": 7,
                "name": "connect",
                "ret": 0,
                "errno": None,
                "args": [4, {"family": "AF_INET6", "addr": "::1", "port": 53}, 28],
            },
            '7 connect(4, {sa_family=AF_INET6, sin6_port=htons(53), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
        ),
        (
            {
                "type": "syscall",
                "pid": 7,
                "tid": 9,
                "name": "connect",
                "ret": -1,
                "errno": "ENOENT",
                "args": [4, {"family": "AF_UNIX", "path": "/var/run/nscd/socket"}, 110],
            },
            '9 connect(4, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
        ),
        (
            {
                "type": "syscall",
                "pid": 7,
                "name": "read",
                "ret": 300,
                "errno": None,
                "fd_path": "/etc/passwd",
                "args": [3, {"hex": "12346162630a", "len": 300}, 4096],
            },
            '7 read(3</etc/passwd>, "\\x124abc\\n"..., 4096) = 300',
        ),
        (
            {
                "type": "syscall",
                "pid": 7,
                "name": "sendmmsg",
                "ret": 1,
                "errno": None,
                "args": [3, [{"name": None, "iov": [{"hex": "ab", "len": 1}], "len": 1}], 1, "MSG_NOSIGNAL"],
            },
            '7 sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_iov=[{iov_base="\\xab", iov_len=1}], msg_iovlen=1}, msg_len=1}], 1, MSG_NOSIGNAL) = 1',
        ),
        (
            {
                "type": "syscall",
                "pid": 7,
                "name": "openat",
                "ret": None,
                "errno": "ERESTARTSYS",
                "args": ["AT_FDCWD", "/a\\xffb...", "O_RDONLY"],
            },
            '7 openat(AT_FDCWD, "/a\\xffb"..., O_RDONLY) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        ),
        (
            {"type": "exit", "pid": 7, "code": None, "signal": "SIGABRT", "core": True},
            "7 +++ killed by SIGABRT (core dumped) +++",
        ),
    ],
)
def test_format_event_shapes(event, line):
    assert format_event(event) == line


def test_buffer_size_option(tmp_path):
    trace = str(_record(tmp_path, "/bin/cat", "/etc/passwd"))
    first = Path("/etc/passwd").read_bytes()

    def read_line(out: str) -> str:
        return next(ln for ln in out.splitlines() if "read(3</etc/passwd>" in ln)

    short = read_line(_show(trace, "-e", "trace=read", "-s", "4").stdout)
    assert f'"{first[:4].decode()}"...' in short
    # Without -s, 32 bytes as strace prints them; the trace itself holds run's 256.
    default = _LITERAL.search(read_line(_show(trace).stdout))
    assert default is not None and _unescape(default.group(1)) == first[:32]


def test_file_names_that_look_like_constants_print_quoted(tmp_path):
    """Quoting follows the argument's kind in the syscall table, never the look of the value:
    files named README, 0755 and O_RDONLY, and a thread named O_RDONLY (prctl PR_SET_NAME, a
    string only for that operation), traced for real, print as the strings they are."""
    for name in ("README", "0755", "O_RDONLY"):
        (tmp_path / name).write_text("x\n")
    script = (
        "cat README 0755 O_RDONLY >/dev/null; mkdir 0700; rm README; "
        "python3 -c 'import ctypes; ctypes.CDLL(None).prctl(15, b\"O_RDONLY\", 0, 0, 0)'"
    )
    trace = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "-e", "trace=all", "-o", str(trace), "--", "sh", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shown = libctrace("show", str(trace), "-Y").stdout
    for line in (
        'openat(AT_FDCWD, "README", O_RDONLY) = 3',
        'openat(AT_FDCWD, "0755", O_RDONLY) = 3',
        'openat(AT_FDCWD, "O_RDONLY", O_RDONLY) = 3',
        'mkdir("0700", 0777) = 0',
        'unlinkat(AT_FDCWD, "README", 0) = 0',
        'prctl(PR_SET_NAME, "O_RDONLY") = 0',
    ):
        assert re.search(rf"^\d+ {re.escape(line)}$", shown, re.M), (line, shown[-3000:])
    # ...and the constants around them stay bare: the flags, the mode, the directory fd.
    assert "O_RDONLY)" in shown and '"AT_FDCWD"' not in shown and '"O_RDONLY|' not in shown
