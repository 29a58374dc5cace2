"""Overhead benchmark: native vs strace vs libctrace, measured side by side in one run.

    .venv/bin/python bench/overhead.py            # every row, unpinned and pinned to CPU 0 (make bench)
    .venv/bin/python bench/overhead.py --quick    # smaller loops, 2 repetitions
    .venv/bin/python bench/overhead.py --only filtered,find --pin 0   # some rows, pinned only
    .venv/bin/python bench/overhead.py --profile 100000   # where one traced syscall's time goes

Every repetition runs all modes of a workload back to back (interleaved), so a slow moment of
the machine hits every mode alike; the table shows the median and min-max wall time of each,
the ratio to native and to the reference each target names, bytes per event of the traces
written, and the targets of issue 18 with their floors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from rich import box  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "libctrace-bench"

# Syscall-heavy but uninteresting: getppid is in no analysis set, the opens are.
LOOP_C = r"""
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    char buf[256];
    for (long i = 0; i < n; i++) {
        getppid();
        if (i % (n / 8 + 1) == 0) { /* eight file opens in the whole run */
            int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
            if (fd >= 0) { (void)read(fd, buf, sizeof buf); close(fd); }
        }
    }
    return 0;
}
"""

# The kernel's floor for any seccomp-filtered tracer: a one-instruction allow-all filter,
# then exec. Nothing stops, yet every syscall takes the kernel's seccomp entry path.
SECCOMP_FLOOR_C = r"""
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {.len = 1, .filter = allow};
    if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        perror("seccomp");
        return 127;
    }
    execv(argv[1], argv + 1);
    perror("execv");
    return 127;
}
"""

# Python's start-up importing several standard modules: a real, syscall-heavy program (opens,
# stats, reads of a few hundred files) nobody here wrote.
PY_IMPORTS = "import json, sqlite3, decimal, email.parser, http.client, argparse, logging"

# Debian's interpreter, not the first python3 on PATH: that may be a pyenv shell-script shim.
PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else shutil.which("python3") or "python3"

MODES = ("native", "strace", "strace-seccomp", "libctrace", "libctrace-cold", "libctrace-all")
FLOOR = "seccomp-floor"  # for the filtered loop: what the kernel charges for any filter
# Only for the start-up workload: what any CPython tracer built on click pays before its first
# line of work (the python target compares libctrace's start-up with strace's whole overhead).
PY_FLOOR, CLICK_FLOOR = "python-floor", "click-floor"
# strace writing what libctrace's trace holds: descriptor paths, times, durations, and the first
# 256 bytes of strings and buffers (run's default -s): target 5's second reference, and on find
# and python a timed mode, the bound beside target 2 (strace given the facts libctrace records)
SAME_FACTS = ["strace", "-f", "-qq", "-y", "-ttt", "-T", "-s", "256", "-o"]
SAME = "strace-same-facts"
GZ = "libctrace-all-gz"  # trace=all written compressed (-o FILE.jsonl.gz)
MODE_TITLES = {
    "native": "the program alone",
    FLOOR: "the program under a 1-instruction allow-all seccomp filter, no tracer",
    PY_FLOOR: "libctrace's interpreter doing nothing (python -c pass), instead of the program",
    CLICK_FLOOR: "the same interpreter importing click, instead of the program",
    "strace": "strace -f -qq -o FILE (every call, written to its own file)",
    "strace-seccomp": "strace -f -qq --seccomp-bpf -e trace=SET -o FILE (SET: the row's, else libctrace's default set)",
    "libctrace": "libctrace run -q -o FILE (the row's -e trace=SET, else the default set; seccomp-filtered)",
    "libctrace-cold": "the same with an empty ELF-summary cache (the first run of a new build)",
    "libctrace-all": "libctrace run -q -e trace=all -o FILE (no filter)",
    GZ: "the same writing FILE.jsonl.gz",
    SAME: "strace -f -qq -y -ttt -T -s 256 -o FILE (the facts libctrace's trace holds)",
}


@dataclass
class Workload:
    name: str
    role: str  # what the targets refer to: "filtered-loop", "full-loop", "python"; others none
    argv: list[str]
    modes: tuple[str, ...]
    syscalls: int = 0  # syscalls in the loop, to report a per-syscall cost; 0: not a loop
    trace_set: str | None = None  # -e trace= of strace-seccomp and libctrace (None: the default set)
    pin: int | None = None  # taskset -c CPU for every mode of this row
    times: dict[str, list[float]] = field(default_factory=dict)  # wall seconds per repetition
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user+sys of the whole tree
    size: dict[str, tuple[int, int]] = field(default_factory=dict)  # trace bytes, events (last run)

    @property
    def title(self) -> str:
        name = self.name
        if self.syscalls:  # the loop's size: 100M, 1M, 100k
            n = self.syscalls
            name += f" {n // 1_000_000}M" if n % 1_000_000 == 0 else f" {n // 1000}k"
        return name if self.pin is None else f"{name} @{self.pin}"


@dataclass(frozen=True)
class Target:
    role: str
    mode: str
    reference: str
    bound: float
    text: str
    kind: str = "ratio"  # "ratio": mode/reference <= bound; "ms": mode - reference <= bound ms


TARGETS = (
    Target("filtered", "libctrace", "strace-seccomp", 1.0, "1. filtered, libctrace <= strace --seccomp-bpf"),
    Target("filtered", "libctrace", FLOOR, 1.05, "1. filtered, libctrace <= 1.05x allow-all floor"),
    Target("full-loop", "libctrace-all", "strace", 1.0, "2. trace=all loop, libctrace <= strace -o"),
    Target("full-find", "libctrace-all", "strace", 1.0, "2. trace=all find, libctrace <= strace -o"),
    Target("full-python", "libctrace-all", "strace", 1.0, "2. trace=all python, libctrace <= strace -o"),
    Target("full-find", "libctrace-all", SAME, 1.0, "2. bound: find, <= strace with the same facts"),
    Target("full-python", "libctrace-all", SAME, 1.0, "2. bound: python, <= strace, same facts"),
    Target("start-up", "libctrace", CLICK_FLOOR, 10.0, "3. start-up <= click floor + 10 ms", "ms"),
)


def build(source: str, name: str, *flags: str, compiler: str = "gcc") -> Path:
    """Compiles once per source text and flags (cached), like the test helpers do."""
    if shutil.which(compiler) is None:
        sys.exit(f"bench: {compiler} is not installed (make setup installs it)")
    key = hashlib.sha256("\0".join((compiler, source, *flags)).encode()).hexdigest()[:16]
    out = CACHE / f"{name}-{key}"
    if not out.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        src = CACHE / f"{name}-{key}.c"
        src.write_text(source)
        tmp = out.with_suffix(".tmp")  # renamed when complete: an interrupted build is not cached
        subprocess.run([compiler, "-O2", "-o", str(tmp), str(src), *flags], check=True)
        tmp.rename(out)
    return out


def default_set() -> list[str]:
    """libctrace's default trace set, so strace --seccomp-bpf stops on exactly the same calls."""
    from libctrace.syscalls.spec import DEFAULT_SET

    return sorted(DEFAULT_SET)


