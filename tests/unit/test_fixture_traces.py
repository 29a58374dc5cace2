"""The unit tier: facts, rules, diff and the renderers on traces recorded once and checked into
tests/data/ (no root, no compiler, no ptrace). The fixtures were recorded with
`libctrace scenarios run nss-passwd|dns-lookup --output-dir DIR` (glibc-dynamic, glibc-static,
musl-static) and `libctrace run --nsswitch F -o ...` of /usr/bin/id root and busybox-static's
`id root` (F: passwd and group from files); the end-to-end tier re-records such runs live."""

import io
import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from rich.console import Console

from libctrace.analyze import diff, facts
from libctrace.analyze.rules import Finding
from libctrace.model import Trace
from libctrace.render import diff_console, diff_html
from libctrace.traceio import load_trace

DATA = Path(__file__).resolve().parent.parent / "data"
SCHEMA = Path(__file__).resolve().parents[2] / "libctrace" / "schemas" / "diff.schema.json"
BUILDS = ("glibc-dynamic", "glibc-static", "musl-static")


@cache
def _traces(name: str, labels: tuple[str, ...] = BUILDS) -> tuple[Trace, ...]:
    return tuple(load_trace(str(DATA / f"{name}-{label}.jsonl")) for label in labels)


@cache
def _diff(name: str, labels: tuple[str, ...] = BUILDS) -> diff.Diff:
    return diff.compare(_traces(name, labels), labels)


def _facts(name: str, label: str) -> facts.Facts:
    return facts.extract(load_trace(str(DATA / f"{name}-{label}.jsonl")), label)


def _finding(d: diff.Diff, rule: str) -> Finding:
    return next(f for f in d.findings if f.id == rule)


def test_fixtures_stay_small() -> None:
    sizes = {p.name: p.stat().st_size for p in DATA.glob("*.jsonl")}
    assert len(sizes) == 8
    assert max(sizes.values()) < 300_000, sizes


def test_nss_facts_glibc_static_pulls_in_libc_so() -> None:
    f = _facts("nss-passwd", "glibc-static")
    assert f.exit.status == 0
    assert [libs for libs in f.libcs.values()] == [("static glibc", "/lib/x86_64-linux-gnu/libc.so.6")]
    assert [p.rsplit("/", 1)[-1] for p in f.dlopened] == ["libnss_ctrace.so.2", "libc.so.6", "ld-linux-x86-64.so.2"]
    assert {a.path for a in f.files if a.category == "nss-config"} == {"/etc/nsswitch.conf"}


def test_nss_facts_musl_reads_the_files_itself() -> None:
    f = _facts("nss-passwd", "musl-static")
    assert list(f.libcs.values()) == [("static musl",)]
    assert f.dlopened == ()
    assert {a.path for a in f.files if a.path.startswith("/etc/")} == {"/etc/passwd", "/etc/group"}
    # musl asks nscd with a blocking socket (glibc: SOCK_NONBLOCK)
    assert {s.purpose for s in f.sockets} == {"nscd"}
    assert all("SOCK_NONBLOCK" not in s.type for s in f.sockets)
    assert "user ctrace: not found (errno 0)" in f.stdout


def test_nss_diff_findings() -> None:
    d = _diff("nss-passwd")
    assert [f.id for f in d.findings] == [
        "second-libc",
        "nss-config",
        "nss-module",
        "output",
        "nscd-probe",
        "startup",
        "syscall-profile",
    ]
    second = _finding(d, "second-libc")
    assert (second.severity, second.runs) == ("critical", ("glibc-static",))
    assert second.title == "glibc-static: two C libraries in one process (static glibc + libc.so.6)"
    assert [e.line.split('"')[1].rsplit("/", 1)[-1] for e in second.evidence] == ["libnss_ctrace.so.2", "libc.so.6"]
    assert _finding(d, "nss-config").title == "nsswitch.conf read by glibc-dynamic, glibc-static, not by musl-static"
    assert _finding(d, "nscd-probe").title == (
        "nscd asked: 4x non-blocking, first vs 4x non-blocking, first vs 4x blocking, after a miss"
    )
    assert d.diverged


