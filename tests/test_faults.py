"""Faults: crashing tracees, Ctrl-C, --timeout, many threads, many children, exec from a thread."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import LIBCTRACE, ROOT, libctrace, need_tool
from recorder_progs import load_trace, of_type, prog, syscalls


@pytest.mark.parametrize(("how", "sig", "code"), [("segv", "SIGSEGV", 139), ("abort", "SIGABRT", 134)])
def test_crashing_tracee_is_recorded(tmp_path: Path, how: str, sig: str, code: int) -> None:
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-o", str(out), "--", str(prog("crash")), how)
    assert proc.returncode == code, proc.stderr
    trace = load_trace(str(out))
    assert [e["signal"] for e in of_type(trace, "signal")] == [sig]
    (exit_ev,) = of_type(trace, "exit")
    assert exit_ev["code"] is None and exit_ev["signal"] == sig
    assert trace.footer["outcome"] == "killed" and trace.footer["exit_code"] == code
    assert f"killed by {sig}" in proc.stderr


def _start(out: Path, *argv: str, **kw) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*LIBCTRACE, "run", "-o", str(out), "--", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _wait_traced(cmdline: bytes) -> None:
    """Waits until a process with this exact command line runs under a tracer."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes() == cmdline:
                    status = (entry / "status").read_text()
                    if re.search(r"^TracerPid:\s*[1-9]", status, re.M):
                        return
            except OSError:
                continue
        time.sleep(0.05)
    raise AssertionError(f"{cmdline!r} never ran under the tracer")


@pytest.mark.parametrize("target", ["libctrace", "process-group"])
def test_ctrl_c_kills_tree_keeps_events(tmp_path: Path, target: str) -> None:
    out = tmp_path / "t.jsonl"
    # "process-group" is what a terminal does: libctrace and the tracee both get SIGINT.
    # a duration no other test uses, so that this sleep is recognised in /proc
    duration = f"30.{len(target)}"
    proc = _start(out, "sh", "-c", f"sleep {duration}; echo never", start_new_session=True)
    _wait_traced(f"sleep\0{duration}\0".encode())
    time.sleep(0.2)  # its exec stop is being recorded right now
    started = time.monotonic()
    if target == "libctrace":
        proc.send_signal(signal.SIGINT)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert time.monotonic() - started < 10
    assert proc.returncode == 130, stderr
    assert "never" not in stdout and "Traceback" not in stderr and "interrupted" in stderr
    trace = load_trace(str(out))
    assert trace.footer["outcome"] == "interrupted" and trace.footer["exit_code"] == 130
    assert [e["argv"][0] for e in of_type(trace, "exec")] == ["sh", "sleep"]
    assert len(of_type(trace, "exit")) == 2  # the shell and sleep, both gone
    assert syscalls(trace, "execve")


