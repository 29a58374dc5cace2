"""The HTML report in a real browser: Debian's Chromium, headless, renders each scenario's
report (and `show --html` of one trace). No console error, the SVG pictures in the DOM, a
screenshot written; and markup planted in names by the traced program stays text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import libctrace

pytestmark = pytest.mark.usefixtures("need_root")  # the scenarios run in their sandbox

# two builds per scenario keep the suite quick; nss-passwd adds static glibc (its critical finding)
SCENARIOS = {
    "dns-lookup": ("glibc-dynamic", "musl-static"),
    "nss-passwd": ("glibc-dynamic", "glibc-static", "musl-static"),
    "fatal": ("glibc-dynamic", "musl-static"),
    "iconv": ("glibc-dynamic", "musl-static"),
    "locale": ("glibc-dynamic", "musl-static"),
    "malloc-threads": ("glibc-dynamic", "musl-static"),
    "thread-stack": ("glibc-dynamic", "musl-static"),
}


@dataclass
class Rendered:
    dom: str
    console: list[str]  # what the page logged (errors included), one line each
    screenshot: Path


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (make setup installs Debian's package when run as root)")
    return path


def render(page: Path, screenshot: Path, height: int = 2400) -> Rendered:
    """Loads the page in headless Chromium once: the DOM after load, the console, a screenshot."""
    with tempfile.TemporaryDirectory(prefix="lct-chromium-") as profile:
        proc = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                f"--screenshot={screenshot}",
                f"--window-size=1280,{height}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return Rendered(proc.stdout, console, screenshot)


def _scenario_traces(name: str, variants: tuple[str, ...], out: Path) -> list[Path]:
    args = [a for v in variants for a in ("--variant", v)]
    proc = libctrace("scenarios", "run", name, *args, "--output-dir", str(out), timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [out / f"{name}-{v}.jsonl" for v in variants]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_report_renders(name: str, tmp_path: Path) -> None:
    chromium()
    traces = _scenario_traces(name, SCENARIOS[name], tmp_path)
    report = tmp_path / f"{name}.html"
    proc = libctrace("diff", *map(str, traces), "--html", str(report))
    assert proc.returncode in (0, 1), proc.stderr
    shot = tmp_path / f"{name}.png"
    page = render(report, shot)
    assert page.console == [], page.console
    assert shot.stat().st_size > 10_000  # a real picture, not a blank page
    dom = page.dom
    # verdict, metadata, contents, collapsible findings, and the pictures as inline SVG
    assert re.search(r'<div class="verdict (critical|behaviour|info|none)"', dom)
    assert '<nav class="toc">' in dom and "libc of this machine" in dom
    assert dom.count("<svg") >= 3 and 'aria-label="swimlane timeline of the aligned builds"' in dom
    assert "<circle" in dom and 'aria-label="syscall counts per build"' in dom
    if "findings (0)" not in dom.lower():
        assert "<details" in dom
    assert "<script" not in dom and not re.search(r'(src|href)="(https?:)?//', dom)
    if name == "dns-lookup":
        # the sequence diagram: queries, the truncated answer, glibc's retry over TCP
        assert 'aria-label="DNS messages of glibc-dynamic"' in dom
        assert "TC truncated" in dom and "retry over TCP: TCP A many.libctrace.test" in dom
        # glibc's connect to each of the 60 addresses (to sort them) is one block and a count
        assert re.search(r"the \d step\(s\) before, \d\d more times", dom)
    if name == "nss-passwd":
        assert 'class="verdict critical"' in dom and "two C libraries in one process" in dom
    keep = os.environ.get("LIBCTRACE_SCREENSHOTS")  # where docs/img's pictures come from
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)


def test_show_html_of_one_trace(tmp_path: Path) -> None:
    chromium()
    trace = tmp_path / "t.jsonl"
    assert libctrace("run", "-q", "-o", str(trace), "--", "sh", "-c", "ls / >/dev/null; echo x | cat").returncode == 0
    report = tmp_path / "t.html"
    proc = libctrace("show", str(trace), "--html", str(report), "--format", "summary")
    assert proc.returncode == 0 and f"wrote {report}" in proc.stderr, proc.stderr
    page = render(report, tmp_path / "t.png", 1600)
    assert page.console == [] and page.dom.count("<svg") >= 3
    # the sh -c tree: the shell, ls, echo's pipe partner cat each get a lane
    assert re.search(r">p3<", page.dom)


def test_markup_from_the_traced_program_stays_text(tmp_path: Path) -> None:
    chromium()
    hostile = '<img src=x onerror="console.error(1)"><script>console.error(2)</script>'
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / hostile.replace("/", "_")).write_text("x")
    prog = tmp_path / "a<b>.sh"
    prog.write_text(f"#!/bin/sh\ncat {evil}/* >/dev/null\ncat <<'END'\n<b>bold</b>{hostile}\nEND\n")
    prog.chmod(0o755)
    other = tmp_path / "b.sh"
    other.write_text("#!/bin/sh\necho plain\n")
    other.chmod(0o755)
    report = tmp_path / "r.html"
    proc = libctrace("diff", str(prog), str(other), "--html", str(report), "--timeline")
    assert proc.returncode == 1, proc.stderr
    page = render(report, tmp_path / "r.png")
    assert page.console == []  # no planted handler or script ran
    assert "<img" not in page.dom and "<script" not in page.dom and "<b>bold" not in page.dom
    assert "&lt;img src=x" in page.dom
