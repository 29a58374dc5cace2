"""libctrace.analyze.rules on real traces: each finding id fires where the libcs really diverge, points
at events that show it, and stays quiet where they do not."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import libctrace
from recorder_progs import prog
from rulestraces import scenario_trace

from libctrace.analyze import catalogue, facts as F, rules as R
from libctrace.model import Trace
from libctrace.render.text import format_event
from libctrace.scenarios.catalog import get
from libctrace.traceio import load_trace

ROOT = Path(__file__).resolve().parent.parent


def _evaluate(*runs: tuple[str, Trace]) -> list[R.Finding]:
    facts = [F.extract(t, label) for label, t in runs]
    return R.evaluate(facts, [t for _, t in runs])


def _one(findings: list[R.Finding], rule_id: str) -> R.Finding:
    hits = [f for f in findings if f.id == rule_id]
    assert len(hits) == 1, [(f.id, f.title) for f in findings]
    return hits[0]


def _evidence_is_real(finding: R.Finding, runs: dict[str, Trace]) -> None:
    """Every evidence line is the rendering of the event with that seq in that run."""
    assert finding.evidence, finding
    for ev in finding.evidence:
        (event,) = [e for e in runs[ev.run].events if e["seq"] == ev.seq]
        assert ev.line.split("(")[0] == format_event(event).split("(")[0]  # same call, as show prints it
        assert len(ev.line) <= catalogue.load().evidence.width


def test_catalogue_is_complete_and_documented() -> None:
    ids = [r.id for r in R.RULES]
    # One rule per catalogue entry, in its order (RULES is built from the catalogue at import).
    assert ids == list(catalogue.load().entries) and len(ids) == len(set(ids))
    required = {
        "second-libc",
        "nss-config",
        "nss-module",
        "nscd-probe",
        "resolver-config",
        "dns-queries",
        "dns-transport",
        "dns-answers",
        "gconv-module",
        "locale-files",
        "malloc-pattern",
        "thread-stack",
        "startup",
        "exit-status",
        "output",
        "syscall-profile",
    }
    assert required <= set(ids)
    assert {r.severity for r in R.RULES} <= set(R.SEVERITIES)
    doc = (ROOT / "docs" / "divergences.md").read_text()
    anchors = set(re.findall(r"^## `([a-z0-9-]+)`", doc, re.M))
    assert anchors == set(ids)


def test_doc_is_generated_from_the_catalogue() -> None:
    """docs/divergences.md says what the catalogue says: regenerating it changes nothing."""
    doc = (ROOT / "docs" / "divergences.md").read_text()
    assert catalogue.sync_doc(doc) == doc, "run: python -m libctrace.analyze.catalogue docs/divergences.md"
    lim = catalogue.load().evidence
    assert f"at most {lim.width} characters; {lim.per_run} per run" in doc
    for e in catalogue.load().entries.values():
        section = doc[doc.index(f"## `{e.id}`") :]
        assert section.startswith(f"## `{e.id}`\n\n**Severity** {e.severity}. **What**: {e.what}")
        assert f"**Reference**: {e.reference}" in section.split("\n## ")[0]
    # An edit to the catalogue shows in the doc, and a doc left behind is caught.
    changed = catalogue.parse(
        (ROOT / "libctrace" / "data" / "divergences.toml").read_text().replace("width = 320", "width = 99")
    )
    assert "at most 99 characters" in catalogue.sync_doc(doc, changed) != doc


def test_catalogue_check_command(tmp_path: Path) -> None:
    doc = tmp_path / "divergences.md"
    text = (ROOT / "docs" / "divergences.md").read_text()
    doc.write_text(
        text.replace("**Severity** critical. **What**: one process", "**Severity** info. **What**: one process")
    )
    assert catalogue.main(["--check", str(doc)]) == 1
    assert catalogue.main([str(doc)]) == 0 and doc.read_text() == text
    assert catalogue.main(["--check", str(doc)]) == 0


def test_rules_take_their_words_from_the_catalogue() -> None:
    """Severity, title and per-libc sentences come from the TOML: a rule has no prose table of its own."""
    for r in R.RULES:
        e = catalogue.entry(r.id)
        assert (r.severity, r.title) == (e.severity, e.title)
    source = (ROOT / "libctrace" / "analyze" / "rules.py").read_text()
    for e in catalogue.load().entries.values():
        for sentence in [*e.libc.values(), *e.said.values()]:
            assert sentence[:40] not in source


def test_coverage_needs_come_from_the_rules() -> None:
    from libctrace.analyze import coverage, diff

    assert {r.id for r in coverage._CHECKED} == {r.id for r in R.RULES if r.needs}
    assert diff.RERUN_ON == {"output", "exit-status", "malloc-pattern", "thread-stack", "dns-queries", "dns-answers"}


def test_nss_passwd_static_glibc_vs_musl() -> None:
    runs = {
        "glibc-static": scenario_trace("nss-passwd", "glibc-static"),
        "musl-static": scenario_trace("nss-passwd", "musl-static"),
    }
    findings = _evaluate(*runs.items())
    ranks = [R.SEVERITIES.index(f.severity) for f in findings]
    assert ranks == sorted(ranks)  # most severe first

    second = _one(findings, "second-libc")
    assert second.severity == "critical" and second.runs == ("glibc-static",)
    assert "libnss_ctrace.so.2" in second.explanation and "libc.so.6" in second.explanation
    assert any("libnss_ctrace.so.2" in e.line for e in second.evidence)
    assert any("libc.so.6" in e.line for e in second.evidence)
    assert second.ref == "docs/divergences.md#second-libc"
    _evidence_is_real(second, runs)

    cfg = _one(findings, "nss-config")
    assert "nsswitch.conf read by glibc-static, not by musl-static" == cfg.title
    assert [e.run for e in cfg.evidence] == ["glibc-static"] and "nsswitch.conf" in cfg.evidence[0].line
    assert cfg.values["read"] == {"glibc-static": True, "musl-static": False}  # typed, beside the title's text
    _evidence_is_real(cfg, runs)

    mod = _one(findings, "nss-module")
    assert "glibc-static loaded libnss_ctrace.so.2" in mod.title and "musl-static none" in mod.title
    assert "libnss_ctrace.so.2" in mod.values["loaded"]["glibc-static"] and mod.values["loaded"]["musl-static"] == []
    _evidence_is_real(mod, runs)

    nscd = _one(findings, "nscd-probe")
    assert all("nscd/socket" in e.line for e in nscd.evidence)
    # glibc asks nscd before reading any file, non-blocking; musl only after a miss, blocking.
    assert re.fullmatch(r"nscd asked: \d+x non-blocking, first vs \d+x blocking, after a miss", nscd.title)
    _evidence_is_real(nscd, runs)

    out = _one(findings, "output")  # user ctrace exists for glibc only (from the NSS module)
    assert "stdout" in out.title
    assert not [f for f in findings if f.id in ("dns-queries", "gconv-module", "thread-stack")]


def test_missing_nss_module_is_reported() -> None:
    """A source listed in nsswitch.conf whose module is not installed: glibc probes the library
    path (ENOENT each time) and silently goes on; the finding names the missing module."""
    conf = "passwd: files nosuchmod\ngroup: files\nhosts: files dns\n"
    runs = {
        "glibc-dynamic": scenario_trace("nss-passwd", "glibc-dynamic", ("user:nobodyhere",), nsswitch=conf),
        "musl-dynamic": scenario_trace("nss-passwd", "musl-dynamic", ("user:nobodyhere",), nsswitch=conf),
    }
    findings = _evaluate(*runs.items())
    mod = _one(findings, "nss-module")
    assert mod.title == "NSS modules: glibc-dynamic missing libnss_nosuchmod.so.2; musl-dynamic none"
    assert "fails silently" in mod.explanation
    assert mod.values["missing"] == {"glibc-dynamic": ["libnss_nosuchmod.so.2"], "musl-dynamic": []}
    assert mod.evidence and all("libnss_nosuchmod.so.2" in e.line and "ENOENT" in e.line for e in mod.evidence)
    _evidence_is_real(mod, runs)
    assert "output" not in {f.id for f in findings}  # both: not found


def test_second_libc_is_absent_from_dynamic_glibc() -> None:
    runs = {
        "glibc-dynamic": scenario_trace("nss-passwd", "glibc-dynamic"),
        "musl-dynamic": scenario_trace("nss-passwd", "musl-dynamic"),
    }
    findings = _evaluate(*runs.items())
    ids = {f.id for f in findings}
    assert "second-libc" not in ids
    assert {"nss-config", "nss-module", "startup"} <= ids
    startup = _one(findings, "startup")
    assert startup.severity == "info" and "ld.so.cache" in startup.explanation
    _evidence_is_real(startup, runs)


def test_same_build_twice_has_no_findings_above_info() -> None:
    # Two separate recordings of one build (the scenario takes no arguments; () is a new key).
    assert get("nss-passwd").args and not get("iconv").args
    t1 = scenario_trace("iconv", "glibc-dynamic")
    t2 = scenario_trace("iconv", "glibc-dynamic", ())
    assert t1 is not t2
    findings = _evaluate(("a", t1), ("b", t2))
    assert [f.id for f in findings if f.severity != "info"] == []


def test_iconv_gconv_module() -> None:
    runs = {
        "glibc-dynamic": scenario_trace("iconv", "glibc-dynamic"),
        "glibc-static": scenario_trace("iconv", "glibc-static"),
        "musl-static": scenario_trace("iconv", "musl-static"),
    }
    findings = _evaluate(*runs.items())
    g = _one(findings, "gconv-module")
    assert g.title == "iconv modules loaded by 2 of 3 builds: ISO8859-1.so, UTF-16.so"
    assert "Loaded by glibc-dynamic, glibc-static: ISO8859-1.so, UTF-16.so" in g.explanation
    assert "second libc" in g.explanation  # the static build's dlopen
    assert {e.run for e in g.evidence} == {"glibc-dynamic", "glibc-static"}
    _evidence_is_real(g, runs)
    assert _one(findings, "second-libc").runs == ("glibc-static",)
    assert "output" not in {f.id for f in findings}  # same bytes out of all three


def test_locale_files() -> None:
    runs = {
        "glibc-dynamic": scenario_trace("locale", "glibc-dynamic"),
        "musl-dynamic": scenario_trace("locale", "musl-dynamic"),
    }
    findings = _evaluate(*runs.items())
    loc = _one(findings, "locale-files")
    assert loc.title.startswith("Locale files read by glibc-dynamic only")
    assert all("/usr/lib/locale" in e.line or "locale" in e.line for e in loc.evidence)
    _evidence_is_real(loc, runs)
    assert "output" in {f.id for f in findings}  # LANG unset: glibc "C", musl "C.UTF-8"


def test_fatal_exit_status() -> None:
    runs = {
        "glibc-dynamic": scenario_trace("fatal", "glibc-dynamic"),
        "musl-static": scenario_trace("fatal", "musl-static"),
    }
    findings = _evaluate(*runs.items())
    assert findings[0].id == "exit-status" and findings[0].severity == "critical"
    ex = findings[0]
    assert ex.title == "Exit status differs: SIGABRT vs SIGSEGV"
    assert "glibc-dynamic killed by SIGABRT, musl-static killed by SIGSEGV" in ex.explanation
    assert "abort()" in ex.explanation and "hlt" in ex.explanation
    assert ex.values["signal"] == {"glibc-dynamic": "SIGABRT", "musl-static": "SIGSEGV"}
    assert ex.values["status"] == {"glibc-dynamic": 134, "musl-static": 139}
    _evidence_is_real(ex, runs)
    out = _one(findings, "output")
    assert "stderr" in out.title and "double free" in out.explanation


def test_dns_many_records_transport_and_answers() -> None:
    args = ("many.libctrace.test",)
    runs = {
        "glibc-dynamic": scenario_trace("dns-lookup", "glibc-dynamic", args, sandbox=True),
        "musl-static": scenario_trace("dns-lookup", "musl-static", args, sandbox=True),
    }
    findings = _evaluate(*runs.items())
    tr = _one(findings, "dns-transport")
    assert tr.title == "DNS over TCP in glibc-dynamic only"
    notes = [e.line.rsplit("; DNS ", 1)[1] for e in tr.evidence if e.run == "glibc-dynamic"]
    assert len(notes) == 3 and re.fullmatch(r"answer A many\.libctrace\.test NOERROR \d+ TC", notes[0])
    assert notes[1:] == [
        "query A many.libctrace.test, query AAAA many.libctrace.test",
        "answer A many.libctrace.test NOERROR 60",
    ]
    _evidence_is_real(tr, runs)
    ans = _one(findings, "dns-answers")
    assert "many.libctrace.test A" in ans.explanation and "truncated" in ans.explanation
    assert "60 over tcp" in ans.explanation
    assert "the sandbox server holds 60 records for many.libctrace.test A" in ans.explanation
    final = ans.values["final"]["many.libctrace.test A"]
    assert final["glibc-dynamic"] == {"rcode": "NOERROR", "answers": 60, "tc": False, "transport": "tcp"}
    assert final["musl-static"]["tc"] is True and final["musl-static"]["transport"] == "udp"
    assert ans.values["held"] == {"many.libctrace.test A": 60}
    assert tr.values["over_tcp"] == ["glibc-dynamic"] and tr.values["kept_truncated"] == ["musl-static"]
    # DNS evidence names the messages instead of dumping their bytes.
    assert any(e.line.endswith("; DNS answer A many.libctrace.test NOERROR 60") for e in ans.evidence)
    assert any(re.search(r"; DNS answer A many\.libctrace\.test NOERROR \d+ TC$", e.line) for e in ans.evidence)
    assert re.fullmatch(r"DNS answers differ: many\.libctrace\.test A: 60 vs \d\d \(TC\)", ans.title), ans.title
    _evidence_is_real(ans, runs)
    q = _one(findings, "dns-queries")
    assert "glibc-dynamic sent 12 queries (6 over TCP), A and AAAA together in one call" in q.explanation
    assert "musl-static sent 2 queries (musl ≤ 1.2.3 behaviour: no TCP fallback), one message per call" in q.explanation
    assert q.values["queries"] == {"glibc-dynamic": 12, "musl-static": 2}
    assert q.values["batched"] == {"glibc-dynamic": True, "musl-static": False}
    _evidence_is_real(q, runs)
    rc = _one(findings, "resolver-config")
    assert "host.conf" in rc.title
    _evidence_is_real(rc, runs)


def test_truncated_answer_kept_by_every_build() -> None:
    """Two runs of the musl build (one with the seccomp-filtered default trace set): both kept
    the same truncated answer. Equal values are no finding (issue 11: "29 (TC) vs 29 (TC)")."""
    args = ("many.libctrace.test",)
    runs = {
        "all": scenario_trace("dns-lookup", "musl-static", args, sandbox=True),
        "default": scenario_trace("dns-lookup", "musl-static", args, sandbox=True, trace="default"),
    }
    facts = [F.extract(t, label) for label, t in runs.items()]
    assert all(any(m.tc for m in f.dns) for f in facts)  # the cut answer is there in both
    findings = _evaluate(*runs.items())
    assert [f.id for f in findings if f.severity != "info"] == []
    assert not any(" vs " in f.title and len(set(f.title.split(": ")[-1].split(" vs "))) == 1 for f in findings)


def test_dns_search_list_after_nxdomain() -> None:
    """nx.libctrace.test has ndots (1) dots: glibc still walks the search list after NXDOMAIN,
    musl does not; 'short' has none, so both go to the search list first and agree."""
    args = ("nx.libctrace.test", "short")
    runs = {
        "glibc-dynamic": scenario_trace("dns-lookup", "glibc-dynamic", args, sandbox=True),
        "musl-static": scenario_trace("dns-lookup", "musl-static", args, sandbox=True),
    }
    findings = _evaluate(*runs.items())
    q = _one(findings, "dns-queries")
    assert (
        "only glibc-dynamic asked nx.libctrace.test.libctrace.test A, nx.libctrace.test.libctrace.test AAAA"
    ) in q.explanation
    assert q.title.startswith("DNS queries differ: 2 asked by only some builds; sent ")
    assert "nx.libctrace.test.libctrace.test" not in " ".join(e.line for e in q.evidence if e.run == "musl-static")
    _evidence_is_real(q, runs)
    for label in runs:
        facts = F.extract(runs[label], label)
        assert [m.name for m in facts.dns if m.direction == "query"][-2:] == ["short.libctrace.test"] * 2
    assert "dns-answers" not in {x.id for x in findings}  # NXDOMAIN and one A record for both


def test_go_resolver_without_libc() -> None:
    """Go's own resolver (no libc): reads nsswitch.conf itself, sends EDNS, gets all 60 records
    over UDP; musl keeps the truncated answer. No TCP anywhere, so no dns-transport finding."""
    args = ("many.libctrace.test",)
    runs = {
        "go": scenario_trace("dns-lookup", "go", args, sandbox=True),
        "musl-static": scenario_trace("dns-lookup", "musl-static", args, sandbox=True),
    }
    go = F.extract(runs["go"], "go")
    assert list(go.libcs.values()) == [()] * len(go.libcs)  # no C library in any process
    assert all(m.edns for m in go.dns if m.direction == "query")
    findings = _evaluate(*runs.items())
    ids = {f.id for f in findings}
    assert "dns-transport" not in ids and "second-libc" not in ids and "thread-stack" not in ids
    ans = _one(findings, "dns-answers")
    assert re.fullmatch(r"DNS answers differ: many\.libctrace\.test A: 60 vs \d\d \(TC\)", ans.title)
    assert "go NOERROR 60 over udp" in ans.explanation
    cfg = _one(findings, "nss-config")
    assert cfg.title == "nsswitch.conf read by go, not by musl-static" and "no libc at all" in cfg.explanation
    _evidence_is_real(ans, runs)


def test_malloc_pattern_and_thread_stack() -> None:
    args = ("4", "2000")
    runs = {
        "glibc-dynamic": scenario_trace("malloc-threads", "glibc-dynamic", args),
        "musl-static": scenario_trace("malloc-threads", "musl-static", args),
    }
    findings = _evaluate(*runs.items())
    mp = _one(findings, "malloc-pattern")
    assert re.fullmatch(r"malloc syscalls differ: (futex|munmap) \d+ vs \d+, (futex|munmap) \d+ vs \d+", mp.title)
    assert mp.severity == "behaviour"
    assert {e.run for e in mp.evidence} == {"musl-static"}
    _evidence_is_real(mp, runs)
    ts = _one(findings, "thread-stack")
    assert re.fullmatch(r"Thread stack size differs: 8\.\d MiB vs 1\d\d KiB", ts.title), ts.title
    assert re.search(r"glibc-dynamic 8\.\d MiB, musl-static 1\d\d KiB", ts.explanation)
    stacks = ts.values["stack_bytes"]
    assert stacks["glibc-dynamic"] >= 8 << 20 and 128 << 10 <= stacks["musl-static"] < 256 << 10
    assert set(mp.values["counts"]) <= {"mmap", "munmap", "brk", "madvise", "futex"}
    assert any("clone3" in e.line for e in ts.evidence) and any("clone(" in e.line for e in ts.evidence)
    _evidence_is_real(ts, runs)
    prof = _one(findings, "syscall-profile")
    assert "clone3" in prof.explanation and "rseq" in prof.explanation
    _evidence_is_real(prof, runs)


def test_syscall_profile_counts_more_than_2x_apart(tmp_path: Path) -> None:
    """One build, two workloads: no syscall is used by only one run, but getppid's count is
    10x apart, which is the profile's second half ("counts that differ by more than 2x")."""
    runs = {}
    for n in ("100", "1000"):
        out = tmp_path / f"loop{n}.jsonl"
        proc = libctrace("run", "-q", "-e", "trace=all", "-o", str(out), "--", str(prog("getppid_loop")), n)
        assert proc.returncode == 0, proc.stderr
        runs[f"loop{n}"] = load_trace(str(out))
    prof = _one(_evaluate(*runs.items()), "syscall-profile")
    assert prof.title == "Syscall profile: 0 in only some builds, 1 counts over 2x apart"
    assert prof.explanation.endswith("counts differ more than 2x: getppid 100/1000.")
    assert prof.values["over_2x"] == ["getppid"] and prof.values["only"] == {}


