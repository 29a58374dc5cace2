"""Every line `libctrace run` writes follows docs/trace-format.md, checked with a JSON schema
(libctrace/schemas/trace.schema.json) on real recordings of every event kind and every outcome."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import ROOT, libctrace, trace_lines
from recorder_progs import prog

from libctrace.elf.info import summary

SCHEMA = json.loads((Path(__file__).parent.parent / "libctrace" / "schemas" / "trace.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _record(tmp_path: Path, *argv: str, opts: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "-q", *opts, "-o", str(out), "--", *argv)
    assert "Traceback" not in proc.stderr, proc.stderr
    # each line as written (version 2: syscall rows, seq left out), then as the reader gives it
    for n, raw in enumerate(out.read_text().splitlines(), 1):
        errors = sorted(VALIDATOR.iter_errors(json.loads(raw)), key=str)
        assert not errors, f"line {n}: {errors[0].message}\n{raw}"
    return trace_lines(out)


def _check(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Validates each line as read; checks the counters the footer keeps. Returns the footer."""
    for n, line in enumerate(lines, 1):
        errors = sorted(VALIDATOR.iter_errors(line), key=str)
        assert not errors, f"line {n}: {errors[0].message}\n{line}"
    header, *events, footer = lines
    assert header["type"] == "header" and footer["type"] == "footer"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert footer["events"] == len(events)
    assert footer["syscalls"] == sum(e["type"] == "syscall" for e in events)
    return footer


def _kinds(lines: list[dict[str, Any]]) -> set[str]:
    return {line["type"] for line in lines}


def test_pipeline_with_every_process_event(tmp_path: Path) -> None:
    lines = _record(tmp_path, "sh", "-c", "echo a | cat", opts=("-e", "trace=all"))
    assert _check(lines)["outcome"] == "exited"
    assert {"syscall", "exec", "fork", "exit"} <= _kinds(lines)


def test_threads_and_a_class_trace_set(tmp_path: Path) -> None:
    # %process, not the default set: the 6 400 close() calls of the workers would only make
    # the validation slow; each worker's own exit() still carries its tid.
    exe = str(prog("threads"))
    lines = _record(tmp_path, exe, opts=("-e", "trace=%process"))
    assert _check(lines)["threads"] == 32
    # issue 3: the header carries inspect's summary of the program
    assert lines[0]["executable"] == summary(exe) and lines[0]["executable"]["libc"] == "glibc"
    assert any(e["type"] == "fork" and e["kind"] == "thread" for e in lines)
    assert any("tid" in e for e in lines if e["type"] == "syscall")
    assert lines[0]["trace_set"]["filtered"] is True and lines[0]["trace_set"]["syscalls"]


def test_crash_signal_and_killed_outcome(tmp_path: Path) -> None:
    lines = _record(tmp_path, str(prog("crash")), "segv")
    footer = _check(lines)
    assert (footer["outcome"], footer["signal"]) == ("killed", "SIGSEGV")
    assert "signal" in _kinds(lines)


def test_timeout_outcome_and_env_values(tmp_path: Path) -> None:
    lines = _record(tmp_path, "sleep", "30", opts=("--timeout", "0.5", "--record-env-values"))
    assert _check(lines)["outcome"] == "timeout"
    assert isinstance(lines[0]["env"]["values"], dict)


def test_sandbox_run_with_dns_log(tmp_path: Path, need_root: None) -> None:
    getent = shutil.which("getent")
    if getent is None:
        pytest.skip("getent is not installed")
    lines = _record(tmp_path, getent, "ahostsv4", "many.libctrace.test", opts=("--sandbox",))
    _check(lines)
    assert lines[0]["sandbox"] is not None
    assert {(e["transport"], e["tc"]) for e in lines if e["type"] == "dns-log"} >= {("udp", True), ("tcp", False)}


def test_documented_example_follows_the_schema() -> None:
    doc = (ROOT / "docs" / "trace-format.md").read_text()
    examples = [json.loads(m) for m in re.findall(r"^(\{\"type\":.*\})$", doc, re.M)]
    assert examples, "docs/trace-format.md shows no example line"
    for example in examples:
        VALIDATOR.validate(example)


@pytest.mark.parametrize(
    "line",
    [
        {"type": "syscall", "seq": 1, "t": 0.1, "pid": 5, "name": "read", "args": [], "ret": 0},  # no errno
        {"type": "syscall", "seq": 0, "t": 0.1, "pid": 5, "name": "read", "args": [], "ret": 0, "errno": None},
        {"type": "exit", "seq": 3, "t": 0.1, "pid": 5, "code": 0, "signal": None},  # no core
        {"type": "fork", "seq": 3, "t": 0.1, "pid": 5, "child": 6, "kind": "spoon"},
        {
            "type": "footer",
            "outcome": "finished",
            "exit_code": 0,
            "signal": None,
            "duration": 1.0,
            "events": 1,
            "syscalls": 1,
            "processes": 1,
            "threads": 0,
        },
        {"type": "mystery", "seq": 1, "t": 0.0, "pid": 1},
        [1.5, 5, "read", [], 0, 3],  # version 2 row: t in microseconds, an integer
        [15, 5, "read", [], 0, 3, {}],  # nothing to add: no object
        [15, 5, "read", [], 0],  # no dur
        [15, 5, "read", [], 0, 3, {"errno": None}],  # errno null is left out
    ],
)
def test_schema_rejects_lines_that_break_the_contract(line: dict[str, Any] | list[Any]) -> None:
    # the schema is not vacuous: each of these departs from docs/trace-format.md in one field
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(line)
