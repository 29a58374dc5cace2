"""A/B of libctrace source trees: CPU time (user+sys of tracer and program) of
`run -q -e trace=all` on the same commands, trees interleaved in every repetition.

    .venv/bin/python bench/ab_trees.py old=/tmp/old:tracer new=. --reps 5 --pin 1

Each tree is a checkout (its C loop compiled in place: `make compile`, or gcc -shared) run
with this interpreter and PYTHONPATH=TREE; MODULE is its import package (libctrace, or
`tracer` before the rename). Used for issue 15's bound: the deeper decoding may not make
full tracing more than 5% slower.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from overhead import LOOP_C, PY_IMPORTS, PYTHON, bench_env, build  # noqa: E402


def cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir())
    if proc.returncode not in (0, 1):  # ls -lR exits 1 on an unreadable folder
        sys.exit(f"ab: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-300:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", nargs="+", metavar="LABEL=DIR[:MODULE]")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pin", type=int, default=1, help="taskset -c CPU (default 1)")
    parser.add_argument("--loop", type=int, default=200_000, help="getppid calls of the loop workload")
    parser.add_argument("--only", default="", help="comma-separated words: rows whose command has one (ls,find)")
    args = parser.parse_args()
    trees = []
    for spec in args.trees:
        label, _, rest = spec.partition("=")
        path, _, module = rest.partition(":")
        trees.append((label, str(Path(path).resolve()), module or "libctrace"))
    commands = {
        "ls -lR /usr/share/doc": ["ls", "-lR", "/usr/share/doc"],
        "find /usr -name x": ["find", "/usr", "-name", "x"],  # make bench's find row
        "python3 -c IMPORTS": [PYTHON, "-c", PY_IMPORTS],  # make bench's python row
        f"getppid loop {args.loop}": [str(build(LOOP_C, "getppid-loop")), str(args.loop)],
    }
    if args.only:
        words = args.only.split(",")
        commands = {k: v for k, v in commands.items() if any(w in k for w in words)}
    cpu: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="libctrace-ab-") as tmp:
        out = os.path.join(tmp, "t.jsonl")
        for rep in range(args.reps + 1):  # the first round warms caches and is dropped
            for name, argv in commands.items():
                for label, path, module in trees:
                    env = {**bench_env(), "PYTHONPATH": path}
                    cmd = [
                        "taskset",
                        "-c",
                        str(args.pin),
                        sys.executable,
                        "-m",
                        module,
                        "run",
                        "-q",
                        "-e",
                        "trace=all",
                        "-o",
                        out,
                        "--",
                        *argv,
                    ]
                    c = cpu_of(cmd, env)
                    if rep:
                        cpu.setdefault((name, label), []).append(c)
            print(f"repetition {rep}/{args.reps} done, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    base = trees[0][0]
    print(f"CPU s (user+sys), median of {args.reps}, taskset -c {args.pin}; ratio to {base}")
    for name in commands:
        cells = []
        for label, _, _ in trees:
            m = statistics.median(cpu[(name, label)])
            lo, hi = min(cpu[(name, label)]), max(cpu[(name, label)])
            ratio = m / statistics.median(cpu[(name, base)])
            cells.append(f"{label} {m:.3f} ({lo:.3f}-{hi:.3f}) {ratio:.2f}x")
        print(f"  {name:34} " + "   ".join(cells))


if __name__ == "__main__":
    main()
