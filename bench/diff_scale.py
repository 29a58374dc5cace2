"""How `libctrace diff` scales: two traces of N events each (default 1 000 000), diffed through
the real CLI with --format json and --timeline, timed end to end and stage by stage.

The traces are generated, not recorded: recording a million stops under ptrace takes minutes
and measures the recorder, not the diff. They follow the trace format exactly and mimic two
builds of one busy program (a glibc-like and a musl-like one): loader start-up, then a loop of
file opens/reads, anonymous memory, futexes, writes to stdout and DNS queries over UDP, with
differences (nsswitch.conf, TCP fallback, munmap churn) sprinkled through.

    .venv/bin/python bench/diff_scale.py                 # 1 000 000 events per trace
    .venv/bin/python bench/diff_scale.py --events 100000,1000000,5000000 --reps 3 --keep /tmp/scale --reuse
    .venv/bin/python bench/diff_scale.py --events 200000 --stages   # and each stage in-process

Each row is the median of --reps end-to-end runs: wall time, CPU time (user+sys, the diff and
the processes it forks: os.wait4), peak memory (the largest sum of the resident sets of the
diff and its child processes, sampled every 25 ms) and the CPU time per event of both
traces, which stays flat when the cost grows linearly. Below them, the floor of each size:
orjson.loads of every line of both traces (each trace once, results dropped), the least any
diff of these files must do, as CPU time and as wall time on two CPUs (the slower trace),
with the diff's ratio to each. `make bench` prints the three sizes; docs/performance.md has
the figures and what bounds them.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from libctrace.traceio import TraceWriter  # noqa: E402

PID = 4242


def _sys(name: str, args: list[Any], ret: int | None = 0, errno: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "syscall", "name": name, "args": args, "ret": ret, "errno": errno, **extra}


def _dns_query(qid: int) -> str:
    # A real DNS query for www.libctrace.test A, so the facts engine can decode it.
    name = b"".join(bytes([len(p)]) + p for p in (b"www", b"libctrace", b"test")) + b"\0"
    return (qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x01\x00\x01").hex()


def _loop(musl: bool, i: int) -> list[dict[str, Any]]:
    """One iteration of the busy program: ~20 events."""
    path = f"/srv/data/file{i % 97}.txt"
    fd = 3
    ev = [
        _sys("openat", ["AT_FDCWD", path, "O_RDONLY|O_CLOEXEC"], fd),
        _sys("newfstatat" if not musl else "fstat", [fd, "", "0x7ffd1000"], 0, fd_path=path),
    ]
    ev += [_sys("read", [fd, {"hex": "61" * 16, "len": 4096}, 4096], 4096, fd_path=path) for _ in range(4)]
    ev += [
        _sys("close", [fd], 0, fd_path=path),
        _sys("mmap", ["NULL", 266240, "PROT_READ|PROT_WRITE", "MAP_PRIVATE|MAP_ANONYMOUS", -1, 0], 0x7F0000000000),
        _sys("futex", ["0x5555", "FUTEX_WAKE_PRIVATE", 1], 0),
        _sys("brk", ["NULL"], 0x555555559000) if not musl else _sys("munmap", ["0x7f0000000000", 266240], 0),
    ]
    line = f"line {i}\n".encode()
    out = {"hex": line.hex(), "len": len(line)}
    ev.append(_sys("writev" if musl else "write", [1, out, out["len"]], out["len"], fd_path="/dev/null"))
    if i % 50 == 0:
        dns = {"family": "AF_INET", "addr": "127.0.0.1", "port": 53}
        q = {"hex": _dns_query(i & 0xFFFF), "len": 33}
        ev += [
            _sys("socket", ["AF_INET", "SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK", 0], 5),
            _sys("connect", [5, dns, 16], 0)
            if not musl
            else _sys("bind", [5, {"family": "AF_INET", "addr": "0.0.0.0", "port": 0}, 16], 0),
            _sys("sendto", [5, q, 33, "MSG_NOSIGNAL", dns, 16], 33),
            _sys("recvfrom", [5, {"hex": "", "len": 0}, 512, 0, "NULL", "NULL"], -1, "EAGAIN"),
            _sys("close", [5], 0),
        ]
    if i % 1000 == 500:
        ev.append(
            _sys("openat", ["AT_FDCWD", "/etc/nsswitch.conf", "O_RDONLY|O_CLOEXEC"], 3)
            if not musl
            else _sys("getpid", [], PID)
        )
    return ev


def _startup(musl: bool) -> list[dict[str, Any]]:
    if musl:
        libs = ["/lib/ld-musl-x86_64.so.1"]
        ev = [
            _sys("execve", ["/usr/bin/app-musl", ["app"], "0x7ffd"], 0),
            _sys("arch_prctl", ["ARCH_SET_FS", "0x7f"], 0),
        ]
    else:
        libs = ["/lib/x86_64-linux-gnu/libc.so.6"]
        ev = [
            _sys("execve", ["/usr/bin/app-glibc", ["app"], "0x7ffd"], 0),
            _sys("access", ["/etc/ld.so.preload", "R_OK"], -2, "ENOENT"),
            _sys("openat", ["AT_FDCWD", "/etc/ld.so.cache", "O_RDONLY|O_CLOEXEC"], 3),
        ]
    for lib in libs:
        ev += [_sys("openat", ["AT_FDCWD", lib, "O_RDONLY|O_CLOEXEC"], 3)]
        ev += [
            _sys("mmap", ["NULL", 8192, "PROT_READ", "MAP_PRIVATE", 3, 0], 0x7F1000000000, fd_path=lib)
            for _ in range(4)
        ]
    return ev


def generate(path: str, musl: bool, events: int) -> None:
    exe = "/usr/bin/app-musl" if musl else "/usr/bin/app-glibc"
    header = {
        "libctrace": "bench",
        "command": [exe],
        "executable": {"path": exe, "linkage": "dynamic", "libc": "musl" if musl else "glibc", "runtime": "c",
                       "interpreter": None, "glibc_required": None},
        "cwd": "/", "env": {"names": [], "values": None},
        "trace_set": {"expr": "all", "filtered": False, "syscalls": None},
        "strsize": 32, "sandbox": None, "kernel": os.uname().release, "machine": "x86_64",
        "started": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    w = TraceWriter(path, header)
    seq = 0
    t = 0.0

    def emit(e: dict[str, Any]) -> None:
        nonlocal seq, t
        seq += 1
        t += 2e-6
        w.write({**e, "seq": seq, "t": round(t, 6), "pid": PID})

    w.write({"type": "exec", "seq": 0, "t": 0.0, "pid": PID, "path": exe, "argv": [exe]})
    for e in _startup(musl):
        emit(e)
    i = 0
    while seq < events - 2:
        for e in _loop(musl, i):
            if seq < events - 2:
                emit(e)
        i += 1
    emit(_sys("exit_group", [0], None))
    w.write({"type": "exit", "seq": seq + 1, "t": t, "pid": PID, "code": 0, "signal": None, "core": False})
    w.close({"outcome": "exited", "exit_code": 0, "signal": None, "duration": t, "events": seq + 1,
             "syscalls": seq, "processes": 1, "threads": 0})  # fmt: skip


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = fn()
    print(f"  {label:<28} {time.perf_counter() - t0:7.2f} s", flush=True)
    return result


def _pair(folder: str, events: int, reuse: bool) -> tuple[str, str]:
    a, b = os.path.join(folder, f"glibc-{events}.jsonl"), os.path.join(folder, f"musl-{events}.jsonl")
    if not (reuse and os.path.exists(a) and os.path.exists(b)):
        print(f"generating two traces of {events:,} events in {folder}", flush=True)
        generate(a, False, events)
        generate(b, True, events)
    return a, b


_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and of all its descendants, now."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * _PAGE
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += map(int, f.read().split())
        except (OSError, ValueError, IndexError):  # it ended meanwhile
            pass
    return total


def _diff_once(a: str, b: str, pin: str | None) -> tuple[float, float, int]:
    """(wall s, cpu s, peak RSS bytes of the diff and its children together) of one
    `libctrace diff A B --format json --timeline`."""
    cmd = [sys.executable, "-m", "libctrace", "diff", a, b, "--format", "json", "--timeline"]
    if pin is not None:
        cmd = ["taskset", "-c", pin, *cmd]
    peak = 0
    done = threading.Event()

    def sample(pid: int) -> None:
        nonlocal peak
        while not done.wait(0.025):  # reading /proc takes CPU and locks from the diff: not too often
            peak = max(peak, _tree_rss(pid))

    t0 = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE)
        sampler = threading.Thread(target=sample, args=(proc.pid,))
        sampler.start()
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"diff failed ({status}): {err.decode(errors='replace').strip()}")
    # ru_maxrss: the largest one process reached; a sample can miss a short peak
    return wall, usage.ru_utime + usage.ru_stime, max(peak, usage.ru_maxrss * 1024)


def floor(a: str, b: str) -> tuple[float, float]:
    """(CPU s, wall s on two CPUs) of orjson.loads over every line of both traces: the
    parsing any diff of them must do, each trace parsed in this process in turn."""
    cpu = []
    for path in (a, b):
        t0 = time.process_time()
        with open(path, "rb") as f:
            for line in f:
                orjson.loads(line)
        cpu.append(time.process_time() - t0)
    return sum(cpu), max(cpu)


def scale_rows(sizes: list[int], folder: str, reps: int, pin: str | None, reuse: bool = True) -> list[dict[str, Any]]:
    """One row per size: medians of `reps` end-to-end diffs of two traces of that many events."""
    rows = []
    for n in sizes:
        a, b = _pair(folder, n, reuse)
        runs = [_diff_once(a, b, pin) for _ in range(reps)]
        wall, cpu, rss = (statistics.median(r[k] for r in runs) for k in range(3))
        floors = [floor(a, b) for _ in range(reps)]
        floor_cpu, floor_wall = (statistics.median(f[k] for f in floors) for k in range(2))
        rows.append(
            {
                "events": n,
                "wall": wall,
                "cpu": cpu,
                "rss": rss,
                "wall_min": min(r[0] for r in runs),
                "wall_max": max(r[0] for r in runs),
                "us_per_event": 1e6 * cpu / (2 * n),
                "reps": reps,
                "floor_cpu": floor_cpu,
                "floor_wall": floor_wall,
            }
        )
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    print(" events per trace   wall s (min-max)       cpu s   peak RSS   cpu us/event   target (1M: <= 3 s, <= 1 GB)")
    for r in rows:
        target = ""
        if r["events"] == 1_000_000:
            ok = r["wall"] <= 3 and r["rss"] <= 1 << 30
            target = "met" if ok else f"missed: {r['wall'] / 3:.2f}x the time, {r['rss'] / (1 << 30):.2f} GB"
        print(
            f" {r['events']:>16,}   {r['wall']:6.2f} ({r['wall_min']:.2f}-{r['wall_max']:.2f})   {r['cpu']:9.2f}"
            f"   {r['rss'] / (1 << 20):6.0f} MB   {r['us_per_event']:12.2f}   {target}"
        )
    print(" cpu us/event: user+sys of the whole diff over the events of both traces (linear cost: a flat column)")
    print(" floor: orjson.loads of every line of both traces, and the diff against it")
    print(" events per trace   floor cpu s   diff/floor   floor wall s (2 CPUs)   diff/floor")
    for r in rows:
        print(
            f" {r['events']:>16,}   {r['floor_cpu']:11.2f}   {r['cpu'] / r['floor_cpu']:9.1f}x"
            f"   {r['floor_wall']:21.2f}   {r['wall'] / r['floor_wall']:9.1f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--events",
        default="1000000",
        help="events per trace; a comma-separated list prints one row per size (100000,1000000,5000000)",
    )
    ap.add_argument("--reps", type=int, default=1, help="end-to-end diffs per size (median)")
    ap.add_argument("--pin", metavar="CPU", help="run every diff under taskset -c CPU")
    ap.add_argument("--keep", metavar="DIR", help="write the traces here and keep them")
    ap.add_argument("--reuse", action="store_true", help="with --keep: use the traces already there")
    ap.add_argument("--stages", action="store_true", help="also time each stage in this process (largest size)")
    opts = ap.parse_args()
    sizes = [int(x) for x in opts.events.split(",")]
    tmp = opts.keep or tempfile.mkdtemp(prefix="libctrace-bench-")
    os.makedirs(tmp, exist_ok=True)
    print(
        f"libctrace diff A B --format json --timeline > /dev/null, two generated traces; load average "
        f"before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    print_rows(scale_rows(sizes, tmp, opts.reps, opts.pin, opts.reuse))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if opts.stages:
        a, b = _pair(tmp, sizes[-1], True)
        print("stages, in this process (the diff digests the two traces at once, one process each):")
        from libctrace.analyze import diff, digest

        gc.disable()  # as the diff command does
        labels = ["glibc", "musl"]
        ds = [_timed(f"digest {lb}", partial(digest.digest, p, lb, (), None)) for p, lb in zip((a, b), labels)]
        result = _timed(
            "compare (rules, timeline)",
            lambda: diff.compare([d.trace for d in ds], labels, timeline=True, digests=ds),
        )
        assert result.timeline is not None
        print(
            f"  timeline rows: {len(result.timeline.rows):,}, first divergence at row {result.timeline.first_divergence}"
        )
    if not opts.keep:
        for n in sizes:
            for lib in ("glibc", "musl"):
                os.unlink(os.path.join(tmp, f"{lib}-{n}.jsonl"))
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
