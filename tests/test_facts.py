"""libctrace.analyze.facts on real traces: scenario builds recorded by the real `libctrace run`."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest
from helpers import build_c, libctrace
from rulestraces import scenario_trace

from libctrace.analyze import facts as F
from libctrace.model import Trace
from libctrace.scenarios.catalog import binary, get
from libctrace.traceio import load_trace, write_trace

LIBC6 = re.compile(r"/libc\.so\.6$")


def test_categories_of_known_paths() -> None:
    expect = {
        "/lib/x86_64-linux-gnu/libc.so.6": "libc",
        "/lib/ld-musl-x86_64.so.1": "libc",
        "/lib64/ld-linux-x86-64.so.2": "loader",
        "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1": "loader",
        "/etc/ld-musl-x86_64.path": "loader",
        "/etc/ld.so.cache": "ld-cache",
        "/etc/ld.so.preload": "ld-preload",
        "/etc/nsswitch.conf": "nss-config",
        "/etc/passwd": "nss-files",
        "/lib/x86_64-linux-gnu/libnss_systemd.so.2": "nss-module",
        "/var/run/nscd/socket": "nscd",
        "/etc/resolv.conf": "resolver-config",
        "/etc/gai.conf": "resolver-config",
        "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache": "gconv",
        "/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so": "gconv",
        "/usr/lib/locale/locale-archive": "locale",
        "/usr/lib/locale/C.utf8/LC_CTYPE": "locale",
        "/etc/localtime": "timezone",
        "/usr/share/zoneinfo/Europe/Paris": "timezone",
        "/proc/self/exe": "proc-sys",
        "/opt/app/data.txt": "program",
        "/home/x/notes": "other",
    }
    got = {p: F.categorize(p, "/opt/app") for p in expect}
    assert got == expect
    assert set(got.values()) <= set(F.CATEGORIES)
    # A program built in a directory called locale/ is the program, not locale data.
    assert F.categorize("/b/locale/prog", "/b/locale") == "program"


def _main_pid(trace) -> int:
    return trace.events[0]["pid"]


def test_static_glibc_nss_module_brings_a_second_libc() -> None:
    t = scenario_trace("nss-passwd", "glibc-static")
    f = F.extract(t, "glibc-static")
    libs = f.libcs[_main_pid(t)]
    assert libs[0] == "static glibc"
    assert any(LIBC6.search(x) for x in libs[1:]), libs
    names = [os.path.basename(p) for p in f.dlopened]
    # The NSS module is dlopened first, and it is what drags libc.so.6 in.
    assert "libnss_ctrace.so.2" in names and "libc.so.6" in names
    assert names.index("libnss_ctrace.so.2") < names.index("libc.so.6")
    cats = {(a.category, os.path.basename(a.path)) for a in f.files if a.result == "ok"}
    assert ("nss-config", "nsswitch.conf") in cats
    assert ("nss-module", "libnss_ctrace.so.2") in cats
    assert f.elf is not None and f.elf["linkage"] == "static"


def test_dynamic_builds_map_one_libc_and_musl_reads_no_nsswitch() -> None:
    gd = F.extract(scenario_trace("nss-passwd", "glibc-dynamic"), "glibc-dynamic")
    md = F.extract(scenario_trace("nss-passwd", "musl-dynamic"), "musl-dynamic")
    ms = F.extract(scenario_trace("nss-passwd", "musl-static"), "musl-static")
    (gd_libs,) = gd.libcs.values()
    assert len(gd_libs) == 1 and LIBC6.search(gd_libs[0])
    # glibc-dynamic dlopens the module too, but its libc.so.6 was mapped at startup.
    assert [os.path.basename(p) for p in gd.dlopened] == ["libnss_ctrace.so.2"]
    assert list(md.libcs.values()) == [("/lib/ld-musl-x86_64.so.1",)]
    assert list(ms.libcs.values()) == [("static musl",)]
    for f in (md, ms):
        assert not [a for a in f.files if a.category in ("nss-config", "nss-module")]
        assert any(a.path == "/etc/passwd" and a.category == "nss-files" for a in f.files)
        assert f.dlopened == ()
    # musl asks nscd only after a miss in /etc/passwd, with a blocking socket.
    nscd = [s for s in ms.sockets if s.purpose == "nscd"]
    assert nscd and all("SOCK_NONBLOCK" not in s.type for s in nscd)
    assert all(s.peer == "/var/run/nscd/socket" for s in nscd)
    g_nscd = [s for s in gd.sockets if s.purpose == "nscd"]
    assert g_nscd and all("SOCK_NONBLOCK" in s.type for s in g_nscd)


def test_files_match_what_strace_sees() -> None:
    """The open calls in the facts are the ones strace(1) reports for the same program."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    prog = str(binary(get("iconv"), "glibc-dynamic"))
    proc = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=openat,open", "-e", "signal=none", prog],
        capture_output=True,
        text=True,
        timeout=60,
    )
    want = set(re.findall(r'open(?:at)?\((?:AT_FDCWD, )?"([^"]+)"', proc.stderr))
    f = F.extract(scenario_trace("iconv", "glibc-dynamic"), "glibc-dynamic")
    got = {a.path for a in f.files if a.op == "open"}
    assert got == want


