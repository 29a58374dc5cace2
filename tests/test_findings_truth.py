"""Every sentence of a finding is true for the builds compared (issue 11), checked on builds
made by toolchains nobody here wrote: zig's musl 1.2.5 and its glibc 2.38 target, Debian's
static busybox, against the Debian gcc/musl-gcc scenario builds. All through the real
`libctrace diff --format json`, as a user runs it."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import build_c, libctrace, need_tool

from libctrace.scenarios import catalog as sc

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_COMMON = ROOT / "scenarios" / "common"

# strlcpy came to glibc in 2.38: a build for 2.38 needs GLIBC_2.38, which this host may lack.
STRLCPY = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char b[8];
#if defined(__GLIBC__) && __GLIBC__ == 2 && __GLIBC_MINOR__ < 38
    snprintf(b, sizeof b, "%s", argc > 1 ? argv[1] : "hello, world");
#else
    strlcpy(b, argc > 1 ? argv[1] : "hello, world", sizeof b);
#endif
    puts(b);
    return 0;
}
"""


def zig_cc(source: Path | str, target: str, *flags: str, name: str = "zig") -> Path:
    """Builds C with PyPI's ziglang for `target` (a first build of a target compiles its libc:
    minutes; cached afterwards)."""
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip("ziglang is not installed (make setup installs it with the test extra)")
    text = source.read_text() if isinstance(source, Path) else source
    return build_c(text, compiler=(sys.executable, "-m", "ziglang", "cc", "-target", target), flags=flags, name=name)


