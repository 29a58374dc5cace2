"""The scenario programs and their builder: real compilers, real binaries, the real CLI."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, build_c, libctrace

from libctrace.scenarios import catalog as sc

SCENARIO_ROOT = sc.root()  # LIBCTRACE_SCENARIOS, when set, is honoured by the tests too
NAMES = sorted(p.parent.name for p in SCENARIO_ROOT.glob("*/scenario.toml"))
# The one warning a static glibc link is expected to give: it is what nss-passwd demonstrates.
STATIC_NSS_WARNING = "in statically linked applications requires at runtime the shared libraries"


def available(variants: tuple[str, ...]) -> list[str]:
    return [v for v in variants if sc.availability(v) is None]


def built(name: str, *variants: str) -> dict[str, Path]:
    """Builds (or reuses) the scenario; skips when none of the wanted variants can be built."""
    scenario = sc.get(name)
    wanted = available(variants or scenario.variants)
    if not wanted:
        pytest.skip(f"no toolchain here for {name} {variants}")
    result = sc.build(scenario, wanted)
    assert all(isinstance(p, Path) for p in result.values()), result
    return {v: p for v, p in result.items() if isinstance(p, Path)}


def run(binary: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_the_required_scenarios_exist() -> None:
    required = {"nss-passwd", "dns-lookup", "iconv", "locale", "malloc-threads", "thread-stack", "fatal"}
    assert required <= set(NAMES)
    assert [s.name for s in sc.load_all()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_builds_warning_free_in_every_available_variant(name: str) -> None:
    scenario = sc.get(name)
    binaries = built(name)
    for variant, binary in binaries.items():
        assert os.access(binary, os.X_OK)
        log = (binary.parent / "build.log").read_text()
        assert "-Wall" in log or variant.startswith("go") or "-D warnings" in log, log  # rustc: warnings are errors
        warnings = [
            ln
            for ln in log.splitlines()  # the "$ command" lines are not compiler output
            if "warning" in ln.lower() and not ln.startswith("$ ") and STATIC_NSS_WARNING not in ln
        ]
        assert warnings == [], f"{name} {variant}: {warnings}"
        for lib in scenario.libraries:
            assert (binary.parent / lib.name).is_file()


def test_unavailable_variants_are_reported_with_a_reason() -> None:
    reasons = {v: sc.availability(v) for v in sc.VARIANTS}
    assert (reasons["go"] is None) == (shutil.which("go") is not None)
    assert (reasons["musl-dynamic"] is None) == (shutil.which("musl-gcc") is not None and sc.MUSL_LOADER.exists())
    result = sc.build(sc.get("fatal"), ["go"])  # fatal has no main.go
    assert result == {"go": "not a variant of this scenario"}


def test_second_build_is_a_cache_hit() -> None:
    binary = built("fatal", "glibc-dynamic")["glibc-dynamic"]
    before = binary.stat().st_mtime_ns
    messages: list[str] = []
    again = sc.build(sc.get("fatal"), ["glibc-dynamic"], progress=messages.append)
    assert again["glibc-dynamic"] == binary
    assert binary.stat().st_mtime_ns == before
    assert messages == ["fatal glibc-dynamic: cached"]


def copy_root(tmp_path: Path, *names: str) -> Path:
    """A private scenario root (LIBCTRACE_SCENARIOS) that a test may edit."""
    dest = tmp_path / "scenarios"
    shutil.copytree(SCENARIO_ROOT / "common", dest / "common")
    for name in names:
        shutil.copytree(SCENARIO_ROOT / name, dest / name)
    return dest


def test_a_source_change_invalidates_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sc.availability("glibc-dynamic"):
        pytest.skip(str(sc.availability("glibc-dynamic")))
    root = copy_root(tmp_path, "fatal")
    monkeypatch.setenv("LIBCTRACE_SCENARIOS", str(root))
    scenario = sc.get("fatal")
    binary = sc.binary(scenario, "glibc-dynamic")
    assert binary.is_relative_to(root / ".build")
    assert sc.is_built(scenario, "glibc-dynamic")
    first = binary.stat().st_mtime_ns
    with open(root / "fatal" / "main.c", "a") as f:
        f.write("/* edited */\n")
    assert not sc.is_built(scenario, "glibc-dynamic")
    messages: list[str] = []
    sc.build(scenario, ["glibc-dynamic"], progress=messages.append)
    assert binary.stat().st_mtime_ns != first
    assert messages[0].startswith("fatal glibc-dynamic: built in")


def test_compile_error_is_one_line_with_the_compiler_message(tmp_path: Path) -> None:
    if sc.availability("glibc-dynamic"):
        pytest.skip(str(sc.availability("glibc-dynamic")))
    root = copy_root(tmp_path, "fatal")
    (root / "fatal" / "main.c").write_text("int main(void) { return undeclared_thing; }\n")
    proc = libctrace(
        "scenarios",
        "build",
        "fatal",
        "--variant",
        "glibc-dynamic",
        env={**os.environ, "LIBCTRACE_SCENARIOS": str(root)},
    )
    assert_one_line_error(proc, "building fatal (glibc-dynamic) failed", "undeclared_thing")


def test_malformed_scenario_toml_is_one_line(tmp_path: Path) -> None:
    root = copy_root(tmp_path, "fatal")
    with open(root / "fatal" / "scenario.toml", "a") as f:
        f.write('colour = "blue"\n')
    proc = libctrace("scenarios", "list", env={**os.environ, "LIBCTRACE_SCENARIOS": str(root)})
    assert_one_line_error(proc, "scenario.toml", "unknown key(s) colour")


def _stack_sizes(binary: Path, soft: int) -> list[int]:
    """The two threads' stack sizes the program reports when started with RLIMIT_STACK soft."""
    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))

    proc = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60, preexec_fn=limit)
    assert proc.returncode == 0, proc.stderr
    sizes = [int(s) for s in re.findall(r"^thread \d: stack (\d+) bytes", proc.stdout, re.M)]
    assert len(sizes) == 2, proc.stdout
    return sizes


