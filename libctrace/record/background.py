"""One JSON-able result computed in a forked child while the parent goes on.

The recorder uses it for the trace header's ELF summary: importing pyelftools and parsing the
program takes 40-60 ms, which would otherwise delay every launch. In the child that work runs
on the other CPU while the traced program starts; the parent never imports pyelftools.

The child is a plain child process of the recorder, so the recorder's waitpid(-1, __WALL) loop
may reap it: it knows `pid` (the value is ready then), and `result` copes with a reaped child.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import orjson


class Background:
    """`Background(fn)` forks a child that computes fn(); `result()` collects it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._value: Any = None
        self._done = False
        self._fn = fn
        self.pid = 0  # the child computing the value; 0 when there is none (done, or no fork)
        self._fd = -1
        r, w = os.pipe2(os.O_CLOEXEC)
        try:
            pid = os.fork()
        except OSError:  # no process to spare: compute it when asked
            os.close(r)
            os.close(w)
            return
        if pid == 0:
            try:
                # Ctrl-C goes to the whole process group: finish anyway, the parent waits for us.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                os.close(r)
                data = orjson.dumps(fn())
                while data:
                    data = data[os.write(w, data) :]
            finally:
                os._exit(0)  # no atexit handlers, no flushing of the parent's buffers
        os.close(w)
        self.pid, self._fd = pid, r

    @classmethod
    def done(cls, value: Any) -> Background:
        """An already known value (e.g. from a cache): no child."""
        b = cls.__new__(cls)
        b._value, b._done, b.pid, b._fd = value, True, 0, -1
        return b

    @property
    def ready(self) -> bool:
        """The value is known without waiting."""
        return self._done

    def result(self) -> Any:
        """The value (waits for the child the first time); None if the child failed."""
        if self._done:
            return self._value
        self._done = True
        if self._fd < 0:
            self._value = self._fn()
            return self._value
        chunks = []
        with os.fdopen(self._fd, "rb") as f:
            while chunk := f.read():
                chunks.append(chunk)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # the recorder's loop reaped it already
        try:
            self._value = orjson.loads(b"".join(chunks)) if chunks else None
        except orjson.JSONDecodeError:
            self._value = None
        return self._value