def diff(*args: str) -> dict[str, Any]:
    proc = libctrace("diff", "--format", "json", *args, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def findings(result: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["id"] == rule]


def one(result: dict[str, Any], rule: str) -> dict[str, Any]:
    hits = findings(result, rule)
    assert len(hits) == 1, [(f["id"], f["title"]) for f in result["findings"]]
    return hits[0]


def scenario_binary(name: str, variant: str) -> str:
    reason = sc.availability(variant)
    if reason:
        pytest.skip(f"{variant} builds are not possible here: {reason}")
    return str(sc.binary(sc.get(name), variant))


def host_glibc() -> str:
    return os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36": what this host's loader offers


def test_musl_1_2_5_tcp_fallback(need_root: None) -> None:
    """musl >= 1.2.4 retries a truncated answer over TCP with TCP Fast Open (sendmsg
    MSG_FASTOPEN on an unconnected socket): found by the bytes, reported as such, 60 records."""
    zig = zig_cc(
        ROOT / "scenarios" / "dns-lookup" / "main.c",
        "x86_64-linux-musl",
        "-static",
        f"-I{SCENARIO_COMMON}",
        name="dns-lookup-zig-musl",
    )
    old = scenario_binary("dns-lookup", "musl-static")
    glibc = scenario_binary("dns-lookup", "glibc-dynamic")
    result = diff(
        "--sandbox",
        "--label",
        "musl-1.2.5",
        "--label",
        "musl-debian",
        "--label",
        "glibc",
        str(zig),
        old,
        glibc,
        "--",
        "many.libctrace.test",
    )
    tr = one(result, "dns-transport")
    assert tr["title"] == "DNS over TCP in musl-1.2.5, glibc only"
    text = tr["explanation"]
    assert (
        "musl-1.2.5 (static musl) retried the query over TCP (TCP Fast Open: sendmsg with MSG_FASTOPEN on an "
        "unconnected socket) — musl ≥ 1.2.4: TCP fallback seen"
    ) in text
    assert "musl-debian (static musl) did not, and used the truncated answer — musl ≤ 1.2.3 behaviour" in text
    assert "glibc (dynamic glibc) retried the query over TCP (connect, then the query)" in text
    # The retry and the whole answer it brought back, in musl-1.2.5's own evidence.
    mine = [e["line"] for e in tr["evidence"] if e["run"] == "musl-1.2.5"]
    assert any(
        re.search(
            r"sendmsg\(\d+<socket:\[AF_INET SOCK_STREAM -> 127\.0\.0\.1:53\]>.*; DNS query A "
            r"many\.libctrace\.test$",
            line,
        )
        for line in mine
    ), mine
    assert any(line.endswith("; DNS answer A many.libctrace.test NOERROR 60") for line in mine), mine
    ans = one(result, "dns-answers")
    assert "musl-1.2.5 NOERROR 60 over tcp" in ans["explanation"]
    assert "musl-debian NOERROR 29 over udp (truncated)" in ans["explanation"]
    assert "A truncated answer was used as final by musl-debian:" in ans["explanation"]
    assert re.fullmatch(r"DNS answers differ: many\.libctrace\.test A: 60 vs \d\d \(TC\) vs 60", ans["title"])
    q = one(result, "dns-queries")
    assert "musl-1.2.5 sent 3 queries (1 over TCP, musl ≥ 1.2.4: TCP fallback seen)" in q["explanation"]


def test_too_new_glibc_never_started(tmp_path: Path) -> None:
    """A build needing GLIBC_2.38 on an older host: one critical finding naming the version
    needed and the host's glibc; nothing else is said about it."""
    have = host_glibc()
    if not have.startswith("glibc ") or tuple(map(int, have.split()[1].split(".")[:2])) >= (2, 38):
        pytest.skip(f"this host has {have or 'no glibc'}: a GLIBC_2.38 build would start here")
    new = zig_cc(STRLCPY, "x86_64-linux-gnu.2.38", name="strlcpy-glibc-2.38")
    gcc = build_c(STRLCPY, name="strlcpy")
    musl = build_c(STRLCPY, compiler="musl-gcc", flags=("-static",), name="strlcpy")
    result = diff("--label", "glibc-2.38", "--label", "gcc", "--label", "musl", str(new), str(gcc), str(musl))
    ref = one(result, "loader-refusal")
    assert ref["severity"] == "critical" and ref["runs"] == ["glibc-2.38"]
    assert ref["title"] == "glibc-2.38 never started: missing symbol version, needs GLIBC_2.38 (strlcpy@GLIBC_2.38)"
    version = have.split()[1]
    assert f"this host has glibc {version} (" in ref["explanation"] and f"up to GLIBC_{version})" in ref["explanation"]
    assert "exited 1 before any of its own code ran" in ref["explanation"]
    assert [e["run"] for e in ref["evidence"]] == ["glibc-2.38"] * 3
    assert "libc.so.6" in ref["evidence"][0]["line"] and "exited with 1" in ref["evidence"][-1]["line"]
    # What follows from it is not a finding: the other two builds are compared among themselves.
    assert result["findings"][0]["id"] == "loader-refusal"
    for f in result["findings"][1:]:
        assert "glibc-2.38" not in f["title"] + f["explanation"], f
        assert f["id"] not in ("exit-status", "output"), f  # gcc and musl both print "hello, "


def test_missing_library_and_interpreter(tmp_path: Path) -> None:
    """A library deleted after linking (the loader searches and gives up, exit 127) and a
    missing interpreter (the kernel's execve fails with ENOENT: `run` refuses it, `diff`
    reports it)."""
    need_tool("gcc")
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    (tmp_path / "gone.c").write_text("int ctrace_gone(void) { return 7; }\n")
    (tmp_path / "main.c").write_text("int ctrace_gone(void);\nint main(void) { return ctrace_gone() == 7 ? 0 : 1; }\n")
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-o", str(lib_dir / "libctracegone.so"), str(tmp_path / "gone.c")], check=True
    )
    uselib = tmp_path / "uselib"
    subprocess.run(["gcc", "-o", str(uselib), str(tmp_path / "main.c"), f"-L{lib_dir}", "-lctracegone"], check=True)
    (lib_dir / "libctracegone.so").unlink()
    badinterp = tmp_path / "badinterp"
    subprocess.run(
        [
            "gcc",
            "-o",
            str(badinterp),
            str(tmp_path / "main.c"),
            str(tmp_path / "gone.c"),
            "-Wl,--dynamic-linker=/nonexistent/ld-linux-x86-64.so.2",
        ],
        check=True,
    )
    good = tmp_path / "good"
    subprocess.run(["gcc", "-o", str(good), str(tmp_path / "main.c"), str(tmp_path / "gone.c")], check=True)
    result = diff(str(good), str(uselib), str(badinterp))
    refusals = {f["runs"][0]: f for f in findings(result, "loader-refusal")}
    assert set(refusals) == {"uselib", "badinterp"}
    lib = refusals["uselib"]
    assert lib["title"] == "uselib never started: missing library, needs libctracegone.so"
    assert "exited 127" in lib["explanation"] and "this host has no libctracegone.so in the " in lib["explanation"]
    interp = refusals["badinterp"]
    assert interp["title"].startswith("badinterp never started: missing interpreter (execve: ENOENT")
    assert "this host has no /nonexistent/ld-linux-x86-64.so.2" in interp["explanation"]
    assert re.search(r'execve\(".*badinterp".* = -1 ENOENT', interp["evidence"][0]["line"])
    # One good build left: nothing to compare it with, so nothing else is said.
    assert {f["id"] for f in result["findings"]} == {"loader-refusal"}
    # `run` still refuses a program the kernel cannot exec, with one line.
    proc = libctrace("run", "-q", "--", str(badinterp))
    assert proc.returncode == 2 and proc.stderr.strip().endswith("cannot execute: No such file or directory")