@pytest.mark.parametrize("soft_mib", [4, 8])
def test_thread_stack_follows_rlimit_on_glibc_and_is_128k_on_musl(soft_mib: int) -> None:
    # The limit is set for the program, not taken from the test's own environment: both
    # branches are checked whatever `ulimit -s` the CI shell has.
    soft = soft_mib * 1024 * 1024
    hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
    if hard != resource.RLIM_INFINITY and hard < soft:
        pytest.skip(f"the hard RLIMIT_STACK here is below {soft_mib} MiB")
    for variant, binary in built("thread-stack").items():
        sizes = _stack_sizes(binary, soft)
        if variant.startswith("glibc"):
            assert sizes == [soft, soft], (variant, sizes)
        else:
            assert variant.startswith("musl"), variant
            # 128 KiB of stack plus musl's guard page and TLS area, whatever the limit
            assert all(128 * 1024 <= s < 160 * 1024 for s in sizes), (variant, sizes)


def test_fatal_aborts_loudly_on_glibc_and_segfaults_silently_on_musl() -> None:
    for variant, binary in built("fatal").items():
        proc = run(binary)
        assert "freeing the same 32-byte block twice" in proc.stdout
        assert "still alive" not in proc.stdout
        if variant.startswith("glibc"):
            assert proc.returncode == -6, (variant, proc.returncode)
            assert "double free" in proc.stderr, proc.stderr
        else:
            assert proc.returncode == -11, (variant, proc.returncode)
            assert proc.stderr == "", proc.stderr


def test_iconv_output_is_identical_across_variants() -> None:
    text = "Grüße aus Köln"
    outputs = {}
    for variant, binary in built("iconv").items():
        proc = run(binary)
        assert proc.returncode == 0, proc.stderr
        outputs[variant] = proc.stdout
    assert len(set(outputs.values())) == 1, outputs
    out = next(iter(outputs.values()))
    assert f"UTF-8 -> UTF-16LE: 28 bytes: {text.encode('utf-16-le').hex(' ')}\n" in out
    assert f"UTF-8 -> ISO-8859-1: 14 bytes: {text.encode('latin-1').hex(' ')}\n" in out
    assert out.count(f"-> UTF-8: {text} (identical)") == 2


def installed_locales() -> set[str]:
    proc = subprocess.run(["locale", "-a"], capture_output=True, text=True)
    return {ln.strip().lower().replace("utf-8", "utf8") for ln in proc.stdout.splitlines()}


def test_locale_glibc_fails_for_missing_locale_musl_accepts_any() -> None:
    de_missing = "de_de.utf8" not in installed_locales()
    for variant, binary in built("locale").items():
        proc = run(binary, "-", "C.UTF-8", "de_DE.UTF-8", env={"LC_ALL": "C"})  # LC_ALL is cleared by the program
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "LANG=C.UTF-8: setlocale -> C.UTF-8" in out, out
        assert out.count("  date: ") == 3
        if variant.startswith("glibc"):
            assert "LANG=(unset): setlocale -> C\n  codeset: ANSI_X3.4-1968" in out, out
            if de_missing:
                assert "LANG=de_DE.UTF-8: setlocale -> NULL" in out, out
        else:
            assert "LANG=(unset): setlocale -> C.UTF-8" in out, out
            assert "LANG=de_DE.UTF-8: setlocale -> de_DE.UTF-8" in out, out