def test_dns_facts_transport_and_truncation() -> None:
    glibc, musl = _facts("dns-lookup", "glibc-dynamic"), _facts("dns-lookup", "musl-static")
    assert {m.transport for m in glibc.dns} == {"udp", "tcp"}
    assert {m.transport for m in musl.dns} == {"udp"}
    assert {m.server for m in glibc.dns + musl.dns} == {"127.0.0.1:53"}
    many = [m for m in musl.dns if m.direction == "answer" and m.name == "many.libctrace.test" and m.qtype == "A"]
    assert many and all(m.tc for m in many)
    assert "many.libctrace.test: 60 addresses" in glibc.stdout
    assert "many.libctrace.test: 29 addresses" in musl.stdout


def test_dns_diff_findings() -> None:
    d = _diff("dns-lookup")
    assert [f.id for f in d.findings] == [
        "nss-config",
        "resolver-config",
        "dns-queries",
        "dns-transport",
        "dns-answers",
        "output",
        "nscd-probe",
        "startup",
        "syscall-profile",
    ]
    assert _finding(d, "dns-transport").title == "DNS over TCP in glibc-dynamic, glibc-static only"
    assert _finding(d, "dns-answers").title == "DNS answers differ: many.libctrace.test A: 60 vs 60 vs 29 (TC)"
    assert _finding(d, "resolver-config").title == (
        "Resolver files: host.conf, gai.conf read by glibc-dynamic, glibc-static only"
    )
    assert all(f.severity in ("behaviour", "info") for f in d.findings)
    assert {t.key for t in d.tables} >= {"dns"}


def test_id_busybox_reads_passwd_without_nss() -> None:
    d = _diff("id", ("glibc-dynamic", "busybox-static"))
    nss = _finding(d, "nss-config")
    assert (nss.severity, nss.title) == ("behaviour", "nsswitch.conf read by glibc-dynamic, not by busybox-static")
    assert "read /etc/group, /etc/passwd directly" in nss.explanation
    assert _finding(d, "nscd-probe").title == "nscd asked: 4x non-blocking, first vs never"
    busybox = _facts("id", "busybox-static")
    assert list(busybox.libcs.values()) == [("static glibc",)]
    assert busybox.stdout == "uid=0(root) gid=0(root) groups=0(root)\n"


def test_same_trace_twice_has_no_divergence() -> None:
    t = _traces("nss-passwd", ("musl-static",))[0]
    d = diff.compare([t, t], ["a", "b"])
    assert not d.diverged
    assert [f.id for f in d.findings if f.severity != "info"] == []


@pytest.mark.parametrize("name", ["nss-passwd", "dns-lookup"])
def test_json_rendering_matches_schema_and_findings(name: str) -> None:
    d = _diff(name)
    doc = json.loads(json.dumps(d.to_json()))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert [f["id"] for f in doc["findings"]] == [f.id for f in d.findings]
    assert [r["label"] for r in doc["runs"]] == list(BUILDS)
    assert [(r["libc"], r["linkage"]) for r in doc["runs"]] == [
        ("glibc", "dynamic"),
        ("glibc", "static"),
        ("musl", "static"),
    ]


def test_console_rendering_names_every_finding() -> None:
    d = _diff("dns-lookup")
    out = io.StringIO()
    diff_console.render(d, Console(file=out, width=100, color_system=None))
    text = out.getvalue()
    assert text.startswith("Compared 3 builds")
    for f in d.findings:
        assert f"[{f.id}]" in text
    assert "DNS over TCP in glibc-dynamic, glibc-static only" in text


def test_html_rendering_escapes_and_names_every_finding() -> None:
    d = _diff("nss-passwd")
    page = diff_html.render(d, list(_traces("nss-passwd")))
    assert page.lstrip().lower().startswith("<!doctype html>")
    for f in d.findings:
        assert f.id in page
    # evidence lines come from the traced program: their quotes arrive escaped, never raw
    assert 'openat(AT_FDCWD, "' not in page
    assert "openat(AT_FDCWD, &quot;" in page or "openat(AT_FDCWD, &#34;" in page
