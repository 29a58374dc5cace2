"""Every output libctrace writes: never through a planted symbolic link, 0600 files and 0700
folders whatever the umask (libctrace/outputs.py), with the real CLI as a root user runs it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers import assert_one_line_error, libctrace

from libctrace.errors import LibctraceError
from libctrace.outputs import create_file, make_dir

VICTIM_TEXT = "root:x:0:0:precious\n"


def _victim(tmp_path: Path) -> Path:
    v = tmp_path / "victim"
    v.write_text(VICTIM_TEXT)
    v.chmod(0o644)
    return v


def _untouched(victim: Path) -> None:
    assert victim.read_text() == VICTIM_TEXT
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_run_o_refuses_a_planted_symlink(tmp_path):
    victim = _victim(tmp_path)
    link = tmp_path / "t.jsonl"
    link.symlink_to(victim)
    r = libctrace("run", "-q", "-o", str(link), "--", "/bin/true")
    assert_one_line_error(r, "is a symbolic link; refusing to write through it")
    _untouched(victim)
    assert link.is_symlink()


def test_run_o_replaces_a_hard_link_and_an_old_mode(tmp_path):
    """An existing file (or a hard link to another file) is replaced by a new 0600 file."""
    victim = _victim(tmp_path)
    hard = tmp_path / "t.jsonl"
    os.link(victim, hard)
    r = libctrace("run", "-q", "-o", str(hard), "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    _untouched(victim)
    assert _mode(hard) == 0o600 and hard.read_text().startswith('{"type":"header"')


def test_diff_outputs_refuse_symlinks(tmp_path):
    victim = _victim(tmp_path)
    html = tmp_path / "report.html"
    html.symlink_to(victim)
    r = libctrace("diff", "/bin/true", "/usr/bin/true", "--html", str(html))
    assert_one_line_error(r, "--html report", "symbolic link")
    _untouched(victim)
    target_dir = tmp_path / "elsewhere"
    target_dir.mkdir()
    link_dir = tmp_path / "traces"
    link_dir.symlink_to(target_dir)
    r = libctrace("diff", "/bin/true", "/usr/bin/true", "--output-dir", str(link_dir))
    assert_one_line_error(r, "--output-dir folder", "symbolic link")
    assert list(target_dir.iterdir()) == []


def test_modes_under_umask_0(tmp_path):
    """HTML came out 0666 and folders 0777 under umask 0: now 0600 and 0700."""
    out = tmp_path / "new" / "traces"
    html = tmp_path / "report.html"
    trace = tmp_path / "t.jsonl"
    r = libctrace("diff", "/bin/true", "/usr/bin/true", "--output-dir", str(out), "--html", str(html), umask=0)
    assert r.returncode in (0, 1), r.stderr
    assert _mode(html) == 0o600 and _mode(out) == 0o700 and _mode(out.parent) == 0o700
    assert sorted(p.name for p in out.iterdir()) == ["bin_true.jsonl", "usr_bin_true.jsonl"]
    assert {_mode(p) for p in out.iterdir()} == {0o600}
    r = libctrace("run", "-q", "-o", str(trace), "--", "/bin/true", umask=0)
    assert r.returncode == 0 and _mode(trace) == 0o600


def test_program_output_file_of_a_scenario_run(tmp_path):
    """The .out file `scenarios run` keeps (record_one's program_output)."""
    from libctrace.analyze.diffrun import Build, record_one

    victim = _victim(tmp_path)
    out = tmp_path / "x.out"
    out.symlink_to(victim)
    with pytest.raises(LibctraceError, match="symbolic link"):
        record_one(Build("t", ("/bin/echo", "hi")), None, None, str(out))
    _untouched(victim)
    out.unlink()
    old = os.umask(0)
    try:
        record_one(Build("t", ("/bin/echo", "hi")), None, None, str(out))
    finally:
        os.umask(old)
    assert out.read_text() == "hi\n" and _mode(out) == 0o600


def test_helper_edge_cases(tmp_path):
    with create_file(os.devnull) as f:  # an existing device is written, not replaced
        f.write(b"x")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    with pytest.raises(LibctraceError, match="it is a folder"):
        create_file(str(tmp_path))
    with pytest.raises(LibctraceError, match="No such file or directory"):
        create_file(str(tmp_path / "missing" / "x"))
    (tmp_path / "file").write_text("")
    with pytest.raises(LibctraceError, match="not a folder"):
        make_dir(str(tmp_path / "file"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