def test_a_rendering_change_changes_no_finding(monkeypatch) -> None:
    """Rules and facts read decoded values, never the text `show` prints: with every event
    rendered as nonsense, the findings are the same but for their evidence lines."""
    import sys

    import libctrace.render.text as render_text
    from libctrace.analyze import diff

    data = ROOT / "tests" / "data"
    for name, builds in (
        ("dns-lookup", ("glibc-dynamic", "glibc-static", "musl-static")),
        ("nss-passwd", ("glibc-dynamic", "glibc-static", "musl-static")),
        ("id", ("busybox-static", "glibc-dynamic")),
    ):
        traces = [load_trace(str(data / f"{name}-{b}.jsonl")) for b in builds]

        def findings(
            traces: list[Trace] = traces, builds: tuple[str, ...] = builds
        ) -> tuple[list[tuple[object, ...]], set[str]]:
            found = diff.compare(traces, list(builds)).findings
            assert found
            return (
                [
                    (
                        f.id,
                        f.severity,
                        f.title,
                        f.explanation,
                        f.runs,
                        dict(f.values),
                        [(e.run, e.seq) for e in f.evidence],
                    )
                    for f in found
                ],
                {e.line for f in found for e in f.evidence},
            )

        before, lines = findings()
        renderers = {
            name: getattr(render_text, name)
            for name in ("format_event", "format_value", "format_sockaddr", "format_buffer")
        }
        for module in [m for n, m in sys.modules.items() if n.startswith("libctrace")]:
            for attr, original in renderers.items():
                if getattr(module, attr, None) is original:  # wherever a renderer is imported
                    monkeypatch.setattr(module, attr, lambda *args, **kwargs: "?")
        after, nonsense = findings()
        assert after == before, name
        assert "?" in nonsense and not nonsense & lines  # the renderer did change
        monkeypatch.undo()


def test_a_rule_and_its_catalogue_entry_come_together() -> None:
    import pytest

    with pytest.raises(RuntimeError, match=r"@rule\('no-such-rule'\) has no \[rule.no-such-rule\]"):
        R.rule("no-such-rule")(lambda ctx: [])
    assert F.flag_set("SOCK_STREAM|SOCK_CLOEXEC") == {"SOCK_STREAM", "SOCK_CLOEXEC"}
    assert "MAP_FIXED" not in F.flag_set("MAP_PRIVATE|MAP_FIXED_NOREPLACE") and F.flag_set(34) == frozenset()
