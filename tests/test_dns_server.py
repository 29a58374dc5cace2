"""The sandbox DNS server, on the host loopback at a free port, queried with dnslib's client."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dnslib import EDNS0, QTYPE, RCODE, DNSHeader, DNSLabel, DNSRecord

from libctrace.sandbox.dns_server import ServerProcess, start_server
from libctrace.sandbox.zone import ZoneError, load_zone, parse_zone

MANY = [f"192.0.2.{i}" for i in range(100, 160)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("dns") / "log.jsonl"
    srv = start_server(load_zone(None), str(log), host="127.0.0.1", port=0)
    yield srv
    srv.stop()


def ask(
    srv: ServerProcess, name: str, qtype: str = "A", *, tcp: bool = False, edns: int | None = None
) -> tuple[DNSRecord, int]:
    q = DNSRecord.question(name, qtype)
    if edns is not None:
        q.add_ar(EDNS0(udp_len=edns))
    raw = q.send("127.0.0.1", srv.port, tcp=tcp, timeout=5)
    return DNSRecord.parse(raw), len(raw)


def addrs(reply: DNSRecord) -> list[str]:
    return [str(rr.rdata) for rr in reply.rr]


def last_log(srv: ServerProcess) -> dict:
    entries = srv.drain()
    assert entries, "the server logged nothing"
    return entries[-1]


def test_a_and_aaaa_over_udp_and_tcp(server: ServerProcess) -> None:
    for tcp in (False, True):
        a, _ = ask(server, "www.libctrace.test", "A", tcp=tcp)
        aaaa, _ = ask(server, "WWW.LibCtrace.Test", "AAAA", tcp=tcp)  # names are case-insensitive
        assert (a.header.rcode, addrs(a)) == (RCODE.NOERROR, ["192.0.2.10"])
        assert (aaaa.header.rcode, addrs(aaaa)) == (RCODE.NOERROR, ["2001:db8::10"])
        assert a.header.aa == 1 and a.header.tc == 0
    entry = last_log(server)
    assert (entry["transport"], entry["qtype"], entry["answers"]) == ("tcp", "AAAA", ["AAAA 2001:db8::10"])


def test_udp_without_edns_truncates_and_keeps_what_fits(server: ServerProcess) -> None:
    reply, size = ask(server, "many.libctrace.test")
    assert reply.header.tc == 1
    assert size <= 512
    # every kept record is whole and in zone order: the partial list musl 1.2.3 would use
    assert 0 < len(reply.rr) < 60
    assert addrs(reply) == MANY[: len(reply.rr)]
    # one more 16-byte A record would not have fitted
    assert size + 16 > 512
    entry = last_log(server)
    assert entry["tc"] is True and entry["edns"] is False
    assert entry["answers_total"] == 60 and len(entry["answers"]) == len(reply.rr)


def test_tcp_gives_the_full_answer(server: ServerProcess) -> None:
    reply, size = ask(server, "many.libctrace.test", tcp=True)
    assert reply.header.tc == 0 and addrs(reply) == MANY and size > 512


def test_edns_4096_means_no_truncation(server: ServerProcess) -> None:
    reply, size = ask(server, "many.libctrace.test", edns=4096)
    assert reply.header.tc == 0 and addrs(reply) == MANY and size > 512
    assert any(ar.rtype == QTYPE.OPT for ar in reply.ar)  # the answer speaks EDNS back
    assert last_log(server)["edns"] == 4096


def test_edns_size_smaller_than_answer_still_truncates(server: ServerProcess) -> None:
    reply, size = ask(server, "many.libctrace.test", edns=700)
    assert reply.header.tc == 1 and size <= 700 and 29 < len(reply.rr) < 60


def test_nxdomain_and_nodata(server: ServerProcess) -> None:
    nx, _ = ask(server, "nx.libctrace.test")
    assert nx.header.rcode == RCODE.NXDOMAIN and not nx.rr
    assert [QTYPE[rr.rtype] for rr in nx.auth] == ["SOA"]  # negative answers carry the SOA
    for qtype in ("A", "AAAA"):
        nodata, _ = ask(server, "nodata.libctrace.test", qtype)
        assert nodata.header.rcode == RCODE.NOERROR and not nodata.rr
    txt, _ = ask(server, "nodata.libctrace.test", "TXT")
    assert [QTYPE[rr.rtype] for rr in txt.rr] == ["TXT"]
    v6a, _ = ask(server, "v6only.libctrace.test", "A")
    v6, _ = ask(server, "v6only.libctrace.test", "AAAA")
    assert (v6a.header.rcode, v6a.rr, addrs(v6)) == (RCODE.NOERROR, [], ["2001:db8::6"])
    outside, _ = ask(server, "short")  # not below the zone: this server knows nothing else
    assert outside.header.rcode == RCODE.NXDOMAIN and outside.header.aa == 0


def test_servfail(server: ServerProcess) -> None:
    for qtype in ("A", "AAAA"):
        reply, _ = ask(server, "fail.libctrace.test", qtype)
        assert reply.header.rcode == RCODE.SERVFAIL and not reply.rr
    assert last_log(server)["rcode"] == "SERVFAIL"


def test_delay_is_measured_and_does_not_block_other_queries(server: ServerProcess) -> None:
    q = DNSRecord.question("slow.libctrace.test")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    start = time.monotonic()
    sock.sendto(q.pack(), ("127.0.0.1", server.port))
    # while slow waits its 2 s, another query is answered at once
    fast, _ = ask(server, "www.libctrace.test")
    fast_elapsed = time.monotonic() - start
    reply = DNSRecord.parse(sock.recv(4096))
    slow_elapsed = time.monotonic() - start
    sock.close()
    assert addrs(fast) == ["192.0.2.10"] and fast_elapsed < 1.0
    assert addrs(reply) == ["192.0.2.30"] and 1.9 <= slow_elapsed < 4.0
    slow_entry = [e for e in server.drain() if e["name"] == "slow.libctrace.test"]
    assert slow_entry and slow_entry[0]["delay"] == 2.0


def test_two_queries_on_one_tcp_connection(server: ServerProcess) -> None:
    # glibc sends A and AAAA back to back on one TCP connection after a TC answer
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        for qtype in ("A", "AAAA"):
            msg = DNSRecord.question("www.libctrace.test", qtype).pack()
            conn.sendall(struct.pack("!H", len(msg)) + msg)
        answers = []
        for _ in range(2):
            (n,) = struct.unpack("!H", conn.recv(2, socket.MSG_WAITALL))
            answers.append(addrs(DNSRecord.parse(conn.recv(n, socket.MSG_WAITALL))))
    assert answers == [["192.0.2.10"], ["2001:db8::10"]]


def test_log_records_client_and_id(server: ServerProcess) -> None:
    server.drain()
    q = DNSRecord.question("www.libctrace.test")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.bind(("127.0.0.1", 0))
        sock.sendto(q.pack(), ("127.0.0.1", server.port))
        sock.recv(512)
        port = sock.getsockname()[1]
    (entry,) = server.drain()
    assert entry["type"] == "dns-log" and entry["client"] == {"addr": "127.0.0.1", "port": port}
    assert entry["id"] == q.header.id and entry["name"] == "www.libctrace.test"
    assert abs(entry["wall"] - time.time()) < 5


def test_garbage_is_logged_not_answered(server: ServerProcess) -> None:
    server.drain()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        sock.sendto(b"\x01\x02\x03", ("127.0.0.1", server.port))
        with pytest.raises(socket.timeout):
            sock.recv(512)
    (entry,) = server.drain()
    assert entry["error"].startswith("unparsable message")


def test_formerr_and_notimp(server: ServerProcess) -> None:
    def exchange(msg: DNSRecord) -> DNSRecord:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(msg.pack(), ("127.0.0.1", server.port))
            return DNSRecord.parse(sock.recv(512))

    empty = exchange(DNSRecord(DNSHeader(id=7)))  # a header without a question
    assert (empty.header.id, empty.header.rcode, empty.questions) == (7, RCODE.FORMERR, [])
    status = DNSRecord.question("www.libctrace.test")
    status.header.opcode = 2  # STATUS: not a query this server implements
    assert exchange(status).header.rcode == RCODE.NOTIMP
    assert [e["rcode"] for e in server.drain()][-2:] == ["FORMERR", "NOTIMP"]


def test_zone_control_records(tmp_path: Path) -> None:
    zone = parse_zone(
        '$ORIGIN example.test.\n@ IN SOA ns hm 1 1 1 1 1\nx IN A 192.0.2.1\nx._libctrace IN TXT "servfail delay=0.5"\n',
        "t.zone",
    )
    b = zone.behaviours[DNSLabel("x.example.test")]
    assert (b.servfail, b.delay) == (True, 0.5)
    with pytest.raises(ZoneError, match="unknown word 'explode'"):
        parse_zone('$ORIGIN e.test.\ny._libctrace IN TXT "explode"\n', "bad.zone")
    bad = tmp_path / "bad.zone"
    bad.write_text("www IN A not-an-address\n")
    with pytest.raises(ZoneError, match="cannot parse"):
        load_zone(str(bad))


def test_custom_zone_cname_and_empty_non_terminal(tmp_path: Path) -> None:
    zone = parse_zone(
        "$ORIGIN example.test.\n@ IN SOA ns hm 1 1 1 1 1\nalias IN CNAME real\nreal IN A 198.51.100.1\n"
        "deep.sub IN A 198.51.100.2\n",
        "custom.zone",
    )
    srv = start_server(zone, str(tmp_path / "log.jsonl"), port=0)
    try:
        reply, _ = ask(srv, "alias.example.test")
        assert [(QTYPE[rr.rtype], str(rr.rdata)) for rr in reply.rr] == [
            ("CNAME", "real.example.test."),
            ("A", "198.51.100.1"),
        ]
        # sub.example.test owns no record but has one below it: it exists (NODATA), RFC 8020
        sub, _ = ask(srv, "sub.example.test")
        assert sub.header.rcode == RCODE.NOERROR and not sub.rr
        # the default zone is not served beside a custom one
        www, _ = ask(srv, "www.libctrace.test")
        assert www.header.rcode == RCODE.NXDOMAIN
    finally:
        srv.stop()