def command(mode: str, w: Workload, out: str, default: str) -> list[str]:
    """The command line of one mode; out: where a tracer writes (a file of its own per mode)."""
    lib = [sys.executable, "-m", "libctrace", "run", "-q"]
    chosen = ["-e", f"trace={w.trace_set}"] if w.trace_set else []
    argv = w.argv
    return {
        "native": argv,
        FLOOR: [str(build(SECCOMP_FLOOR_C, "seccomp-floor")), *argv],
        PY_FLOOR: [sys.executable, "-c", "pass"],
        CLICK_FLOOR: [sys.executable, "-c", "import click"],
        "strace": ["strace", "-f", "-qq", "-o", out, *argv],
        SAME: [*SAME_FACTS, out, *argv],
        "strace-seccomp": [
            "strace",
            "-f",
            "-qq",
            "--seccomp-bpf",
            "-e",
            f"trace={w.trace_set or default}",
            "-o",
            out,
            *argv,
        ],
        "libctrace": [*lib, *chosen, "-o", out, "--", *argv],
        "libctrace-cold": [*lib, *chosen, "-o", out, "--", *argv],
        "libctrace-all": [*lib, "-e", "trace=all", "-o", out, "--", *argv],
        GZ: [*lib, "-e", "trace=all", "-o", out, "--", *argv],
    }[mode]


