"""The recorder's start-up work: what `run` imports, the background ELF summary and its cache,
the raw ptrace calls, the libseccomp filter (see docs/performance.md)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT, assert_one_line_error, build_c, libctrace, need_tool
from recorder_progs import load_trace

HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'


def _run(tmp_path: Path, prog: str, cache: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "t.jsonl"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    proc = libctrace("run", "-q", *extra, "-o", str(out), "--", prog, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc, load_trace(str(out)).header


# What `run PROG` (a path, no socket) never imports, and why each is off its start-up: parsed in
# a child process (pyelftools), called through ctypes (ptrace, libseccomp), printed without
# rich (the summary lines), or imported where used: hashlib loads OpenSSL (hostfiles hashes
# with CPython's own SHA-256), shutil only to search PATH, ipaddress only to decode a socket
# address, render.safe's regex only for an error line or the summary (-q: neither); the other commands, the analysis and
# the DNS and JSON-schema libraries are another command's.
RUN_NEVER_IMPORTS = (
    "elftools",
    "ptrace",
    "pyseccomp",
    "rich",
    "ctypes.util",
    "libctrace.elf.info",
    "hashlib",
    "_hashlib",
    "shutil",
    "ipaddress",
    "libctrace.render.safe",
    "libctrace.render.text",
    "dnslib",
    "jsonschema",
    "libctrace.analyze.facts",
    "libctrace.analyze.rules",
    "libctrace.analyze.diff",
    "libctrace.cli.show_cmd",
    "libctrace.cli.diff_cmd",
    "libctrace.sandbox.session",
)


def _run_modules(tmp_path: Path, *run_args: str) -> set[str]:
    """The modules the parent holds at the end of `libctrace run *run_args` (with a cold ELF
    cache: the child parses; atexit does not run in the os._exit()ing child)."""
    listing = tmp_path / "modules"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(listing)!r}, 'w').write('\\n'.join(sys.modules)))\n"
        "from libctrace.cli import main\n"
        f"main({['run', *run_args]!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(listing.read_text().split("\n"))


def test_run_imports_none_of_the_heavy_modules(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    for args in (
        ("-q", "-o", str(out), "--", "/bin/true"),
        ("-o", str(out), "--", "/bin/true"),
    ):  # with the summary too
        modules = _run_modules(tmp_path, *args)
        assert "libctrace.record.recorder" in modules  # the listing itself works
        never = RUN_NEVER_IMPORTS if "-q" in args else set(RUN_NEVER_IMPORTS) - {"libctrace.render.safe"}
        assert sorted(m for m in never if m in modules) == [], args
    # ...and the header still carries the summary, computed by the child, and the host files' digests.
    header = load_trace(str(out)).header
    assert header["executable"]["libc"] == "glibc"
    import hashlib

    hosts = header["host_files"]
    for path, entry in hosts.items():
        if "sha256" in entry:
            assert entry["sha256"] == hashlib.sha256(Path(path).read_bytes()[: 1 << 20]).hexdigest(), path


def test_run_imports_what_it_needs_where_it_needs_it(tmp_path: Path) -> None:
    """A program named without a slash is searched in PATH (shutil); a socket address is decoded
    (ipaddress): the lazy imports are there when used."""
    need_tool("python3")
    out = tmp_path / "t.jsonl"
    code = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('127.0.0.1', 9))"
    modules = _run_modules(tmp_path, "-q", "-e", "trace=connect", "-o", str(out), "--", "python3", "-c", code)
    assert "shutil" in modules and "ipaddress" in modules
    connects = [e for e in load_trace(str(out)).events if e.get("name") == "connect"]
    assert connects and connects[-1]["args"][1] == {"family": "AF_INET", "addr": "127.0.0.1", "port": 9}


def test_elf_summary_cache_follows_rebuilds(tmp_path: Path) -> None:
    """The cached summary is keyed by the file's identity: rebuilding the program at the same
    path with another libc must not reuse the old summary."""
    need_tool("musl-gcc")
    cache = tmp_path / "cache"
    prog = tmp_path / "app"
    prog.write_bytes(build_c(HELLO, name="hello-glibc").read_bytes())
    prog.chmod(0o755)
    _, h1 = _run(tmp_path, str(prog), cache)
    assert h1["executable"]["libc"] == "glibc" and h1["executable"]["linkage"] == "dynamic"
    entries = list((cache / "libctrace" / "elf").iterdir())
    assert len(entries) == 1
    _, h2 = _run(tmp_path, str(prog), cache)  # from the cache: the same answer
    assert h2["executable"] == h1["executable"]
    assert list((cache / "libctrace" / "elf").iterdir()) == entries

    musl = build_c(HELLO, compiler="musl-gcc", flags=("-static",), name="hello-musl")
    tmp = tmp_path / "app.new"
    tmp.write_bytes(musl.read_bytes())
    tmp.chmod(0o755)
    tmp.rename(prog)  # how a build replaces its output
    _, h3 = _run(tmp_path, str(prog), cache)
    assert h3["executable"]["libc"] == "musl" and h3["executable"]["linkage"] == "static"


def test_elf_summary_cache_keeps_the_newest_entries(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    elf_dir = cache / "libctrace" / "elf"
    elf_dir.mkdir(parents=True)
    for i in range(300):  # stale entries of builds long gone, oldest first
        stale = elf_dir / f"stale-{i:03}.json"
        stale.write_text("{}")
        os.utime(stale, ns=(i * 10**9, i * 10**9))
    _, h = _run(tmp_path, "/bin/true", cache)
    assert h["executable"]["libc"] == "glibc"
    left = sorted(p.name for p in elf_dir.iterdir())
    assert len(left) == 256
    assert not any(n.startswith("stale-") and int(n[6:9]) < 45 for n in left)  # the oldest went
    assert [n for n in left if not n.startswith("stale-")]  # this run's entry stayed


def test_summary_without_a_writable_cache_and_for_scripts(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # XDG_CACHE_HOME is a file: the cache cannot be created
    _, h = _run(tmp_path, "/bin/true", blocker)
    assert h["executable"]["path"] == "/bin/true" and h["executable"]["libc"] == "glibc"
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    _, h = _run(tmp_path, str(script), tmp_path / "cache")
    assert h["executable"] is None  # a #! script has no ELF summary
    assert h["command"] == [str(script)]


def test_header_is_written_while_the_program_runs(tmp_path: Path) -> None:
    """A reader may wait for the header (the sandbox tests do): it must not wait for the first
    batch of events, neither with a cold cache (written when the summary child is reaped) nor
    with a warm one (written before the launch)."""
    cache = tmp_path / "cache"
    for attempt in ("cold", "warm"):
        out = tmp_path / f"{attempt}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-m", "libctrace", "run", "-q", "-o", str(out), "--", "sleep", "3"],
            cwd=ROOT,
            env={**os.environ, "XDG_CACHE_HOME": str(cache)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 2.5
            while not (out.exists() and out.read_bytes().endswith(b"\n")):
                assert proc.poll() is None and time.monotonic() < deadline, f"{attempt}: no header while running"
                time.sleep(0.02)
            assert proc.poll() is None  # still running: sleep 3 has not returned yet
            header = out.read_text().splitlines()[0]
            assert '"type":"header"' in header and '"libc":"glibc"' in header, header
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""


def test_unwritable_output_fails_before_the_program_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    proc = libctrace("run", "-q", "-o", str(tmp_path / "no" / "such" / "t.jsonl"), "--", "touch", str(marker))
    assert_one_line_error(proc, "cannot write trace ")
    assert not marker.exists()


def test_trace_all_and_filtered_agree_on_the_plain_calls(tmp_path: Path) -> None:
    """The raw ptrace path records every getppid with trace=all and none of them filtered."""
    loop = build_c(
        "#include <unistd.h>\nint main(void) { for (int i = 0; i < 500; i++) getppid(); return 0; }\n",
        name="getppid500",
    )
    _, _ = _run(tmp_path, str(loop), tmp_path / "cache", "-e", "trace=all")
    calls = [e for e in load_trace(str(tmp_path / "t.jsonl")).events if e.get("name") == "getppid"]
    assert len(calls) == 500
    assert all(e["ret"] == calls[0]["ret"] and e["ret"] > 0 and e["args"] == [] for e in calls)
    _, h = _run(tmp_path, str(loop), tmp_path / "cache")
    assert h["trace_set"]["filtered"] is True
    assert not [e for e in load_trace(str(tmp_path / "t.jsonl")).events if e.get("name") == "getppid"]
