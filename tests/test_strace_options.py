"""strace's everyday options, each checked side by side against strace on the same real
program: `run -p` (attach, every thread, clean detach), `run -c` counts, `show -tt/-T/-r`
formats, live lines without -o, -E, --stdin, and diff's --timeout / -e / --stdin."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, libctrace, need_tool
from recorder_progs import load_trace, prog, syscalls

LOOP_CALLS = ("openat", "read", "close")  # clock_nanosleep too, but not in the default trace set


@pytest.fixture
def loop_process():
    """The attach_loop program running (two threads looping on openat/read/close/sleep)."""
    proc = subprocess.Popen([str(prog("attach_loop"))])
    deadline = time.monotonic() + 5
    while len(os.listdir(f"/proc/{proc.pid}/task")) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    yield proc
    proc.kill()
    proc.wait()


def _tracer_pid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^TracerPid:\s*(\d+)", status, re.M).group(1))


def _interrupt_after(cmd: list[str], out: Path, seconds: float) -> subprocess.CompletedProcess[str]:
    """Ctrl-C `seconds` after the tracer's output file shows it attached (start-up times differ)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (out.exists() and out.read_text().count("\n") >= 2):
        time.sleep(0.02)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def _cycle(names: list[str]) -> Counter[str]:
    return Counter(n for n in names if n in LOOP_CALLS)


def test_attach_sees_every_thread_as_strace_does_and_detaches(loop_process, tmp_path: Path) -> None:
    need_tool("strace")
    pid = loop_process.pid
    tids = {int(t) for t in os.listdir(f"/proc/{pid}/task")}
    st_out = tmp_path / "strace.txt"
    st = _interrupt_after(["strace", "-f", "-qq", "-o", str(st_out), "-p", str(pid)], st_out, 1.0)
    assert st.returncode in (130, -signal.SIGINT) and _tracer_pid(pid) == 0, st.stderr  # strace re-raises SIGINT
    out = tmp_path / "t.jsonl"
    ours = _interrupt_after([sys.executable, "-m", "libctrace", "run", "-p", str(pid), "-o", str(out)], out, 1.0)
    assert ours.returncode == 130, ours.stderr
    assert f"libctrace: attaching to {pid}" in ours.stderr and f"detached from {pid}" in ours.stderr
    # detached cleanly: the process runs on, untraced, with both threads
    time.sleep(0.1)
    assert loop_process.poll() is None and _tracer_pid(pid) == 0
    assert {int(t) for t in os.listdir(f"/proc/{pid}/task")} == tids
    trace = load_trace(str(out))
    # strace's lines: "TID name(...", including resumed halves of calls cut by the attach
    strace_tids: dict[int, list[str]] = {}
    for line in st_out.read_text().splitlines():
        m = re.match(r"(\d+) +(?:<\.\.\. )?(\w+)[( ]", line)
        if m:
            strace_tids.setdefault(int(m.group(1)), []).append(m.group(2))
    ours_tids: dict[int, list[str]] = {}
    for e in syscalls(trace):
        ours_tids.setdefault(e.get("tid", e["pid"]), []).append(e["name"])
    assert set(strace_tids) == set(ours_tids) == tids
    for tid in tids:
        # ~1 s of 20 ms cycles: each thread ran the same loop under both tracers
        s, o = _cycle(strace_tids[tid]), _cycle(ours_tids[tid])
        assert set(s) == set(o) == set(LOOP_CALLS), (tid, s, o)
        assert o["openat"] >= 10 and abs(o["openat"] - s["openat"]) <= 0.5 * s["openat"], (s, o)
    assert trace.footer["outcome"] == "interrupted" and trace.header["command"] == [str(prog("attach_loop"))]