# The second line of a call strace wrote in two (PID, with -ttt a time, then "<... NAME resumed>")
_RESUMED = re.compile(rb"\d+ +(?:\d+\.\d+ +)?<\.\.\. \w+ resumed>")


def trace_size(mode: str, path: str) -> tuple[int, int] | None:
    """Bytes of the trace a mode wrote and the events in it (strace: its lines less the
    `<... NAME resumed>` halves of calls another thread's line split in two; libctrace: the
    footer's count), or None when the mode writes none."""
    if not os.path.exists(path) or not mode.startswith(("strace", "libctrace")):
        return None
    size = os.path.getsize(path)
    if mode.startswith("strace"):
        with open(path, "rb") as f:
            return size, sum(1 for line in f if not _RESUMED.match(line))
    from libctrace.traceio import TraceReader

    with TraceReader(path) as reader:
        for _ in reader:
            pass
    return size, (reader.footer or {}).get("events", 0)


def bench_env() -> dict[str, str]:
    """The environment of every measured command. libctrace runs with its bytecode cached, as
    after `pip install` (which compiles it): a session that sets PYTHONDONTWRITEBYTECODE would
    otherwise recompile every libctrace module on each run (30-60 ms here). The cache goes
    to a directory in /tmp, not into the source tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(CACHE / "pycache")
    # libctrace's ELF-summary cache (libctrace/elf/cache.py): the bench's own, filled by the
    # warm-up round; the libctrace-cold mode gets an empty one on every run.
    env["XDG_CACHE_HOME"] = str(CACHE / "xdg")
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user+sys) of the command and everything it waited for:
    on a VM the CPU figure is far steadier than the wall clock, so both are reported."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def measure(workloads: list[Workload], reps: int, default: str, console: Console) -> None:
    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="libctrace-bench-") as tmp:
        for w in workloads:
            # --pin: every mode on one CPU (tracer and program alike), without the cross-CPU
            # wake-ups whose cost on this VM swings the unpinned ptrace figures by 3-5x.
            prefix = ["taskset", "-c", str(w.pin)] if w.pin is not None else []
            outs = {m: os.path.join(tmp, m + (".jsonl.gz" if m == GZ else ".out")) for m in w.modes}
            # One discarded round first: page cache, bytecode cache, dynamic loader caches.
            for mode in w.modes:
                timed([*prefix, *command(mode, w, outs[mode], default)], env)
            for rep in range(reps):
                for mode in w.modes:
                    menv = env
                    if mode == "libctrace-cold":
                        menv = {**env, "XDG_CACHE_HOME": tempfile.mkdtemp(dir=tmp)}
                    wall, cpu = timed([*prefix, *command(mode, w, outs[mode], default)], menv)
                    w.times.setdefault(mode, []).append(wall)
                    w.cpu.setdefault(mode, []).append(cpu)
                    if rep == reps - 1 and (size := trace_size(mode, outs[mode])) is not None:
                        w.size[mode] = size
                    if os.path.exists(outs[mode]):
                        os.unlink(outs[mode])
                console.log(f"{w.name}: repetition {rep + 1}/{reps} done")
            if "libctrace-all" in w.modes and SAME not in w.modes:  # target 5's second reference: size only, once
                out = os.path.join(tmp, "strace-same.out")
                subprocess.run([*prefix, *SAME_FACTS, out, *w.argv], env=env, stdout=subprocess.DEVNULL, check=False)
                if (size := trace_size("strace", out)) is not None:
                    w.size[SAME] = size
                os.unlink(out)


def median(w: Workload, mode: str, cpu: bool = False) -> float:
    return statistics.median((w.cpu if cpu else w.times)[mode])


def _secs(v: float) -> str:
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def results_table(workloads: list[Workload]) -> Table:
    t = Table(
        title="Wall time, median of repetitions (min-max)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    t.add_column("workload", no_wrap=True)
    t.add_column("mode", no_wrap=True)
    t.add_column("median s", justify="right")
    t.add_column("min-max s", justify="right")
    t.add_column("cpu s", justify="right")
    t.add_column("x native", justify="right")
    t.add_column("x strace", justify="right")
    t.add_column("+us/call", justify="right")
    t.add_column("B/event", justify="right")
    for w in workloads:
        base = median(w, "native")
        for mode in w.modes:
            m = median(w, mode)
            vs_strace = f"{m / median(w, 'strace'):.2f}" if "strace" in w.times else "-"
            per_call = f"{1e6 * (m - base) / w.syscalls:.2f}" if w.syscalls and mode != "native" else "-"
            size, events = w.size.get(mode, (0, 0))
            t.add_row(
                w.title,
                mode,
                _secs(m),
                f"{_secs(min(w.times[mode]))}-{_secs(max(w.times[mode]))}",
                _secs(median(w, mode, cpu=True)),
                f"{m / base:.2f}",
                vs_strace,
                per_call,
                f"{size / events:.1f}" if events else "-",
            )
        t.add_section()
    return t


def targets_table(workloads: list[Workload]) -> Table:
    t = Table(
        title="Targets (issue 18), CPU time (user+sys)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for col in ("target", "pinned", "cpu s", "floor s", "cpu", "wall", "bound", "verdict (cpu)"):
        t.add_column(col, justify="left" if col == "target" else "right")
    for tg in TARGETS:
        for w in (w for w in workloads if w.role == tg.role):
            pinned = "-" if w.pin is None else str(w.pin)
            if tg.mode not in w.times or tg.reference not in w.times:
                continue
            got, ref = median(w, tg.mode, cpu=True), median(w, tg.reference, cpu=True)
            if tg.kind == "ms":
                cpu, wall = 1e3 * (got - ref), 1e3 * (median(w, tg.mode) - median(w, tg.reference))
                shown, met = (f"+{cpu:.0f} ms", f"+{wall:.0f} ms", f"{tg.bound:.0f} ms"), cpu <= tg.bound
                miss = f"missed by {cpu - tg.bound:.0f} ms"
            else:
                cpu, wall = got / ref, median(w, tg.mode) / median(w, tg.reference)
                shown, met = (f"{cpu:.2f}x", f"{wall:.2f}x", f"{tg.bound:.2f}x"), cpu <= tg.bound
                miss = f"missed by {100 * (cpu / tg.bound - 1):.0f}%"
            t.add_row(tg.text, pinned, _secs(got), _secs(ref), *shown, "met" if met else miss)
    for w, reference, label in (  # 5. trace size: libctrace's bytes per event against strace's text
        (w, reference, label)
        for w in workloads
        for reference, label in (("strace", "strace"), (SAME, "strace -y -ttt -T -s256"))
    ):
        lib, ref = w.size.get("libctrace-all"), w.size.get(reference)
        if lib and ref and lib[1] and ref[1]:
            ratio = (lib[0] / lib[1]) / (ref[0] / ref[1])
            t.add_row(
                f"5. bytes/event, {w.name}, <= {label}",
                "-" if w.pin is None else str(w.pin),
                f"{lib[0] / lib[1]:.1f} B",
                f"{ref[0] / ref[1]:.1f} B",
                f"{ratio:.2f}x",
                "-",
                "1.00x",
                "met" if ratio <= 1 else f"missed by {100 * (ratio - 1):.0f}%",
            )
    return t


def workloads(quick: bool, only: list[str] | None, pins: list[int | None], console: Console) -> list[Workload]:
    loop = str(build(LOOP_C, "getppid-loop"))
    big, small = (10_000_000, 100_000) if quick else (100_000_000, 1_000_000)
    full = ("native", "strace", "libctrace-all")
    rows = [
        # Issue 18 target 1: long enough that start-up does not decide it; the same set on both.
        Workload(
            "filtered",
            "filtered",
            [loop, str(big)],
            ("native", FLOOR, "strace-seccomp", "libctrace"),
            big,
            trace_set="openat",
        ),
        Workload("loop", "full-loop", [loop, str(small)], (*full, GZ), small),
        Workload("find", "full-find", ["find", "/usr", "-name", "x"], (*full, SAME)),
        Workload("python", "full-python", [PYTHON, "-c", PY_IMPORTS], (*full, SAME, "strace-seccomp", "libctrace")),
        # What a run costs before the program does anything, against the CPython floors.
        Workload(
            "start-up", "start-up", ["/bin/true"], ("native", PY_FLOOR, CLICK_FLOOR, "strace-seccomp", "libctrace")
        ),
    ]
    scenario = ROOT / "scenarios" / "malloc-threads" / "main.c"
    if scenario.exists():
        common = ROOT / "scenarios" / "common"
        exe = build(scenario.read_text(), "malloc-threads", f"-I{common}", "-pthread")
        rows.append(Workload("malloc", "malloc", [str(exe), "4", "20000" if quick else "1000000"], MODES))
        # The same with musl's malloc, static: the slowdown libctrace exists to show, made of
        # futex and mmap/munmap/madvise calls (about 0.4 per pair), every one of them traced.
        if shutil.which("musl-gcc"):
            exe = build(
                scenario.read_text(), "malloc-threads-musl", f"-I{common}", "-pthread", "-static", compiler="musl-gcc"
            )
            rows.append(Workload("malloc-musl", "malloc-musl", [str(exe), "4", "5000" if quick else "50000"], MODES))
        else:
            console.log("malloc-musl: musl-gcc is not installed (make setup installs it), workload skipped")
    else:
        console.log("malloc: scenarios/malloc-threads/main.c is absent, workload skipped")
    if only:
        unknown = set(only) - {w.name for w in rows}
        if unknown:
            sys.exit(f"bench: no row named {', '.join(sorted(unknown))} (rows: {', '.join(w.name for w in rows)})")
        rows = [w for w in rows if w.name in only]

    def sized(w: Workload, pin: int | None) -> Workload:
        w = replace(w, pin=pin, times={}, cpu={}, size={})
        if w.name == "loop" and pin is None:
            # Unpinned, a tenth of the calls (issue 18 measured 100k there): strace's stops wake
            # the other CPU, and 1M calls took 9.5 minutes a repetition (make bench: hours).
            w = replace(w, argv=[loop, str(small // 10)], syscalls=small // 10)
        return w

    return [sized(w, pin) for pin in pins for w in rows]


def profile(calls: int, out: Console) -> None:
    """cProfile of `libctrace run -e trace=all` on the loop: where the time of one traced
    syscall goes (two ptrace stops). cProfile inflates Python-level calls a little; the
    split between kernel waits, ptrace calls and Python work is what matters."""
    import pstats

    loop = str(build(LOOP_C, "getppid-loop"))
    with tempfile.TemporaryDirectory(prefix="libctrace-prof-") as tmp:
        stats_file, trace_file = os.path.join(tmp, "prof"), os.path.join(tmp, "t.jsonl")
        cmd = [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            stats_file,
            "-m",
            "libctrace",
            "run",
            "-q",
            "-e",
            "trace=all",
            "-o",
            trace_file,
            "--",
            loop,
            str(calls),
        ]
        subprocess.run(cmd, check=True, cwd=ROOT, env=bench_env(), stdout=subprocess.DEVNULL)
        st = pstats.Stats(stats_file)
    rows = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:14]  # type: ignore[attr-defined]
    t = Table(
        title=f"cProfile, libctrace run -e trace=all, {calls} getppid calls",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for col in ("function", "calls", "own s", "us per syscall"):
        t.add_column(col, justify="left" if col == "function" else "right")
    for (path, line, name), (_, ncalls, tottime, _, _) in rows:
        where = f"{Path(path).name}:{line}({name})" if line else name
        t.add_row(where, str(ncalls), f"{tottime:.3f}", f"{1e6 * tottime / calls:.2f}")
    total = st.total_tt  # type: ignore[attr-defined]
    out.print(t)
    out.print(f"total {total:.2f} s = {1e6 * total / calls:.1f} us per traced syscall (start-up included)")


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def _pins(text: str) -> list[int | None]:
    """--pin: "none" (unpinned), a CPU number, or "both" (unpinned, then CPU 0)."""
    if text == "both":
        return [None, 0]
    if text == "none":
        return [None]
    if not text.isdigit():
        raise argparse.ArgumentTypeError("a CPU number, none or both")
    return [int(text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=None, help="repetitions per mode (default 5, --quick 2)")
    parser.add_argument("--quick", action="store_true", help="10M and 100k loops, 2 repetitions")
    parser.add_argument(
        "--only",
        metavar="ROWS",
        help="comma-separated rows: filtered, loop, find, python, start-up, malloc, malloc-musl",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the raw timings as JSON")
    parser.add_argument("--profile", type=int, metavar="N", help="only profile trace=all on a loop of N calls")
    parser.add_argument(
        "--pin",
        type=_pins,
        default=[None, 0],
        metavar="CPU|none|both",
        help="taskset -c CPU for every mode; both (the default): each row unpinned, then on CPU 0",
    )
    args = parser.parse_args()
    reps = args.reps or (2 if args.quick else 5)
    if reps < 1:
        parser.error("--reps must be at least 1")
    if shutil.which("strace") is None:
        sys.exit("bench: strace is not installed (make setup installs it)")
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
    log = Console(stderr=True, highlight=False)
    if args.profile:
        profile(args.profile, out)
        return
    ws = workloads(args.quick, args.only.split(",") if args.only else None, args.pin, log)
    load_before = os.getloadavg()
    measure(ws, reps, ",".join(default_set()), log)
    load_after = os.getloadavg()
    out.print(f"{reps} repetitions per mode, {os.cpu_count()} CPUs, kernel {os.uname().release}")
    # The bench itself keeps about one CPU busy; more than that is other work on the machine.
    out.print(f"load average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)}")
    out.print(results_table(ws))
    used = {m for w in ws for m in w.modes}
    for mode in (m for m in MODE_TITLES if m in used):
        out.print(f"  {mode:17} {MODE_TITLES[mode]}", markup=False)
    out.print("  rows: filtered = the loop with -e trace=openat; @N: every mode pinned to CPU N (taskset -c)")
    out.print("  cpu s: user+sys of the whole tree (tracer and program), median")
    out.print("  +us/call: extra wall time per loop iteration (one syscall) over native")
    out.print("  B/event: bytes of the trace file per event (strace: per call, its `<... resumed>` lines not")
    out.print("  counted: a threaded program's calls are often split in two lines), last repetition")
    out.print("  targets 2 (find, python: a bound, timed) and 5 (run once elsewhere) also against")
    out.print("  strace -f -y -ttt -T -s 256 -o FILE: the same facts per call as libctrace's trace")
    out.print("  (descriptor paths, times, durations, 256-byte strings)")
    out.print()
    out.print(targets_table(ws))
    if args.json:
        Path(args.json).write_text(
            json.dumps({w.title: {"wall": w.times, "cpu": w.cpu, "size": w.size} for w in ws}, indent=1)
        )


if __name__ == "__main__":
    main()
