"""`libctrace demo`: the whole tour through the real CLI, in the real sandbox."""

from __future__ import annotations

import re
import time

from helpers import assert_one_line_error, libctrace


def test_whole_demo(need_root):
    start = time.monotonic()
    proc = libctrace("demo", timeout=300)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert elapsed < 240, f"demo took {elapsed:.0f} s"  # six steps, each well under two minutes
    steps = [out.index(f"Step {n}/6") for n in range(1, 7)]
    assert steps == sorted(steps)
    nss, dns, iconv, malloc, glibc, allocator = (out[a:b] for a, b in zip(steps, [*steps[1:], len(out)], strict=True))
    nss, dns, iconv = (" ".join(s.split()) for s in (nss, dns, iconv))  # finding titles wrap at 80 columns
    # 1: the static glibc build maps a second libc through NSS; musl never reads nsswitch.conf
    assert re.search(r"CRITICAL +\[second-libc\] glibc-static", nss)
    assert "[nss-config] nsswitch.conf read by glibc-dynamic, glibc-static, not by musl-static" in nss
    assert "[nss-module]" in nss and "libnss_ctrace.so.2" in nss
    # 2: glibc falls back to TCP after the truncated 60-record answer, musl keeps the UDP part
    assert "[dns-transport] DNS over TCP in glibc-dynamic only" in dns
    assert "[dns-answers]" in dns and "60" in dns
    # 3: glibc dlopens gconv modules (the static build: a second libc again), musl opens nothing
    assert "[gconv-module]" in iconv and "[second-libc] glibc-static" in iconv
    # 4: allocator pattern from the trace, and timings of untraced runs
    assert "[malloc-pattern]" in malloc
    timing = re.findall(r"^  (glibc-dynamic|musl-static) +([\d.]+) s  \(", malloc, re.M)
    assert [t[0] for t in timing] == ["glibc-dynamic", "musl-static"] and all(float(t[1]) > 0 for t in timing)
    # 5: inspect's verdicts first, then the loader's refusal of the 2.38 build; both fixes run
    glibc = " ".join(glibc.split())
    assert "glibc-2.38 glibc dynamic, needs GLIBC 2.38: runs on" in glibc
    runs = {v: int(n) for v, n in re.findall(r"(glibc-\S+) glibc dynamic, needs GLIBC [\d.]+: runs on (\d+) of", glibc)}
    assert runs["glibc-2.17"] > runs["glibc-dynamic"] > runs["glibc-2.38"], runs
    assert "[loader-refusal] glibc-2.38 never started: missing symbol version, needs GLIBC_2.38" in glibc
    # 6: the swapped allocators: the churn gone from the trace, and the untraced times of all four
    assert "[malloc-pattern]" in allocator
    walls = dict(re.findall(r"^  (musl-static|musl-mimalloc|musl-jemalloc|glibc-dynamic) +([\d.]+) s", allocator, re.M))
    assert set(walls) == {"musl-static", "musl-mimalloc", "musl-jemalloc", "glibc-dynamic"}
    assert float(walls["musl-mimalloc"]) < float(walls["musl-static"]) > float(walls["musl-jemalloc"])
    assert "skipped" not in out and "expected finding(s) not seen" not in out
    # 80 columns in a pipe; only the commands to repeat a step stay whole, to be pasteable
    assert all(len(line) <= 80 for line in out.splitlines() if not line.startswith("$ libctrace"))


def test_one_step(need_root):
    proc = libctrace("demo", "--step", "3", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Step 3/6" in proc.stdout and "Step 1/6" not in proc.stdout and "Step 4/6" not in proc.stdout
    assert "[gconv-module]" in proc.stdout


def test_bad_step():
    assert_one_line_error(libctrace("demo", "--step", "9"), "--step")


def test_help_has_examples():
    proc = libctrace("demo", "--help")
    assert proc.returncode == 0 and "Examples:" in proc.stdout and "libctrace demo --step 2" in proc.stdout
