"""`libctrace run` as a user meets it: help, summary, exit codes, one-line errors."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, libctrace, need_tool
from recorder_progs import load_trace, of_type


def test_help_has_examples_and_fits_100_columns() -> None:
    proc = libctrace("run", "--help")
    assert proc.returncode == 0
    assert "Examples:" in proc.stdout and "libctrace run -o ls.jsonl -- ls -l /tmp" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_summary_on_stderr_program_output_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-o", str(out), "--", "sh", "-c", "echo out; echo err >&2; exit 5")
    assert proc.returncode == 5
    assert proc.stdout == "out\n"
    lines = proc.stderr.splitlines()
    assert lines[0] == "err"
    assert lines[1] == "libctrace: exited with code 5"
    trace = load_trace(str(out))
    assert f"{trace.footer['syscalls']} syscalls recorded, 1 process, 0 threads" in lines[2]
    assert "trace set: default (71 syscalls, seccomp-filtered)" in proc.stderr
    assert f"trace: {out}" in proc.stderr
    assert all(len(line) <= 100 and "\x1b[" not in line for line in lines)  # no colour in a pipe


def test_quiet_and_in_memory_run(tmp_path: Path) -> None:
    proc = libctrace("run", "-q", "-o", str(tmp_path / "t.jsonl"), "--", "sh", "-c", "exit 9")
    assert (proc.returncode, proc.stderr) == (9, "")
    # without -o the events print live, as strace's do; -q leaves out only the summary
    proc = libctrace("run", "-q", "--", "/bin/true")
    assert proc.returncode == 0 and "kept in memory" not in proc.stderr
    assert re.fullmatch(
        r'\d+ execve\("/bin/true", \["/bin/true"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) = 0', proc.stderr.splitlines()[0]
    )
    proc = libctrace("run", "--", "/bin/true")
    assert proc.returncode == 0 and "kept in memory only" in proc.stderr


def test_program_gets_default_signal_dispositions(tmp_path: Path) -> None:
    # Python ignores SIGPIPE; a traced `yes | head` must still end by SIGPIPE as it does natively.
    script = "yes | head -1; grep SigIgn /proc/self/status"
    native = subprocess.run(["sh", "-c", script], capture_output=True, text=True)  # restores them too
    proc = libctrace("run", "-q", "-o", str(tmp_path / "t.jsonl"), "--", "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == native.stdout and proc.stdout.startswith("y\nSigIgn:")
    assert "Broken pipe" not in proc.stderr


def test_hashbang_script_runs(tmp_path: Path) -> None:
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\necho script-ran\n")
    script.chmod(0o755)
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "-o", str(out), "--", str(script))
    assert proc.returncode == 0 and proc.stdout == "script-ran\n"
    assert [e["path"] for e in of_type(load_trace(str(out)), "exec")] == [str(script)]


def test_record_env_values(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    env = {**os.environ, "LCT_SECRETISH": "s3"}
    libctrace("run", "-q", "-o", str(out), "--", "/bin/true", env=env)
    assert load_trace(str(out)).header["env"]["values"] is None
    libctrace("run", "-q", "--record-env-values", "-o", str(out), "--", "/bin/true", env=env)
    assert load_trace(str(out)).header["env"]["values"]["LCT_SECRETISH"] == "s3"


def _elf_header(cls: int, machine: int) -> bytes:
    h = bytearray(64)
    h[:7] = b"\x7fELF" + bytes((cls, 1, 1))
    struct.pack_into("<HH", h, 16, 2, machine)
    return bytes(h)


def _make(tmp_path: Path, kind: str) -> str:
    p = tmp_path / kind
    if kind == "missing":
        return str(p)
    if kind == "directory":
        p.mkdir()
        return str(p)
    content = {
        "not-executable": b"\x7fELF",
        "not-elf": b"just text\n",
        "aarch64": _elf_header(2, 183),
        "i386": _elf_header(1, 3),
        "corrupt-elf": _elf_header(2, 62),  # passes the header checks, the kernel refuses it
    }[kind]
    p.write_bytes(content)
    p.chmod(0o644 if kind == "not-executable" else 0o755)
    return str(p)


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("missing", "no such program"),
        ("directory", "is a directory"),
        ("not-executable", "program is not executable"),
        ("not-elf", "not an ELF executable nor a #! script"),
        ("aarch64", "wrong architecture: 64-bit aarch64 ELF"),
        ("i386", "wrong architecture: 32-bit i386 ELF"),
        ("corrupt-elf", "cannot execute: Exec format error"),
    ],
)
def test_bad_program_is_one_line_error(tmp_path: Path, kind: str, needle: str) -> None:
    proc = libctrace("run", "--", _make(tmp_path, kind))
    assert_one_line_error(proc, "libctrace: error:", needle)


def test_program_not_in_path() -> None:
    assert_one_line_error(libctrace("run", "--", "no-such-program-xyz"), "not found in PATH")


def test_unwritable_output_is_one_line_error(tmp_path: Path) -> None:
    proc = libctrace("run", "-o", str(tmp_path / "no-dir" / "t.jsonl"), "--", "/bin/true")
    assert_one_line_error(proc, "cannot write trace ", "No such file or directory")


@pytest.mark.parametrize(
    ("expr", "needle"),
    [
        ("trace=nosuchcall", "unknown syscall in trace set: 'nosuchcall'"),
        ("trace=%nosuch", "unknown syscall class"),
        ("signal=SIGINT", "only the trace= qualifier"),
    ],
)
def test_bad_trace_set_is_one_line_error(expr: str, needle: str) -> None:
    assert_one_line_error(libctrace("run", "-e", expr, "--", "/bin/true"), needle)


def test_ptrace_not_permitted_when_already_traced(tmp_path: Path) -> None:
    """Under `strace -f`, the program libctrace forks is already strace's: SEIZE gets EPERM."""
    strace = need_tool("strace")
    proc = subprocess.run(
        [strace, "-f", "-o", str(tmp_path / "s.txt"), sys.executable, "-m", "libctrace", "run", "--", "/bin/true"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert_one_line_error(proc, "ptrace is not permitted here")
