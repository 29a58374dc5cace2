"""The sandbox's authoritative DNS server: UDP and TCP, in a process of its own.

It behaves like a real server where libcs differ: UDP answers larger than 512 bytes (or than
the EDNS size the query advertised) are truncated with TC set, keeping the records that fit —
so a client that ignores TC (musl 1.2.3) gets a partial list and one that honours it (glibc)
asks again over TCP, where the full answer is sent. It logs every message it receives as a
`dns-log` event (docs/sandbox.md) to a JSON Lines file the tracer drains.

It runs in a grandchild process so that answers are never delayed by the tracer's GIL and
so that the tracer's waitpid() never sees it; it exits when the tracer closes the lifeline
pipe or dies.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dnslib import CLASS, EDNS0, QTYPE, RCODE, DNSError, DNSHeader, DNSRecord
from dnslib.server import TCPServer, UDPServer

from libctrace.errors import LibctraceError
from libctrace.sandbox.zone import Behaviour, Zone

UDP_LIMIT = 512  # RFC 1035: the UDP payload a client without EDNS accepts
TCP_IDLE = 10.0  # seconds a TCP connection may sit idle before the server closes it
MAX_CNAME_CHAIN = 8


class DnsServerError(LibctraceError):
    """The embedded DNS server could not start."""


def _edns_size(request: DNSRecord) -> int | None:
    """The UDP payload size the query advertises in its OPT record, or None without EDNS."""
    for ar in request.ar:
        if ar.rtype == QTYPE.OPT:
            return int(ar.rclass)  # OPT carries the size in the class field (RFC 6891)
    return None


def resolve(zone: Zone, request: DNSRecord) -> tuple[DNSRecord, Behaviour]:
    """The complete answer to a query, before any UDP truncation."""
    q = request.q
    behaviour = zone.behaviours.get(q.qname, Behaviour())
    ours = zone.in_zone(q.qname)
    reply = request.reply(ra=1, aa=1 if ours else 0)
    edns = _edns_size(request)
    if edns is not None:
        reply.add_ar(EDNS0(udp_len=4096))
    if request.header.opcode != 0:
        reply.header.rcode = RCODE.NOTIMP
        return reply, behaviour
    if behaviour.servfail:
        reply.header.rcode = RCODE.SERVFAIL
        return reply, behaviour
    name = q.qname
    for _ in range(MAX_CNAME_CHAIN):
        rrs = zone.records.get(name, [])
        matched = [rr for rr in rrs if rr.rtype == q.qtype or q.qtype == QTYPE.ANY]
        cnames = [rr for rr in rrs if rr.rtype == QTYPE.CNAME]
        if matched:
            reply.rr.extend(matched)
            break
        if cnames and q.qtype != QTYPE.CNAME:
            reply.rr.extend(cnames[:1])
            name = cnames[0].rdata.label
            continue
        # NXDOMAIN only for names that do not exist at all; other types are NODATA (RFC 2308)
        if not zone.exists(name):
            reply.header.rcode = RCODE.NXDOMAIN
        if zone.soa is not None and zone.in_zone(name):
            reply.auth.append(zone.soa)
        break
    return reply, behaviour


def truncate_to(reply: DNSRecord, limit: int) -> bytes:
    """Packs the reply into `limit` bytes: whole answer records that fit, then TC (RFC 2181 9)."""
    data = reply.pack()
    if len(data) <= limit:
        return data
    full, reply.rr, reply.auth = list(reply.rr), [], []
    reply.header.tc = 1
    data = reply.pack()
    for rr in full:
        reply.rr.append(rr)
        candidate = reply.pack()
        if len(candidate) > limit:
            reply.rr.pop()
            break
        data = candidate
    return data


def _rdata_text(rr: Any) -> str:
    return f"{QTYPE[rr.rtype]} {rr.rdata.toZone()}"


class Answerer:
    """Turns one received message into reply bytes and one log record."""

    def __init__(self, zone: Zone, log: Callable[[dict[str, Any]], None]) -> None:
        self.zone = zone
        self.log = log

    def answer(self, data: bytes, transport: str, client: tuple[str, int]) -> bytes | None:
        entry: dict[str, Any] = {
            "type": "dns-log",
            "pid": os.getpid(),  # the server is the process that observed the message
            "wall": time.time(),
            "client": {"addr": client[0], "port": client[1]},
            "transport": transport,
            "size": len(data),
        }
        try:
            request = DNSRecord.parse(data)
        except (DNSError, IndexError, struct.error) as e:
            entry.update(error=f"unparsable message: {e}", rcode=None, tc=False, answers=[])
            self.log(entry)
            return None  # like BIND: garbage without a readable header gets no answer
        edns = _edns_size(request)
        entry.update(id=request.header.id, edns=edns if edns is not None else False)
        if not request.questions:
            entry.update(name=None, qtype=None, rcode="FORMERR", tc=False, answers=[], answers_total=0)
            self.log(entry)
            return DNSRecord(DNSHeader(id=request.header.id, qr=1, rcode=RCODE.FORMERR)).pack()
        reply, behaviour = resolve(self.zone, request)
        total = len(reply.rr)
        if behaviour.delay:
            time.sleep(behaviour.delay)  # in this handler's own thread: other queries go on
        if transport == "udp":
            out = truncate_to(reply, max(UDP_LIMIT, edns or 0))
        else:
            out = reply.pack()
        entry.update(
            name=str(request.q.qname).rstrip(".") or ".",
            qtype=QTYPE.get(request.q.qtype, str(request.q.qtype)),
            qclass=CLASS.get(request.q.qclass, str(request.q.qclass)),
            rcode=RCODE.get(reply.header.rcode, str(reply.header.rcode)),
            tc=bool(reply.header.tc),
            answers=[_rdata_text(rr) for rr in reply.rr],
            answers_total=total,
            reply_size=len(out),
            delay=behaviour.delay,
        )
        self.log(entry)
        return out


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class _Handler(socketserver.BaseRequestHandler):
    """Replaces dnslib's DNSHandler, which answers one message per TCP connection: clients
    such as glibc send A and AAAA on the same connection, so this one serves all until EOF."""

    def handle(self) -> None:
        answerer: Answerer = self.server.answerer  # type: ignore[attr-defined]
        client = (self.client_address[0], self.client_address[1])
        if self.server.socket_type == socket.SOCK_DGRAM:  # type: ignore[attr-defined]
            data, sock = self.request
            out = answerer.answer(data, "udp", client)
            if out is not None:
                sock.sendto(out, self.client_address)
            return
        conn: socket.socket = self.request
        conn.settimeout(TCP_IDLE)
        try:
            while (head := _recv_exact(conn, 2)) is not None:
                data = _recv_exact(conn, struct.unpack("!H", head)[0])
                if data is None:
                    return
                out = answerer.answer(data, "tcp", client)
                if out is not None:
                    conn.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            return  # client reset or idle timeout: nothing to answer


def _bind_pair(answerer: Answerer, host: str, port: int) -> tuple[UDPServer, TCPServer]:
    udp = UDPServer((host, port), _Handler)
    port = udp.server_address[1]  # the kernel's choice when port was 0
    try:
        tcp = TCPServer((host, port), _Handler)
    except OSError:
        udp.server_close()
        raise
    for srv in (udp, tcp):
        srv.answerer = answerer  # type: ignore[attr-defined]
    return udp, tcp


def _serve(zone: Zone, host: str, port: int, log_path: str, ready_w: int, life_r: int, scratch: str | None) -> None:
    """Body of the server process: bind, report readiness, serve until the lifeline closes."""
    lock = threading.Lock()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)

    def log(entry: dict[str, Any]) -> None:
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        with lock:  # one write per line so the reader never sees two lines interleaved
            os.write(log_fd, line)

    udp, tcp = _bind_pair(Answerer(zone, log), host, port)
    for srv in (udp, tcp):
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    os.write(ready_w, (json.dumps({"pid": os.getpid(), "port": udp.server_address[1]}) + "\n").encode())
    # ready_w stays open until this process ends: its EOF tells stop() the server is gone.
    while os.read(life_r, 1):
        pass
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass
class ServerProcess:
    pid: int
    port: int
    log_path: str
    _done_r: int
    _life_w: int
    _offset: int = 0

    def drain(self) -> list[dict[str, Any]]:
        """dns-log records written since the last drain (complete lines only)."""
        with open(self.log_path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self._offset += end
        # lines are written when answered: a delayed answer comes after later queries
        return sorted((json.loads(line) for line in chunk[:end].splitlines()), key=lambda e: e["wall"])

    def stop(self, timeout: float = 5.0) -> None:
        """Closes the lifeline and waits for the process to exit (SIGKILL after timeout)."""
        if self._life_w < 0:
            return
        os.close(self._life_w)
        self._life_w = -1
        ready, _, _ = select.select([self._done_r], [], [], timeout)
        if not ready:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            select.select([self._done_r], [], [], timeout)
        os.close(self._done_r)


def _close_other_fds(keep: set[int]) -> None:
    """The server must not hold other descriptors of the tracer (another server's lifeline,
    a trace file): a held lifeline would keep that server alive after its stop()."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor listdir used, already gone


