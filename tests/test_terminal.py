"""The terminal output with a hostile traced program, and at 80 columns.

Everything the tracee (or an inspected ELF file) names is data: rich markup in it is printed as
typed (`[/x]` used to crash `diff` with a MarkupError, `[bold]` turned bold), and no control
character reaches the terminal raw (a window-title OSC, clear-screen, a newline that prints a
fake trace line). Real programs built with gcc, run through the real CLI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, build_c, need_tool
from rich.console import Console
from test_scenarios import run_cli

from libctrace.render.safe import term, text

SOURCE = (ROOT / "tests" / "progs" / "hostile.c").read_text()
TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the terminal's window title
CLEAR = "\x1b[2J"
FAKE = 'a\n12345 openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 3'


def cli(*args: str, cwd: Path = ROOT, columns: int = 80) -> tuple[int, str, str]:
    """The CLI as a user runs it, output kept as bytes decoded leniently: a raw byte that is
    not UTF-8 must not hide what else came out."""
    env = {**os.environ, "COLUMNS": str(columns)}
    p = subprocess.run([sys.executable, "-m", "libctrace", *args], capture_output=True, cwd=cwd, env=env, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "backslashreplace"), p.stderr.decode("utf-8", "backslashreplace")


def assert_safe(out: str, err: str = "", *, bidi: bool = True) -> None:
    for stream in (out, err):
        assert "Traceback" not in stream and "MarkupError" not in stream, stream
        bad = sorted({f"{ord(c):#x}" for c in stream if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F})
        assert not bad, f"raw control characters {bad} reached the terminal:\n{stream}"
        assert not bidi or "\u202e" not in stream, stream
        # the newline in the file name is shown escaped, so no line starts like a trace line of its own
        assert not any(ln.startswith("12345 openat") for ln in stream.splitlines()), stream


def assert_fits(out: str, columns: int = 80) -> None:
    long = [ln for ln in out.splitlines() if len(ln) > columns]
    assert not long, "\n".join(long)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two builds of the hostile program (dynamic, and static printing other bytes) under a
    hostile directory and file name of their own, and the folder they create their files in."""
    base = tmp_path_factory.mktemp("hostile")
    home = base / "[" / f"x]{CLEAR}"  # a directory named `[/x]...`: `[` holding `x]ESC[2J`
    home.mkdir(parents=True)
    dyn = build_c(SOURCE, name="hostile")
    static = build_c(SOURCE, flags=("-static", "-DHOSTILE_B"), name="hostile-static")
    a, b = home / f"{TITLE}[bold]app", home / f"{TITLE}[bold]app-static"
    shutil.copy(dyn, a)
    shutil.copy(static, b)
    files = base / "files"
    files.mkdir()
    return {"a": a, "b": b, "files": files, "base": base}