def test_attach_errors_are_one_line() -> None:
    for args, needle in (
        (["-p", "999999999"], "no such process"),
        (["-p", "1", "--", "true"], "not both"),
        ([], "missing the program"),
    ):
        proc = libctrace("run", *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and needle in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def _strace_c(text: str) -> dict[str, tuple[int, int]]:
    """syscall -> (calls, errors) from a strace -c table (ours prints the same layout)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+)?\s*(\w+)$", line)
        if m and m.group(3) != "total":
            rows[m.group(3)] = (int(m.group(1)), int(m.group(2) or 0))
    return rows


@pytest.mark.parametrize("argv", [["getent", "passwd", "root"], ["ls", "/"]], ids=["getent", "ls"])
def test_count_table_matches_strace_c(argv: list[str]) -> None:
    need_tool("strace")
    need_tool(argv[0])
    st = subprocess.run(["strace", "-f", "-c", *argv], capture_output=True, text=True)
    ours = libctrace("run", "-c", "-q", "-e", "trace=all", "--", *argv)
    assert ours.returncode == st.returncode == 0, ours.stderr
    assert ours.stdout == st.stdout  # the program's own output is untouched
    header = "% time     seconds  usecs/call     calls    errors syscall"
    assert header in ours.stderr and header in st.stderr
    theirs, mine = _strace_c(st.stderr), _strace_c(ours.stderr)
    assert mine == theirs, (mine, theirs)


def test_live_lines_without_o_match_strace_lines() -> None:
    need_tool("strace")
    st = subprocess.run(["strace", "-e", "trace=openat,write", "cat", "/etc/hostname"], capture_output=True, text=True)
    ours = libctrace("run", "-q", "-e", "trace=openat,write", "--", "cat", "/etc/hostname")
    assert ours.returncode == 0 and ours.stdout == st.stdout
    theirs = [ln for ln in st.stderr.splitlines() if ln.startswith(("openat(", "write("))]
    # ours: "PID call" lines, descriptors with their paths (-y): drop both to compare
    mine = [
        re.sub(r"<[^>]*>", "", ln.split(" ", 1)[1])
        for ln in ours.stderr.splitlines()
        if re.match(r"\d+ (openat|write)\(", ln)
    ]
    assert mine == [re.sub(r"\s+=", " =", ln) for ln in theirs]


def _show_lines(trace: Path, *opts: str) -> list[str]:
    proc = libctrace("show", str(trace), "-e", "trace=write", *opts)
    assert proc.returncode == 0, proc.stderr
    return [ln for ln in proc.stdout.splitlines() if " write(" in ln]


def test_time_formats_match_strace(tmp_path: Path) -> None:
    need_tool("strace")
    st = subprocess.run(
        [
            "strace",
            "-tt",
            "-T",
            "-e",
            "trace=write",
            "-o",
            str(tmp_path / "s.txt"),
            "sh",
            "-c",
            "echo a; sleep 0.2; echo b",
        ],
        capture_output=True,
        text=True,
    )
    assert st.returncode == 0
    strace_lines = (tmp_path / "s.txt").read_text().splitlines()
    out = tmp_path / "t.jsonl"
    assert libctrace("run", "-q", "-o", str(out), "--", "sh", "-c", "echo a; sleep 0.2; echo b").returncode == 0
    stamp = r"\d\d:\d\d:\d\d\.\d{6}"
    theirs = [ln for ln in strace_lines if "write(" in ln]  # -e trace=write shows exits and signals too
    assert all(re.fullmatch(rf"{stamp} write\(1, \"[ab]\\n\", 2\) += 2 <\d+\.\d{{6}}>", ln) for ln in theirs), theirs
    mine = _show_lines(out, "-tt", "-T")
    assert len(mine) == len(theirs) == 2
    for ln in mine:
        assert re.fullmatch(rf"\d+ {stamp} write\(1<[^>]*>, \"[ab]\\n\", 2\) = 2 <\d+\.\d{{6}}>", ln), ln
    # the time of day is the real one: within the recording's start and end
    trace = load_trace(str(out))
    first = trace.header["started"][11:26]
    assert first <= mine[0].split()[1]
    # -r: time since the previous line, strace's "%6d.%06d " column
    st_r = subprocess.run(
        ["strace", "-f", "-r", "-e", "trace=write", "sh", "-c", "echo a; sleep 0.2; echo b"],
        capture_output=True,
        text=True,
    )
    r_theirs = [ln for ln in st_r.stderr.splitlines() if "write(" in ln]
    assert all(re.match(r"(\[pid +\d+\] )? +\d+\.\d{6} write\(", ln) for ln in r_theirs), r_theirs
    rel = libctrace("show", str(out), "-r").stdout.splitlines()
    assert all(re.fullmatch(r"\d+ +\d+\.\d{6} \S.*", ln) for ln in rel), rel
    deltas = [float(ln.split()[1]) for ln in rel]
    assert deltas[0] == 0.0 and max(deltas) >= 0.2  # the first line, as strace's; the sleep shows
    # the deltas add up to the time of the last call to start (lines are in the order calls ended)
    assert abs(sum(deltas) - (max(e["t"] for e in trace.events) - trace.events[0]["t"])) < 1e-5 * len(deltas)
    # -ttt: epoch seconds; -Y: bare descriptors
    assert re.fullmatch(r"\d+ \d{10}\.\d{6} write\(1, .*", _show_lines(out, "-ttt", "-Y")[0])


def test_env_and_stdin_reach_the_program(tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("from the file\n")
    env = {**os.environ, "LCT_GONE": "x"}
    proc = libctrace(
        "run",
        "-q",
        "-o",
        str(tmp_path / "t.jsonl"),
        "-E",
        "LCT_SET=1",
        "-E",
        "LCT_GONE",
        "--stdin",
        str(data),
        "--",
        "sh",
        "-c",
        'echo "$LCT_SET ${LCT_GONE-unset}"; cat',
        env=env,
    )
    assert proc.returncode == 0 and proc.stdout == "1 unset\nfrom the file\n", proc.stderr
    # strace -E, with the shell's redirection for stdin (strace has no option for it)
    need_tool("strace")
    with data.open("rb") as stdin:
        st = subprocess.run(
            [
                "strace",
                "-o",
                os.devnull,
                "-E",
                "LCT_SET=1",
                "-E",
                "LCT_GONE",
                "sh",
                "-c",
                'echo "$LCT_SET ${LCT_GONE-unset}"; cat',
            ],
            stdin=stdin,
            capture_output=True,
            text=True,
            env=env,
        )
    assert st.stdout == proc.stdout
    proc = libctrace("run", "-E", "=x", "--", "true")
    assert proc.returncode == 2 and "expected VAR=value" in proc.stderr


def test_diff_timeout_set_env_and_stdin(tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_text("fed\n")
    hang = tmp_path / "hang.sh"
    hang.write_text('#!/bin/sh\nread line; echo "$line $LCT_X"; [ "$1" = stop ] || sleep 30\n')
    hang.chmod(0o755)
    quick = tmp_path / "quick.sh"
    quick.write_text('#!/bin/sh\nread line; echo "$line $LCT_X"\n')
    quick.chmod(0o755)
    start = time.monotonic()
    proc = libctrace(
        "diff",
        str(hang),
        str(quick),
        "--timeout",
        "2",
        "-E",
        "LCT_X=env",
        "--stdin",
        str(data),
        "-e",
        "trace=%file,%process,write",
        "--format",
        "json",
        "--output-dir",
        str(tmp_path / "out"),
        "--label",
        "hang",
        "--label",
        "quick",
    )
    assert time.monotonic() - start < 25, "the hanging build was not killed"
    assert proc.returncode == 1, proc.stderr
    assert "timed out, killed (--timeout)" in proc.stderr
    runs = {r["label"]: r for r in json.loads(proc.stdout)["runs"]}
    assert runs["hang"]["exit"]["outcome"] == "timeout" and runs["quick"]["exit"]["code"] == 0
    for name in ("hang", "quick"):
        t = load_trace(str(tmp_path / "out" / f"{name}.jsonl"))
        assert t.header["trace_set"]["expr"] == "%file,%process,write"
        assert {e["name"] for e in syscalls(t)} <= set(t.header["trace_set"]["syscalls"])
        written = b"".join(
            bytes.fromhex(e["args"][1]["hex"]) if isinstance(e["args"][1], dict) else e["args"][1].encode()
            for e in syscalls(t, "write")
            if e["args"][0] == 1
        )
        assert written == b"fed env\n", written


@pytest.mark.usefixtures("need_root")
def test_show_names_dns_messages(tmp_path: Path) -> None:
    # a real lookup in the sandbox (its DNS server on a private loopback); getent is Debian's
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "--sandbox", "-o", str(out), "--", "getent", "ahostsv4", "www.libctrace.test")
    assert proc.returncode == 0, proc.stderr
    shown = libctrace("show", str(out), "-e", "trace=%network")
    assert shown.returncode == 0, shown.stderr
    noted = [ln for ln in shown.stdout.splitlines() if "; DNS " in ln]
    assert any("; DNS query A www.libctrace.test" in ln for ln in noted), shown.stdout
    assert any(re.search(r"; DNS answer A www\.libctrace\.test NOERROR [1-9]", ln) for ln in noted), noted
