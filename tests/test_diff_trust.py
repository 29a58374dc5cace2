"""`libctrace diff` says only what holds for the builds compared (issue 11 items 4-6, 7b;
issue 12 item 4): child programs of another libc, output captured whole, noise between runs
of one build, rules a narrow trace cannot feed, the /etc files each run saw. Real builds
(gcc, musl-gcc, Debian's getent and date), traced by the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT, assert_one_line_error, build_c, libctrace, need_tool, trace_lines

from libctrace.record.capture import SPOOL_MEMORY, TEXT_KEPT, StreamCapture

SCHEMA = json.loads((ROOT / "libctrace" / "schemas" / "diff.schema.json").read_text())
DEFAULT_NSSWITCH = ROOT / "libctrace" / "sandbox" / "defaults" / "nsswitch.conf"

# One stdio call of 699 bytes (glibc: one write; musl: writev of its buffer and the string),
# then a short line; MARK changes byte 600, past the 256 bytes a trace keeps of a write.
BIG = r"""
#include <stdio.h>
#include <string.h>
int main(void) {
    char line[700];
    memset(line, 'x', sizeof line - 2); line[sizeof line - 2] = '\n'; line[sizeof line - 1] = 0;
#ifdef MARK
    line[600] = 'y';
#endif
    fputs(line, stdout);
    printf("done %d\n", 42);
    fprintf(stderr, "err line\n");
    return 0;
}
"""

# posix_spawn of Debian's getent (a dynamic glibc program), then wait for it.
SPAWN = r"""
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
extern char **environ;
int main(int argc, char **argv) {
    char *args[] = {argc > 1 ? argv[1] : "/usr/bin/getent", "passwd", "root", NULL};
    pid_t pid;
    if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0) { perror("posix_spawn"); return 2; }
    int status;
    waitpid(pid, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
    return 0;
}
"""


def _json(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    obj = json.loads(proc.stdout)
    jsonschema.validate(obj, SCHEMA)
    return obj


def _ids(obj: dict, above_info: bool = False) -> list[str]:
    return [f["id"] for f in obj["findings"] if not above_info or f["severity"] != "info"]


# -- issue 12.4: output captured whole ---------------------------------------------------------


def test_one_write_and_a_writev_of_the_same_bytes_are_the_same_output(tmp_path: Path) -> None:
    glibc = build_c(BIG, name="big-glibc")
    musl = build_c(BIG, compiler="musl-gcc", flags=("-static",), name="big-musl")
    obj = _json(
        libctrace(
            "diff",
            str(glibc),
            str(musl),
            "--format",
            "json",
            "--output-dir",
            str(tmp_path),
            "--label",
            "g",
            "--label",
            "m",
        )
    )
    assert "output" not in _ids(obj)
    profile = {r[0]: r[1:] for r in obj["tables"]["syscalls"]["rows"]}
    assert profile["writev"] == ["-", "3"] and profile["write"][1] == "-"  # really write vs writev
    for label in ("g", "m"):
        footer = json.loads((tmp_path / f"{label}.jsonl").read_text().splitlines()[-1])
        out = footer["output"]
        assert out["stdout"]["bytes"] == 699 + len("done 42\n") and not out["stdout"]["truncated"]
        assert out["stdout"]["text"].endswith("x\ndone 42\n") and out["stderr"]["text"] == "err line\n"
        assert (tmp_path / f"{label}.jsonl").stat().st_mode & 0o777 == 0o600


def test_a_difference_past_the_trace_buffer_is_found() -> None:
    """Byte 600 differs: the trace keeps 256 bytes of each write, the captured output all."""
    plain = build_c(BIG, name="big-glibc")
    marked = build_c(BIG, flags=("-DMARK",), name="big-marked")
    obj = _json(libctrace("diff", "--format", "json", str(plain), str(marked)))
    out = next(f for f in obj["findings"] if f["id"] == "output")
    assert out["severity"] == "behaviour" and out["title"] == "Output differs on stdout"
    assert [r["repeats"] for r in obj["runs"]] == [2, 2] and obj["unstable"] == []  # stable: a real difference


LONG = r"""
#include <stdio.h>
int main(void) {
    for (int i = 0; i < 100000; i++) putchar('x');
    puts(TAIL);  /* past the 64 KiB kept as text: only the size and hash see it */
    return 0;
}
"""


def test_a_difference_past_the_kept_text_is_found_by_its_hash() -> None:
    a = build_c(LONG, flags=('-DTAIL="a"',), name="long-a")
    b = build_c(LONG, flags=('-DTAIL="b"',), name="long-b")
    obj = _json(
        libctrace(
            "diff",
            "--format",
            "json",
            "--runs",
            "1",
            str(a),
            str(a),
            str(b),
            "--label",
            "a1",
            "--label",
            "a2",
            "--label",
            "b",
        )
    )
    out = [f for f in obj["findings"] if f["id"] == "output"]
    assert len(out) == 1 and "bytes in all, sha256" in out[0]["explanation"]
    assert "a1 '[100002 bytes in all" in out[0]["explanation"]  # a1 and a2 agree; b does not


def test_capture_spills_to_a_private_file_and_hashes_the_whole_stream() -> None:
    cap = StreamCapture()
    chunk = b"0123456789abcdef" * 4096
    total = 0
    while total <= 2 * SPOOL_MEMORY:  # the pipe holds 64 KiB: the rest was read by then
        total += os.write(cap.fd, chunk)
    assert cap._spool._rolled  # past SPOOL_MEMORY the bytes went to a file...
    mode = os.fstat(cap._spool.fileno()).st_mode & 0o777
    assert mode == 0o600  # ...that only we can read (and that has no name left to open)
    summary = cap.finish()
    cap.close()
    assert summary["bytes"] == total and summary["truncated"] and summary["complete"]
    import hashlib

    assert summary["sha256"] == hashlib.sha256(chunk * (total // len(chunk))).hexdigest()
    assert len(summary["text"]) == TEXT_KEPT


# -- issue 11.5: noise is not a verdict ------------------------------------------------------------


def test_self_diff_of_date_with_nanoseconds_exits_0() -> None:
    proc = libctrace("diff", "/bin/date", "/bin/date", "--format", "json", "--", "+%s.%N")
    obj = _json(proc)
    assert proc.returncode == 0, _ids(obj)
    assert [r["repeats"] for r in obj["runs"]] == [2, 2]  # output differed: each build ran again
    out = next(f for f in obj["findings"] if f["id"] == "output")
    assert out["severity"] == "info" and out["title"].startswith("unstable: ")
    assert {(u["run"], u["rule"]) for u in obj["unstable"]} == {("date", "output"), ("date#2", "output")}
    assert not any(
        " vs " in f["title"] and len(set(f["title"].split(": ")[-1].split(" vs "))) == 1 for f in obj["findings"]
    )  # no "8 vs 8"


def test_self_diff_of_a_shell_printing_its_pid_and_time() -> None:
    script = "echo $$; date +%N"
    proc = libctrace("diff", "/bin/sh", "/bin/sh", "--", "-c", script)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "unstable: Output differs on stdout" in proc.stdout
    assert "Unstable between runs of one build (sh ×2, sh#2 ×2)" in proc.stdout
    # --runs 1 is the old behaviour: one run each, the pid difference is taken at its word.
    once = libctrace("diff", "/bin/sh", "/bin/sh", "--runs", "1", "--", "-c", script)
    assert once.returncode == 1 and "BEHAVIOUR [output]" in once.stdout
    # Normalised, the output is the same: no rerun needed, nothing found, a CI gate passes.
    obj = _json(
        libctrace("diff", "/bin/sh", "/bin/sh", "--format", "json", "--normalize", r"^\d+$", "--", "-c", script)
    )
    assert _ids(obj) == [] and [r["repeats"] for r in obj["runs"]] == [1, 1]
    ignored = _json(libctrace("diff", "/bin/sh", "/bin/sh", "--format", "json", "--ignore-output", "--", "-c", script))
    assert _ids(ignored) == [] and ignored["not_run"] == [
        {"rule": "output", "runs": ["sh", "sh#2"], "reason": "--ignore-output"}
    ]


@pytest.mark.parametrize(
    "args,needle",
    [
        (("--runs", "0"), "--runs must be auto or a number from 1 to 20"),
        (("--runs", "many"), "--runs must be auto"),
        (("--normalize", "(unclosed"), "not a regular expression"),
        (("--normalize", "x*"), "matches the empty string"),
    ],
)
def test_bad_stability_options(args: tuple[str, ...], needle: str) -> None:
    assert_one_line_error(libctrace("diff", "/bin/true", "/bin/true", *args), needle)


# -- issue 11.6: silent gaps -----------------------------------------------------------------------


def test_narrow_trace_set_says_which_rules_could_not_run(tmp_path: Path) -> None:
    glibc = build_c(BIG, name="big-glibc")
    musl = build_c(BIG, compiler="musl-gcc", flags=("-static",), name="big-musl")
    for name, prog in (("g", glibc), ("m", musl)):
        rec = libctrace("run", "-e", "trace=openat", "-o", str(tmp_path / f"{name}.jsonl"), str(prog))
        assert rec.returncode == 0, rec.stderr
    traces = [str(tmp_path / "g.jsonl"), str(tmp_path / "m.jsonl")]
    obj = _json(libctrace("diff", *traces, "--format", "json"))
    gaps = {g["rule"]: g for g in obj["not_run"]}
    assert {"nss-config", "startup", "dns-queries", "malloc-pattern", "output"} <= set(gaps)
    assert gaps["nss-config"]["runs"] == ["g", "m"]
    assert gaps["nss-config"]["reason"] == "recorded with -e trace=openat: no open"  # musl opens with open
    assert gaps["output"]["reason"] == "recorded with -e trace=openat: no write, writev"
    assert not set(_ids(obj)) & set(gaps)  # a rule that could not run says nothing
    console = libctrace("diff", *traces)
    assert "Rules that could not run" in console.stdout
    assert "[dns-answers] g, m: recorded with -e trace=openat: no socket, recvfrom" in console.stdout
    html = tmp_path / "r.html"
    libctrace("diff", *traces, "--html", str(html))
    assert "<h2>Rules that could not run</h2>" in html.read_text()


# -- issue 11.4: child processes of another libc ---------------------------------------------------


def test_a_glibc_child_of_a_musl_build_is_its_own_finding(need_root: None) -> None:
    need_tool("getent")
    glibc = build_c(SPAWN, name="spawn-glibc")
    musl = build_c(SPAWN, compiler="musl-gcc", flags=("-static",), name="spawn-musl")
    obj = _json(
        libctrace(
            "diff",
            "--format",
            "json",
            "--nsswitch",
            str(DEFAULT_NSSWITCH),
            str(glibc),
            str(musl),
            "--label",
            "glibc",
            "--label",
            "musl",
        )
    )
    child = [f for f in obj["findings"] if f["id"] == "child-libc"]
    assert len(child) == 1 and child[0]["runs"] == ["musl"]
    assert child[0]["title"] == "musl ran getent, a dynamic glibc program: what it did is its own libc's"
    assert "exec'd /usr/bin/getent (dynamic glibc)" in child[0]["explanation"]
    assert "read /etc/nsswitch.conf, loaded libc.so.6" in child[0]["explanation"]
    assert all(e["line"].startswith("[getent] ") for e in child[0]["evidence"])
    # The musl build itself read no nsswitch.conf and mapped no libc.so.6: no second libc.
    assert "second-libc" not in _ids(obj)
    rows = {r[0]: r[1:] for r in obj["tables"]["files"]["rows"]}
    assert rows.get("nss-config", ["", "-"])[1] == "-" and rows.get("libc", ["", "-"])[1] == "-"
    # In the glibc build getent is of the same libc: its reads stay, named by their image.
    nss = next(f for f in obj["findings"] if f["id"] == "nss-config")
    assert any(e["run"] == "glibc" and e["line"].startswith("[getent] ") for e in nss["evidence"])


def test_a_static_musl_child_of_a_glibc_build_is_read_from_its_elf() -> None:
    """A static child maps no libc: only inspecting the exec'd file tells its libc."""
    glibc = build_c(SPAWN, name="spawn-glibc")
    musl_child = build_c(BIG, compiler="musl-gcc", flags=("-static",), name="big-musl")
    obj = _json(
        libctrace(
            "diff",
            "--format",
            "json",
            "--runs",
            "1",
            str(glibc),
            str(glibc),
            "--label",
            "a",
            "--label",
            "b",
            "--",
            str(musl_child),
        )
    )
    child = [f for f in obj["findings"] if f["id"] == "child-libc"]
    assert [f["runs"] for f in child] == [["a"], ["b"]]
    assert child[0]["title"].endswith(f"ran {musl_child.name}, a static musl program: what it did is its own libc's")
    assert _ids(obj, above_info=True) == ["child-libc", "child-libc"]