def test_timeout_kills_tree(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    started = time.monotonic()
    proc = libctrace("run", "-o", str(out), "--timeout", "1.5", "--", "sh", "-c", "sleep 30 & sleep 30; wait")
    assert time.monotonic() - started < 15
    assert proc.returncode == 124, proc.stderr
    assert "timed out after 1.5 s" in proc.stderr
    trace = load_trace(str(out))
    assert trace.footer["outcome"] == "timeout" and trace.footer["exit_code"] == 124
    assert len(of_type(trace, "exit")) == 3 == trace.footer["processes"]
    # nothing was left behind
    pids = {e["pid"] for e in of_type(trace, "exit")}
    assert not any(os.path.exists(f"/proc/{p}") and "sleep" in Path(f"/proc/{p}/cmdline").read_text() for p in pids)


@pytest.mark.parametrize("trace_set", ["default", "all"])
def test_32_threads_lose_no_event(tmp_path: Path, trace_set: str) -> None:
    out = tmp_path / "t.jsonl"
    exe = str(prog("threads"))
    proc = libctrace("run", "-q", "-o", str(out), "-e", f"trace={trace_set}", "--", exe)
    assert proc.returncode == 0, proc.stderr
    made = int(proc.stdout)
    trace = load_trace(str(out))
    recorded = [e for e in syscalls(trace, "close") if e["args"] == [-1]]
    assert len(recorded) == made == 32 * 200
    assert all(e["errno"] == "EBADF" for e in recorded)
    assert len({e["tid"] for e in recorded}) == 32  # every worker thread, none is the main one
    assert trace.footer["threads"] == 32
    assert len([f for f in of_type(trace, "fork") if f["kind"] == "thread"]) == 32
    if trace_set == "default":
        strace = need_tool("strace")
        log = tmp_path / "strace.txt"
        subprocess.run([strace, "-f", "-e", "trace=close", "-o", str(log), exe], check=True, capture_output=True)
        assert len(re.findall(r"close\(-1[ )]", log.read_text())) == len(recorded)


@pytest.mark.parametrize("via_shell", [False, True])
def test_tree_of_100_children_is_followed(tmp_path: Path, via_shell: bool) -> None:
    # Under a shell the forking program is a grandchild of libctrace: then the kernel often
    # reports a new child's first stop before its parent's fork event (both orders happen).
    out = tmp_path / "t.jsonl"
    argv = ["sh", "-c", f"{prog('forktree')}; true"] if via_shell else [str(prog("forktree"))]
    proc = libctrace("run", "-q", "-o", str(out), "--", *argv)
    assert proc.returncode == 0, proc.stderr
    trace = load_trace(str(out))
    tree_pid = of_type(trace, "exec")[-1]["pid"]  # the forktree process
    forks = [f for f in of_type(trace, "fork") if f["pid"] == tree_pid]
    assert len(forks) == 100 and {f["kind"] for f in forks} == {"process"}
    exits = {e["pid"]: e["code"] for e in of_type(trace, "exit")}
    children = [f["child"] for f in forks]
    assert [exits[c] for c in children] == list(range(100))  # each child's own exit code
    assert trace.footer["processes"] == 101 + via_shell
    assert len([e for e in syscalls(trace, "wait4") if e["pid"] == tree_pid]) >= 100


def test_execve_from_non_leader_thread(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "-o", str(out), "--", str(prog("exec_thread")), "/bin/true", timeout=30)
    assert proc.returncode == 0, proc.stderr
    trace = load_trace(str(out))
    (thread,) = [f for f in of_type(trace, "fork") if f["kind"] == "thread"]
    execs = of_type(trace, "exec")
    assert [e["path"] for e in execs][-1] == "/bin/true"
    assert execs[-1]["pid"] == thread["pid"]  # the new program runs under the process id
    (call,) = [e for e in syscalls(trace, "execve") if e["args"][0] == "/bin/true"]
    assert call["tid"] == thread["child"] and call["ret"] == 0
    # /bin/true's own start-up is recorded after the exec, in the same process
    assert any(e["pid"] == thread["pid"] and e["seq"] > call["seq"] for e in syscalls(trace, "openat"))
    assert of_type(trace, "exit")[-1] == {**of_type(trace, "exit")[-1], "pid": thread["pid"], "code": 0}


def test_stopped_tracee_waits_for_sigcont(tmp_path: Path) -> None:
    """A group-stop (SIGSTOP) keeps the tracee stopped under ptrace until SIGCONT, like untraced."""
    out = tmp_path / "t.jsonl"
    proc = _start(out, "sh", "-c", "kill -STOP $$; echo resumed")
    deadline = time.monotonic() + 30
    stopped = None
    while stopped is None and time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            try:
                if (
                    entry.name.isdigit()
                    and (entry / "cmdline").read_bytes() == b"sh\0-c\0kill -STOP $$; echo resumed\0"
                ):
                    if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                        stopped = int(entry.name)
            except OSError:
                continue
        time.sleep(0.05)
    assert stopped is not None, "the tracee never stopped"
    time.sleep(0.3)
    assert proc.poll() is None and Path(f"/proc/{stopped}").exists()  # still stopped, not lost
    os.kill(stopped, signal.SIGCONT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0 and stdout == "resumed\n", stderr
    trace = load_trace(str(out))
    assert [e["signal"] for e in of_type(trace, "signal")] == ["SIGSTOP", "SIGCONT"]


def test_quiet_program_events_reach_the_file_and_survive_sigkill(tmp_path: Path) -> None:
    """Events are written within about half a second even when no more come (a batch is 512):
    `tail -f` follows a quiet program, and a SIGKILLed libctrace leaves them behind."""
    out = tmp_path / "t.jsonl"
    proc = _start(out, "sh", "-c", "echo hi; sleep 30.9")
    try:
        _wait_traced(b"sleep\x0030.9\x00")  # its exec is being recorded; then nothing for 30 s
        seen = time.monotonic()
        execs: list[str] = []
        while time.monotonic() - seen < 5 and execs != ["sh", "sleep"]:
            time.sleep(0.05)
            lines = out.read_bytes().split(b"\n")[1:-1]  # whole lines after the header
            execs = [
                e["argv"][0] for e in map(json.loads, lines) if isinstance(e, dict) and e["type"] == "exec"
            ]  # not rows
        waited = time.monotonic() - seen
        assert execs == ["sh", "sleep"], execs
        assert proc.poll() is None  # read while the program sleeps, not after it ended
        assert waited < 2.0, waited
    finally:
        proc.kill()  # SIGKILL: no chance to write anything more
        proc.communicate(timeout=20)
    trace = load_trace(str(out))
    assert trace.footer is None
    (echo,) = [e for e in syscalls(trace, "write") if e["args"][0] == 1]
    assert echo["args"][1] == {"hex": b"hi\n".hex(), "len": 3}