def test_malloc_threads_checksum_agrees_and_time_is_printed() -> None:
    checksums = set()
    for variant, binary in built("malloc-threads").items():
        proc = run(binary, "2", "3000")
        assert proc.returncode == 0, proc.stderr
        m = re.fullmatch(r"threads=2 iterations=3000 checksum=(\d+)\nelapsed: (\d+\.\d{3}) s\n", proc.stdout)
        assert m, (variant, proc.stdout)
        checksums.add(m.group(1))
        assert float(m.group(2)) < 30
    assert len(checksums) == 1
    bad = run(next(iter(built("malloc-threads", "glibc-dynamic").values())), "0")
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_dns_lookup_numeric_names_natively() -> None:
    # Numeric names need no resolver, so this runs anywhere; named lookups run in the sandbox.
    outputs = {}
    for variant, binary in built("dns-lookup").items():
        proc = run(binary, "192.0.2.1", "2001:db8::1")
        assert proc.returncode == 0, proc.stderr
        outputs[variant] = proc.stdout
    assert set(outputs.values()) == {"192.0.2.1: 1 address\n  192.0.2.1\n2001:db8::1: 1 address\n  2001:db8::1\n"}


def test_nss_passwd_finds_root_natively() -> None:
    # The static glibc build is left out: with the host's nsswitch.conf it may load the host's
    # NSS modules (and crash doing so, which is that scenario's point); the sandbox tests cover it.
    for variant, binary in built("nss-passwd", "glibc-dynamic", "musl-static", "musl-dynamic").items():
        proc = run(binary, "user:root", "group:root", "user:ctrace")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("user root: uid=0 gid=0 home=/root"), proc.stdout
        assert "group root: gid=0" in proc.stdout
        if variant.startswith("musl"):  # musl has no NSS: the module's user cannot appear
            assert "user ctrace: not found" in proc.stdout
    usage = run(binary, "root")
    assert usage.returncode == 2 and "usage" in usage.stderr


NSS_PROBE = r"""
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
typedef enum nss_status (*pw_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*gr_fn)(const char *, struct group *, char *, size_t, int *);
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
    pw_fn pw = (pw_fn)dlsym(h, "_nss_ctrace_getpwnam_r");
    gr_fn gr = (gr_fn)dlsym(h, "_nss_ctrace_getgrnam_r");
    struct passwd p; struct group g; char buf[1024]; int err = 0;
    int s = pw("ctrace", &p, buf, sizeof buf, &err);
    printf("pw ctrace: %d %s %u %u %s %s\n", s, p.pw_name, p.pw_uid, p.pw_gid, p.pw_dir, p.pw_shell);
    err = 0; s = pw("root", &p, buf, sizeof buf, &err);
    printf("pw root: %d %d\n", s, err == ENOENT);
    err = 0; s = pw("ctrace", &p, buf, 8, &err);
    printf("pw small: %d %d\n", s, err == ERANGE);
    err = 0; s = gr("ctrace", &g, buf + 1, sizeof buf - 1, &err);
    printf("gr ctrace: %d %s %u %s %p\n", s, g.gr_name, g.gr_gid, g.gr_mem[0], (void *)g.gr_mem[1]);
    err = 0; s = gr("ctrace", &g, buf, 12, &err);
    printf("gr small: %d %d\n", s, err == ERANGE);
    return 0;
}
"""


def test_nss_module_answers_getpwnam_and_getgrnam_when_dlopened() -> None:
    binary = built("nss-passwd", "glibc-dynamic")["glibc-dynamic"]
    module = binary.parent / "libnss_ctrace.so.2"
    probe = build_c(NSS_PROBE, flags=("-ldl",), name="nss-probe")
    proc = run(probe, str(module))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ok, notfound, tryagain = 1, 0, -2  # enum nss_status
    assert proc.stdout.splitlines() == [
        f"pw ctrace: {ok} ctrace 4242 4242 /nonexistent /usr/sbin/nologin",
        f"pw root: {notfound} 1",
        f"pw small: {tryagain} 1",
        f"gr ctrace: {ok} ctrace 4242 ctrace (nil)",
        f"gr small: {tryagain} 1",
    ]


