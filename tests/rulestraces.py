"""Real traces for the facts and rules tests: scenario binaries recorded once per session by
the real `libctrace run` (in the sandbox where the scenario needs one), then loaded."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import libctrace

from libctrace.model import Trace
from libctrace.sandbox.config import SandboxConfig
from libctrace.scenarios import catalog as sc
from libctrace.traceio import load_trace

_DIR = Path(tempfile.mkdtemp(prefix="libctrace-rules-"))
atexit.register(shutil.rmtree, _DIR, True)  # the traces live as long as the test session


@functools.cache
def scenario_trace(
    name: str,
    variant: str,
    args: tuple[str, ...] | None = None,
    sandbox: bool = False,
    trace: str = "all",
    nsswitch: str | None = None,
) -> Trace:
    """The trace of one scenario build; args None means the scenario's own arguments.
    sandbox=True runs it with `--sandbox` and the scenario's overlay files; trace is the
    `-e trace=` expression ("default": the seccomp-filtered set `libctrace diff` uses);
    nsswitch is the text of an nsswitch.conf to show instead of the scenario's."""
    scenario = sc.get(name)
    reason = sc.availability(variant)
    if reason:
        pytest.skip(f"{variant} builds are not possible here: {reason}")
    argv, env, cfg = sc.run_spec(scenario, variant)
    if args is not None:
        argv = [argv[0], *args]
    opts: list[str] = []
    if nsswitch is not None:
        conf = _DIR / f"nsswitch-{abs(hash(nsswitch))}.conf"
        conf.write_text(nsswitch)
        cfg = SandboxConfig(**{**(cfg.to_json() if cfg else {}), "nsswitch": str(conf)})
    if sandbox or cfg is not None:
        if os.geteuid() != 0:
            pytest.skip("the sandbox needs root (namespaces); CI runs as root")
        opts.append("--sandbox")
        for option, value in (cfg.to_json() if cfg is not None else {}).items():
            if value:
                opts += ["--" + option.replace("_", "-"), value]
    out = _DIR / f"{name}-{variant}-{abs(hash((args, sandbox, trace, nsswitch)))}.jsonl"
    proc = libctrace(
        "run", "-e", f"trace={trace}", *opts, "-o", str(out), "--", *argv, env={**os.environ, **env}, timeout=300
    )
    assert out.exists(), (proc.returncode, proc.stderr)
    recorded = load_trace(str(out))
    assert recorded.footer is not None, f"the recording was cut off: {proc.stderr}"
    return recorded
