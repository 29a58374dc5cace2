"""`libctrace diff`: real C programs built with gcc and musl-gcc, traced by the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT, assert_one_line_error, build_c, libctrace

from libctrace.analyze.diff import align, default_labels
from libctrace.model import Trace

SCHEMA = json.loads((ROOT / "libctrace" / "schemas" / "diff.schema.json").read_text())

# Looks a user up (NSS in glibc, /etc/passwd in musl) and reads a file named on the command line.
LOOKUP = r"""
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    struct passwd *pw = getpwnam("root");
    printf("root home: %s\n", pw ? pw->pw_dir : "(not found)");
#ifdef EXTRA
    fclose(fopen("/etc/hostname", "r"));
#endif
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        printf("%s: %s\n", argv[i], f ? "opened" : "missing");
        if (f) fclose(f);
    }
#ifdef CRASH
    abort();
#endif
    return 0;
}
"""

# Resolves a name with getaddrinfo and prints how many addresses came back.
RESOLVE = r"""
#include <netdb.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    struct addrinfo hints, *res, *p;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(argc > 1 ? argv[1] : "localhost", NULL, &hints, &res);
    if (rc != 0) { printf("error: %s\n", gai_strerror(rc)); return 1; }
    int n = 0;
    for (p = res; p; p = p->ai_next) n++;
    printf("%d addresses\n", n);
    return 0;
}
"""


@pytest.fixture(scope="module")
def builds() -> dict[str, Path]:
    return {
        "glibc": build_c(LOOKUP, name="lookup-glibc"),
        "musl": build_c(LOOKUP, compiler="musl-gcc", flags=("-static",), name="lookup-musl"),
        "crash": build_c(LOOKUP, flags=("-DCRASH",), name="lookup-crash"),
    }


def _json(proc) -> dict:
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    obj = json.loads(proc.stdout)
    jsonschema.validate(obj, SCHEMA)
    return obj


def test_glibc_vs_musl_json(builds):
    proc = libctrace("diff", str(builds["glibc"]), str(builds["musl"]), "--format", "json", "--label", "glibc", "--label", "musl",
                     "--", "/etc/hostname")  # fmt: skip
    obj = _json(proc)
    assert proc.returncode == 1  # the builds diverge
    assert [r["label"] for r in obj["runs"]] == ["glibc", "musl"]
    assert [r["libc"] for r in obj["runs"]] == ["glibc", "musl"]
    assert [r["linkage"] for r in obj["runs"]] == ["dynamic", "static"]
    assert obj["runs"][0]["command"][1:] == ["/etc/hostname"]  # arguments after -- reached the programs
    ids = [f["id"] for f in obj["findings"]]
    assert "nss-config" in ids and "startup" in ids
    severities = [f["severity"] for f in obj["findings"]]
    order = {"critical": 0, "behaviour": 1, "info": 2}
    assert severities == sorted(severities, key=order.__getitem__)  # most severe first
    nss_finding = obj["findings"][ids.index("nss-config")]
    assert any(e["run"] == "glibc" and "nsswitch.conf" in e["line"] for e in nss_finding["evidence"])
    assert not any(e["run"] == "musl" and "nsswitch.conf" in e["line"] for e in nss_finding["evidence"])
    files = obj["tables"]["files"]
    assert files["columns"] == ["category", "glibc", "musl"]
    rows = {r[0]: r[1:] for r in files["rows"]}
    assert rows["nss-config"][0] != "-" and rows["nss-config"][1] == "-"
    profile = {r[0]: r[1:] for r in obj["tables"]["syscalls"]["rows"]}
    assert profile["openat"][1] == "-" and profile["open"][0] == "-"  # glibc openat, musl open
    assert obj["timeline"] is None  # only with --timeline


def test_same_program_twice_exits_0(builds):
    proc = libctrace("diff", str(builds["glibc"]), str(builds["glibc"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "lookup-glibc" in proc.stdout and "#2" in proc.stdout  # duplicates get distinct labels
    assert "No divergence above info" in proc.stdout


def test_bare_names_are_files_here(builds, tmp_path):
    # `libctrace diff app-glibc app-musl` compares the files in this folder, though not in PATH.
    for name in ("app-glibc", "app-musl"):
        (tmp_path / name).write_bytes(builds["glibc" if name == "app-glibc" else "musl"].read_bytes())
        (tmp_path / name).chmod(0o755)
    proc = libctrace("diff", "--format", "json", "app-glibc", "app-musl", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert [r["label"] for r in _json(proc)["runs"]] == ["glibc", "musl"]  # the shared "app-" cut
    assert_one_line_error(libctrace("diff", "no-such-build", "app-musl", cwd=tmp_path), "no-such-build")


def test_exit_status_is_critical(builds):
    obj = _json(libctrace("diff", str(builds["glibc"]), str(builds["crash"]), "--format", "json"))
    first = obj["findings"][0]
    assert first["id"] == "exit-status" and first["severity"] == "critical"
    crash = obj["runs"][1]["exit"]
    assert crash["signal"] == "SIGABRT" and crash["status"] == 134


def test_saved_traces_give_the_same_findings(builds, tmp_path):
    out = tmp_path / "traces"
    live = _json(libctrace("diff", str(builds["glibc"]), str(builds["musl"]), "--format", "json", "--output-dir", str(out),
                           "--label", "g", "--label", "m"))  # fmt: skip
    saved = sorted(p.name for p in out.iterdir())
    assert saved == ["g.jsonl", "m.jsonl"]
    again = _json(libctrace("diff", str(out / "g.jsonl"), str(out / "m.jsonl"), "--format", "json"))
    assert [r["label"] for r in again["runs"]] == ["g", "m"]  # a trace's label is its file name
    assert [f["id"] for f in again["findings"]] == [f["id"] for f in live["findings"]]
    assert again["runs"][0]["source"].endswith("g.jsonl") and live["runs"][0]["source"] is None


def test_timeline_marks_first_divergence(builds):
    # Same program and libc, different arguments: the only divergence is the extra open.
    proc = libctrace(
        "diff", str(builds["glibc"]), str(builds["glibc"]), "--format", "json", "--timeline", "--", "/etc/hostname"
    )
    obj = _json(proc)
    assert obj["timeline"]["first_divergence"] is None  # same arguments: everything lines up
    extra = build_c(LOOKUP, flags=("-DEXTRA",), name="lookup-extra")
    tl = _json(libctrace("diff", str(builds["glibc"]), str(extra), "--format", "json", "--timeline"))["timeline"]
    first = tl["rows"][tl["first_divergence"]]
    assert first["cells"] == [None, "open /etc/hostname"]  # the one extra event, and nothing else
    assert sum(not r["same"] for r in tl["rows"]) == 1
    proc = libctrace("diff", str(builds["glibc"]), str(extra), "--timeline")
    assert proc.returncode in (0, 1), proc.stderr
    marked = [line for line in proc.stdout.splitlines() if line.startswith("▶")]
    assert len(marked) == 1 and "open /etc/hostname" in marked[0], proc.stdout
    assert "The first divergence (▶) is at event" in proc.stdout
    tl = _json(libctrace("diff", str(builds["glibc"]), str(builds["musl"]), "--format", "json", "--timeline"))[
        "timeline"
    ]
    first = tl["rows"][tl["first_divergence"]]
    assert not first["same"]
    assert all(r["same"] for r in tl["rows"][: tl["first_divergence"]])
    assert tl["rows"][0]["cells"] == ["exec <program>", "exec <program>"]
    # glibc's loader opens files musl's static build never does: a gap in the musl column
    assert any(r["cells"][1] is None and "ld.so.cache" in (r["cells"][0] or "") for r in tl["rows"])


def test_console_output_fits_a_pipe(builds):
    proc = libctrace("diff", str(builds["glibc"]), str(builds["musl"]), "--timeline")
    assert proc.returncode == 1, proc.stderr
    assert "\x1b[" not in proc.stdout  # no colour codes in a pipe
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    for needle in ("Compared 2 builds", "glibc dynamic", "musl static", "[nss-config]", "Files by category",
                   "Memory, threads and processes", "Syscall profile differences", "Timeline"):  # fmt: skip
        assert needle in proc.stdout, needle
    # the programs' own output is a fact, not shown on our terminal
    assert "root home:" not in proc.stdout and "traced glibc-" in proc.stderr  # the shared "lookup-" cut


def test_html_is_self_contained(builds, tmp_path):
    report = tmp_path / "r.html"
    proc = libctrace("diff", str(builds["glibc"]), str(builds["musl"]), "--html", str(report), "--timeline")
    assert proc.returncode == 1, proc.stderr
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "<script" not in html and "<link" not in html
    assert 'id="nss-config"' in html and 'id="first-divergence"' in html
    assert "lookup-glibc" in html and "&lt;program&gt;" in html  # escaped timeline tokens


@pytest.mark.parametrize(
    "args, needle",
    [
        (["/nonexistent/prog", "/bin/true"], "/nonexistent/prog: no such program"),
        (["/bin/true"], "at least two builds"),
        (["/bin/true", "/bin/true", "--label", "a", "--label", "b", "--label", "c"], "3 --label values"),
        (["/bin/true", "/bin/false", "--label", "a", "--label", "a"], "must be unique"),
        (["/bin/true", "/bin/false", "--html", "/nonexistent/dir/r.html"], "--html"),
    ],
)
def test_bad_input(args, needle):
    assert_one_line_error(libctrace("diff", *args), needle)


def test_corrupt_trace(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type":"header","format":"libctrace-trace","version":1}\n{oops\n')
    other = tmp_path / "other.jsonl"
    other.write_text("not json\n")
    assert_one_line_error(libctrace("diff", str(bad), str(other)), "line 2: corrupt")


def test_dns_truncation_in_the_sandbox(need_root):
    glibc = build_c(RESOLVE, name="resolve-glibc")
    musl = build_c(RESOLVE, compiler="musl-gcc", flags=("-static",), name="resolve-musl")
    obj = _json(libctrace("diff", "--sandbox", str(glibc), str(musl), "--format", "json", "--", "many.libctrace.test"))
    ids = [f["id"] for f in obj["findings"]]
    assert "dns-transport" in ids and "dns-answers" in ids
    dns = {r[0]: r[1:] for r in obj["tables"]["dns"]["rows"]}
    glibc_cell, musl_cell = dns["many.libctrace.test A"]
    assert "tcp" in glibc_cell and "60" in glibc_cell
    assert "tcp" not in musl_cell and "TC" in musl_cell
    assert "(server received)" in dns  # the sandbox server's log is paired with each run


def test_labels_unit():
    assert default_labels(["/a/glibc/app", "/b/musl/app"]) == ["glibc", "musl"]
    assert default_labels(["dns-lookup-glibc.jsonl", "dns-lookup-musl.jsonl"]) == ["glibc", "musl"]
    assert default_labels(["app-glibc", "app-gnu", "app-glibc-static"]) == ["glibc", "gnu", "glibc-static"]
    assert default_labels(["./app", "./app-static"]) == ["app", "app-static"]  # nothing left to cut
    assert default_labels(["x/t.jsonl", "y/u.jsonl"]) == ["t", "u"]
    assert default_labels(["/bin/true", "/bin/true"]) == ["true", "true#2"]
    assert default_labels(["a", "b"], ["first"]) == ["first", "b"]


def _trace(*events: tuple[str, str]) -> Trace:
    """A trace of openat calls (name, errno) as the recorder writes them."""
    evs = [{"type": "exec", "seq": 1, "t": 0.0, "pid": 10, "path": "/p", "argv": ["/p"]}]
    for k, (path, err) in enumerate(events, 2):
        evs.append({"type": "syscall", "seq": k, "t": 0.0, "pid": 10, "name": "openat",
                    "args": ["AT_FDCWD", path, "O_RDONLY"], "ret": -1 if err else 3, "errno": err})  # fmt: skip
    return Trace(header={"command": ["/p"]}, events=evs, footer=None)


def test_align_three_runs():
    a = _trace(("/etc/a", None), ("/etc/b", None), ("/etc/c", None), ("/etc/c", None))
    b = _trace(("/etc/a", None), ("/etc/x", "ENOENT"), ("/etc/b", None), ("/etc/c", None), ("/etc/c", None))
    c = _trace(("/etc/a", None), ("/etc/b", None))
    tl = align([a, b, c])
    cells = [r.cells for r in tl.rows]
    assert cells[0] == ("exec <program>",) * 3
    assert cells[1] == ("open /etc/a",) * 3
    assert cells[2] == (None, "open /etc/x = ENOENT", None)  # inserted in b only
    assert tl.first_divergence == 2
    assert cells[3] == ("open /etc/b",) * 3 and tl.rows[3].same
    assert cells[4] == ("open /etc/c ×2", "open /etc/c ×2", None)  # repeats folded, missing in c


def test_align_scales():
    # 200 000 events a side with a repeated loop body and scattered differences: the alignment
    # must stay near-linear (difflib alone takes minutes here).
    import time

    body = [(f"/d/{i % 97}", None) for i in range(200_000)]
    other = list(body)
    for k in range(1000, 200_000, 5000):
        other[k] = ("/d/changed", "ENOENT")
    start = time.perf_counter()
    tl = align([_trace(*body), _trace(*other)])
    assert time.perf_counter() - start < 20
    changed = [r for r in tl.rows if not r.same]
    assert len(changed) == 40 and all(r.cells[1] == "open /d/changed = ENOENT" for r in changed)
