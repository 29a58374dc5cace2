"""The sandbox through the real CLI, in subprocesses: namespaces, overlays, the DNS server,
and the host's /etc left untouched whatever happens to the run."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, libctrace, trace_lines

pytestmark = pytest.mark.usefixtures("need_root")

HOST_FILES = ("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf")


def host_state() -> dict[str, str]:
    """Digest of the host files the sandbox overlays, plus the host's mount table."""
    state = {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in HOST_FILES if os.path.exists(p)}
    # mount IDs and targets only: counters such as sizes of tmpfs may change on their own
    state["mounts"] = "\n".join(
        " ".join(ln.split()[:5]) for ln in Path("/proc/self/mountinfo").read_text().splitlines()
    )
    return state


def read_trace(path: Path) -> tuple[dict, list[dict]]:
    lines = trace_lines(path)
    return lines[0], lines[1:]


def buffers(value: object) -> list[dict]:
    """Every decoded data buffer ({"hex", "len"}) inside a syscall's arguments."""
    if isinstance(value, dict):
        return [value] if "hex" in value else [b for v in value.values() for b in buffers(v)]
    if isinstance(value, list):
        return [b for v in value for b in buffers(v)]
    return []


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has already stopped serving


def test_default_overlays_and_header(tmp_path: Path) -> None:
    before = host_state()
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "--sandbox", "-o", str(out), "--", "cat", "/etc/resolv.conf", "/etc/hosts")
    assert proc.returncode == 0, proc.stderr
    assert "nameserver 127.0.0.1\nsearch libctrace.test\noptions ndots:1" in proc.stdout
    assert "127.0.0.1\tlocalhost" in proc.stdout
    assert Path("/etc/resolv.conf").read_text() not in proc.stdout  # the host's file was hidden
    header, _ = read_trace(out)
    sandbox = header["sandbox"]
    assert [m["target"] for m in sandbox["mounts"]] == ["/etc/resolv.conf", "/etc/hosts"]
    assert sandbox["dns"]["zone"]["origin"] == "libctrace.test"
    assert "net" in sandbox["namespaces"] and "mnt" in sandbox["namespaces"]
    assert host_state() == before


