"""libctrace records what strace records: the cross-check against the reference tracer.

Each corpus program runs twice, once under `strace -f -qq -o FILE` and once under
`libctrace run -q -e trace=all -o FILE`. Both recordings are reduced to the same shape and
compared.

Normalisation (the same for both sides):

* Per-thread sequences of (syscall name, outcome): strace prints one line per call with the
  thread id in front (`<unfinished ...>`/`<... resumed>` pairs are joined back into one call,
  placed where the call started); libctrace gives `tid` (or `pid`) per syscall event.
* Threads and processes are named by their place in the process tree, not by pid: the first
  process is `0`, the children it creates are `0.1`, `0.2`... in the order of its
  clone/clone3/fork/vfork calls, and so on down. Pids change from run to run and the order
  in which a parent and a child first run is up to the scheduler; the tree is not.
* The outcome is the errno name when the call failed, `?` when it did not return
  (exit_group), else the return value, except that values which differ from run to run by
  design are replaced by a word: `ADDR` for addresses (mmap, brk, mremap, shmat: ASLR) and
  `PID` for process and thread ids (clone, fork, getpid, wait4, set_tid_address...).
* Dropped, because whether, where and how often they happen depends on timing: futex,
  nanosleep, clock_nanosleep, sched_yield, restart_syscall, rt_sigreturn (a handler
  returning: where it lands depends on when the signal, e.g. SIGCHLD, arrived), and any
  call that ended in a kernel restart code (ERESTARTSYS and friends: a signal came mid-call).
* Nothing else: every other call, its order and its outcome must match.

`python3` is Debian's /usr/bin/python3: on a machine with pyenv, the `python3` on PATH is a
shell-script shim, and the comparison would measure pyenv's scripts instead.

Agreement per program = difflib ratio over all threads together: 2 x matched calls / (calls
in strace + calls in libctrace), with the threads paired by tree position. The bar is 0.98
for programs with several processes or threads (signals and scheduling may still move a call),
and exact equality for the single-process ones (getent, ls, the simple C builds). Run with
`pytest -s` to see the figures printed.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, build_c, libctrace, need_tool, trace_lines

# Files, a failed open, a pipe, a thread and a forked child: a bit of every kind of call.
C_PROG = r"""
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
static void *worker(void *arg) {
    char buf[64];
    int fd = open("/etc/hostname", O_RDONLY);
    if (fd >= 0) { read(fd, buf, sizeof buf); close(fd); }
    return arg;
}
int main(void) {
    struct stat st;
    char buf[128];
    int p[2];
    stat("/etc/passwd", &st);
    open("/nonexistent/file", O_RDONLY);
    int fd = open("/etc/passwd", O_RDONLY);
    read(fd, buf, sizeof buf);
    close(fd);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    pipe(p);
    pid_t child = fork();
    if (child == 0) { write(p[1], "ok", 2); _exit(7); }
    read(p[0], buf, 2);
    waitpid(child, NULL, 0);
    write(1, "done\n", 5);
    return 0;
}
"""

# Single process, no threads: both tracers must record exactly the same calls.
C_SIMPLE = r"""
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char buf[256];
    for (int i = 0; i < 3; i++) {
        int fd = open(i == 1 ? "/nonexistent" : "/etc/passwd", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { read(fd, buf, sizeof buf); close(fd); }
    }
    printf("pid %d\n", (int)getpid());
    return 0;
}
"""

_TIMING = frozenset({"futex", "nanosleep", "clock_nanosleep", "sched_yield", "restart_syscall", "rt_sigreturn"})
_ADDR_RET = frozenset({"mmap", "brk", "mremap", "shmat"})
_PID_RET = frozenset(
    {
        "clone",
        "clone3",
        "fork",
        "vfork",
        "getpid",
        "getppid",
        "gettid",
        "wait4",
        "waitid",
        "set_tid_address",
        "getpgrp",
        "getpgid",
        "getsid",
        "setsid",
    }
)
_CREATE = ("clone", "clone3", "fork", "vfork")
_RESTART = frozenset({"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ERESTART_RESTARTBLOCK"})

# strace line shapes: `123 name(args) = ret...`, `<unfinished ...>`, `<... name resumed>...`.
_LINE = re.compile(r"^(\d+)\s+(.*)$")
_CALL = re.compile(r"^([a-z_0-9]+)\(")
_RESUMED = re.compile(r"^<\.\.\. ([a-z_0-9]+) resumed>")
_RESULT = re.compile(r"\s=\s(-?\d+|0x[0-9a-f]+|\?)(?:<[^>]*>)?(?: ([A-Z][A-Z0-9_]*) \(.*\))?(?: \(.*\))?$")

Call = tuple[str, str | int]  # (name, outcome)
RawCall = tuple[str, str | int | None]  # before normalisation; None: the pid-valued result
Thread = list[tuple[str, str | int]]


def _outcome(name: str, value: str | int) -> str | int:
    if isinstance(value, int) and value >= 0:
        if name in _ADDR_RET:
            return "ADDR"
        if name in _PID_RET:
            return "PID"
    return value


def _tree_names(calls: dict[int, list[tuple[str, str | int]]], order: list[int]) -> dict[int, str]:
    """Names each thread by its place in the tree of clone/fork calls (see the docstring)."""
    names: dict[int, str] = {}
    pending = [order[0]] if order else []
    if pending:
        names[pending[0]] = "0"
    while pending:
        tid = pending.pop(0)
        children = [v for n, v in calls.get(tid, []) if n in _CREATE and isinstance(v, int) and v > 0]
        for i, child in enumerate(children, 1):
            if child not in names:
                names[child] = f"{names[tid]}.{i}"
                pending.append(child)
    # A thread we cannot place (no creating call seen) keeps a name by order of appearance.
    for tid in order:
        names.setdefault(tid, f"?{order.index(tid)}")
    return names


def _normalise(calls: dict[int, list[tuple[str, str | int]]], order: list[int]) -> dict[str, list[Call]]:
    names = _tree_names(calls, order)
    out: dict[str, list[Call]] = {}
    for tid, seq in calls.items():
        out[names[tid]] = [
            (n, _outcome(n, v)) for n, v in seq if n not in _TIMING and not (isinstance(v, str) and v in _RESTART)
        ]
    return out


def parse_strace(text: str) -> dict[str, list[Call]]:
    calls: dict[int, list[tuple[str, str | int]]] = {}
    order: list[int] = []
    open_call: dict[int, int] = {}  # tid -> index of its unfinished call
    for line in text.splitlines():
        m = _LINE.match(line)
        if m is None:
            continue
        tid, body = int(m.group(1)), m.group(2)
        if body.startswith(("+++", "---")):
            continue
        if tid not in calls:
            calls[tid] = []
            order.append(tid)
        seq = calls[tid]
        resumed = _RESUMED.match(body)
        if resumed:
            index = open_call.pop(tid)
            seq[index] = (seq[index][0], _strace_result(body))
            continue
        call = _CALL.match(body)
        assert call is not None, line
        if body.endswith("<unfinished ...>"):
            open_call[tid] = len(seq)
            seq.append((call.group(1), "?"))
        else:
            seq.append((call.group(1), _strace_result(body)))
    return _normalise(calls, order)


def _strace_result(body: str) -> str | int:
    m = _RESULT.search(body)
    if m is None:
        return "?"  # e.g. `<unavailable>`: the process went away mid-call
    value, err = m.group(1), m.group(2)
    if err:
        return err
    if value == "?":
        return "?"
    return int(value, 16) if value.startswith("0x") else int(value)


def parse_libctrace(path: Path) -> dict[str, list[Call]]:
    calls: dict[int, list[tuple[str, str | int]]] = {}
    order: list[int] = []
    for e in trace_lines(path)[1:]:
        if e.get("type") != "syscall":
            continue
        tid = e.get("tid", e["pid"])
        if tid not in calls:
            calls[tid] = []
            order.append(tid)
        value: str | int = e["errno"] or ("?" if e["ret"] is None else e["ret"])
        calls[tid].append((e["name"], value))
    return _normalise(calls, order)


def agreement(ref: dict[str, list[Call]], ours: dict[str, list[Call]]) -> tuple[float, dict[str, float]]:
    """Overall and per-thread difflib ratios, threads paired by tree name."""
    matched = total = 0
    per: dict[str, float] = {}
    for key in sorted(set(ref) | set(ours)):
        a, b = ref.get(key, []), ours.get(key, [])
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        m = sum(block.size for block in sm.get_matching_blocks())
        per[key] = 2 * m / (len(a) + len(b)) if a or b else 1.0
        matched += 2 * m
        total += len(a) + len(b)
    return (matched / total if total else 1.0), per


def _corpus() -> list[tuple[str, object, float]]:
    return [
        ("getent passwd root", ["getent", "passwd", "root"], 1.0),
        ("ls /", ["ls", "/"], 1.0),
        ("python3 -c pass", ["/usr/bin/python3", "-c", "pass"], 0.98),
        ("sh -c 'echo hi | cat'", ["sh", "-c", "echo hi | cat"], 0.98),
        ("C program, gcc", ("gcc", C_PROG, ("-pthread",)), 0.98),
        ("C program, musl-gcc", ("musl-gcc", C_PROG, ("-pthread",)), 0.98),
        ("simple C, gcc", ("gcc", C_SIMPLE, ()), 1.0),
        ("simple C, gcc -static", ("gcc", C_SIMPLE, ("-static",)), 1.0),
        ("simple C, musl-gcc", ("musl-gcc", C_SIMPLE, ()), 1.0),
    ]


@pytest.mark.parametrize("label, program, bar", _corpus(), ids=[c[0] for c in _corpus()])
def test_agrees_with_strace(tmp_path, label, program, bar):
    need_tool("strace")
    if isinstance(program, tuple):
        compiler, source, flags = program
        argv = [str(build_c(source, compiler=compiler, flags=flags, name="agree"))]
    else:
        argv = [need_tool(program[0]) if "/" not in program[0] else program[0], *program[1:]]
        if not os.access(argv[0], os.X_OK):
            pytest.skip(f"{argv[0]} is not installed on this machine")
    st_file, lt_file = tmp_path / "strace.txt", tmp_path / "trace.jsonl"
    st = subprocess.run(["strace", "-f", "-qq", "-o", str(st_file), *argv], capture_output=True, timeout=60)
    lt = libctrace("run", "-q", "-e", "trace=all", "-o", str(lt_file), "--", *argv)
    assert lt.returncode == st.returncode, (lt.returncode, st.returncode, lt.stderr)
    ref, ours = parse_strace(st_file.read_text()), parse_libctrace(lt_file)
    assert set(ours) == set(ref), (sorted(ref), sorted(ours))  # the same process tree
    ratio, per = agreement(ref, ours)
    calls = sum(len(s) for s in ref.values())
    print(
        f"\nstrace agreement  {label:24} {ratio:.4f}  ({calls} calls, {len(ref)} threads: "
        + ", ".join(f"{k}={v:.3f}" for k, v in per.items())
        + ")"
    )
    if ratio < bar:
        # Show where they part, so a failure says what to fix.
        key = min(per, key=per.__getitem__)
        diff = difflib.unified_diff(
            [str(c) for c in ref.get(key, [])],
            [str(c) for c in ours.get(key, [])],
            "strace",
            "libctrace",
            lineterm="",
            n=1,
        )
        pytest.fail(f"{label}: agreement {ratio:.4f} < {bar} (thread {key})\n" + "\n".join(list(diff)[:60]))


def test_normalisation_is_not_blind():
    """The comparison must see a real difference: a changed outcome lowers the ratio."""
    ref = parse_strace(
        '10 execve("/bin/x", ["x"], 0x7ffd /* 1 vars */) = 0\n'
        "10 brk(NULL)                         = 0x5593774f8000\n"
        '10 openat(AT_FDCWD, "/a", O_RDONLY) = -1 ENOENT (No such file or directory)\n'
        "10 clone(child_stack=NULL, flags=SIGCHLD) = 11\n"
        "10 wait4(-1,  <unfinished ...>\n"
        '11 write(1, "a = 3", 5) = 5\n'
        "10 <... wait4 resumed>NULL, 0, NULL) = 11\n"
        "10 futex(0x1, FUTEX_WAKE, 1) = 0\n"
        "10 exit_group(0)                     = ?\n"
    )
    assert ref == {
        "0": [
            ("execve", 0),
            ("brk", "ADDR"),
            ("openat", "ENOENT"),
            ("clone", "PID"),
            ("wait4", "PID"),
            ("exit_group", "?"),
        ],
        "0.1": [("write", 5)],
    }
    changed = {"0": [c if c[0] != "openat" else ("openat", 3) for c in ref["0"]], "0.1": ref["0.1"]}
    ratio, _ = agreement(ref, changed)
    assert ratio < 1.0 and agreement(ref, ref)[0] == 1.0


# ---------------------------------------------------------------- decoding, line by line
# bench/fidelity.py runs a program per family (file, network, process, memory, signals, time,
# poll, ioctl, ipc, kernel, admin) with edge-case arguments under strace and under libctrace, and compares the
# lines `show` prints with strace's after the same normalisation (its docstring says which).


def _fidelity():
    spec = importlib.util.spec_from_file_location("fidelity", ROOT / "bench" / "fidelity.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FIDELITY = _fidelity()
_LINE_BAR = 0.9  # the share of strace's lines printed identically


def _check_lines(label: str, ratio: float, ref: list[str], ours: list[str]) -> None:
    print(f"\nstrace line agreement  {label:28} {ratio:.3f}  ({len(ref)} lines)")
    assert len(ref) >= 20, ref  # the program ran under both and got past the marker
    if ratio < _LINE_BAR:
        diff = difflib.unified_diff(ref, ours, "strace", "libctrace", lineterm="", n=0)
        pytest.fail(f"{label}: {ratio:.3f} < {_LINE_BAR}\n" + "\n".join(list(diff)[:80]))


@pytest.mark.parametrize("family", FIDELITY.FAMILIES)
def test_lines_read_as_strace_prints_them(family):
    need_tool("strace")
    need_tool("gcc")
    _check_lines(family, *FIDELITY.compare(family))


@pytest.mark.parametrize("label", sorted(FIDELITY.OTHERS))
def test_lines_of_programs_nobody_here_wrote(label):
    need_tool("strace")
    argv = FIDELITY.OTHERS[label]
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed on this machine")
    _check_lines(label, *FIDELITY.compare_argv(argv, "execve("))


def test_files_named_like_pointers_are_quoted_as_strace_quotes_them():
    """A file named NULL or 0x1 is a string; until trace format 3 show printed it bare, as the
    NULL pointer strace prints bare (the two were the same text in the trace)."""
    need_tool("strace")
    _, ref, ours = FIDELITY.compare_argv(FIDELITY.OTHERS["cat NULL 0x1"], "execve(")
    opens = [line for line in ref if line.startswith('openat(AT_FDCWD, "NULL"')]
    assert opens and all(line in ours for line in opens)


def test_line_normalisation_is_not_blind():
    """Only what differs by design is masked: a changed argument still counts as a difference."""
    ref = FIDELITY.normalise(
        [
            '10 access("/fidelity-begin", F_OK) = -1 ENOENT (No such file or directory)',
            '10 openat(AT_FDCWD</tmp/x>, "f1", O_RDONLY) = 3</tmp/x/f1>',
            "10 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3</tmp/x/f1>, 0) = 0x7f0012345000",
        ]
    )
    assert ref == ['openat(AT_FDCWD, "f1", O_RDONLY) = 3', "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = ADDR"]
    other = FIDELITY.normalise(
        [
            '11 access("/fidelity-begin", F_OK) = -1 ENOENT (No such file or directory)',
            '11 openat(AT_FDCWD, "f1", O_RDONLY|O_CLOEXEC) = 3',
        ]
    )
    assert other[0] != ref[0]
