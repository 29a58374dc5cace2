"""The recorder on real programs: decoded content, process events, filtering, the Python API."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, libctrace, need_tool
from recorder_progs import load_trace, of_type, prog, syscalls

from libctrace.record.recorder import RecordOptions, record


def run_trace(tmp_path: Path, *argv: str, opts: tuple[str, ...] = ()) -> tuple:
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", "-o", str(out), *opts, "--", *argv)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, load_trace(str(out))


def test_glibc_dynamic_reads_ld_so_cache_and_musl_static_does_not(tmp_path: Path) -> None:
    proc, glibc = run_trace(tmp_path, str(prog("hello")))
    assert proc.returncode == 0 and proc.stdout == "hello\n"
    opens = [e["args"] for e in syscalls(glibc, "openat")]
    assert ["AT_FDCWD", "/etc/ld.so.cache", "O_RDONLY|O_CLOEXEC"] in opens
    assert any(a[1].endswith("/libc.so.6") for a in opens)
    # the write of "hello" is the program's output, with its descriptor resolved
    writes = [e for e in syscalls(glibc, "write") if e["args"][0] == 1]
    assert writes and bytes.fromhex(writes[0]["args"][1]["hex"]) == b"hello\n"

    proc, musl = run_trace(tmp_path, str(prog("hello", compiler="musl-gcc", static=True)))
    assert proc.returncode == 0 and proc.stdout == "hello\n"
    names = {e["name"] for e in syscalls(musl)}
    assert "openat" not in names and "open" not in names
    assert not any("ld.so.cache" in str(e["args"]) for e in syscalls(musl))
    assert [e["path"] for e in of_type(musl, "exec")] == [str(prog("hello", compiler="musl-gcc", static=True))]
    assert of_type(musl, "exit")[-1]["code"] == 0


def test_fd_path_on_read_and_connect_sockaddr(tmp_path: Path) -> None:
    data = tmp_path / "input.txt"
    data.write_bytes(b"libctrace \xff data\n")
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        proc, trace = run_trace(tmp_path, str(prog("netfile")), str(data), str(port))
        server.settimeout(5)
        assert server.recv(16) == b"ping"  # the traced program really sent it
    finally:
        server.close()
    assert proc.returncode == 7  # the program's own exit code goes through
    reads = [e for e in syscalls(trace, "read") if e.get("fd_path") == str(data)]
    assert len(reads) == 1
    assert bytes.fromhex(reads[0]["args"][1]["hex"]) == data.read_bytes()
    assert reads[0]["ret"] == len(data.read_bytes())
    (sock,) = syscalls(trace, "socket")
    assert sock["args"] == ["AF_INET", "SOCK_DGRAM", "IPPROTO_IP"]
    (conn,) = syscalls(trace, "connect")
    assert conn["args"][1] == {"family": "AF_INET", "addr": "127.0.0.1", "port": port}
    assert conn["ret"] == 0 and conn["errno"] is None
    (send,) = syscalls(trace, "sendto")
    assert send["fd_path"] == f"socket:[AF_INET SOCK_DGRAM -> 127.0.0.1:{port}]"
    assert bytes.fromhex(send["args"][1]["hex"]) == b"ping"


def test_buffers_are_capped_at_strsize(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 60)
    _, trace = run_trace(tmp_path, str(prog("netfile")), str(big), "9", opts=("-s", "16"))
    (read,) = [e for e in syscalls(trace, "read") if e.get("fd_path") == str(big)]
    assert read["args"][1] == {"hex": (b"x" * 16).hex(), "len": 60}
    assert trace.header["strsize"] == 16


def test_shell_pipeline_follows_forks_execs_and_exits(tmp_path: Path) -> None:
    proc, trace = run_trace(tmp_path, "sh", "-c", "echo a | cat")
    assert proc.returncode == 0 and proc.stdout == "a\n"
    forks = of_type(trace, "fork")
    assert len(forks) == 2 and all(f["kind"] == "process" for f in forks)
    execs = of_type(trace, "exec")
    assert [e["argv"] for e in execs] == [["sh", "-c", "echo a | cat"], ["cat"]]
    exits = {e["pid"]: e for e in of_type(trace, "exit")}
    assert set(exits) == {execs[0]["pid"], *(f["child"] for f in forks)}
    assert all(e["code"] == 0 for e in exits.values())
    pipes = syscalls(trace, "pipe2") + syscalls(trace, "pipe")
    assert pipes and len(pipes[0]["args"][0]) == 2
    assert trace.footer["processes"] == 3 and trace.footer["outcome"] == "exited"


def test_ls_records_directory_reads(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "marker-file").write_text("")
    proc, trace = run_trace(tmp_path, "ls", str(tmp_path / "d"))
    assert proc.stdout == "marker-file\n"
    (dents,) = [e for e in syscalls(trace, "getdents64") if e["ret"] > 0]
    assert dents["fd_path"] == str(tmp_path / "d")


def test_trace_set_selects_only_named_calls(tmp_path: Path) -> None:
    _, trace = run_trace(tmp_path, "sh", "-c", "echo a | cat", opts=("-e", "trace=openat,close"))
    assert {e["name"] for e in syscalls(trace)} == {"openat", "close"}
    assert trace.header["trace_set"] == {"expr": "openat,close", "filtered": True, "syscalls": ["close", "openat"]}
    # the tree is still followed although clone/execve are not shown
    assert len(of_type(trace, "fork")) == 2 and len(of_type(trace, "exec")) == 2


def test_trace_set_negation_and_classes(tmp_path: Path) -> None:
    _, trace = run_trace(tmp_path, str(prog("hello")), opts=("-e", "trace=!%file,%memory"))
    names = {e["name"] for e in syscalls(trace)}
    assert not names & {"openat", "execve", "newfstatat", "mmap", "brk", "access"}
    assert {"write", "close", "exit_group"} <= names
    assert trace.header["trace_set"]["filtered"] is True


def test_trace_all_records_every_call(tmp_path: Path) -> None:
    _, trace = run_trace(tmp_path, str(prog("getppid_loop")), "1000", opts=("-e", "trace=all"))
    assert len(syscalls(trace, "getppid")) == 1000
    assert trace.header["trace_set"] == {"expr": "all", "filtered": False, "syscalls": None}
    # getppid is not in the default set: the seccomp filter lets it run without a stop
    _, default = run_trace(tmp_path, str(prog("getppid_loop")), "1000")
    assert syscalls(default, "getppid") == []


def test_trace_file_mode_and_header(tmp_path: Path) -> None:
    _, trace = run_trace(tmp_path, "/bin/true")
    assert stat.S_IMODE(os.stat(tmp_path / "t.jsonl").st_mode) == 0o600
    h = trace.header
    assert h["command"] == ["/bin/true"] and h["machine"] == "x86_64"
    assert h["env"]["values"] is None and "PATH" in h["env"]["names"]
    assert h["kernel"] == os.uname().release
    seqs = [e["seq"] for e in trace.events]
    assert seqs == list(range(1, len(seqs) + 1)) and trace.footer["events"] == len(seqs)


def test_record_api_in_process(tmp_path: Path) -> None:
    """What diff and the sandbox call: env, cwd, stdout fd, extra events, in-memory trace."""
    out_r, out_w = os.pipe()
    wall = time.time()
    try:
        trace, code = record(
            RecordOptions(
                argv=["sh", "-c", "echo $LCT_TEST; pwd; exit 3"],
                env={"LCT_TEST": "v1", "PATH": "/usr/bin:/bin"},
                cwd=str(tmp_path),
                stdout=out_w,
                record_env_values=True,
                extra_events=lambda: [{"type": "dns-log", "wall": wall + 0.5, "name": "example.test."}],
            )
        )
    finally:
        os.close(out_w)
    with os.fdopen(out_r) as f:
        assert f.read() == f"v1\n{tmp_path}\n"
    assert code == 3 and trace.footer["exit_code"] == 3
    assert trace.header["env"] == {"names": ["LCT_TEST", "PATH"], "values": {"LCT_TEST": "v1", "PATH": "/usr/bin:/bin"}}
    assert trace.header["cwd"] == str(tmp_path)
    last = trace.events[-1]
    assert last["type"] == "dns-log" and last["seq"] == len(trace.events) and "wall" not in last
    # recording started after `wall` was taken, so the offset is just under 0.5 s
    assert 0.0 < last["t"] <= 0.5


def test_dns_payloads_are_kept_whole(tmp_path: Path, need_root: None) -> None:
    """Datagrams to port 53 ignore -s; sent inside a private network namespace (no real DNS)."""
    need_tool("unshare")
    need_tool("ip")
    out = tmp_path / "t.jsonl"
    inner = f"ip link set lo up && exec {sys.executable} -m libctrace run -q -s 8 -o {out} -- {prog('dnssend')}"
    proc = subprocess.run(["unshare", "--net", "sh", "-c", inner], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    trace = load_trace(str(out))
    sends = syscalls(trace, "sendto")
    assert len(sends) == 2
    whole = bytes(range(256)) + bytes(range(44))
    for e in sends:
        assert bytes.fromhex(e["args"][1]["hex"]) == whole and e["args"][1]["len"] == 300
    assert sends[0]["args"][4] == {"family": "AF_INET", "addr": "127.0.0.1", "port": 53}
    assert sends[1]["fd_path"] == "socket:[AF_INET SOCK_DGRAM -> 127.0.0.1:53]"
    # other buffers still obey -s 8
    assert all(len(bytes.fromhex(e["args"][1]["hex"])) <= 8 for e in syscalls(trace, "read"))


@pytest.mark.parametrize("trace_set", ["default", "all"])
def test_register_fallback_agrees_with_syscall_info(tmp_path: Path, trace_set: str) -> None:
    """Kernels before 5.3 lack PTRACE_GET_SYSCALL_INFO: the register path must see the same calls."""
    data = tmp_path / "in.txt"
    data.write_text("same\n")

    def calls(syscall_info: bool) -> list[tuple]:
        with open(os.devnull, "wb") as null:
            trace, code = record(
                RecordOptions(
                    argv=["sh", "-c", f"{prog('netfile')} {data} 9; cat {data}"],
                    trace_set=trace_set,
                    stdout=null.fileno(),
                    syscall_info=syscall_info,
                )
            )
        assert code == 0
        # addresses (ASLR) and process ids differ from run to run; names, paths, sizes, errors do not
        varying = {
            "mmap",
            "brk",
            "set_tid_address",
            "getpid",
            "getppid",
            "gettid",
            "clone",
            "clone3",
            "fork",
            "vfork",
            "wait4",
            "rt_sigreturn",
        }
        return [
            (e["name"], e.get("fd_path"), e["errno"], 0 if e["name"] in varying else e["ret"])
            for e in trace.events
            if e["type"] == "syscall"
        ]

    fast, regs = calls(True), calls(False)
    assert ("read", str(data), None, 5) in fast
    assert Counter(fast) == Counter(regs)
