"""A traced program's stdout and stderr, captured whole through pipes.

Rebuilding output from the trace's write buffers (cut at -s bytes) makes one large write and a
writev of the same bytes look different. So `diff` gives each build pipes: a thread per pipe
drains it into a SpooledTemporaryFile (in memory up to SPOOL_MEMORY, beyond that a private
0600 file that is deleted when closed), and the summary goes into the trace footer's `output`:
size and SHA-256 of the whole stream, and its first TEXT_KEPT bytes as text.
"""

from __future__ import annotations

import hashlib
import os
import threading
from tempfile import SpooledTemporaryFile
from typing import Any

SPOOL_MEMORY = 1 << 20  # bytes held in memory per stream before spilling to a file
TEXT_KEPT = 1 << 16  # bytes of each stream kept as text in the footer: one trace line stays short
_CHUNK = 1 << 16
_DRAIN_WAIT = 10.0  # seconds to wait for the pipe's last writer once the program ended


class StreamCapture:
    """One pipe: `fd` is the write end to give the program; finish() returns the summary."""

    def __init__(self, tee: int = -1) -> None:
        self._tee = tee  # a descriptor that also gets every byte (a scenario's .out file), or -1
        # O_CLOEXEC on both ends: only the dup2'ed copy (stdout/stderr) reaches the program.
        self._read, self.fd = os.pipe2(os.O_CLOEXEC)
        self._spool: Any = SpooledTemporaryFile(max_size=SPOOL_MEMORY, mode="w+b")
        self._lock = threading.Lock()
        self._stopped = False  # set by finish(): later bytes (from a stray writer) are dropped
        self._thread = threading.Thread(target=self._pump, name="libctrace-capture", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while chunk := os.read(self._read, _CHUNK):
            with self._lock:
                if self._stopped:
                    return
                self._spool.write(chunk)
                if self._tee >= 0:
                    os.write(self._tee, chunk)

    def _close_write_end(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def finish(self) -> dict[str, Any]:
        """Once every process of the program ended: drain the pipe and summarise what came."""
        self._close_write_end()
        self._thread.join(_DRAIN_WAIT)
        with self._lock:
            self._stopped = True
            return self._summary(complete=not self._thread.is_alive())  # else a stray writer holds the pipe

    def _summary(self, complete: bool) -> dict[str, Any]:
        digest = hashlib.sha256()
        size = 0
        spool = self._spool
        end = spool.tell()
        spool.seek(0)
        head = spool.read(TEXT_KEPT)
        digest.update(head)
        size += len(head)
        while size < end and (chunk := spool.read(min(_CHUNK, end - size))):
            digest.update(chunk)
            size += len(chunk)
        return {
            "bytes": size,
            "sha256": digest.hexdigest(),
            "text": head.decode("utf-8", errors="replace"),
            "truncated": size > TEXT_KEPT,
            "complete": complete,
        }

    def close(self) -> None:
        self._close_write_end()
        with self._lock:
            self._stopped = True  # the tee descriptor is closed next
        if not self._thread.is_alive():
            os.close(self._read)
            self._spool.close()


class OutputCapture:
    """stdout and stderr of one run; `tee`: a file that also gets both, as they arrive."""

    def __init__(self, tee: str | None = None) -> None:
        self._tee = -1
        if tee is not None:
            from libctrace.outputs import create_fd

            self._tee = create_fd(tee, "program output")  # never through a planted link, 0600
        self.stdout = StreamCapture(self._tee)
        try:
            self.stderr = StreamCapture(self._tee)
        except OSError:
            self.stdout.close()
            raise

    def finish(self) -> dict[str, Any]:
        return {"stdout": self.stdout.finish(), "stderr": self.stderr.finish()}

    def close(self) -> None:
        self.stdout.close()
        self.stderr.close()
        if self._tee >= 0:
            os.close(self._tee)
            self._tee = -1
