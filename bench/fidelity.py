"""Decoding fidelity: how many of the lines `show` prints are the lines strace prints.

Each program in bench/fidelity/ (one per family: file, network, process, memory, signals, time,
poll, ioctl, ipc, kernel, admin) makes its calls with edge-case arguments (NULL and unreadable pointers, bad fds,
huge lengths, unterminated strings, unknown flag bits, failing calls) after a marker call,
`access("/fidelity-begin", F_OK)`. It runs under

    strace -f -y -s 32 --strings-in-hex=non-ascii-chars -o FILE PROG
    libctrace run -q -e trace=all -o TRACE PROG  +  libctrace show TRACE

and the lines after the marker are normalised the same way on both sides: the pid prefix
dropped, pids named PID, addresses ADDR, fd annotations `3</path>` cut to `3`, times and
clock values N, strace's alignment spaces before ` = ` removed, `<unfinished ...>` /
`<... resumed>` pairs joined. The agreement of a family is the share of strace's lines that
libctrace prints identically, in order (difflib matching blocks over the two line lists).

    .venv/bin/python bench/fidelity.py            # the table
    .venv/bin/python bench/fidelity.py -v file    # and the differing lines of one family
    .venv/bin/python bench/fidelity.py --undecoded  # the syscalls no decoder knows
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGS = HERE / "fidelity"
FAMILIES = ("file", "network", "process", "memory", "signals", "time", "poll", "ioctl", "ipc", "kernel", "admin")
# Programs nobody here wrote, compared on every line after their execve (loader included).
OTHERS: dict[str, list[str]] = {
    # A directory nobody changes while the two runs compare (/ does: other programs' files).
    "ls -l": ["ls", "-l", "/usr/share/common-licenses"],
    "busybox ls -l": ["busybox", "ls", "-l", "/usr/share/common-licenses"],
    "getent passwd root": ["getent", "passwd", "root"],
    "python3 -c pass": ["/usr/bin/python3", "-c", "pass"],
    "sh -c 'echo hi | cat'": ["sh", "-c", "echo hi | cat"],
    # util-linux reading capabilities, securebits and ambient caps (capget, prctl) and an affinity.
    "setpriv --dump": ["setpriv", "--dump"],
    "taskset -p 1": ["taskset", "-p", "1"],
    # File names that read like a pointer strace prints bare (trace format 3 keeps them apart).
    "cat NULL 0x1": ["sh", "-c", "printf x > NULL; printf y > 0x1; cat NULL 0x1 >/dev/null"],
    # Python's own wrappers of the process and scheduling calls (os.waitid, os.sched_*...).
    "python3 os calls": [
        "/usr/bin/python3",
        "-c",
        "import os\nos.getresuid(); os.getresgid()\n"
        "os.sched_getparam(0); os.sched_rr_get_interval(0); os.sched_getscheduler(0)\n"
        "pid = os.fork()\nif pid == 0: os._exit(3)\nos.waitid(os.P_PID, pid, os.WEXITED)",
    ],
}
STRACE = ("strace", "-f", "-y", "-s", "32", "--strings-in-hex=non-ascii-chars")
_CACHE = Path(os.environ.get("LIBCTRACE_TEST_CACHE", "/tmp/libctrace-test-cache"))

_PREFIX = re.compile(r"^(\d+) +(.*)$")
_MARKER = 'access("/fidelity-begin", F_OK)'
_UNFINISHED = " <unfinished ...>"
_RESUMED = re.compile(r"^<\.\.\. [a-z0-9_]+ resumed>(.*)$")
_ADDR = re.compile(r"\b0x[0-9a-f]{6,}\b")  # a static non-PIE binary's heap starts near 0x4c0000
_FD_NOTE = re.compile(r"(\d|AT_FDCWD)<.*?>(?:\(deleted\))?(?=[,)\]]|$| =)")
_ALIGN = re.compile(r"\s+= ")
_TIMES = re.compile(
    r"\b(tv_sec|tv_nsec|tv_usec|si_utime|si_stime|tms_utime|tms_stime|tms_cutime|tms_cstime"
    r"|shm_atime|shm_dtime|shm_ctime|msg_stime|msg_rtime|msg_ctime)=-?\d+(?: /\* [\d.]+ s \*/)?"
)
# Values that differ from run to run by design: random bytes, clock ticks, the tracer's own pid.
_VARYING = [
    (re.compile(r'^getrandom\(".*?"(\.\.\.)?, '), "getrandom(RANDOM, "),
    (re.compile(r"^(times\(.*\)|getppid\(\)) = \d+$"), r"\1 = N"),
    (re.compile(r"^sysinfo\(\{.*\}\)"), "sysinfo({...})"),
    (re.compile(r'^getcwd\(".*?"'), 'getcwd("CWD"'),
    (re.compile(r"(TIOCGPTN, )\[\d+\]"), r"\1[N]"),
    (re.compile(r"htons\((3[2-9]\d{3}|[4-6]\d{4})\)"), "htons(EPHEMERAL)"),
    # Key serial numbers are random; the CPU a process runs on is the scheduler's choice.
    (re.compile(r"^((?:add_key|request_key|keyctl)\(.*\)) = \d+$"), r"\1 = KEY"),
    (re.compile(r"^(keyctl\(KEYCTL_\w+, )\d+"), r"\1KEY"),
    (re.compile(r"^getcpu\(\[\d+\]"), "getcpu([N]"),
]
# Lines only libctrace prints (its own event kinds), left out of the comparison.
_OWN = ("--- process ", "--- thread ", "--- exec ")
_PTS = re.compile(r"/dev/pts/\d+")


def build(family: str) -> Path:
    """The family's program, compiled with gcc (cached by source content)."""
    src = PROGS / f"{family}.c"
    text = src.read_bytes() + (PROGS / "common.h").read_bytes()
    out = _CACHE / f"fidelity-{family}-{hashlib.sha256(text).hexdigest()[:12]}"
    if not out.exists():
        _CACHE.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        subprocess.run(["gcc", "-O0", "-w", "-I", str(PROGS), "-o", str(tmp), str(src)], check=True)
        tmp.rename(out)
    return out


