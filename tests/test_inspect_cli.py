"""`libctrace inspect` run as a user would: the real CLI in a subprocess, on real binaries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import jsonschema
import pytest
from helpers import LIBCTRACE, ROOT, assert_one_line_error, build_c, libctrace
from test_elfinfo import HELLO, NEWER, NSS, _fake_old_libc, _foreign_header

SCHEMA = json.loads((ROOT / "libctrace" / "schemas" / "inspect.schema.json").read_text())
REAL_LIBC = "/lib/x86_64-linux-gnu/libc.so.6"


def _flat(panel_text: str) -> str:
    """Panel text with the borders and line wrapping taken out, for phrases that may wrap."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", panel_text).split())


def _json_lines(stdout: str) -> list[dict]:
    objs = [json.loads(line) for line in stdout.splitlines()]
    for obj in objs:
        jsonschema.validate(obj, SCHEMA)
    return objs


def test_help_has_examples_and_fits():
    proc = libctrace("inspect", "--help")
    assert proc.returncode == 0 and "Examples:" in proc.stdout and "--against" in proc.stdout
    assert "libctrace inspect ./app --against" in proc.stdout  # \b kept the examples unwrapped
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100


def test_panels_verdict_first_and_pipe_safe():
    dyn = build_c(NEWER, name="newer")
    static = build_c(NSS, flags=("-static",), name="nss")
    musl = build_c(HELLO, compiler="musl-gcc", name="hello")
    proc = libctrace("inspect", str(dyn), str(static), str(musl))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "\x1b[" not in out  # no colour codes in a pipe
    assert max(len(line) for line in out.splitlines()) <= 80
    panels = [p for p in out.split("╭─ ")[1:]]
    assert [p.split(" ", 1)[0] for p in panels] == [str(dyn), str(static), str(musl)]
    # the verdict: the lines before the panel's first blank line (it wraps at 80 columns)
    first_lines = [" ".join(ln.strip("│ ") for ln in p.split("│" + " " * 78 + "│")[0].splitlines()[1:]) for p in panels]
    assert first_lines[0].startswith("glibc dynamic, needs GLIBC 2.36: runs on")
    assert (
        first_lines[1].startswith("glibc static: needs no shared library")
        and "1 run-time loading risk" in first_lines[1]
    )
    assert first_lines[2].startswith("musl dynamic: runs on 1 of")
    assert "GLIBC_2.36 not found: " in panels[0] and "Ubuntu 22.04 (2.35)" in panels[0]
    assert "nss-dlopen" in panels[1] and "ld-musl-x86_64.so.1 not found" in panels[2]


def test_symbols_option_shows_all():
    prog = "/usr/bin/python3"
    short = libctrace("inspect", prog).stdout
    full = libctrace("inspect", "--symbols", prog).stdout
    count = len(json.loads(libctrace("inspect", "--format", "json", prog).stdout)["glibc_symbols"])
    assert count > 5 and "--symbols shows all" in short and f"{count - 5} more" in short
    assert sum("@GLIBC_" in line for line in full.splitlines()) == count
    assert "--symbols shows all" not in full


def test_json_one_object_per_file_validates():
    progs = [
        build_c(HELLO, name="hello"),
        build_c(HELLO, flags=("-static-pie",), name="hello"),
        build_c(HELLO, compiler="musl-gcc", flags=("-static",), name="hello"),
    ]
    proc = libctrace("inspect", "--format", "json", *map(str, progs))
    assert proc.returncode == 0, proc.stderr
    objs = _json_lines(proc.stdout)
    assert [o["path"] for o in objs] == list(map(str, progs))
    assert [(o["linkage"], o["libc"]) for o in objs] == [
        ("dynamic", "glibc"),
        ("static-pie", "glibc"),
        ("static", "musl"),
    ]
    assert objs[0]["glibc_required"] == "2.34" and objs[0]["glibc_symbols"][0]["symbol"] == "__libc_start_main"
    assert all(o["version"] == 1 for o in objs) and all(d["ok"] for d in objs[2]["runs_on"])


def test_against_the_real_libc_passes():
    proc = libctrace("inspect", "--against", REAL_LIBC, "/usr/bin/python3", str(build_c(NEWER, name="newer")))
    assert proc.returncode == 0, proc.stderr
    assert _flat(proc.stdout).count(f"starts with {REAL_LIBC}: every version it needs is defined there") == 2