# -- issue 11.7b: the /etc files each run saw ------------------------------------------------------


def test_planted_nsswitch_is_recorded_and_shown(tmp_path: Path, need_root: None) -> None:
    planted = tmp_path / "nsswitch.conf"
    planted.write_text("passwd: files mdns4_minimal\nhosts: files mdns4_minimal [NOTFOUND=return] dns\n")
    glibc = build_c(SPAWN, name="spawn-glibc")
    obj = _json(
        libctrace(
            "diff",
            "--format",
            "json",
            "--runs",
            "1",
            "--nsswitch",
            str(planted),
            "--output-dir",
            str(tmp_path / "t"),
            str(glibc),
            str(glibc),
            "--label",
            "a",
            "--label",
            "b",
        )
    )
    import hashlib

    digest = hashlib.sha256(planted.read_bytes()).hexdigest()
    header = json.loads((tmp_path / "t" / "a.jsonl").read_text().splitlines()[0])
    assert header["host_files"]["/etc/nsswitch.conf"] == {
        "origin": f"sandbox {planted}",
        "sha256": digest,
        "bytes": planted.stat().st_size,
    }
    assert header["host_files"]["/etc/resolv.conf"]["origin"] == "sandbox default"
    rows = {r[0]: r[1:] for r in obj["tables"]["host-files"]["rows"]}
    assert rows["/etc/nsswitch.conf"] == [f"sandbox {planted} sha256:{digest[:12]}"] * 2