def _join(lines: list[str]) -> list[tuple[int, str]]:
    """(pid, body) per call, unfinished/resumed halves joined where the call started."""
    out: list[tuple[int, str]] = []
    open_at: dict[int, int] = {}
    for line in lines:
        m = _PREFIX.match(line)
        if m is None:
            continue
        pid, body = int(m.group(1)), m.group(2)
        r = _RESUMED.match(body)
        if r is not None and pid in open_at:
            i = open_at.pop(pid)
            out[i] = (pid, out[i][1] + r.group(1))
            continue
        if body.endswith(_UNFINISHED):
            open_at[pid] = len(out)
            body = body[: -len(_UNFINISHED)]
        out.append((pid, body))
    return out


def normalise(lines: list[str], marker: str = _MARKER) -> list[str]:
    """The lines after the marker call, in the shape both tracers are compared in."""
    calls = _join(lines)
    start = next((i for i, (_, b) in enumerate(calls) if b.startswith(marker)), None)
    if start is None:
        return []
    pids = {str(p) for p, _ in calls}
    pid_word = (
        re.compile(r"(?<![\w.])(" + "|".join(sorted(pids, key=len, reverse=True)) + r")(?![\w.])") if pids else None
    )
    # Processes one after the other (in order of their first line): where a parent's and a
    # child's lines interleave is up to the scheduler.
    order = {p: i for i, (p, _) in reversed(list(enumerate(calls[start + 1 :])))}
    out = []
    for _, body in sorted(calls[start + 1 :], key=lambda c: order[c[0]]):
        if body.startswith(_OWN):
            continue
        body = _ALIGN.sub(" = ", _FD_NOTE.sub(r"\1", body))
        body = _TIMES.sub(r"\1=N", _PTS.sub("/dev/pts/N", _ADDR.sub("ADDR", body)))
        if pid_word is not None:
            body = pid_word.sub("PID", body)
        for pattern, repl in _VARYING:
            body = pattern.sub(repl, body)
        out.append(body.rstrip())
    return out


def run_strace(argv: list[str], cwd: Path) -> list[str]:
    out = cwd / "strace.txt"
    subprocess.run([*STRACE, "-o", str(out), *argv], cwd=cwd, capture_output=True, timeout=120)
    return out.read_text(errors="replace").splitlines()