def test_iconv_modules_are_dlopened_by_glibc_only() -> None:
    gs = F.extract(scenario_trace("iconv", "glibc-static"), "glibc-static")
    ms = F.extract(scenario_trace("iconv", "musl-static"), "musl-static")
    mods = {os.path.basename(p) for p in gs.dlopened if "/gconv/" in p}
    assert {"UTF-16.so", "ISO8859-1.so"} <= mods
    assert any(len(v) >= 2 for v in gs.libcs.values())  # the gconv module pulled libc.so.6 in
    assert [a for a in ms.files if a.category == "gconv"] == []
    assert gs.stdout == ms.stdout and "ISO-8859-1" in gs.stdout


def test_default_filtered_trace_gives_the_same_facts() -> None:
    """`libctrace diff` records with the seccomp-filtered default set: the facts must not change."""
    full = F.extract(scenario_trace("iconv", "glibc-static"), "all")
    filtered_trace = scenario_trace("iconv", "glibc-static", trace="default")
    assert filtered_trace.header["trace_set"]["filtered"] is True
    filtered = F.extract(filtered_trace, "default")
    assert list(filtered.libcs.values()) == list(full.libcs.values())
    assert filtered.dlopened == full.dlopened
    assert [(a.path, a.op, a.result) for a in filtered.files] == [(a.path, a.op, a.result) for a in full.files]
    assert filtered.stdout == full.stdout and filtered.memory["mmap"] == full.memory["mmap"]


def test_dns_messages_are_decoded_from_the_wire() -> None:
    gd = F.extract(scenario_trace("dns-lookup", "glibc-dynamic", ("many.libctrace.test",), sandbox=True), "g")
    ms = F.extract(scenario_trace("dns-lookup", "musl-static", ("many.libctrace.test",), sandbox=True), "m")
    gq = [m for m in gd.dns if m.direction == "query" and m.transport == "udp"]
    # glibc: A and AAAA leave in one sendmmsg (one event, two messages), A first.
    assert [m.qtype for m in gq[:2]] == ["A", "AAAA"] and gq[0].seq == gq[1].seq
    assert all(m.name == "many.libctrace.test" and m.server == "127.0.0.1:53" for m in gd.dns)
    a_udp = [m for m in gd.dns if m.direction == "answer" and m.qtype == "A" and m.transport == "udp"]
    a_tcp = [m for m in gd.dns if m.direction == "answer" and m.qtype == "A" and m.transport == "tcp"]
    assert a_udp and a_udp[0].tc and a_udp[0].rcode == "NOERROR"
    assert a_tcp and a_tcp[-1].answers == 60 and not a_tcp[-1].tc
    assert any(s.purpose == "dns" and s.type.startswith("SOCK_STREAM") for s in gd.sockets)
    # musl 1.2.3: UDP only, one sendto per query, and the truncated answer is the last word.
    assert {m.transport for m in ms.dns} == {"udp"}
    mq = [m for m in ms.dns if m.direction == "query"]
    assert len({m.seq for m in mq}) == len(mq)
    last_a = [m for m in ms.dns if m.direction == "answer" and m.qtype == "A"][-1]
    assert last_a.tc and 0 < last_a.answers < 60
    # The sandbox server's own log rides along in the trace.
    assert any(e.get("transport") == "tcp" for e in gd.dns_server_log)