def test_host_nsswitch_stays_visible_unless_given(tmp_path: Path) -> None:
    proc = libctrace("run", "--sandbox", "--", "cat", "/etc/nsswitch.conf")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == Path("/etc/nsswitch.conf").read_text()
    mine = tmp_path / "nsswitch.conf"
    mine.write_text("hosts: dns\npasswd: files\n")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\nsearch example.test\n")
    # a file option alone implies --sandbox
    proc = libctrace(
        "run",
        "--nsswitch",
        str(mine),
        "--resolv-conf",
        str(resolv),
        "--",
        "cat",
        "/etc/nsswitch.conf",
        "/etc/resolv.conf",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == mine.read_text() + resolv.read_text()


def test_private_network_has_only_loopback_up() -> None:
    proc = libctrace("run", "--sandbox", "--", "cat", "/proc/net/dev")
    assert proc.returncode == 0, proc.stderr
    interfaces = [ln.split(":")[0].strip() for ln in proc.stdout.splitlines()[2:]]
    assert interfaces == ["lo"]
    flags = libctrace("run", "--sandbox", "--", "cat", "/sys/class/net/lo/flags")
    assert int(flags.stdout, 16) & 0x1, "lo is not up"


def test_getent_resolves_through_the_embedded_server(tmp_path: Path) -> None:
    getent = shutil.which("getent")
    if getent is None:
        pytest.skip("getent is not installed")
    out = tmp_path / "t.jsonl"
    proc = libctrace("run", "--sandbox", "-o", str(out), "--", getent, "ahostsv4", "www.libctrace.test")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "192.0.2.10"
    _, events = read_trace(out)
    logged = [(e["transport"], e["name"], e["qtype"], e["rcode"]) for e in events if e["type"] == "dns-log"]
    assert ("udp", "www.libctrace.test", "A", "NOERROR") in logged
    # the query the server logged is the one the program sent: the DNS id is on both sides
    sent_ids = {
        int(buf["hex"][:4], 16)
        for e in events
        if e["type"] == "syscall" and e["name"] in ("sendto", "sendmmsg", "sendmsg")
        for buf in buffers(e["args"])
    }
    assert {e["id"] for e in events if e["type"] == "dns-log"} <= sent_ids


def test_custom_zone_and_hosts(tmp_path: Path) -> None:
    zone = tmp_path / "my.zone"
    zone.write_text("$ORIGIN example.test.\n@ IN SOA ns hm 1 1 1 1 1\napp IN A 198.51.100.7\n")
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n203.0.113.9 pinned.example.test\n")
    proc = libctrace(
        "run",
        "--dns-zone",
        str(zone),
        "--hosts",
        str(hosts),
        "--",
        "getent",
        "ahostsv4",
        "app.example.test",
        "pinned.example.test",
    )
    assert proc.returncode == 0, proc.stderr
    assert "198.51.100.7" in proc.stdout and "203.0.113.9" in proc.stdout
    # the default zone is not served beside a custom one
    proc = libctrace("run", "--dns-zone", str(zone), "--", "getent", "hosts", "www.libctrace.test")
    assert proc.returncode == 2 and proc.stdout == ""  # getent: key not found


def _start_long_run(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / "t.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "libctrace", "run", "--sandbox", *extra, "-o", str(out), "--", "sleep", "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not (out.exists() and out.read_text().strip()):  # header written: the sandbox is up
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never wrote its header"
        time.sleep(0.05)
    return proc, out


def test_interrupted_run_leaves_the_host_untouched(tmp_path: Path) -> None:
    before = host_state()
    proc, out = _start_long_run(tmp_path)
    header, _ = read_trace(out)
    server = header["sandbox"]["dns"]["server_pid"]
    assert alive(server)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode != 0
    deadline = time.monotonic() + 5
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(server), "the DNS server outlived the interrupted run"
    assert host_state() == before


def test_killed_tracer_takes_the_server_with_it(tmp_path: Path) -> None:
    # SIGKILL leaves no chance to clean up: the server notices its lifeline closing
    before = host_state()
    proc, out = _start_long_run(tmp_path)
    server = read_trace(out)[0]["sandbox"]["dns"]["server_pid"]
    proc.kill()
    proc.communicate(timeout=20)
    deadline = time.monotonic() + 5
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(server)
    assert host_state() == before


def test_timeout_leaves_the_host_untouched(tmp_path: Path) -> None:
    before = host_state()
    out = tmp_path / "t.jsonl"
    start = time.monotonic()
    proc = libctrace("run", "--sandbox", "--timeout", "1", "-o", str(out), "--", "sleep", "30")
    assert time.monotonic() - start < 15
    assert proc.returncode != 0
    header, events = read_trace(out)
    assert events[-1]["type"] == "footer" and events[-1]["outcome"] == "timeout"
    assert not alive(header["sandbox"]["dns"]["server_pid"])
    assert host_state() == before


def test_unprivileged_user_namespace(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) is not installed")
    # uid 1000 inside a user namespace of its own, no capabilities: the unprivileged path
    out = tmp_path / "t.jsonl"
    proc = subprocess.run(
        [
            unshare,
            "--user",
            "--map-user=1000",
            "--map-group=1000",
            sys.executable,
            "-m",
            "libctrace",
            "run",
            "--sandbox",
            "-o",
            str(out),
            "--",
            "getent",
            "ahostsv4",
            "short",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "refused" in proc.stderr:
        pytest.skip(f"this kernel refuses nested user namespaces: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "192.0.2.20"
    assert "user" in read_trace(out)[0]["sandbox"]["namespaces"]


def test_refused_user_namespace_is_a_one_line_error() -> None:
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if unshare is None or setpriv is None:
        pytest.skip("unshare(1) and setpriv(1) are needed to drop the privileges")
    # root without capabilities, in a namespace whose user-namespace limit is 0
    script = (
        "echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --bounding-set=-all "
        f"--inh-caps=-all {sys.executable} -m libctrace run --sandbox -- true"
    )
    proc = subprocess.run(
        [unshare, "--user", "--map-root-user", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert_one_line_error(proc, "--sandbox needs root or an unprivileged user namespace", "max_user_namespaces")


def test_sequential_sandboxes_in_one_process(tmp_path: Path) -> None:
    # what `demo` does: several sandboxes, each with its own overlays, one after another
    first, second = tmp_path / "a.conf", tmp_path / "b.conf"
    first.write_text("nameserver 127.0.0.1\nsearch first.test\n")
    second.write_text("nameserver 127.0.0.1\nsearch second.test\n")
    script = f"""
import subprocess
from libctrace.sandbox import SandboxConfig, open_sandbox
for conf in ({str(first)!r}, {str(second)!r}, {str(first)!r}):
    with open_sandbox(SandboxConfig(resolv_conf=conf)) as s:
        print(subprocess.run(["cat", "/etc/resolv.conf"], capture_output=True, text=True).stdout.split()[-1])
        subprocess.run(["getent", "hosts", "www.libctrace.test"], capture_output=True)
        print(len(s.drain_log()) > 0)
print(open("/etc/resolv.conf").read() == {Path("/etc/resolv.conf").read_text()!r})
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["first.test", "True", "second.test", "True", "first.test", "True", "True"]


def test_bad_input_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zone"
    bad.write_text("www IN BOGUS 1\n")
    assert_one_line_error(libctrace("run", "--dns-zone", str(bad), "--", "true"), "zone file", "bad.zone")
    missing = tmp_path / "nope.conf"
    assert_one_line_error(libctrace("run", "--resolv-conf", str(missing), "--", "true"), "nope.conf")
    # an error from inside the sandbox still leaves through the one-line path
    assert_one_line_error(libctrace("run", "--sandbox", "--", str(tmp_path / "no-such-prog")), "no-such-prog")


def test_symlinked_target_is_covered_at_its_real_path(tmp_path: Path) -> None:
    # /etc/resolv.conf under systemd-resolved is a symlink into /run: the bind goes on the target
    real = tmp_path / "run" / "stub-resolv.conf"
    real.parent.mkdir()
    real.write_text("nameserver 127.0.0.53\n")
    link = tmp_path / "resolv.conf"
    link.symlink_to(real)
    overlay = tmp_path / "overlay.conf"
    overlay.write_text("nameserver 127.0.0.1\n")
    script = f"""
from libctrace.sandbox import namespaces
ns = namespaces.enter()
print(ns.bind_file({str(overlay)!r}, {str(link)!r}))
print(open({str(link)!r}).read().strip())
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(real), "nameserver 127.0.0.1"]
    assert real.read_text() == "nameserver 127.0.0.53\n" and link.is_symlink()  # outside: untouched


def test_leaving_waits_for_a_finishing_thread(need_root: None) -> None:
    # rich's spinner stops its refresh thread without joining it; setns(CLONE_NEWNS) fails with
    # EINVAL while any other thread still shares our fs_struct.
    script = (
        "import threading, time\n"
        "from libctrace.sandbox import open_sandbox, SandboxConfig\n"
        "with open_sandbox(SandboxConfig()):\n"
        "    threading.Thread(target=time.sleep, args=(0.3,), daemon=True).start()\n"
        "print('left')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout == "left\n", proc.stderr