def run_libctrace(argv: list[str], cwd: Path) -> list[str]:
    trace = cwd / "trace.jsonl"
    # This checkout's tracer, without a PYTHONPATH the program would inherit (one more variable
    # than under strace).
    cli = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(HERE.parent)!r}); from libctrace.cli import main; main()",
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [*cli, "run", "-q", "-e", "trace=all", "-o", str(trace), "--", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    shown = subprocess.run([*cli, "show", str(trace)], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)
    if shown.returncode != 0 or "Traceback" in run.stderr:
        raise RuntimeError(f"libctrace failed on {argv}: {run.stderr[-2000:]}{shown.stderr[-2000:]}")
    return shown.stdout.splitlines()


def compare(family: str) -> tuple[float, list[str], list[str]]:
    """(agreement, strace's lines, libctrace's lines) for one family, both normalised."""
    return compare_argv([str(build(family))])


def compare_argv(argv: list[str], marker: str = _MARKER) -> tuple[float, list[str], list[str]]:
    """The same for any program: the lines after its first call that starts with marker
    (`execve(` for a program that has no marker call: all but the launch)."""
    with tempfile.TemporaryDirectory(prefix="fidelity-") as a, tempfile.TemporaryDirectory(prefix="fidelity-") as b:
        ref = normalise(run_strace(argv, Path(a)), marker)
        ours = normalise(run_libctrace(argv, Path(b)), marker)
    sm = difflib.SequenceMatcher(None, ref, ours, autojunk=False)
    same = sum(blk.size for blk in sm.get_matching_blocks())
    return (same / len(ref) if ref else 0.0), ref, ours


def undecoded() -> list[tuple[str, int]]:
    """(name, argument count) of the x86_64 syscalls that no decoder knows: their arguments are
    printed as plain numbers. Calls without arguments need none, except rt_sigreturn (strace
    shows the signal mask it restores)."""
    sys.path.insert(0, str(HERE.parent))
    from libctrace.syscalls.decode import HANDLERS
    from libctrace.syscalls.table import X86_64

    return [(name, n) for _, name, n in X86_64 if name not in HANDLERS and (n or name == "rt_sigreturn")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("families", nargs="*", metavar="FAMILY", help=f"of {', '.join(FAMILIES)} (default: all)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the lines that differ")
    ap.add_argument("--undecoded", action="store_true", help="list the syscalls no decoder knows, and stop")
    opts = ap.parse_args()
    if opts.undecoded:
        rows = undecoded()
        for name, n in rows:
            print(f"{name}({n} argument{'s' * (n != 1)})")
        print(f"{len(rows)} syscall(s) without a decoder")
        return 0
    unknown = [f for f in opts.families if f not in FAMILIES]
    if unknown:
        print(f"fidelity: no family {unknown[0]!r} (families: {', '.join(FAMILIES)})", file=sys.stderr)
        return 2
    if shutil.which("strace") is None:
        print("fidelity: strace is not installed", file=sys.stderr)
        return 2
    total_same = total = 0
    print(f"{'family':10} {'strace lines':>12} {'identical':>9} {'agreement':>9}")
    for fam in opts.families or FAMILIES:
        ratio, ref, ours = compare(fam)
        same = round(ratio * len(ref))
        total_same += same
        total += len(ref)
        print(f"{fam:10} {len(ref):12} {same:9} {ratio:9.1%}")
        if opts.verbose:
            for line in difflib.unified_diff(ref, ours, "strace", "libctrace", lineterm="", n=0):
                print("   ", line)
    print(f"{'all':10} {total:12} {total_same:9} {total_same / total if total else 0:9.1%}")
    if opts.families:
        return 0
    print(f"\n{'program (after its execve)':28} {'strace lines':>12} {'identical':>9} {'agreement':>9}")
    for label, argv in OTHERS.items():
        if shutil.which(argv[0]) is None:
            print(f"{label:28} not installed")
            continue
        ratio, ref, ours = compare_argv(argv, "execve(")
        print(f"{label:28} {len(ref):12} {round(ratio * len(ref)):9} {ratio:9.1%}")
        if opts.verbose:
            for line in difflib.unified_diff(ref, ours, "strace", "libctrace", lineterm="", n=0):
                print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