def test_against_an_older_libc_fails_with_exit_1(tmp_path):
    """The seed story: built on glibc 2.36, taken to a system whose libc stops at GLIBC_2.28."""
    old = _fake_old_libc(tmp_path)
    prog = build_c(HELLO, name="hello")
    proc = libctrace("inspect", "--against", str(old), str(prog))
    assert proc.returncode == 1, proc.stderr
    verdict = f"will NOT start with {old}: version `GLIBC_2.34' not found (1 unmet)"
    assert verdict.replace(" ", "") in _flat(proc.stdout).replace(" ", "")  # the long path folds at 80 columns
    assert "__libc_start_main@GLIBC_2.34" in proc.stdout
    objs = _json_lines(libctrace("inspect", "--format", "json", "--against", str(old), str(prog)).stdout)
    assert objs[0]["against"]["ok"] is False and objs[0]["against"]["unmet"] == ["__libc_start_main@GLIBC_2.34"]
    # A static binary needs nothing from any libc.so.6.
    static = build_c(HELLO, flags=("-static",), name="hello")
    assert libctrace("inspect", "--against", str(old), str(static)).returncode == 0


def test_against_a_library_without_versions_is_an_error(tmp_path):
    static = build_c(HELLO, flags=("-static",), name="hello")
    assert_one_line_error(
        libctrace("inspect", "--against", str(static), "/usr/bin/python3"), "defines no symbol versions"
    )
    assert_one_line_error(
        libctrace("inspect", "--against", str(tmp_path / "nope.so"), "/usr/bin/python3"), "no such file"
    )


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "missing", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "t.txt").write_text("hello\n") and d / "t.txt", "not an ELF file"),
        (lambda d: (d / "t.sh").write_text("#!/bin/sh\n") and d / "t.sh", "a script (#!/bin/sh)"),
        (
            lambda d: (d / "cut").write_bytes(build_c(HELLO, name="hello").read_bytes()[:3000]) and d / "cut",
            "truncated ELF file",
        ),
    ],
)
def test_bad_input_one_line(tmp_path, make, needle):
    path = make(tmp_path)
    assert_one_line_error(libctrace("inspect", str(path)), str(path), needle)


def test_several_files_others_still_reported(tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("nope")
    good = build_c(HELLO, name="hello")
    proc = libctrace("inspect", "--format", "json", str(bad), str(good), str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert [o["path"] for o in _json_lines(proc.stdout)] == [str(good)]
    errors = proc.stderr.splitlines()
    assert len(errors) == 2 and all(e.startswith("libctrace: error: ") for e in errors)
    assert "Traceback" not in proc.stderr


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret"
    shutil.copy(build_c(HELLO, name="hello"), path)
    path.chmod(0)
    cmd = [*LIBCTRACE, "inspect", str(path)]
    if os.geteuid() == 0:
        # Root reads any file through CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH; drop them, keep root.
        if shutil.which("setpriv") is None:
            pytest.skip("as root a mode-000 file is readable; setpriv (util-linux) is needed to drop the capability")
        cmd = [
            "setpriv",
            "--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search",
            *cmd,
        ]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert_one_line_error(proc, str(path), "permission denied")


def test_foreign_and_32bit_are_reported_not_refused(tmp_path):
    arm = tmp_path / "arm64"
    arm.write_bytes(_foreign_header(183))
    proc = libctrace("inspect", "--format", "json", str(arm))
    assert proc.returncode == 0, proc.stderr
    obj = _json_lines(proc.stdout)[0]
    assert (obj["machine"], obj["elf_class"]) == ("aarch64", 64) and "x86-64 programs only" in obj["notes"][0]
    human = libctrace("inspect", str(arm)).stdout
    assert "ELF64 aarch64 executable" in human


def test_paths_are_never_markup(tmp_path):
    shutil.copy(build_c(HELLO, name="hello"), tmp_path / "[bold]app[red]")
    shutil.copy(REAL_LIBC, tmp_path / "[i]libc.so.6")
    proc = libctrace("inspect", "--against", "[i]libc.so.6", "[bold]app[red]", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "╭─ [bold]app[red] ─" in proc.stdout  # the title
    assert "starts with [i]libc.so.6:" in proc.stdout and "│ against       [i]libc.so.6 (libc.so.6," in proc.stdout
