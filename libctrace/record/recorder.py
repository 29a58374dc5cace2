"""The ptrace loop: one waitpid(-1, __WALL) loop over every traced thread, raw ptrace calls.

python-ptrace's high-level debugger is not used: it costs several register reads and Python
objects per stop. Each stop is read with one PTRACE_GET_SYSCALL_INFO call (registers only on
kernels without it). With a seccomp filter the tracee runs freely and stops only at the
selected calls: seccomp stop (entry) -> PTRACE_SYSCALL -> exit stop -> PTRACE_CONT.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import os
import signal
import struct
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from libctrace import __version__
from libctrace.analyze.hostfiles import snapshot as host_files
from libctrace.elf.cache import executable_summary
from libctrace.errors import LibctraceError, ProgramError
from libctrace.model import Event, Trace, ended, header_record, run_status
from libctrace.record.launcher import PTRACE_INTERRUPT, Launched, attach, build_filter, launch, resolve_program

# The recorder's names for the requests and events of libctrace/record/rawptrace.py (one source).
from libctrace.record.rawptrace import (
    PTRACE,
    PTRACE_CONT as _PTRACE_CONT,
    PTRACE_DETACH as _PTRACE_DETACH,
    PTRACE_EVENT_CLONE as _EV_CLONE,
    PTRACE_EVENT_EXEC as _EV_EXEC,
    PTRACE_EVENT_FORK as _EV_FORK,
    PTRACE_EVENT_SECCOMP as _EV_SECCOMP,
    PTRACE_EVENT_STOP as _EV_STOP,
    PTRACE_EVENT_VFORK as _EV_VFORK,
    PTRACE_GET_SYSCALL_INFO as _PTRACE_GET_SYSCALL_INFO,
    PTRACE_GETEVENTMSG as _PTRACE_GETEVENTMSG,
    PTRACE_LISTEN as _PTRACE_LISTEN,
    PTRACE_SYSCALL as _PTRACE_SYSCALL,
    SYSCALL_TRAP as _SYSCALL_TRAP,
    WALL as _WALL,
    get_errno,
    ptrace,
)
from libctrace.record.stoploop import FULL, STOP, StopLoop, load as load_stoploop
from libctrace.syscalls.decode import (
    CLONE_FILES,
    CLONE_THREAD,
    CLONE_VFORK,
    ENTRY_DECODED,
    ERRNAMES,
    LENGTH_AT_ENTRY,
    NO_MEMORY,
    Decoder,
    errname,
    plain as decode_plain,
    siginfo,
    signame,
)
from libctrace.syscalls.decode.copied import COPIED, CopiedMemory
from libctrace.syscalls.spec import (
    EXECS,
    EXITS,
    FD_TABLE,
    I386_NAMES,
    I386_NARGS,
    LIFECYCLE,
    NAMES,
    NARGS,
    NUMBERS,
    parse_trace_set,
)
from libctrace.traceio import TraceWriter

_STOP_SIGNALS = frozenset((signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU))
_OP_ENTRY, _OP_EXIT, _OP_SECCOMP = 1, 2, 3
_INFO_SIZE = 88  # sizeof(struct ptrace_syscall_info)
_AUDIT_ARCH_X86_64 = 0xC000003E
# A call of the i386 ABI (`int $0x80`) is keyed by its i386 number plus this bit, apart from
# the x86_64 numbers. Every such call is recorded, whatever the trace set: the filter stops on
# all of them anyway (another architecture), they are rare, and strace shows them.
_I386 = 1 << 32
# One unpack per stop: op, arch, (instruction and stack pointers skipped), then at offset 24
# nr and args[6] for entry and seccomp stops, or rval and is_error (the low byte at offset 32;
# the kernel copies only 33 bytes then, the rest of the buffer is stale) for exit stops.
_INFO = struct.Struct("=B3xI16xq6Q")
# The pending entry of an exec's own exit stop (no number: syscall(-1) is a call like any other).
_EXEC_EXIT = -(1 << 63)
_U64, _S64 = 1 << 64, 1 << 63
_BATCH = 512  # events encoded and written at once: cheap per event, little lost on a crash
# Events are also written once they are this old (seconds), so that `tail -f` follows a quiet
# program and a SIGKILLed libctrace loses little; a timer (SIGALRM) checks it.
_FLUSH_EVERY = 0.5


@dataclass(eq=False, repr=False)  # only __init__ generated: each method costs start-up time
class RecordOptions:
    argv: list[str]
    output: str | None = None  # stream the trace there (TraceWriter) as recorded
    trace_set: str = "default"  # -e trace= expression
    strsize: int = 256
    timeout: float | None = None
    record_env_values: bool = False
    env: dict[str, str] | None = None  # environment for the program (None: inherit)
    cwd: str | None = None
    sandbox: dict | None = None  # goes to header["sandbox"]
    # Called once at the end, before the footer; its events get seq numbers, and an event's
    # "wall" (epoch seconds) becomes "t".
    extra_events: Callable[[], list[dict]] | None = None
    # Called once every process ended, before the footer: its result is footer["output"]
    # (libctrace/record/capture.py: the program's stdout and stderr, captured whole).
    collect_output: Callable[[], dict] | None = None
    stdin: int | None = None  # fds for the program; None: inherit (terminal)
    stdout: int | None = None
    stderr: int | None = None
    # Read stops with PTRACE_GET_SYSCALL_INFO; False reads registers, as libctrace does on
    # kernels older than 5.3 (which lack it).
    syscall_info: bool = True
    # False: the returned Trace has no events (they went to `output`, or nowhere): `run` needs
    # only the header and footer, and memory stays flat however long the program runs.
    keep_events: bool = True
    # Called with each event as soon as it is recorded (`run` printing live, like strace).
    live: Callable[[list[Event]], None] | None = None
    # Attach to these running processes (`run -p`) instead of starting argv; on Ctrl-C or the
    # timeout they are detached and go on running.
    attach: list[int] | None = None
    # True (diff): a program the kernel refuses to exec (missing interpreter: ENOENT, another
    # architecture: ENOEXEC) gives its trace (the failed execve, exit 127) instead of an error.
    trace_exec_failure: bool = False


class _Stop(BaseException):
    """Raised from a signal handler to leave the loop: Ctrl-C or --timeout."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def _header(opts: RecordOptions, path: str, trace_set: dict[str, Any]) -> dict[str, Any]:
    env = opts.env if opts.env is not None else dict(os.environ)
    uname = os.uname()
    return {
        "libctrace": __version__,
        "command": list(opts.argv),
        "executable": None,  # filled in from the background ELF summary
        "cwd": os.path.abspath(opts.cwd or os.getcwd()),
        "env": {"names": sorted(env), "values": dict(env) if opts.record_env_values else None},
        "trace_set": trace_set,
        "strsize": opts.strsize,
        "sandbox": opts.sandbox,
        "host_files": host_files(opts.sandbox),
        "kernel": uname.release,
        "machine": uname.machine,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        # the _Recorder makes the same choice (load_stoploop is cached)
        "stop_loop": "c" if opts.syscall_info and load_stoploop() is not None else "python",
    }