def start_server(
    zone: Zone, log_path: str, host: str = "127.0.0.1", port: int = 53, scratch: str | None = None
) -> ServerProcess:
    """Starts the server in a detached grandchild and returns once it answers on host:port
    (port 0 picks a free port, for tests on the host loopback). `scratch` is a directory the
    server deletes when it ends: it outlives the tracer, so even a SIGKILLed tracer leaves
    nothing behind."""
    ready_r, ready_w = os.pipe()
    life_r, life_w = os.pipe()
    child = os.fork()
    if child == 0:
        status = 0
        try:
            os.close(ready_r)
            os.close(life_w)
            if os.fork() != 0:
                os._exit(0)
            os.setsid()  # a Ctrl-C meant for the tracer must not kill the server first
            _close_other_fds({ready_w, life_r})
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # never hold the tracer's stdout pipe open
                os.dup2(devnull, fd)
            _serve(zone, host, port, log_path, ready_w, life_r, scratch)
        except BaseException as e:  # report any failure to the parent, which raises it
            msg = e.strerror if isinstance(e, OSError) and e.strerror else str(e) or type(e).__name__
            os.write(ready_w, (json.dumps({"error": msg}) + "\n").encode())
            status = 1
        finally:
            os._exit(status)
    os.close(ready_w)
    os.close(life_r)
    os.waitpid(child, 0)  # the intermediate process exits at once
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(ready_r, 4096)
        if not chunk:
            break
        line += chunk
    info = json.loads(line) if line.endswith(b"\n") else {"error": "server process died while starting"}
    if "error" in info:
        os.close(ready_r)
        os.close(life_w)
        raise DnsServerError(f"cannot start the sandbox DNS server on {host}:{port}: {info['error']}")
    return ServerProcess(
        pid=int(info["pid"]), port=int(info["port"]), log_path=log_path, _done_r=ready_r, _life_w=life_w
    )
