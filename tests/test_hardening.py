"""Faults around the recorder (issue 12): a full disk, a private sandbox, a timer that must stay
off once a recording ended, trace sets that select nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, libctrace


def _root_with_unshare() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the test mounts a small tmpfs")
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")


def test_run_onto_a_full_disk(tmp_path: Path) -> None:
    """`run -o` onto a full 64 KiB tmpfs (in a private mount namespace): one line that says
    what happened and how the program ended, then `show` reads every event before the cut."""
    _root_with_unshare()
    mnt = tmp_path / "full"
    mnt.mkdir()
    trace = mnt / "t.jsonl"
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {mnt} || exit 99; "
        f"{sys.executable} -m libctrace run -e trace=all -o {trace} -- find /usr/lib/python3 -maxdepth 3 >/dev/null; echo rc=$?; "
        f"{sys.executable} -m libctrace show {trace} --format json; echo rc=$?"
    )
    r = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    if "rc=" not in r.stdout:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    out = r.stdout.splitlines()
    assert out[0] == "rc=2" and out[-1] == "rc=0", r.stdout[-500:]
    assert "Traceback" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1 and "No space left on device" in errors[0], r.stderr
    assert "the program ran to its end: exited, exit status 0" in errors[0]
    events = out[1:-1]
    assert len(events) > 100 and '"name":"execve"' in events[0]
    assert "is cut short" in r.stderr


def test_sandbox_copies_are_private(tmp_path: Path) -> None:
    """--hosts with a private file: the copy the sandbox mounts is 0600 in a 0700 folder (it
    was 0644 in a 0755 one, readable by every user while the run lasted)."""
    secret = tmp_path / "secret-hosts"
    secret.write_text("203.0.113.9 secret.example.test\n")
    secret.chmod(0o600)
    r = libctrace(
        "run",
        "-q",
        "--hosts",
        str(secret),
        "--",
        "sh",
        "-c",
        # this run's folder: where the mount of /etc/hosts comes from (other runs share /tmp)
        "stat -c %a /etc/hosts /etc/resolv.conf; "
        "d=$(awk '$5==\"/etc/hosts\"{print $4}' /proc/self/mountinfo | tail -1); "
        "stat -c %a /tmp/$(basename $(dirname $d))",
    )
    if r.returncode == 2 and "namespace" in r.stderr:
        pytest.skip(f"no namespaces here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    hosts, resolv, folder = r.stdout.split()
    assert hosts == "600"  # private like its source
    assert resolv == "644"  # the package's public default stays readable to a program that dropped privileges
    assert folder == "700"


def test_alarm_pending_at_the_end_does_not_rearm_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    """What killed diff: a SIGALRM pending when the recording ends has its handler run inside
    setitimer(0) (seen with a stack dump), which re-armed the repeating timer; with SIGALRM's
    default action restored, the next tick killed libctrace. Here a real SIGALRM is raised at
    that very point, 20 times."""
    import signal

    from libctrace.record.recorder import RecordOptions, record

    real = signal.setitimer

    def setitimer(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        old = real(which, seconds, interval)
        if seconds == 0:
            signal.raise_signal(signal.SIGALRM)  # its handler runs before this returns
        return old

    monkeypatch.setattr(signal, "setitimer", setitimer)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for _ in range(20):
            record(RecordOptions(argv=["/bin/true"], keep_events=False, stdout=null, stderr=null))
            assert real(signal.ITIMER_REAL, 0) == (0.0, 0.0)  # nothing left armed
    finally:
        os.close(null)


# The workload of the report: the timer fires all along, the compare then lasts long enough
# for a timer left armed to fire (exit 142 in 9 of 9 runs here before the fix, 5 of 5 clean
# after). LIBCTRACE_ALARM_RUNS=N loops it N times.
def test_diff_never_dies_of_sigalrm() -> None:
    runs = int(os.environ.get("LIBCTRACE_ALARM_RUNS", "1"))
    for i in range(runs):
        r = libctrace("diff", "/usr/bin/find", "/bin/find", "--", "/usr/lib", "/usr/share", "-name", "x", timeout=900)
        assert r.returncode in (0, 1), f"run {i + 1} of {runs}: exit {r.returncode}, {r.stderr[-300:]}"


@pytest.mark.parametrize(
    "expr, needle",
    [
        ("trace=", "empty trace set"),
        ("trace=!all", "selects no syscall"),
        ("trace=,", "empty trace set"),
    ],
)
def test_trace_sets_that_record_nothing_are_errors(expr: str, needle: str) -> None:
    assert_one_line_error(libctrace("run", "-e", expr, "--", "/bin/true"), needle)
    assert_one_line_error(libctrace("show", "/dev/null", "-e", expr), needle)


def test_trace_none_is_kept_on_purpose(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    r = libctrace("run", "-e", "trace=none", "-o", str(out), "--", "/bin/true")
    assert r.returncode == 0 and "trace set: none (0 syscalls" in r.stderr, r.stderr


def test_exec_from_a_thread_keeps_the_leaders_unfinished_call(tmp_path: Path) -> None:
    """A thread execs while the main thread sleeps in pause(): the main thread's call never
    returns, and strace -f shows it unfinished (`= ?`); it was lost before."""
    from helpers import need_tool
    from recorder_progs import load_trace, prog, syscalls

    strace = need_tool("strace")
    exe = str(prog("exec_thread"))
    out = tmp_path / "t.jsonl"
    r = libctrace("run", "-q", "-e", "trace=pause,execve", "-o", str(out), "--", exe, "/bin/true", timeout=60)
    assert r.returncode == 0, r.stderr
    trace = load_trace(str(out))
    (pause,) = syscalls(trace, "pause")
    (execve,) = [e for e in syscalls(trace, "execve") if e["args"][0] == "/bin/true"]
    assert pause["ret"] is None and "tid" not in pause and pause["pid"] == execve["pid"]
    assert pause["seq"] < execve["seq"]
    ref = subprocess.run(
        [strace, "-f", "-e", "trace=pause,execve", exe, "/bin/true"], capture_output=True, text=True, timeout=60
    ).stderr
    assert "pause( <unfinished ...>" in ref and re.search(r"<\.\.\. pause resumed>\)\s+= \?", ref), ref


def test_a_trace_without_its_end_has_no_exit_status_to_compare(tmp_path: Path) -> None:
    """A trace cut before its exit (no footer, no exit event) said `exit None` in a finding."""
    full = tmp_path / "full.jsonl"
    r = libctrace("run", "-q", "-o", str(full), "--", "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(full.read_text().splitlines(keepends=True)[:20]))
    r = libctrace("diff", str(cut), str(full))
    assert r.returncode in (0, 1) and "None" not in r.stdout, r.stdout
    assert "exit-status" not in r.stdout
    other = tmp_path / "other.jsonl"
    assert libctrace("run", "-q", "-o", str(other), "--", "true").returncode == 0
    r = libctrace("diff", str(cut), str(full), str(other))
    assert "exit status differs: end not recorded (trace cut short) vs exit 3 vs exit 0" in " ".join(
        r.stdout.lower().split()
    )
