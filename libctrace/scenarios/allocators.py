"""mimalloc and jemalloc for musl static builds: fetched as Debian source packages and built
with musl-gcc, once, into the scenario build cache (never into the host).

`apt-get source` runs with a private sources list, list and cache folders (all below the cache):
the host's /etc/apt is only read, to point the deb-src lines at the mirror the host already uses.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from libctrace.errors import LibctraceError

# allocator -> Debian source package; what the program is linked with comes from `_build`.
ALLOCATORS: tuple[str, ...] = ("mimalloc", "jemalloc")
_ARTIFACT = {"mimalloc": "mimalloc.o", "jemalloc": "libjemalloc.a"}
_TOOLS = ("apt-get", "dpkg-source", "musl-gcc", "make")


class AllocatorError(LibctraceError):
    """An allocator's source could not be fetched or built."""


def artifact_path(name: str, cache: Path) -> Path:
    """Where the built object or archive is (or will be)."""
    return cache / name / _ARTIFACT[name]


def availability(name: str, cache: Path) -> str | None:
    """None when the allocator is built or can be; else the reason it cannot."""
    if artifact_path(name, cache).is_file():
        return None
    missing = [t for t in _TOOLS if shutil.which(t) is None]
    if missing:
        return (
            f"building {name} from Debian source needs {', '.join(missing)} (apt-get install dpkg-dev musl-tools make)"
        )
    return None


def version(name: str, cache: Path) -> str | None:
    """The Debian source version built (from the unpacked folder's name), None before the build."""
    found = sorted((cache / "src").glob(f"{name}-[0-9]*/")) if (cache / "src").is_dir() else []
    return found[-1].name.removeprefix(f"{name}-") if found else None


def artifact(name: str, cache: Path, started: Callable[[str], None] | None = None) -> Path:
    """The object or archive to link after the program's own objects; built on first use."""
    target = artifact_path(name, cache)
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # tests and the demo may ask at the same time
        if target.is_file():
            return target
        if started:
            started(f"{name}: fetching the Debian source package and building it with musl-gcc "
                    "(first time only: a few minutes)")  # fmt: skip
        with open(cache / ".apt.lock", "w") as apt_lock:
            fcntl.flock(apt_lock, fcntl.LOCK_EX)  # the two allocators share one private apt state
            source = _fetch(name, cache)
        staging = cache / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        _build(name, source, staging)
        shutil.rmtree(cache / name, ignore_errors=True)
        staging.rename(cache / name)
        return target


def _run(cmd: list[str], what: str, log: Path, **kw: object) -> None:
    with open(log, "a") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise AllocatorError(f"{what} failed (exit {proc.returncode}); see {log}")


def _host_mirrors() -> list[str]:
    """deb-src lines for the repositories the host's apt already knows."""
    proc = subprocess.run(
        ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE) $(COMPONENT)", "Identifier: Packages"],
        capture_output=True, text=True,
    )  # fmt: skip
    lines = sorted({f"deb-src {line}" for line in proc.stdout.splitlines() if len(line.split()) == 3})
    if not lines:
        raise AllocatorError("apt knows no Debian repository here (run apt-get update first)")
    return lines


def _apt(apt_dir: Path) -> list[str]:
    return [
        "apt-get", "-q",
        f"-oDir::Etc::sourcelist={apt_dir / 'sources.list'}", "-oDir::Etc::sourceparts=-",
        f"-oDir::State::Lists={apt_dir / 'lists'}", f"-oDir::Cache={apt_dir / 'cache'}",
        "-oAPT::Get::List-Cleanup=0",
        # as root apt drops to _apt, who cannot write our folders: stay root for the download
        *(["-oAPT::Sandbox::User=root"] if os.getuid() == 0 else []),
    ]  # fmt: skip


def _fetch(name: str, cache: Path) -> Path:
    """apt-get source into cache/src; returns the unpacked source folder."""
    apt_dir, src = cache / "apt", cache / "src"
    for d in (apt_dir / "lists" / "partial", apt_dir / "cache" / "archives" / "partial", src):
        d.mkdir(parents=True, exist_ok=True)
    log = cache / f"{name}.log"
    if not any((apt_dir / "lists").glob("*Sources*")):
        (apt_dir / "sources.list").write_text("\n".join(_host_mirrors()) + "\n")
        _run([*_apt(apt_dir), "update"], "apt-get update (private deb-src list)", log)
    if version(name, cache) is None:
        _run([*_apt(apt_dir), "source", name], f"apt-get source {name}", log, cwd=src)
    unpacked = version(name, cache)
    if unpacked is None:
        raise AllocatorError(f"apt-get source {name} unpacked no {name}-VERSION folder; see {log}")
    return src / f"{name}-{unpacked}"


def _build(name: str, source: Path, out: Path) -> None:
    log = source.parent.parent / f"{name}.log"
    if name == "mimalloc":
        # static.c is the whole library in one unit; MI_MALLOC_OVERRIDE makes it malloc itself
        cmd = ["musl-gcc", "-O2", "-DNDEBUG", "-DMI_MALLOC_OVERRIDE", f"-I{source / 'include'}",
               "-c", str(source / "src" / "static.c"), "-o", str(out / "mimalloc.o")]  # fmt: skip
        _run(cmd, "compiling mimalloc with musl-gcc", log)
        return
    # jemalloc: its own configure, without the parts a static allocator does not need
    configure = ["./configure", "--disable-cxx", "--disable-shared", "--disable-doc",
                 "--disable-stats", "--disable-prof", "--disable-libdl"]  # fmt: skip
    env = {**os.environ, "CC": "musl-gcc", "EXTRA_CFLAGS": "-g0"}
    _run(configure, "jemalloc configure with CC=musl-gcc", log, cwd=source, env=env)
    jobs = str(os.cpu_count() or 1)
    _run(["make", f"-j{jobs}", "build_lib_static"], "building jemalloc with musl-gcc", log, cwd=source, env=env)
    shutil.copy2(source / "lib" / "libjemalloc.a", out / "libjemalloc.a")