def test_scenarios_are_hermetic_on_a_host_with_mdns(tmp_path: Path, need_root: None) -> None:
    """A host whose nsswitch.conf lists mdns (bind-mounted over /etc/nsswitch.conf in a private
    mount namespace): the scenario pins its own, so glibc never looks for libnss_mdns; a bare
    --sandbox keeps the host's file, and the trace header says so."""
    need_tool("unshare")
    from libctrace.scenarios import catalog as sc

    scenario = sc.get("dns-lookup")
    if sc.availability("glibc-dynamic"):
        pytest.skip(sc.availability("glibc-dynamic"))
    sc.build(scenario, ["glibc-dynamic"])
    planted = tmp_path / "nsswitch.conf"
    planted.write_text("hosts: files mdns4_minimal [NOTFOUND=return] dns\n")
    binary = sc.binary(scenario, "glibc-dynamic")
    script = (
        f"mount --bind {planted} /etc/nsswitch.conf && "
        f"{sys.executable} -m libctrace scenarios run dns-lookup --variant glibc-dynamic --output-dir {tmp_path}/s && "
        f"{sys.executable} -m libctrace run --sandbox -o {tmp_path}/bare.jsonl {binary} www.libctrace.test"
    )
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr

    def opened(path: Path) -> tuple[dict, list[str]]:
        lines = trace_lines(path)
        names = [str(e["args"][1]) for e in lines if e.get("name") == "openat" and len(e.get("args", [])) > 1]
        return lines[0]["host_files"]["/etc/nsswitch.conf"], names

    pinned, names = opened(tmp_path / "s" / "dns-lookup-glibc-dynamic.jsonl")
    assert pinned["origin"] == f"sandbox {DEFAULT_NSSWITCH}" and not any("mdns" in n for n in names)
    bare, names = opened(tmp_path / "bare.jsonl")
    assert bare["origin"] == "host" and bare["sha256"] != pinned["sha256"]
    assert any("libnss_mdns4_minimal" in n for n in names)  # what a host with mdns does to a bare run
