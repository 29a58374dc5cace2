"""The package as users get it: version, CLI conventions, the catalogue, and an installed
layout (the package folder with its share/ copies, as setup.py lays out a wheel) that builds
scenarios into the user's cache and says when the C stop loop is missing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, libctrace, need_tool

from libctrace import __version__, resources
from libctrace.analyze.rules import RULES
from libctrace.cli.explain_cmd import entries
from libctrace.scenarios import catalog as sc

# SGR colour parameters (foreground/background, 8/16/256/truecolour); bold and dim are not colour
_COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def test_one_version_everywhere() -> None:
    proc = libctrace("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"libctrace, version {__version__}\n"
    assert version("libctrace") == __version__  # the metadata reads the same attribute
    assert "version" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"]
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text()


def test_mistyped_command_gets_the_nearest() -> None:
    assert_one_line_error(libctrace("dif", "a", "b"), "No such command 'dif'. Did you mean 'diff'?")
    assert_one_line_error(libctrace("expain", "x"), "Did you mean 'explain'?")
    proc = libctrace("zzzz")
    assert_one_line_error(proc, "No such command 'zzzz'.")
    assert "Did you mean" not in proc.stderr


def test_shell_completion() -> None:
    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (not words.endswith(" "))),
            "_LIBCTRACE_COMPLETE": "bash_complete",
        }
        proc = subprocess.run([sys.executable, "-m", "libctrace"], env=env, capture_output=True, text=True, check=True)
        return proc.stdout.split()

    assert complete("libctrace ex") == ["plain,explain"]
    assert complete("libctrace inspect --format ") == ["plain,text", "plain,json"]
    script = subprocess.run(
        [sys.executable, "-m", "libctrace"],
        env={**os.environ, "_LIBCTRACE_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "complete -o nosort -F _libctrace_completion libctrace" in script


def test_explain_prints_the_catalogue_entry() -> None:
    catalogue = entries(resources.catalogue().read_text())
    assert set(catalogue) == {rule.id for rule in RULES}  # every id a finding can carry, no other
    proc = libctrace("explain", "second-libc")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == catalogue["second-libc"]
    assert proc.stdout.startswith("## `second-libc`\n") and "## `exit-status`" not in proc.stdout
    assert libctrace("explain").stdout.split() == list(catalogue)
    assert_one_line_error(
        libctrace("explain", "secnd-libc"), "unknown finding id 'secnd-libc'", "did you mean 'second-libc'?"
    )
    assert_one_line_error(
        libctrace("explain", "xyzzy"), "unknown finding id 'xyzzy'", "'libctrace explain' lists the ids"
    )


def test_format_option_and_the_old_json_flag() -> None:
    formatted = libctrace("inspect", "--format", "json", "/bin/true")
    old = libctrace("inspect", "--json", "/bin/true")
    assert formatted.returncode == old.returncode == 0
    assert json.loads(formatted.stdout)["path"] == "/bin/true"
    assert formatted.stdout == old.stdout
    assert "--json" not in libctrace("inspect", "--help").stdout  # hidden: one spelling documented
    assert_one_line_error(libctrace("inspect", "--format", "yaml", "/bin/true"), "'yaml' is not one of 'text', 'json'")


def test_output_dash_is_stdout(tmp_path: Path) -> None:
    proc = libctrace("run", "-o", "-", "-e", "trace=getpid", "--", "/bin/true", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["stop_loop"] == "c"
    assert lines[-1]["type"] == "footer" and lines[-1]["outcome"] == "exited"
    assert "trace: written to stdout" in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_no_color_is_honoured() -> None:
    forced = libctrace("inspect", "/bin/true", env={**os.environ, "FORCE_COLOR": "1"})
    assert _COLOUR.search(forced.stdout), forced.stdout  # coloured when forced: the check can fail
    plain = libctrace("inspect", "/bin/true", env={**os.environ, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 0 and not _COLOUR.search(plain.stdout), plain.stdout


def _installed_copy(tmp_path: Path, with_loop: bool) -> Path:
    """The package laid out as a wheel installs it (setup.py's share/ copies), in a folder of
    its own; with_loop=False: as when the C stop loop could not be built."""
    site = tmp_path / "site"
    skip = ["__pycache__"] + ([] if with_loop else ["_stoploop*.so"])
    shutil.copytree(ROOT / "libctrace", site / "libctrace", ignore=shutil.ignore_patterns(*skip))
    for name in ("scenarios", "docs"):
        shutil.copytree(ROOT / name, site / "libctrace" / "share" / name, ignore=shutil.ignore_patterns(".*"))
    return site


def _run_installed(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "LIBCTRACE_SCENARIOS"}
    return subprocess.run(
        [sys.executable, "-m", "libctrace", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=site.parent,
        env={**clean, "PYTHONPATH": str(site), **env},
    )


def test_installed_scenarios_build_into_the_cache(tmp_path: Path) -> None:
    need_tool("gcc")
    site = _installed_copy(tmp_path, with_loop=True)
    cache = tmp_path / "cache"
    proc = _run_installed(site, "scenarios", "build", "fatal", "--variant", "glibc-dynamic", XDG_CACHE_HOME=str(cache))
    assert proc.returncode == 0, proc.stderr
    binary = cache / "libctrace" / "scenarios" / "fatal" / "glibc-dynamic" / "fatal-glibc-dynamic"
    assert binary.is_file()
    assert (cache / "libctrace").stat().st_mode & 0o777 == 0o700
    assert not (site / "libctrace" / "share" / "scenarios" / ".build").exists()  # nothing written into the package
    listed = json.loads(_run_installed(site, "scenarios", "list", "--format", "json", XDG_CACHE_HOME=str(cache)).stdout)
    assert listed["root"] == str(site / "libctrace" / "share" / "scenarios")
    assert listed["builds"] == str(cache / "libctrace" / "scenarios")
    table = _run_installed(site, "scenarios", "list", XDG_CACHE_HOME=str(cache)).stdout.splitlines()
    assert table[-2:] == [f"scenarios: {site}/libctrace/share/scenarios", f"builds: {cache}/libctrace/scenarios"]
    # the catalogue comes from the installed copy
    explained = _run_installed(site, "explain", "exit-status")
    assert explained.stdout == entries((ROOT / "docs" / "divergences.md").read_text())["exit-status"]
    # a relative XDG_CACHE_HOME is ignored (XDG spec): ~/.cache
    home = tmp_path / "home"
    _run_installed(
        site, "scenarios", "build", "fatal", "--variant", "glibc-dynamic", XDG_CACHE_HOME="rel", HOME=str(home)
    )
    assert (home / ".cache" / "libctrace" / "scenarios" / "fatal" / "glibc-dynamic" / "fatal-glibc-dynamic").is_file()


def test_checkout_builds_beside_its_scenarios() -> None:
    # each checkout keeps the builds of its own sources (two checkouts never share a cache entry)
    if os.environ.get("LIBCTRACE_SCENARIOS"):
        pytest.skip("LIBCTRACE_SCENARIOS is set")
    assert resources.in_checkout()
    assert sc.root() == ROOT / "scenarios" and sc.build_root() == ROOT / "scenarios" / ".build"


def test_missing_stop_loop_is_said_once_and_recorded(tmp_path: Path) -> None:
    site = _installed_copy(tmp_path, with_loop=False)
    out = tmp_path / "traces"
    proc = _run_installed(site, "diff", "/bin/true", "/bin/true", "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "stop loop" in line]
    assert notes == [
        f"libctrace: note: the C stop loop {site}/libctrace/record/_stoploop.abi3.so is not built; recording with "
        "the slower Python loop (reinstall libctrace where a C compiler is available, or run make setup "
        "in a checkout)"
    ], proc.stderr  # two runs, one note
    for trace in out.iterdir():
        assert json.loads(trace.read_text().splitlines()[0])["stop_loop"] == "python"