def test_term_escapes_controls_like_strace() -> None:
    assert term(TITLE + CLEAR) == "\\x1b]0;pwned\\x07\\x1b[2J"
    assert term("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert term("\u202eevil\udcff") == "\\u202eevil\\xff"  # RLO override; a byte kept by surrogateescape
    assert term("é [bold] \\n ok") == "é [bold] \\n ok"  # printable text and backslashes untouched
    console = Console(width=80, force_terminal=False, record=True, file=open(os.devnull, "w"))
    console.print(text("[/x] [bold]red" + TITLE))
    assert console.export_text() == "[/x] [bold]red\\x1b]0;pwned\\x07\n"


def test_run_status_show_and_summary(builds: dict[str, Path], tmp_path: Path) -> None:
    trace = tmp_path / f"[/x]{TITLE}.jsonl".replace("/", "_")
    code, out, err = cli("run", "-o", str(trace), "--", str(builds["a"]), str(builds["files"]))
    assert code == 0, err
    assert out == TITLE + "[bold]red\x1b[31m not red\n"  # the program's own stdout stays its own, as with strace
    assert_safe("", err)
    assert f"trace: {tmp_path}/[_x]\\x1b]0;pwned\\x07.jsonl" in err, err

    code, out, err = cli("show", "--format", "summary", str(trace))
    assert code == 0, err
    assert_safe(out, err)
    for name in ("[/x]", "[bold]red", "\\x1b]0;pwned\\x07", "\\x1b[2J", "a\\n12345 openat", "\\u202eevil\\xff"):
        assert name in out, (name, out)
    assert "[bold]app" in out  # the program's path, folded in the process table

    code, out, err = cli("show", str(trace))
    assert code == 0, err
    assert_safe(out, err, bidi=False)  # strace-style quoting of strings is render/text.py's own
    assert re.search(r"close\(3</[^>]*/files/\\x1b\]0;pwned\\x07>\) = 0", out), out  # -y paths too


def test_diff_console_and_timeline(builds: dict[str, Path]) -> None:
    code, out, err = cli("diff", "--timeline", str(builds["a"]), str(builds["b"]), "--", str(builds["files"]))
    assert code == 1, err  # they diverge: the output differs
    assert_safe(out, err)
    assert_fits(out)
    assert "traced \\x1b]0;pwned\\x07[bold]app: exit 0" in err, err
    assert "[output] Output differs on stdout" in out
    # the stdout both builds wrote, quoted in the finding and its evidence, escaped
    assert "'\\x1b]0;pwned\\x07[bold]red\\x1b[31m not red'" in out
    assert "'\\x1b[2J[/x] cleared\\x1b]0;pwned-b\\x07'" in re.sub(r"\n  ", " ", out)
    assert "open [/x] = ENOENT" in out and "Timeline" in out


@pytest.mark.parametrize("label", ["[/x]", "[bold]b", TITLE, "a\nb"])
def test_diff_with_hostile_labels(builds: dict[str, Path], label: str) -> None:
    code, out, err = cli("diff", "--label", "plain", "--label", label, str(builds["a"]), str(builds["b"]), "--",
                         str(builds["files"]))  # fmt: skip
    assert code == 1, err
    assert_safe(out, err)
    assert term(label) in out


def test_saved_traces_with_hostile_names(builds: dict[str, Path], tmp_path: Path) -> None:
    out_dir = tmp_path / "[bold]traces"
    code, out, err = cli("diff", "--output-dir", str(out_dir), "--label", "[/x]", "--label", CLEAR,
                         str(builds["a"]), str(builds["b"]), "--", str(builds["files"]))  # fmt: skip
    assert code == 1, err
    assert_safe(out, err)
    saved = sorted(p.name for p in out_dir.iterdir() if p.suffix == ".jsonl" and ".run" not in p.name)  # not repeats
    assert len(saved) == 2, saved
    code, out, err = cli("diff", "--timeline", *(str(out_dir / n) for n in saved))
    assert code == 1, err
    assert_safe(out, err)
    assert_fits(out)


@pytest.mark.parametrize("args", [
    ("run", "--", f"./[/x]{TITLE}missing"),
    ("diff", f"[/x]{CLEAR}a", "b"),
    ("show", f"[/x]{TITLE}.jsonl"),
    ("inspect", f"[bold]{TITLE}"),
])  # fmt: skip
def test_errors_quoting_a_hostile_path_are_one_escaped_line(args: tuple[str, ...]) -> None:
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert_safe(out, err)
    assert len(err.splitlines()) == 1 and err.startswith("libctrace: error: "), err
    assert "\\x1b" in err, err


def test_inspect_hostile_elf(tmp_path: Path) -> None:
    """A library whose SONAME (so the program's NEEDED) and a RUNPATH hold escapes and markup."""
    need_tool("gcc")
    soname, runpath = f"libh{TITLE}[/x].so", f"/opt/{CLEAR}[bold]lib"
    (tmp_path / "lib.c").write_text("int hostile_f(void) { return 1; }\n")
    (tmp_path / "main.c").write_text("int hostile_f(void);\nint main(void) { return hostile_f(); }\n")
    lib, prog = tmp_path / "libh.so", tmp_path / "prog"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", lib, tmp_path / "lib.c", f"-Wl,-soname,{soname}"], check=True)
    subprocess.run(["gcc", "-o", prog, tmp_path / "main.c", lib, f"-Wl,-rpath,{runpath}"], check=True)
    code, out, err = cli("inspect", str(prog), str(lib))
    assert code == 0, err
    assert_safe(out, err)
    assert term(soname) in out and term(runpath) in out
    assert re.search(r"│ needed +libh\\x1b", out) and re.search(r"│ soname +libh\\x1b", out), out


def test_three_build_diff_fits_80_columns(tmp_path: Path, need_root: None) -> None:
    """nss-passwd built three ways: labels cut to what tells the builds apart, every line of the
    diff (findings, tables, timeline) within 80 columns, each table header on one line."""
    variants = ("glibc-dynamic", "glibc-static", "musl-static")
    run_cli(tmp_path, "nss-passwd", *variants)
    traces = [str(tmp_path / f"nss-passwd-{v}.jsonl") for v in variants]
    if not all(os.path.exists(t) for t in traces):
        pytest.skip("a variant of nss-passwd cannot be built here")
    code, out, err = cli("diff", "--timeline", *traces)
    assert code == 1, err
    assert_safe(out, err)
    assert_fits(out)
    lines = out.splitlines()
    for v in variants:  # the run lines start with the short labels
        assert any(ln.startswith(f"{v} ") for ln in lines), out
    headers = [ln for ln in lines if ln.split()[:1] in (["category"], ["counter"], ["syscall"])]
    assert len(headers) == 3, out
    for h in headers:  # a header with every label whole on its line (not folded onto the next)
        assert h.split()[1:] == list(variants), h
    assert any(re.match(r" +↑ \d+ rows ×\d+", ln) for ln in lines), out  # repeated blocks folded
    # narrower still, tables degrade: headers cut with … rather than split, cells fold, nothing cropped
    code, narrow, err = cli("diff", "--timeline", *traces, columns=40)
    assert code == 1 and "Traceback" not in err, err
    assert_fits(narrow, 40)
    counter = next(ln for ln in narrow.splitlines() if ln.startswith("counter "))
    assert len(counter.split()) == 4, counter
    assert narrow.count("<program>") == 3, narrow  # the timeline's exec row, whole in each column
    # in a terminal 80 wide, the same (rich measures the terminal, not $COLUMNS, there)
    wide = subprocess.run(
        ["script", "-qc", f"{sys.executable} -m libctrace diff {' '.join(traces)}", "/dev/null"],
        capture_output=True,
        env={**os.environ, "COLUMNS": "80", "LINES": "50"},
        cwd=ROOT,
    )
    tty_out = re.sub(r"\x1b\[[0-9;]*m", "", wide.stdout.decode("utf-8", "replace")).replace("\r", "")
    assert "Compared 3 builds" in tty_out, tty_out
    assert_fits(tty_out)


LOOP = r"""
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef DIR
#define DIR "/nonexistent-a"
#endif
int main(void) {
    char path[64];
    struct stat st;
    for (int i = 0; i < 40; i++) {  /* the same pair of calls, the number in the name varies */
        snprintf(path, sizeof path, DIR "/%d", i);
        open(path, O_RDONLY);
        stat(DIR, &st);
    }
    for (int i = 0; i < 5; i++) {  /* a pair repeated exactly */
        open(DIR "/same", O_RDONLY);
        stat(DIR, &st);
    }
    return 0;
}
"""


def test_timeline_folds_repeated_rows(tmp_path: Path) -> None:
    """40 open+stat pairs (names numbered) and 5 identical pairs in each build, differing
    between the builds: a few rows and counts, not 90 rows."""
    a = build_c(LOOP, name="loop-a")
    b = build_c(LOOP, flags=('-DDIR="/nonexistent-b"',), name="loop-b")
    code, out, err = cli("diff", "--timeline", "--label", "a", "--label", "b", str(a), str(b))
    assert code in (0, 1), err
    assert_safe(out, err)
    assert_fits(out)
    timeline = "\n".join(ln.rstrip() for ln in out[out.index("Timeline of") :].splitlines())
    assert re.search(r"▶ +open /nonexistent-a/0 = ENOENT +open /nonexistent-b/0 = ENOENT", timeline), timeline
    assert re.search(r"\n +↑ 2 rows ×40; the last: *\n", timeline), timeline  # numbers vary: the last shown too
    assert re.search(r"≠ +open /nonexistent-a/39 = ENOENT", timeline), timeline
    assert re.search(
        r"≠ +open /nonexistent-a/same = ENOENT +open /nonexistent-b/same = ENOENT\n"
        r"≠ +stat /nonexistent-a = ENOENT .*\n +↑ 2 rows ×5 *\n",
        timeline,
    ), timeline  # exact: no last
    assert "/nonexistent-a/20" not in timeline and len(timeline.splitlines()) < 25, timeline


@pytest.mark.parametrize(
    "command",
    [
        "",
        "run",
        "show",
        "diff",
        "inspect",
        "scenarios",
        "scenarios list",
        "scenarios build",
        "scenarios run",
        "explain",
        "demo",
    ],
)
def test_help_fits_80_columns(command: str) -> None:
    code, out, err = cli(*command.split(), "--help")
    assert code == 0, err
    assert "Examples:" in out or command in ("scenarios list", "scenarios build"), out
    assert_fits(out)