def test_busybox_reads_passwd_without_nss(need_root: None, tmp_path: Path) -> None:
    """Static glibc busybox reads /etc/passwd with its own code: no finding may blame musl,
    and startup counts every library /usr/bin/id loads (ldd is the oracle)."""
    busybox = shutil.which("busybox")
    if busybox is None or not Path("/usr/bin/id").exists():
        pytest.skip("busybox-static is not installed (make setup installs it as root)")
    applet = tmp_path / "id"  # busybox picks the applet from argv[0]
    applet.symlink_to(busybox)
    nss = tmp_path / "nsswitch.conf"
    nss.write_text("passwd: files\ngroup: files\nhosts: files dns\n")  # pinned: the host's may list more
    result = diff("--nsswitch", str(nss), "--label", "busybox", "--label", "glibc-id", str(applet), "/usr/bin/id")
    assert [r["libc"] for r in result["runs"]] == ["glibc", "glibc"]
    for f in result["findings"]:
        assert "musl" not in (f["title"] + f["explanation"]).lower(), f
    cfg = one(result, "nss-config")
    assert (
        "busybox (static glibc) never opened it and read /etc/group, /etc/passwd directly (its own code, "
        "not glibc's NSS"
    ) in cfg["explanation"]
    start = one(result, "startup")
    ldd = subprocess.run(["ldd", "/usr/bin/id"], capture_output=True, text=True, check=True).stdout
    libs = {os.path.basename(m) for m in re.findall(r"^\s*(\S+\.so[.\d]*)", ldd, re.M)} - {"linux-vdso.so.1"}
    assert start["title"] == f"Startup differs: 0 vs {len(libs)} libraries loaded"
    listed = re.search(r"glibc-id \(dynamic glibc\) \d+ libraries \(([^)]*)\)", start["explanation"])
    assert listed is not None and set(listed.group(1).split(", ")) == libs


def test_hosts_file_vs_dns_server(need_root: None, tmp_path: Path) -> None:
    """nsswitch `hosts: dns files` sends glibc to the DNS server for a name /etc/hosts holds;
    musl reads /etc/hosts first and asks nobody: a network-peers finding from the sockaddrs."""
    glibc = scenario_binary("dns-lookup", "glibc-dynamic")
    musl = scenario_binary("dns-lookup", "musl-static")
    nss = tmp_path / "nsswitch.conf"
    nss.write_text("hosts: dns files\n")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n192.0.2.7 www.libctrace.test\n")
    result = diff(
        "--nsswitch",
        str(nss),
        "--hosts",
        str(hosts),
        "--label",
        "glibc",
        "--label",
        "musl",
        glibc,
        musl,
        "--",
        "www.libctrace.test",
    )
    peers = one(result, "network-peers")
    assert peers["title"] == "Network peers differ: 127.0.0.1:53 only glibc"
    assert "glibc asked the DNS server 127.0.0.1:53" in peers["explanation"]
    assert "musl asked no DNS server (it read /etc/hosts)" in peers["explanation"]
    assert [e["run"] for e in peers["evidence"]] == ["glibc"] and "127.0.0.1" in peers["evidence"][0]["line"]
    q = one(result, "dns-queries")
    assert "musl sent no query" in q["explanation"] and "musl sends" not in q["explanation"]


def test_wrong_architecture(tmp_path: Path) -> None:
    """An aarch64 build on this x86-64 host: the kernel's execve fails with ENOEXEC; `diff`
    reports it as the one thing to say about that build, `run` still refuses it up front."""
    if set(os.listdir("/proc/sys/fs/binfmt_misc") if os.path.isdir("/proc/sys/fs/binfmt_misc") else ()) - {
        "register",
        "status",
    }:
        pytest.skip("binfmt_misc handlers are registered here: the kernel may run an aarch64 file under an emulator")
    # No libc needed to be foreign: a bare _start keeps the zig build to a second.
    arm = zig_cc(
        "void _start(void) { for (;;) { } }\n",
        "aarch64-linux-musl",
        "-nostdlib",
        "-ffreestanding",
        "-static",
        name="bare-aarch64",
    )
    good = build_c("int main(void) { return 0; }\n", name="true")
    result = diff("--label", "aarch64", "--label", "x86-64", str(arm), str(good))
    assert [f["id"] for f in result["findings"]] == ["loader-refusal"]
    ref = result["findings"][0]
    assert ref["title"] == "aarch64 never started: wrong architecture (execve: ENOEXEC), needs a 64-bit aarch64 CPU"
    assert f"this host has an {os.uname().machine} CPU" in ref["explanation"]
    assert re.search(r"execve\(.* = -1 ENOEXEC", ref["evidence"][0]["line"])
    proc = libctrace("run", "-q", "--", str(arm))
    assert proc.returncode == 2 and "wrong architecture: 64-bit aarch64 ELF" in proc.stderr
