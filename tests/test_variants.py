"""The variants beyond the machine's gcc and musl-gcc: zig's glibc 2.38 and 2.17 and musl
1.2.5, musl static with mimalloc and jemalloc built from Debian source, Rust with std only.
Real builds and runs; traced (in the sandbox) where the claim is about syscalls."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from helpers import libctrace
from test_sandbox_scenarios import DNS_NAMES, Run, trace_scenario

from libctrace.elf.info import check_against, inspect_file, load_libc_versions, version_key
from libctrace.scenarios import catalog as sc

SYMBOL_ARGS = ("short", "a-longer-name")


def built(name: str, *variants: str) -> dict[str, Path]:
    """Builds (or reuses) every wanted variant; skips, with the reason, if one cannot be built."""
    for v in variants:
        reason = sc.availability(v)
        if reason is not None:
            pytest.skip(f"{v}: {reason}")
    result = sc.build(sc.get(name), variants)
    assert all(isinstance(p, Path) for p in result.values()), result
    return {v: p for v, p in result.items() if isinstance(p, Path)}


def run(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)


def host_glibc() -> str:
    return os.confstr("CS_GNU_LIBC_VERSION").split()[-1]


def host_libc_so() -> str:
    """The libc.so.6 this Python runs on: the one the loader checks a program against."""
    maps = Path("/proc/self/maps").read_text().split()
    return next(p for p in maps if os.path.basename(p).startswith("libc.so.6") or os.path.basename(p) == "libc.so.6")


@pytest.fixture(scope="module")
def symbol_builds() -> dict[str, Path]:
    if version_key(f"GLIBC_{host_glibc()}") >= version_key("GLIBC_2.38"):
        pytest.skip(f"this machine's glibc {host_glibc()} has strlcpy: the 2.38 build would start")
    return built("symbol-versions", "glibc-dynamic", "glibc-2.38", "glibc-2.17", "musl-static", "musl-1.2.5-static")


def test_glibc_2_38_build_is_refused_by_this_loader(symbol_builds: dict[str, Path]) -> None:
    proc = run(symbol_builds["glibc-2.38"], *SYMBOL_ARGS)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "version `GLIBC_2.38' not found" in proc.stderr, proc.stderr


def test_the_two_fixes_run_and_print_what_the_glibc_build_prints(symbol_builds: dict[str, Path]) -> None:
    expected = run(symbol_builds["glibc-dynamic"], *SYMBOL_ARGS)
    assert expected.returncode == 0
    assert expected.stdout.splitlines() == [
        f"running on glibc {host_glibc()}", 'short -> "short"', 'a-longer-name -> "a-longe" (truncated)',
    ]  # fmt: skip
    assert run(symbol_builds["glibc-2.17"], *SYMBOL_ARGS).stdout == expected.stdout
    for musl in ("musl-static", "musl-1.2.5-static"):
        proc = run(symbol_builds[musl], *SYMBOL_ARGS)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[1:] == expected.stdout.splitlines()[1:]
        assert "musl" in proc.stdout.splitlines()[0]


def test_inspect_facts_of_the_zig_glibc_builds(symbol_builds: dict[str, Path]) -> None:
    new, old = inspect_file(str(symbol_builds["glibc-2.38"])), inspect_file(str(symbol_builds["glibc-2.17"]))
    assert (new.libc, new.linkage, old.libc, old.linkage) == ("glibc", "dynamic", "glibc", "dynamic")
    assert new.glibc_required == "2.38"
    assert new.glibc_symbols[0].symbol == "strlcpy" and new.glibc_symbols[0].version == "GLIBC_2.38"
    new_runs = {d.distro: d for d in new.runs_on}
    assert not new_runs["Debian 12"].ok and new_runs["Debian 12"].missing == "GLIBC_2.38"
    assert new_runs["Ubuntu 24.04"].ok
    # glibc 2.17 symbol versions: starts on every listed glibc distribution, RHEL 7 included
    assert version_key(f"GLIBC_{old.glibc_required}") <= version_key("GLIBC_2.17")
    assert "strlcpy" not in {s.symbol for s in old.glibc_symbols}
    glibc_distros = [d for d in old.runs_on if d.glibc is not None]
    assert glibc_distros and all(d.ok for d in glibc_distros)
    # what this machine's loader checks
    here = load_libc_versions(host_libc_so())
    assert check_against(new, here).unmet == ("strlcpy@GLIBC_2.38",)
    assert check_against(old, here).ok


def diff_ids(*traces: Path) -> set[str]:
    proc = libctrace("diff", "--format", "json", *map(str, traces))
    assert proc.returncode in (0, 1), proc.stderr
    return {f["id"] for f in json.loads(proc.stdout)["findings"]}


def test_diff_old_glibc_build_behaves_like_glibc_dynamic(symbol_builds: dict[str, Path], tmp_path: Path) -> None:
    variants = ("glibc-dynamic", "glibc-2.38", "glibc-2.17")
    proc = libctrace("scenarios", "run", "symbol-versions", *(f"--variant={v}" for v in variants),
                     "--output-dir", str(tmp_path), timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^glibc-2\.38 +exit 1 ", proc.stdout, re.M), proc.stdout
    trace = {v: tmp_path / f"symbol-versions-{v}.jsonl" for v in variants}
    assert not {"loader-refusal", "exit-status", "output"} & diff_ids(trace["glibc-dynamic"], trace["glibc-2.17"])
    assert "loader-refusal" in diff_ids(trace["glibc-dynamic"], trace["glibc-2.38"])


@pytest.mark.usefixtures("need_root")
def test_musl_1_2_5_falls_back_to_tcp_where_musl_1_2_3_keeps_the_truncated_answer(tmp_path: Path) -> None:
    built("dns-lookup", "musl-static", "musl-1.2.5-static")
    old = trace_scenario("dns-lookup", "musl-static", tmp_path, DNS_NAMES)
    new = trace_scenario("dns-lookup", "musl-1.2.5-static", tmp_path, DNS_NAMES)
    assert old.addresses("many.libctrace.test") < 48 and not old.dns_connects("SOCK_STREAM")
    # 1.2.5 retries over TCP, with no connect(): sendmsg(MSG_FASTOPEN) to port 53 opens it
    fast_open = [e for e in new.syscalls("sendmsg") if "MSG_FASTOPEN" in str(e["args"][2])
                 and (e["args"][1].get("name") or {}).get("port") == 53]  # fmt: skip
    assert fast_open and new.dns_log("tcp") and not new.dns_connects("SOCK_STREAM")
    # ...gets all 60 records, and keeps MAXADDRS (48) of them
    assert new.addresses("many.libctrace.test") == 48


@pytest.mark.usefixtures("need_root")
def test_rust_dns_lookup_prints_what_the_c_glibc_build_prints(tmp_path: Path) -> None:
    built("dns-lookup", "glibc-dynamic", "rust-gnu", "rust-gnu-static")
    c = trace_scenario("dns-lookup", "glibc-dynamic", tmp_path, DNS_NAMES)
    for v in ("rust-gnu", "rust-gnu-static"):
        rust = trace_scenario("dns-lookup", v, tmp_path, DNS_NAMES)
        assert rust.stdout == c.stdout, v
        assert rust.dns_connects("SOCK_STREAM"), f"{v}: getaddrinfo is glibc's, with its TCP fallback"


@pytest.mark.usefixtures("need_root")
def test_rust_static_glibc_falls_into_the_nss_trap(tmp_path: Path) -> None:
    built("nss-passwd", "glibc-dynamic", "rust-gnu", "rust-gnu-static")
    c = trace_scenario("nss-passwd", "glibc-dynamic", tmp_path)
    assert "user ctrace: uid=" in c.stdout
    for v in ("rust-gnu", "rust-gnu-static"):
        rust = trace_scenario("nss-passwd", v, tmp_path)
        assert rust.stdout == c.stdout, v
        assert rust.mapped("libnss_ctrace.so.2"), v
    # the static build has no libc.so.6 of its own, yet the NSS module maps one into it
    assert trace_scenario("nss-passwd", "rust-gnu-static", tmp_path).mapped("libc.so.6")


def test_rust_musl_is_built_or_unavailable_with_the_reason() -> None:
    reason = sc.availability("rust-musl")
    if sc.availability("rust-gnu") is not None:
        pytest.skip(str(sc.availability("rust-gnu")))
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True).stdout.strip()
    has_std = (Path(sysroot) / "lib" / "rustlib" / "x86_64-unknown-linux-musl").is_dir()
    assert (reason is None) == has_std
    listing = libctrace("scenarios", "list").stdout
    if reason:
        assert "x86_64-unknown-linux-musl" in reason
        assert f"rust-musl: unavailable: {reason}" in " ".join(listing.split())  # wrapped at 100
    else:
        binary = built("dns-lookup", "rust-musl")["rust-musl"]
        assert inspect_file(str(binary)).libc == "musl"


# malloc-threads, shortened: the syscall pattern shows in 4 x 5000 as in the scenario's 4 x 20000
MALLOC_ARGS = ("4", "5000")
ALLOCATOR_VARIANTS = ("glibc-dynamic", "musl-static", "musl-mimalloc", "musl-jemalloc")


@pytest.fixture(scope="module")
def malloc_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Counter[str]]:
    built("malloc-threads", *ALLOCATOR_VARIANTS)
    tmp = tmp_path_factory.mktemp("malloc")
    counts = {}
    for v in ALLOCATOR_VARIANTS:
        traced: Run = trace_scenario("malloc-threads", v, tmp, MALLOC_ARGS)
        assert "checksum=" in traced.stdout
        counts[v] = Counter(e["name"] for e in traced.syscalls("mmap", "munmap", "madvise", "brk", "futex", "mprotect"))
    return counts


@pytest.mark.usefixtures("need_root")
def test_malloc_threads_syscall_pattern_per_allocator(malloc_counts: dict[str, Counter[str]]) -> None:
    glibc, musl, mi, je = (malloc_counts[v] for v in ALLOCATOR_VARIANTS)
    print({v: dict(c) for v, c in malloc_counts.items()})
    # glibc: the main arena grows with brk, threads get arenas; musl static never calls brk for them
    assert glibc["brk"] >= 1
    # musl's mallocng: mmap/munmap churn under one lock
    assert musl["munmap"] >= 100 and musl["mmap"] >= 100
    for swapped, name in ((mi, "mimalloc"), (je, "jemalloc")):
        # the swapped allocators map big pieces once and keep them: a tenth of the churn at most
        assert swapped["munmap"] * 10 <= musl["munmap"], (name, swapped)
        assert swapped["mmap"] * 10 <= musl["mmap"], (name, swapped)
        assert swapped["futex"] * 10 <= max(musl["futex"], 10), (name, swapped)


def test_malloc_threads_allocators_agree_on_the_checksum() -> None:
    binaries = built("malloc-threads", *ALLOCATOR_VARIANTS)
    outputs = {v: run(b, *MALLOC_ARGS).stdout.splitlines()[0] for v, b in binaries.items()}
    assert len(set(outputs.values())) == 1, outputs
    # the allocator really is the one linked in: its symbols are in the static binary
    for v, marker in (("musl-mimalloc", "mi_malloc"), ("musl-jemalloc", "xallocx")):
        syms = subprocess.run(["nm", str(binaries[v])], capture_output=True, text=True).stdout
        assert marker in syms, v