def test_threads_memory_and_stacks() -> None:
    gd = F.extract(scenario_trace("malloc-threads", "glibc-dynamic", ("4", "2000")), "glibc")
    ms = F.extract(scenario_trace("malloc-threads", "musl-static", ("4", "2000")), "musl")
    assert gd.threads == ms.threads == 4
    assert gd.clone_calls["clone3"] == 4 and gd.clone_calls["clone"] == 0
    assert ms.clone_calls["clone"] == 4 and ms.clone_calls["clone3"] == 0
    assert statistics.median(gd.thread_stacks) >= 8 * 1024 * 1024
    assert 128 * 1024 <= statistics.median(ms.thread_stacks) < 256 * 1024
    # mallocng churns mmap/munmap where glibc's arenas do not.
    assert ms.memory["munmap"] > 10 * max(gd.memory["munmap"], 1)
    assert ms.memory["mmap_bytes"] > 0 and ms.memory["munmap_bytes"] > 0
    assert ms.syscall_counts["futex"] == ms.futex
    assert "threads=4 iterations=2000" in gd.stdout and "threads=4 iterations=2000" in ms.stdout


def test_fatal_exit_info_and_stderr() -> None:
    g = F.extract(scenario_trace("fatal", "glibc-dynamic"), "glibc")
    m = F.extract(scenario_trace("fatal", "musl-static"), "musl")
    assert (g.exit.signal, g.exit.status, g.exit.outcome) == ("SIGABRT", 134, "killed")
    assert (m.exit.signal, m.exit.status) == ("SIGSEGV", 139)
    assert "double free" in g.stderr and m.stderr == ""
    assert "SIGABRT" in g.signals and "SIGSEGV" in m.signals
    assert g.wall > 0 and g.processes == 1


def test_cut_off_trace_still_gives_facts(tmp_path: Path) -> None:
    """A recording cut short (no footer, no exit event) is read up to the cut."""
    full = scenario_trace("nss-passwd", "glibc-static")
    half = [e for e in full.events if e["type"] != "exit"][: len(full.events) // 2]
    path = tmp_path / "cut.jsonl"
    write_trace(str(path), Trace(full.header, half, None))
    cut = load_trace(str(path))
    f = F.extract(cut, "cut")
    assert (f.exit.outcome, f.exit.code, f.exit.status) == ("interrupted", None, -1)
    assert f.wall == half[-1]["t"]
    assert f.files and all(a.seq <= half[-1]["seq"] for a in f.files)


SYSTEM_C = """
#include <stdlib.h>
int main(void) { return system("exec /bin/true") == 0 ? 0 : 1; }
"""


def test_child_processes_have_their_own_libcs(tmp_path: Path) -> None:
    """system() from a static musl program: the child execs /bin/sh, then /bin/true (dynamic
    glibc). The child's libc.so.6 is its own, not a second libc in the parent; musl spawns it
    with clone(CLONE_VM|CLONE_VFORK), glibc with clone3."""
    facts = {}
    progs = {}
    for name, compiler, flags in (("musl", "musl-gcc", ("-static",)), ("glibc", "gcc", ())):
        prog = progs[name] = build_c(SYSTEM_C, compiler=compiler, flags=flags, name=f"system-{name}")
        out = tmp_path / f"{name}.jsonl"
        proc = libctrace("run", "-e", "trace=all", "-o", str(out), "--", str(prog))
        assert proc.returncode == 0, proc.stderr
        facts[name] = F.extract(load_trace(str(out)), name)
    musl, glibc = facts["musl"], facts["glibc"]
    parent, child = list(musl.libcs)
    assert musl.libcs[parent] == ("static musl",)
    assert len(musl.libcs[child]) == 1 and LIBC6.search(musl.libcs[child][0])
    execs = [(a.pid, a.path) for a in musl.files if a.op == "exec"]
    assert execs == [(parent, str(progs["musl"])), (child, "/bin/sh"), (child, "/bin/true")]
    assert musl.processes == glibc.processes == 2
    assert (musl.clone_calls["clone"], musl.clone_calls["clone3"]) == (1, 0)
    assert (glibc.clone_calls["clone"], glibc.clone_calls["clone3"]) == (0, 1)
    assert musl.exit.code == glibc.exit.code == 0