def record(opts: RecordOptions) -> tuple[Trace, int]:
    """Runs opts.argv under ptrace; returns the trace and the status libctrace should exit with."""
    if opts.attach:
        from libctrace.record.launcher import describe_attached

        opts.argv, path = describe_attached(opts.attach)
    elif not opts.argv:
        raise ProgramError("no program given to trace")
    if opts.strsize < 0:
        raise LibctraceError(f"string size must be >= 0, not {opts.strsize}")
    tset = parse_trace_set(opts.trace_set)
    if opts.cwd is not None and not os.path.isdir(opts.cwd):
        raise ProgramError(f"{opts.cwd}: working directory does not exist")
    if not opts.attach:
        path = resolve_program(opts.argv[0], opts.env, opts.cwd, refused_ok=opts.trace_exec_failure)
    header = _header(opts, path, tset.header())

    def full_header() -> dict[str, Any]:
        header["executable"] = elf.result()
        return header

    # Opened before anything runs (an unwritable -o fails fast); the header is written later.
    writer = TraceWriter(opts.output, full_header) if opts.output else None
    # From the cache, or computed in a child on the other CPU while the program starts; the
    # header is written as soon as it is known (a reader may be waiting for it).
    elf = executable_summary(path)
    if writer is not None and elf.ready:
        writer.flush()
    selected = tset.names
    bpf = None
    if selected is not None:
        bpf = build_filter({NUMBERS[n] for n in selected | LIFECYCLE | FD_TABLE})
    rec = _Recorder(opts, selected, writer)
    rec.header_child = elf.pid
    # to the microsecond: `show -tt` adds the events' times to it
    header["started"] = (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(rec.wall0)) + f".{int(rec.wall0 % 1 * 1e6):06d}+00:00"
    )
    old_int = signal.signal(signal.SIGINT, _raise_stop("interrupted"))
    old_term = signal.signal(signal.SIGTERM, _raise_stop("interrupted"))
    old_alrm = signal.signal(signal.SIGALRM, rec.alarm)
    launched = None
    try:
        if opts.attach:
            launched = Launched(opts.attach[0], -1)
            rec.attach(attach(opts.attach))
        else:
            launched = launch(path, opts.argv, opts.env, opts.cwd, bpf, (opts.stdin, opts.stdout, opts.stderr))
        if opts.timeout is not None:
            rec.deadline = time.monotonic() + opts.timeout
        rec.arm(time.monotonic())
        outcome = rec.run(launched.pid, all_mode=bpf is None or bool(opts.attach))
    except _Stop as stop:
        # Ctrl-C or the timer outside the loop (while starting or finishing): same outcome.
        outcome = stop.outcome
        if opts.attach:
            rec.detach_all()
        else:
            rec.kill_all(launched.pid if launched is not None else None)
    except BaseException:
        if writer is not None:
            rec.close_writer(None)
            if launched is None and opts.output != "-":  # nothing ran: leave no trace file behind
                os.unlink(opts.output)
        elf.result()  # reap the child
        raise
    finally:
        # A SIGALRM that came just before setitimer is still pending, and its handler runs at
        # the next check (signal.signal() below checks first): it must not re-arm the timer
        # (with the default action restored, the next alarm would kill libctrace: exit 142).
        rec.stopped = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGALRM, old_alrm)
    if launched is None:
        if writer is not None:
            rec.close_writer(rec.footer(outcome, 130 if outcome == "interrupted" else 124, None))
        raise LibctraceError(f"{outcome} before the program started")
    failure = launched.exec_errno() if not opts.attach else None
    if failure is not None and not rec.execed and not opts.trace_exec_failure:
        if writer is not None:
            rec.close_writer(rec.footer("error", 2, None))
        raise ProgramError(f"{path}: cannot execute: {os.strerror(failure)}")
    if opts.extra_events is not None:
        rec.add_extra(opts.extra_events())
    code, sig = rec.exit_code(outcome)
    footer = rec.footer(outcome, code, sig)
    if opts.collect_output is not None:
        footer["output"] = opts.collect_output()
    rec.close_writer(footer)
    if writer is not None and writer.error is not None:
        how = ended(sig, code, exited=f"{outcome}, exit status")
        raise LibctraceError(
            f"{writer.error}; the trace stops there, without a footer "
            f"(`show` reads the events before the cut); the program ran to its end: {how}"
        )
    trace = Trace(header=header_record(full_header()), events=rec.events, footer={"type": "footer", **footer})
    return trace, code