def test_nss_module_is_found_through_build_dir_in_env() -> None:
    scenario = sc.get("nss-passwd")
    if sc.availability("glibc-dynamic"):
        pytest.skip(str(sc.availability("glibc-dynamic")))
    argv, env, sandbox = sc.run_spec(scenario, "glibc-dynamic")
    assert argv[1:] == list(scenario.args)
    assert (Path(env["LD_LIBRARY_PATH"]) / "libnss_ctrace.so.2").is_file()
    assert sandbox is not None and sandbox.nsswitch == str(SCENARIO_ROOT / "nss-passwd" / "nsswitch.conf")
    assert "passwd: files ctrace" in Path(sandbox.nsswitch).read_text()


def test_unknown_scenario_is_a_one_line_error() -> None:
    assert_one_line_error(libctrace("scenarios", "build", "no-such-scenario"), "unknown scenario", "nss-passwd")
    assert_one_line_error(libctrace("scenarios", "run", "no-such-scenario"), "unknown scenario", "dns-lookup")


def test_list_shows_every_scenario_and_variant_state() -> None:
    built("iconv", "glibc-dynamic")
    proc = libctrace("scenarios", "list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert all(len(ln) <= 100 for ln in lines)
    assert "\x1b[" not in proc.stdout  # no colour in a pipe
    rows = {ln.split()[0]: ln for ln in lines if ln and ln.split()[0] in NAMES}
    assert set(rows) == set(NAMES)
    assert re.search(r"^iconv .* built: glibc-dynamic", proc.stdout, re.M)
    # each variant on its own row: toolchain and libc with their versions, or why it is unavailable
    variant_rows = {ln.split()[0]: ln for ln in lines if ln and ln.split()[0] in sc.VARIANTS}
    assert set(variant_rows) == set(sc.VARIANTS)
    for v in sc.VARIANTS:
        reason = sc.availability(v)
        if reason is None:
            toolchain, libc = sc.describe(v)
            assert re.search(r"\d+\.\d+", toolchain) and (re.search(r"\d+\.\d+", libc) or v == "go"), (
                v,
                toolchain,
                libc,
            )
        else:
            assert variant_rows[v].split()[1] == "unavailable"
            assert f"{v}: unavailable: {reason}" in " ".join(proc.stdout.split())  # wrapped at 100
    if sc.availability("glibc-dynamic") is None:
        assert re.search(r"^glibc-dynamic +gcc \d+\.\d+\.\d+ +glibc \d+\.\d+", proc.stdout, re.M)
    if sc.availability("glibc-2.17") is None:
        assert re.search(r"^glibc-2\.17 +zig \d+\.\d+\.\d+ cc +glibc 2\.17 symbol versions", proc.stdout, re.M)


def test_list_json() -> None:
    built("iconv", "glibc-dynamic")
    proc = libctrace("scenarios", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["version"] == 1
    assert [s["name"] for s in doc["scenarios"]] == NAMES
    assert set(doc["variants"]) == set(sc.VARIANTS)
    for v, info in doc["variants"].items():
        assert (info["toolchain"] is None) == (info["libc"] is None) == (not info["available"]), (v, info)
    by_name = {s["name"]: s for s in doc["scenarios"]}
    assert by_name["iconv"]["variants"]["glibc-dynamic"] == "built"
    assert by_name["nss-passwd"]["env"] == {"LD_LIBRARY_PATH": "{build_dir}"}
    assert by_name["nss-passwd"]["sandbox"]["nsswitch"].endswith("nss-passwd/nsswitch.conf")
    assert by_name["iconv"]["sandbox"] is None
    assert ("go" in by_name["dns-lookup"]["variants"]) and ("go" not in by_name["iconv"]["variants"])


def test_build_cli_prints_binary_paths() -> None:
    proc = libctrace("scenarios", "build", "thread-stack", "fatal", "--variant", "musl-static", "--variant", "go")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "skipped fatal go: not a variant of this scenario" in lines
    paths = [ROOT / ln for ln in lines if not ln.startswith("skipped")]
    if sc.availability("musl-static") is None:
        assert sorted(p.name for p in paths) == ["fatal-musl-static", "thread-stack-musl-static"]
        assert all(os.access(p, os.X_OK) for p in paths)


@pytest.mark.parametrize("args", [("scenarios",), ("scenarios", "list"), ("scenarios", "build"), ("scenarios", "run")])
def test_help_has_examples(args: tuple[str, ...]) -> None:
    proc = libctrace(*args, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Examples:" in proc.stdout
    assert all(len(ln) <= 100 for ln in proc.stdout.splitlines())


def run_cli(tmp_path: Path, name: str, *variants: str, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """`scenarios run` into tmp_path; returns variant -> its summary line."""
    wanted = available(variants)
    if not wanted:
        pytest.skip(f"none of {variants} can be built here")
    args = [a for v in wanted for a in ("--variant", v)]
    proc = libctrace("scenarios", "run", name, *args, "--output-dir", str(tmp_path), *extra)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == f"compare them: libctrace diff {tmp_path}/{name}-*.jsonl"
    summary = {ln.split()[0]: ln for ln in lines[:-1]}
    assert sorted(summary) == sorted(wanted), proc.stdout
    for variant, line in summary.items():
        assert line.endswith(f"{tmp_path}/{name}-{variant}.jsonl"), line
    return summary


def opened(trace_path: Path) -> list[tuple[str, int]]:
    from libctrace.traceio import load_trace

    return [
        (e["args"][1] if e["name"] == "openat" else e["args"][0], e["ret"])
        for e in load_trace(str(trace_path)).events
        if e["type"] == "syscall" and e["name"] in ("open", "openat")
    ]


def test_run_nss_passwd_static_glibc_maps_a_second_libc_musl_never_reads_nsswitch(
    tmp_path: Path, need_root: None
) -> None:
    from libctrace.traceio import load_trace

    summary = run_cli(tmp_path, "nss-passwd", "glibc-static", "musl-static")
    for variant, line in summary.items():
        assert re.search(r" exit 0 +\d+ syscalls ", line), line
        trace = load_trace(str(tmp_path / f"nss-passwd-{variant}.jsonl"))
        mounts = {m["target"]: m for m in trace.header["sandbox"]["mounts"]}
        assert "passwd: files ctrace" in mounts["/etc/nsswitch.conf"]["content"]
        out = (tmp_path / f"nss-passwd-{variant}.out").read_text()
        assert out.startswith("user root: uid=0 gid=0")
        files = opened(tmp_path / f"nss-passwd-{variant}.jsonl")
        if variant == "glibc-static":
            assert "user ctrace: uid=4242 gid=4242" in out and "group ctrace: gid=4242 members=ctrace" in out
            assert any(p == "/etc/nsswitch.conf" and r >= 0 for p, r in files), files
            assert any(p.endswith("/libnss_ctrace.so.2") and r >= 0 for p, r in files), files
            assert any(p.endswith("/libc.so.6") and r >= 0 for p, r in files), files
        else:
            assert "user ctrace: not found" in out
            assert not any(p == "/etc/nsswitch.conf" for p, _ in files), files
            assert not any("libc.so" in p or "libnss" in p for p, _ in files), files


def test_run_dns_lookup_glibc_falls_back_to_tcp_musl_keeps_truncated_answer(tmp_path: Path, need_root: None) -> None:
    from libctrace.traceio import load_trace

    run_cli(tmp_path, "dns-lookup", "glibc-dynamic", "musl-static")
    for variant, expected in (("glibc-dynamic", 60), ("musl-static", None)):
        out = (tmp_path / f"dns-lookup-{variant}.out").read_text()
        count = int(re.search(r"^many\.libctrace\.test: (\d+) addresses", out, re.M).group(1))
        log = [e for e in load_trace(str(tmp_path / f"dns-lookup-{variant}.jsonl")).events if e["type"] == "dns-log"]
        many = [e for e in log if e["name"] == "many.libctrace.test"]
        assert "www.libctrace.test: 2 addresses\n  192.0.2.10\n  2001:db8::10\n" in out
        assert "short: 1 address\n  192.0.2.20\n" in out
        if expected:
            assert count == expected
            assert any(e["transport"] == "tcp" for e in many), many
        else:
            assert 0 < count < 60
            assert many and all(e["transport"] == "udp" for e in many), many


def test_run_fatal_without_sandbox_reports_the_signals(tmp_path: Path) -> None:
    from libctrace.traceio import load_trace

    summary = run_cli(tmp_path, "fatal", "glibc-dynamic", "musl-static", extra=("--no-sandbox",))
    if "glibc-dynamic" in summary:
        assert " killed by SIGABRT (134) " in summary["glibc-dynamic"]
        assert "double free" in (tmp_path / "fatal-glibc-dynamic.out").read_text()
    if "musl-static" in summary:
        assert " killed by SIGSEGV (139) " in summary["musl-static"]
        assert (tmp_path / "fatal-musl-static.out").read_text() == "freeing the same 32-byte block twice\n"
    for variant in summary:
        trace = load_trace(str(tmp_path / f"fatal-{variant}.jsonl"))
        assert trace.header["sandbox"] is None
        assert trace.footer is not None and trace.footer["outcome"] == "killed"