def raw_detach(tid: int, sig: int) -> int:
    """PTRACE_DETACH; < 0 when the thread is not in a ptrace stop (or gone)."""
    return PTRACE(_PTRACE_DETACH, tid, 0, sig)


def _raise_stop(outcome: str) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        raise _Stop(outcome)

    return handler


class _Recorder:
    def __init__(self, opts: RecordOptions, selected: frozenset[str] | None, writer: TraceWriter | None) -> None:
        self.writer = writer
        self.written = 0  # events handed to the writer so far (it gets them in batches)
        self.batching = writer is not None or not opts.keep_events
        self.keep_events = opts.keep_events
        self.live = opts.live
        self.batch = 1 if opts.live is not None else _BATCH
        self.batching = self.batching or opts.live is not None
        # Events only written: _plain builds the trace's row at once (no dict per call)
        self.rows = writer is not None and not opts.keep_events and opts.live is None
        self.attached: list[int] = []  # `run -p`: detached, not killed, at the end
        # Every call becomes an event; apart from all_mode (no filter: stop at every call),
        # which `run -p` needs whatever it records: a running program gets no seccomp filter.
        self.record_all = selected is None
        self.events: list[Event] = []
        self.decoder = Decoder(opts.strsize)
        # syscall numbers that become events (the filter may stop on more: LIFECYCLE)
        self.emit = set(NAMES) if selected is None else {NUMBERS[n] for n in selected}
        self.seq = 0
        self.nsyscalls = 0
        self.t0 = time.monotonic()
        self.wall0 = time.time()
        self.tgid: dict[int, int] = {}  # live thread -> its process
        self.pending: dict[int, tuple[Any, ...]] = {}  # thread -> (nr, args, t, decoded-at-entry)
        self.fresh: set[int] = set()  # announced by their parent, first stop not yet seen
        self.early: set[int] = set()  # first stop seen before the parent's fork event
        self.processes: set[int] = set()
        self.threads: set[int] = set()
        self.started = False  # the root's first execve: nothing before it is the program's
        self.execed = False  # an exec succeeded (else the launcher's own execve failed)
        self.root = 0
        self.root_status: tuple[int | None, int | None] = (None, None)  # (code, signal)
        self.all_mode = False
        self.use_regs = not opts.syscall_info
        self.info = ctypes.create_string_buffer(_INFO_SIZE)
        self.info_addr = ctypes.addressof(self.info)
        self.header_child = 0  # the Background child computing the header's ELF summary
        # syscall numbers stopped on only to keep the descriptor tables right: decoded, not kept
        self.follow = set() if selected is None else {NUMBERS[n] for n in FD_TABLE - selected}
        self.deadline: float | None = None  # --timeout, on the monotonic clock
        self.waiting = False  # in waitpid: the SIGALRM handler may write events out then
        self.flush_wanted = False  # the handler came while the loop was busy: write at its next turn
        self.stopped = False  # the recording is over: the timer is off, a late SIGALRM does nothing
        # the calls with nothing to decode (nr -> name, number of arguments)
        self.plain = {nr: (NAMES[nr], NARGS[nr]) for nr in self.emit if decode_plain(NAMES[nr])}
        # The C stop loop (None: the same work in Python). Until the program starts it hands
        # every stop back: the calls before the first execve are libctrace's own.
        lib = load_stoploop() if opts.syscall_info else None
        self.fast = StopLoop(lib, ctypes.addressof(self.info)) if lib is not None else None
        self._copied = CopiedMemory()  # the memory the C loop copied for one call (decode/copied.py)

    # ------------------------------------------------------------ the timer

    def arm(self, now: float, delay: float = _FLUSH_EVERY) -> None:
        """Next SIGALRM: for the periodic flush and the --timeout. The timer repeats, so that a
        signal that came just before the C loop blocked in waitpid (its handler runs only once
        the loop returns) is followed by another that interrupts the wait."""
        if self.deadline is not None:
            delay = min(delay, self.deadline - now)
        signal.setitimer(signal.ITIMER_REAL, max(delay, 1e-6), _FLUSH_EVERY)

    def alarm(self, signum: int, frame: Any) -> None:
        """SIGALRM: the timeout, or time to write out the events recorded since the last write.

        Writing only while the loop waits keeps the handler from running into the middle of the
        loop's own list and file updates; else the loop writes them at its next turn.
        """
        if self.stopped:
            return
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise _Stop("timeout")
        if self.writer is not None and len(self.events) > self.written:
            if self.waiting:
                self.feed_writer()
            else:
                self.flush_wanted = True
        self.arm(now)

    # ------------------------------------------------------------ output

    def add(self, ev: Event) -> None:
        self.seq += 1
        ev["seq"] = self.seq
        self.events.append(ev)
        if self.batching and len(self.events) - self.written >= self.batch:
            self.feed_writer()

    def feed_writer(self) -> None:
        """Hands the new events to the writer in one batch (one map() over orjson, no Python
        call per event), and forgets them unless the caller wants them back: a million kept
        events cost memory, and every new page of it a page fault (2 us per event here)."""
        if self.writer is not None:
            self.writer.write_many(self.events[self.written :])
        if self.live is not None:
            self.live(self.events[self.written :])
        if self.keep_events:
            self.written = len(self.events)
        else:
            self.events.clear()
            self.written = 0

    def close_writer(self, footer: dict[str, Any] | None) -> None:
        """The last batch, then the footer (None: the file stays footer-less, interrupted)."""
        self.feed_writer()
        if self.writer is not None:
            self.writer.close(footer)

    def add_extra(self, evs: list[dict]) -> None:
        for ev in evs:
            wall = ev.pop("wall", None)
            ev["t"] = round(wall - self.wall0, 6) if wall is not None else self.now()
            ev = {"type": ev.get("type"), "seq": 0, **{k: v for k, v in ev.items() if k != "type"}}
            self.add(ev)

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def exit_code(self, outcome: str) -> tuple[int, str | None]:
        code, sig = self.root_status
        if outcome == "interrupted":
            return 130, signame(sig) if sig else None
        if outcome == "timeout":
            return 124, signame(sig) if sig else None
        return run_status(code or 0, sig or 0), signame(sig) if sig else None

    def footer(self, outcome: str, code: int, sig: str | None) -> dict[str, Any]:
        return {
            "outcome": outcome,
            "exit_code": code,
            "signal": sig,
            "duration": self.now(),
            "events": self.seq,
            "syscalls": self.nsyscalls,
            "processes": len(self.processes),
            "threads": len(self.threads),
        }

    # ------------------------------------------------------------ the loop

    def run(self, root: int, all_mode: bool) -> str:
        self.root = root
        self.all_mode = all_mode
        self.tgid[root] = root
        self.processes.add(root)
        if all_mode:
            self.fresh.add(root)  # the launcher interrupted it; resume it with PTRACE_SYSCALL
        # Events stay alive until the end: the cyclic GC would rescan them over and over.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._loop()
        except _Stop as stop:
            if self.attached:
                self.detach_all()
            else:
                self.kill_all(None)
            return stop.outcome
        finally:
            if gc_was_enabled:
                gc.enable()
        code, sig = self.root_status
        return "killed" if sig else "exited"

    def _resume(self, tid: int, sig: int = 0) -> None:
        cmd = _PTRACE_SYSCALL if self.all_mode or tid in self.pending else _PTRACE_CONT
        try:
            ptrace(cmd, tid, 0, sig)
        except ProcessLookupError:
            pass  # the thread was killed meanwhile: its exit comes next

    def _loop(self) -> None:
        # The hot loop: every name used per stop is a local (a stop costs ~50 us of kernel time;
        # the Python work per stop is kept to a few microseconds).
        waitpid = os.waitpid
        raw_ptrace = PTRACE
        tgids = self.tgid
        pending = self.pending
        info = self.info
        info_addr = self.info_addr
        emit = self.emit
        names = NAMES
        entry_decoded = ENTRY_DECODED
        at_entry = LENGTH_AT_ENTRY.keys() | {"recvmsg"}
        unpack_info = _INFO.unpack_from
        monotonic = time.monotonic
        t0 = self.t0
        all_mode = self.all_mode
        record_all = self.record_all
        plain = self.plain
        follow = self.follow
        fast = self.fast
        have_info = False
        while tgids or self.early:
            if self.flush_wanted:
                self.flush_wanted = False
                self.feed_writer()
            in_c = fast is not None and not self.use_regs
            self.waiting = True
            try:
                if in_c:
                    got = fast.run()  # type: ignore[union-attr]
                else:
                    tid, status = waitpid(-1, _WALL)
                    have_info = False
            except ChildProcessError:
                return
            finally:
                self.waiting = False
            if in_c:
                self._take_fast()  # the calls that ended before this stop come first
                if got != STOP:
                    if got == FULL or got == -errno.EINTR:
                        continue  # (a signal's handler has run, or runs on the way round)
                    if got == -errno.ECHILD:
                        return
                    raise OSError(-got, f"waitpid: {os.strerror(-got)}")
                tid, status, have_info = fast.stop()  # type: ignore[union-attr]
            if status & 0xFF != 0x7F:  # exited or killed
                self._exited(tid, status)
                continue
            sig = (status >> 8) & 0xFF
            event = status >> 16
            if sig != _SYSCALL_TRAP and event != _EV_SECCOMP:
                if event:
                    self._event(tid, sig, event)
                else:
                    self._signal(tid, sig)
                continue
            if self.use_regs:
                op, arch, nr, args, rval, is_error = self._regs(tid, event == _EV_SECCOMP)
            else:
                if not have_info and raw_ptrace(_PTRACE_GET_SYSCALL_INFO, tid, _INFO_SIZE, info_addr) < 0:
                    err = get_errno()
                    if err == errno.ESRCH:
                        continue  # killed meanwhile: its exit is next
                    if err not in (errno.EIO, errno.EINVAL):
                        raise OSError(err, f"PTRACE_GET_SYSCALL_INFO: {os.strerror(err)}")
                    self.use_regs = True  # kernel older than 5.3
                    op, arch, nr, args, rval, is_error = self._regs(tid, event == _EV_SECCOMP)
                else:
                    v = unpack_info(info)
                    op = v[0]
                    if op == _OP_EXIT:
                        rval, is_error = v[2], v[3] & 0xFF
                    elif op:
                        nr = v[2] if v[1] == _AUDIT_ARCH_X86_64 else _I386 | v[2]
                        args = v[3:]
            if op == _OP_EXIT:
                ent = pending.pop(tid, None)
                if ent is None and in_c:
                    ent = self._forget_fast(tid)  # the C loop's call whose copy fell short
                if ent is None:
                    pass
                elif ent[0] in plain:  # nothing to decode (what the C loop does without Python)
                    self._plain(tid, ent[0], ent[1], ent[2], rval, is_error, monotonic())
                elif ent[0] in emit or ent[0] >= _I386 or (record_all and ent[0] != _EXEC_EXIT):
                    self._syscall(tid, ent, rval, is_error, monotonic())
                elif ent[0] in follow:  # updates the descriptor table; no event
                    left = round(monotonic() - t0, 6)
                    self.decoder.decode(
                        names[ent[0]], tid, tgids.get(tid, tid), ent[1], NARGS[ent[0]], rval, ent[2], left
                    )
            elif op:
                name = names.get(nr)
                if not self.started:
                    # Until the root's first execve, the stops are libctrace's own child code.
                    if tid == self.root and name in EXECS:
                        self.started = True
                        if fast is not None:
                            self._enable_fast(all_mode)
                    else:
                        self._resume(tid)
                        continue
                now = round(monotonic() - t0, 6)
                if name in entry_decoded:
                    pre = self.decoder.decode(name, tid, tgids.get(tid, tid), args, NARGS[nr], 0, now, now)
                    if name in EXITS:  # never returns: the event is complete now
                        if nr in emit:
                            self._syscall(tid, (nr, args, now, pre), None, False, None)
                        self._resume(tid)
                        continue
                    pending[tid] = (nr, args, now, pre)
                elif nr not in follow or not self.decoder.settle_at_entry(name, tgids.get(tid, tid), args):
                    pending[tid] = (nr, args, now, None)
                    if name in at_entry:  # a value-result length: strace shows it before => after
                        self.decoder.entry(name, tid, args)
            if raw_ptrace(_PTRACE_SYSCALL if all_mode or tid in pending else _PTRACE_CONT, tid, 0, 0) < 0:
                err = get_errno()
                if err != errno.ESRCH:  # ESRCH: killed meanwhile, its exit comes next
                    raise OSError(err, f"ptrace resume: {os.strerror(err)}")

    def _enable_fast(self, all_mode: bool) -> None:
        """Hands the C loop its calls and the memory to copy for some of them."""
        handled = self._handled_in_c()
        self.fast.enable(handled, all_mode, {nr: COPIED[NAMES[nr]] for nr in handled if NAMES[nr] in COPIED})  # type: ignore[union-attr]
        if self.rows:  # only written: C writes the rows of the calls with nothing to decode
            self.fast.enable_rows(self.plain, ERRNAMES, self.t0)  # type: ignore[union-attr]
            for tid, pid in self.tgid.items():
                if tid != pid:
                    self.fast.thread(tid, pid)  # type: ignore[union-attr]

    def _handled_in_c(self) -> list[int]:
        """The calls the C loop records on its own: recorded ones that need nothing from the
        program's memory, and no other stop between their entry and exit (not fork or exit,
        which Python must see)."""
        return [
            nr
            for nr in self.emit
            if (nr in self.plain or NAMES[nr] in NO_MEMORY or NAMES[nr] in COPIED)
            and NAMES[nr] not in ENTRY_DECODED
            and NAMES[nr] not in LIFECYCLE
            and nr not in self.follow
        ]

    def _plain(self, tid: int, nr: int, args: Sequence[int], t: float, rval: int, is_error: bool, end: float) -> None:
        """The event of a call with nothing to decode: its arguments (unsigned, as the kernel
        gives them) shown signed."""
        name, n = self.plain[nr]
        pid = self.tgid.get(tid, tid)
        self.seq += 1
        ev: Event | list[Any]
        if self.rows:  # only written: the trace's own row (traceio.syscall_row), no dict
            ev = [
                round(t * 1e6),
                pid,
                name,
                [a - _U64 if a >= _S64 else a for a in args[:n]],
                rval,
                round((end - self.t0 - t) * 1e6),
            ]
            if is_error or tid != pid:
                ev.append(
                    {"errno": errname(-rval)}
                    if tid == pid
                    else {"tid": tid, "errno": errname(-rval)}
                    if is_error
                    else {"tid": tid}
                )
        else:
            ev = {
                "type": "syscall",
                "seq": self.seq,
                "t": t,
                "pid": pid,
                "name": name,
                "args": [a - _U64 if a >= _S64 else a for a in args[:n]],
                "ret": rval,
                "errno": errname(-rval) if is_error else None,
                "dur": round(end - self.t0 - t, 6),
            }
            if tid != pid:
                ev["tid"] = tid
        self._row(ev)

    def _row(self, ev: Event | list[Any]) -> None:
        """Adds a syscall event whose seq is the next one (a row: the writer's form, no dict)."""
        self.events.append(ev)  # type: ignore[arg-type]
        if self.batching and len(self.events) - self.written >= self.batch:
            self.feed_writer()
        self.nsyscalls += 1

    def _take_fast(self) -> None:
        """The calls the C loop finished since it last returned, before anything later, decoded
        now as their exit stops would have been (in order: the descriptor tables follow)."""
        fast = self.fast
        assert fast is not None
        if fast.rows_on and (got := fast.take_rows()) is not None:  # all rows written in C: no loop
            rows, n = got
            self.events.append(rows)  # type: ignore[arg-type]  # n rows at once (TraceWriter.write_many)
            self.seq += n
            self.nsyscalls += n
            self.feed_writer()
            return
        t0, plain = self.t0, self.plain
        for i, (tid, nr, *args, ret, entered, left) in enumerate(fast.take()):
            t = round(entered - t0, 6)
            if nr in plain:
                start = fast.ends[i - 1] if i and fast.rows_on else 0
                if fast.rows_on and fast.ends[i] > start:  # its row, written in C
                    self.events.append(fast.text[start : fast.ends[i]])  # type: ignore[arg-type]
                    self.seq += 1
                    self.nsyscalls += 1
                    continue
                self._plain(tid, nr, args, t, ret, -4096 < ret < 0, left)
            elif NAMES[nr] in COPIED:
                self._copied.load(fast.copied(i, COPIED[NAMES[nr]], ret))
                live, self.decoder.mem = self.decoder.mem, self._copied
                try:
                    self._syscall(tid, (nr, tuple(args), t, None), ret, -4096 < ret < 0, left)
                finally:
                    self.decoder.mem = live
            else:
                self._syscall(tid, (nr, tuple(args), t, None), ret, -4096 < ret < 0, left)

    def _forget_fast(self, tid: int) -> tuple[Any, ...] | None:
        """The call a thread was inside when it left, if the C loop had it (as `pending`)."""
        raw = self.fast.forget(tid) if self.fast is not None else None
        if raw is None:
            return None
        return raw[1], tuple(raw[2:8]), round(raw[9] - self.t0, 6), None

    def _regs(self, tid: int, seccomp: bool) -> tuple[int, int, int, tuple[int, ...], int, bool]:
        """The same facts from the registers, for kernels without PTRACE_GET_SYSCALL_INFO."""
        from ptrace.binding.func import ptrace_getregs  # only on kernels older than 5.3

        r = ptrace_getregs(tid)
        if seccomp or tid not in self.pending:
            args = (r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9)
            return (_OP_SECCOMP if seccomp else _OP_ENTRY), _AUDIT_ARCH_X86_64, r.orig_rax, args, 0, False
        rax = ctypes.c_long(r.rax).value
        return _OP_EXIT, _AUDIT_ARCH_X86_64, 0, (), rax, -4095 <= rax < 0

    def _recorded(self, nr: int) -> bool:
        """Whether a stopped call becomes an event (the loop inlines the same test): selected,
        of the i386 ABI, or unknown to the table under trace=all (syscall(-1) too)."""
        return nr in self.emit or nr >= _I386 or (self.record_all and nr != _EXEC_EXIT)

    def _syscall(self, tid: int, ent: tuple[Any, ...], rval: int | None, is_error: bool, end: float | None) -> None:
        nr, args, t, pre = ent
        pid = self.tgid.get(tid, tid)
        if nr >= _I386:
            self._syscall_i386(tid, pid, ent, rval, is_error, end)
            return
        name = NAMES.get(nr) or f"syscall_{nr % _U64}"  # unknown numbers are seen only with trace=all
        nargs = NARGS.get(nr, 6)
        if pre is not None:
            decoded, fd_path = pre
        elif rval is None:  # died inside the call: its memory is gone, show raw values
            decoded, fd_path = list(args[:nargs]), None
        else:
            left = t if end is None else round(end - self.t0, 6)
            decoded, fd_path = self.decoder.decode(name, tid, pid, args, nargs, rval, t, left)
        rest: dict[str, Any] = {}  # the fields besides the row's, in syscall_row's order
        if tid != pid:
            rest["tid"] = tid
        if fd_path is not None:
            rest["fd_path"] = fd_path
        if pre is None and rval is not None and self.decoder.note is not None:
            rest["ret_text"] = self.decoder.note
        errno = errname(-rval) if is_error and rval is not None else None
        if self.rows and end is not None and rval is not None:  # only written: the row itself
            if errno is not None:
                rest["errno"] = errno
            row = [round(t * 1e6), pid, name, decoded, rval, round((end - self.t0 - t) * 1e6)]
            if rest:
                row.append(rest)
            self.seq += 1
            self._row(row)
            return
        ev: Event = {
            "type": "syscall",
            "seq": 0,
            "t": t,
            "pid": pid,
            "name": name,
            "args": decoded,
            "ret": rval,
            "errno": errno,
            **rest,
        }
        if end is not None:
            ev["dur"] = round(end - self.t0 - t, 6)
        self.nsyscalls += 1
        self.add(ev)

    def _syscall_i386(
        self, tid: int, pid: int, ent: tuple[Any, ...], rval: int | None, is_error: bool, end: float | None
    ) -> None:
        """An i386-ABI call: its i386 name and its raw arguments (32-bit, signed), nothing decoded
        (the descriptor tables do not follow these calls)."""
        nr, args, t = ent[0] & 0xFFFFFFFF, ent[1], ent[2]
        raw = [(a & 0xFFFFFFFF) - ((a & 0x80000000) << 1) for a in args[: I386_NARGS.get(nr, 6)]]
        ev: Event = {
            "type": "syscall",
            "seq": 0,
            "t": t,
            "pid": pid,
            "name": I386_NAMES.get(nr, f"syscall_{nr}"),
            "arch": "i386",
            "args": raw,
            "ret": rval,
            "errno": errname(-rval) if is_error and rval is not None else None,
        }
        if tid != pid:
            ev["tid"] = tid
        if end is not None:
            ev["dur"] = round(end - self.t0 - t, 6)
        self.nsyscalls += 1
        self.add(ev)

    def _event(self, tid: int, sig: int, event: int) -> None:
        if event == _EV_STOP:
            if tid in self.fresh:
                self.fresh.discard(tid)
                self._resume(tid)
            elif tid not in self.tgid:
                self.early.add(tid)  # a new child, stopped before its parent's fork event: wait
            elif sig in _STOP_SIGNALS:
                # group-stop under SEIZE: stay stopped without swallowing SIGCONT
                try:
                    ptrace(_PTRACE_LISTEN, tid, 0, 0)
                except ProcessLookupError:
                    pass
            else:
                self._resume(tid)
            return
        if event in (_EV_FORK, _EV_VFORK, _EV_CLONE):
            self._forked(tid, event)
        elif event == _EV_EXEC:
            self._execed(tid)
        self._resume(tid)

    def _forked(self, tid: int, event: int) -> None:
        child = self._eventmsg(tid)
        parent = self.tgid.get(tid, tid)
        flags = 0
        ent = self.pending.get(tid)
        if ent is not None and NAMES.get(ent[0]) == "clone":
            flags = ent[1][0]
        elif ent is not None and NAMES.get(ent[0]) == "clone3":
            raw = self.decoder.mem.read(tid, ent[1][0], 8)
            flags = struct.unpack("=Q", raw)[0] if len(raw) == 8 else 0
        if event == _EV_CLONE and flags & CLONE_THREAD:
            kind, cgid = "thread", parent
            self.threads.add(child)
            if self.fast is not None and self.fast.rows_on:
                self.fast.thread(child, parent)
        else:
            kind = "vfork" if event == _EV_VFORK or flags & CLONE_VFORK else "process"
            cgid = child
            self.processes.add(child)
            self.decoder.fork(parent, child, share=bool(flags & CLONE_FILES))
        self.tgid[child] = cgid
        self.add({"type": "fork", "seq": 0, "t": self.now(), "pid": parent, "child": child, "kind": kind})
        if child in self.early:
            self.early.discard(child)
            self._resume(child)
        else:
            self.fresh.add(child)

    def _execed(self, tid: int) -> None:
        former = self._eventmsg(tid)
        pid = self.tgid.get(tid, tid)
        ent = self.pending.pop(former, None)
        if former != tid:
            # A non-leader thread exec'd: it now has the leader's id, and the leader, gone, never
            # returns from the call it was in: recorded unfinished (strace: `= ?`).
            void = self.pending.pop(tid, None) or self._forget_fast(tid)
            if void is not None and void[0] >= 0 and self._recorded(void[0]):
                self._syscall(tid, void, None, False, None)
        self.decoder.exec(pid)
        self.execed = True
        exe: Any = None
        argv: Any = []
        if ent is not None:
            if ent[3] is not None:
                decoded = ent[3][0]
                at = 1 if NAMES[ent[0]] == "execveat" else 0
                exe, argv = decoded[at], decoded[at + 1]
            if self._recorded(ent[0]):
                self._syscall(former, ent, 0, False, time.monotonic())
        # execve's exit stop is still to come (with PTRACE_SYSCALL): mark it so that it is
        # consumed as an exit, which keeps entry/exit in step when reading registers.
        self.pending[tid] = (_EXEC_EXIT, (), 0.0, None)
        if former != tid:
            self.tgid.pop(former, None)  # that id is gone: no exit will be reported for it
            if self.fast is not None:
                self.fast.gone(former)
        if not isinstance(exe, str):
            exe = os.readlink(f"/proc/{tid}/exe")
        self.add(
            {
                "type": "exec",
                "seq": 0,
                "t": self.now(),
                "pid": pid,
                "path": exe,
                "argv": argv if isinstance(argv, list) else [],
            }
        )

    def _eventmsg(self, tid: int) -> int:
        msg = ctypes.c_ulong()
        ptrace(_PTRACE_GETEVENTMSG, tid, 0, ctypes.addressof(msg))
        return msg.value

    def _signal(self, tid: int, sig: int) -> None:
        if not self.started:
            self._resume(tid, sig)
            return
        pid = self.tgid.get(tid, tid)
        ev: Event = {"type": "signal", "seq": 0, "t": self.now(), "pid": pid, "signal": signame(sig)}
        info = siginfo(tid)
        if info is not None:
            ev["info"] = info
        if tid != pid:
            ev["tid"] = tid
        self.add(ev)
        self._resume(tid, sig)  # re-inject: the program sees its signal as it would untraced

    def _exited(self, tid: int, status: int) -> None:
        self.early.discard(tid)
        self.fresh.discard(tid)
        pid = self.tgid.pop(tid, None)
        if pid is None:
            if tid == self.header_child and self.writer is not None:
                self.writer.flush()  # the ELF summary is ready: the header line goes out now
            return  # else an id that exec reused, already accounted for
        ent = self.pending.pop(tid, None) or self._forget_fast(tid)
        if ent and self._recorded(ent[0]):
            self._syscall(tid, ent, None, False, None)
        if tid != pid and self.fast is not None:
            self.fast.gone(tid)
        if os.WIFSIGNALED(status):
            code, sig, core = None, os.WTERMSIG(status), os.WCOREDUMP(status)
        else:
            code, sig, core = os.WEXITSTATUS(status), None, False
        if tid == self.root:
            self.root_status = (code, sig)
        if tid == pid:
            self.decoder.gone(pid)
        if not self.started:
            return
        ev: Event = {
            "type": "exit",
            "seq": 0,
            "t": self.now(),
            "pid": pid,
            "code": code,
            "signal": signame(sig) if sig else None,
            "core": bool(core),
        }
        if tid != pid:
            ev["tid"] = tid
        self.add(ev)

    def attach(self, tids: dict[int, int]) -> None:
        """`run -p`: the threads the launcher seized (thread -> its process), each to be resumed
        at its first stop; the program runs already, so its calls are its own from now on."""
        self.attached = sorted(set(tids.values()))
        for tid, pid in tids.items():
            self.tgid[tid] = pid
            (self.processes if tid == pid else self.threads).add(tid)
            self.fresh.add(tid)
        self.started = self.execed = True
        if self.fast is not None:
            self._enable_fast(True)

    def detach_all(self) -> None:
        """`run -p` interrupted: let every thread go on as if never traced. One in a ptrace
        stop now is detached at once; the others are interrupted first (PTRACE_DETACH needs a
        stop), and a signal caught on the way is handed back to the thread."""
        if self.fast is not None:
            self._take_fast()
        running = []
        for tid in list(self.tgid):
            if raw_detach(tid, 0) < 0:
                running.append(tid)
        for tid in running:
            try:
                ptrace(PTRACE_INTERRUPT, tid, 0, 0)
            except ProcessLookupError:
                self.tgid.pop(tid, None)
        left = set(running) & set(self.tgid)
        while left:
            try:
                tid, status = os.waitpid(-1, _WALL)
            except ChildProcessError:
                return
            except _Stop:
                continue  # a second Ctrl-C while detaching changes nothing
            if status & 0xFF != 0x7F:
                self._exited(tid, status)
                left.discard(tid)
                continue
            sig, event = (status >> 8) & 0xFF, status >> 16
            # a signal-delivery stop: the thread keeps its signal
            raw_detach(tid, sig if not event and sig not in (_SYSCALL_TRAP, signal.SIGTRAP) else 0)
            left.discard(tid)

    def kill_all(self, root: int | None) -> None:
        """Ctrl-C or timeout: SIGKILL the whole tree, then record each exit as it is reaped."""
        if self.fast is not None:
            self._take_fast()  # finished calls the loop had not handed over yet
        for tid in [*self.tgid, *self.early, *([root] if root else [])]:
            try:
                os.kill(tid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while True:
            try:
                tid, status = os.waitpid(-1, _WALL)
            except ChildProcessError:
                return
            except _Stop:
                continue  # a second Ctrl-C while cleaning up changes nothing
            if status & 0xFF != 0x7F:
                self._exited(tid, status)
