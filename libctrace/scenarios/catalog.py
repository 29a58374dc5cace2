"""The curated scenario programs: loading `scenarios/<name>/scenario.toml` and building each
program once per libc variant, cached by what went into the build.

Builds go to `<root>/.build` when the scenarios are a folder of their own (a checkout's
scenarios/, LIBCTRACE_SCENARIOS), so each checkout keeps the builds of its own sources; the
scenarios installed with the package build into the user's cache instead (resources.cache_dir).
Layout of a build: `<build root>/<name>/<variant>/` holds the binary `<name>-<variant>`, the
scenario's shared libraries (e.g. its NSS module), `build.log` (commands and compiler output)
and `key` (the hash of sources, compiler identity and flags; written last, so a build cut off
half-way is never mistaken for a finished one).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from libctrace import resources
from libctrace.errors import LibctraceError
from libctrace.outputs import create_file
from libctrace.sandbox.config import SandboxConfig
from libctrace.sandbox.session import DEFAULTS
from libctrace.scenarios import allocators

VARIANTS: tuple[str, ...] = (
    "glibc-dynamic", "glibc-static", "musl-static", "musl-dynamic",
    "glibc-2.38", "glibc-2.17", "musl-1.2.5-static", "musl-mimalloc", "musl-jemalloc",
    "go", "go-cgo", "rust-gnu", "rust-gnu-static", "rust-musl",
)  # fmt: skip
C_VARIANTS: tuple[str, ...] = VARIANTS[:9]
DEFAULT_C_VARIANTS: tuple[str, ...] = VARIANTS[:4]  # the rest only where a scenario lists them
GO_VARIANTS: tuple[str, ...] = VARIANTS[9:11]
RUST_VARIANTS: tuple[str, ...] = VARIANTS[11:]
# the source file each kind of variant builds from
_SOURCE = {**dict.fromkeys(C_VARIANTS, "main.c"), **dict.fromkeys(GO_VARIANTS, "main.go"),
           **dict.fromkeys(RUST_VARIANTS, "main.rs")}  # fmt: skip

MUSL_LOADER = Path("/lib/ld-musl-x86_64.so.1")
BUILD_DIR_PLACEHOLDER = "{build_dir}"
# Every C program gets these; -pthread is harmless where unused and needed by old glibc.
C_FLAGS: tuple[str, ...] = ("-Wall", "-O2", "-pthread")
LIBRARY_FLAGS: tuple[str, ...] = ("-Wall", "-O2", "-shared", "-fPIC")
# compiler and extra flags per C variant built with the machine's gcc or musl-gcc
_C_TOOLCHAIN: dict[str, tuple[str, tuple[str, ...]]] = {
    "glibc-dynamic": ("gcc", ()),
    "glibc-static": ("gcc", ("-static",)),
    "musl-static": ("musl-gcc", ("-static",)),
    "musl-dynamic": ("musl-gcc", ()),
    "musl-mimalloc": ("musl-gcc", ("-static",)),
    "musl-jemalloc": ("musl-gcc", ("-static",)),
}
# musl static builds linked with an allocator built from Debian source (libctrace.scenarios.allocators)
_ALLOCATOR = {"musl-mimalloc": "mimalloc", "musl-jemalloc": "jemalloc"}
# zig cc: glibc of a chosen version (its symbol versions and headers) or its bundled musl
_ZIG_TARGET: dict[str, tuple[str, tuple[str, ...]]] = {
    "glibc-2.38": ("x86_64-linux-gnu.2.38", ()),
    "glibc-2.17": ("x86_64-linux-gnu.2.17", ()),
    "musl-1.2.5-static": ("x86_64-linux-musl", ("-static",)),
}
# go: the pure-Go resolver, no libc at all; go-cgo: the netcgo tag makes net use getaddrinfo.
_GO_BUILD: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "go": ({"CGO_ENABLED": "0"}, ()),
    "go-cgo": ({"CGO_ENABLED": "1"}, ("-tags", "netcgo")),
}
# rustc target and flags; +crt-static on gnu is static glibc, with the same NSS trap as C's
_RUST_BUILD: dict[str, tuple[str, tuple[str, ...]]] = {
    "rust-gnu": ("x86_64-unknown-linux-gnu", ()),
    "rust-gnu-static": ("x86_64-unknown-linux-gnu", ("-C", "target-feature=+crt-static")),
    "rust-musl": ("x86_64-unknown-linux-musl", ()),
}
RUST_FLAGS: tuple[str, ...] = ("--edition", "2021", "-O", "-D", "warnings")
_TOML_KEYS = {"description", "shows", "args", "env", "sandbox", "variants", "shared_library"}
_SANDBOX_KEYS = ("nsswitch", "resolv_conf", "hosts", "dns_zone")


class ScenarioError(LibctraceError):
    """A scenario is unknown, malformed, or does not build."""


@dataclass(frozen=True)
class SharedLibrary:
    """A library built beside the program with gcc -shared (e.g. an NSS module)."""

    name: str  # file name, also the soname: libnss_ctrace.so.2
    sources: tuple[Path, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    shows: str
    directory: Path
    args: tuple[str, ...]
    env: dict[str, str]  # values may hold {build_dir}; run_spec substitutes it
    sandbox: SandboxConfig | None  # absolute paths; None: the scenario needs no sandbox
    variants: tuple[str, ...]
    libraries: tuple[SharedLibrary, ...] = ()


def root() -> Path:
    """The scenarios folder: LIBCTRACE_SCENARIOS, else the checkout's or the installed one."""
    env = os.environ.get("LIBCTRACE_SCENARIOS")
    path = Path(env) if env else resources.shipped("scenarios")
    if not path.is_dir():
        raise ScenarioError(f"scenario folder {path} does not exist (set LIBCTRACE_SCENARIOS to one)")
    return path


def _common_dir() -> Path:
    return root() / "common"


def build_root() -> Path:
    scenarios = root()
    if scenarios.resolve().is_relative_to(resources.PACKAGE):  # installed: never write there
        return resources.cache_dir() / "scenarios"
    return scenarios / ".build"


def _load(directory: Path) -> Scenario:
    toml_path = directory / "scenario.toml"
    where = f"{toml_path}"
    try:
        data: dict[str, Any] = tomllib.loads(toml_path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{where}: {e}") from None
    unknown = set(data) - _TOML_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("description", "shows"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ScenarioError(f"{where}: '{key}' must be a non-empty string")
    args = data.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ScenarioError(f"{where}: 'args' must be a list of strings")
    env = data.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ScenarioError(f"{where}: 'env' must be a table of strings")
    return Scenario(
        name=directory.name,
        description=data["description"].strip(),
        shows=data["shows"].strip(),
        directory=directory,
        args=tuple(args),
        env=dict(env),
        sandbox=_sandbox(data.get("sandbox"), directory, where),
        variants=_variants(data.get("variants"), directory, where),
        libraries=_libraries(data.get("shared_library", []), directory, where),
    )


def _file(directory: Path, relative: Any, where: str, what: str) -> Path:
    if not isinstance(relative, str):
        raise ScenarioError(f"{where}: {what} must be a file name")
    path = (directory / relative).resolve()
    if not path.is_file():
        raise ScenarioError(f"{where}: {what} {relative} does not exist")
    return path


def _sandbox(table: Any, directory: Path, where: str) -> SandboxConfig | None:
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - set(_SANDBOX_KEYS):
        raise ScenarioError(f"{where}: [sandbox] may only set {', '.join(_SANDBOX_KEYS)}")
    paths = {key: str(_file(directory, value, where, f"sandbox.{key}")) for key, value in table.items()}
    # Hermetic: the sandbox keeps the host's nsswitch.conf unless told otherwise, and a host
    # that gained a module (mdns, sss...) would change the findings; resolv.conf and hosts
    # already default to the sandbox's own.
    paths.setdefault("nsswitch", str(DEFAULTS.joinpath("nsswitch.conf")))
    return SandboxConfig(**paths)


def _variants(listed: Any, directory: Path, where: str) -> tuple[str, ...]:
    if listed is None:
        has = {kind: (directory / kind).is_file() for kind in ("main.c", "main.go", "main.rs")}
        return DEFAULT_C_VARIANTS * has["main.c"] + GO_VARIANTS * has["main.go"] + RUST_VARIANTS * has["main.rs"]
    if not isinstance(listed, list) or not listed or set(listed) - set(VARIANTS):
        raise ScenarioError(f"{where}: 'variants' must be a non-empty list of {', '.join(VARIANTS)}")
    for variant in listed:
        if not (directory / _SOURCE[variant]).is_file():
            raise ScenarioError(f"{where}: variant {variant} needs a {_SOURCE[variant]} in {directory}")
    return tuple(v for v in VARIANTS if v in listed)


def _libraries(tables: Any, directory: Path, where: str) -> tuple[SharedLibrary, ...]:
    if not isinstance(tables, list):
        raise ScenarioError(f"{where}: [[shared_library]] must be an array of tables")
    libraries = []
    for table in tables:
        if not isinstance(table, dict) or set(table) != {"name", "sources"} or not isinstance(table["sources"], list):
            raise ScenarioError(f"{where}: each [[shared_library]] needs 'name' and a 'sources' list")
        sources = tuple(_file(directory, s, where, "shared_library source") for s in table["sources"])
        libraries.append(SharedLibrary(name=str(table["name"]), sources=sources))
    return tuple(libraries)


def load_all() -> list[Scenario]:
    """Every folder of the scenario root that holds a scenario.toml, sorted by name."""
    return [_load(d) for d in sorted(root().iterdir()) if (d / "scenario.toml").is_file()]


def get(name: str) -> Scenario:
    directory = root() / name
    if "/" in name or not (directory / "scenario.toml").is_file():
        known = ", ".join(s.name for s in load_all())
        raise ScenarioError(f"unknown scenario '{name}' (known: {known})")
    return _load(directory)


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ScenarioError(f"unknown variant '{variant}' (known: {', '.join(VARIANTS)})")


@cache
def _glibc_archive() -> Path | None:
    # gcc prints the bare name back when it does not find the file
    out = subprocess.run(["gcc", "-print-file-name=libc.a"], capture_output=True, text=True).stdout.strip()
    path = Path(out)
    return path if path.is_absolute() and path.is_file() else None


def _zig() -> list[str]:
    """zig as the PyPI package ziglang installs it, in the Python that runs libctrace."""
    return [sys.executable, "-m", "ziglang"]


@cache
def _rustc_sysroot() -> Path | None:
    proc = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True)
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def allocator_cache() -> Path:
    return build_root() / "allocators"


def availability(variant: str) -> str | None:
    """None when the variant can be built on this machine, else the reason it cannot."""
    _check_variant(variant)
    if variant in _ZIG_TARGET:
        if importlib.util.find_spec("ziglang") is None:
            return f"zig is not installed in {sys.prefix} (make setup, or pip install 'libctrace[toolchains]')"
        return None
    if variant in RUST_VARIANTS:
        if shutil.which("rustc") is None:
            return "rustc is not installed (apt-get install rustc)"
        if variant == "rust-gnu-static" and _glibc_archive() is None:
            return "static glibc (libc.a) is not installed (apt-get install libc6-dev)"
        target = _RUST_BUILD[variant][0]
        sysroot = _rustc_sysroot()
        if sysroot is None or not (sysroot / "lib" / "rustlib" / target).is_dir():
            return (f"rustc has no standard library for {target} (Debian ships none; "
                    f"with rustup: rustup target add {target})")  # fmt: skip
        return None
    if variant.startswith("glibc"):
        if shutil.which("gcc") is None:
            return "gcc is not installed (apt-get install gcc libc6-dev)"
        if variant == "glibc-static" and _glibc_archive() is None:
            return "static glibc (libc.a) is not installed (apt-get install libc6-dev)"
        return None
    if variant.startswith("musl"):
        if shutil.which("musl-gcc") is None:
            return "musl-gcc is not installed (apt-get install musl-tools)"
        if variant == "musl-dynamic" and not MUSL_LOADER.exists():
            return f"the musl loader {MUSL_LOADER} is missing"
        if variant in _ALLOCATOR:
            return allocators.availability(_ALLOCATOR[variant], allocator_cache())
        return None
    if shutil.which("go") is None:
        return "go is not installed (apt-get install golang-go)"
    if variant == "go-cgo" and shutil.which("gcc") is None:
        return "cgo needs gcc, which is not installed"
    return None


def _first_line(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


@cache
def _musl_version() -> str:
    """Debian's musl: its loader, run alone, prints the version (on stderr, exit status 1)."""
    proc = subprocess.run([str(MUSL_LOADER)], capture_output=True, text=True) if MUSL_LOADER.exists() else None
    words = proc.stderr.split() if proc else []
    return words[words.index("Version") + 1] if "Version" in words[:-1] else "?"


@cache
def describe(variant: str) -> tuple[str, str]:
    """(toolchain with its version, libc with its version), for `scenarios list`.
    Only called for available variants: the tools it asks are installed."""
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or "glibc ?"
    if variant in _ZIG_TARGET:
        flags = _ZIG_TARGET[variant][1]
        tool = f"zig {_first_line([*_zig(), 'version'])} cc"
        if variant == "musl-1.2.5-static":
            return f"{tool} {' '.join(flags)}", "musl 1.2.5 (zig's own), static"
        return tool, f"{variant.replace('-', ' ')} symbol versions"
    if variant in RUST_VARIANTS:
        tool = _first_line(["rustc", "--version"]).split(" (")[0] + " +crt-static" * (variant == "rust-gnu-static")
        libc = {"rust-gnu": glibc, "rust-gnu-static": f"{glibc}, static", "rust-musl": "musl (Rust's own)"}
        return tool, libc[variant]
    if variant in GO_VARIANTS:
        tool = _first_line(["go", "version"]).removeprefix("go version ").split()[0]
        return (tool, "none: Go's own runtime") if variant == "go" else (f"{tool} cgo", glibc)
    compiler, flags = _C_TOOLCHAIN[variant]
    gcc = _first_line(["gcc", "-dumpfullversion"])
    tool = (
        f"{'gcc' if compiler == 'gcc' else 'musl-gcc (gcc'} {gcc}{')' * (compiler != 'gcc')} {' '.join(flags)}".rstrip()
    )
    if variant.startswith("glibc"):
        return tool, f"{glibc}{', static' * (variant == 'glibc-static')}"
    libc = f"musl {_musl_version()}"
    if variant in _ALLOCATOR:
        name = _ALLOCATOR[variant]
        built = allocators.version(name, allocator_cache())
        return f"musl-gcc + {name} {built.split('+')[0] if built else '(Debian source)'}", f"{libc}, static"
    return tool, f"{libc}{', static' * (variant == 'musl-static')}"


@cache
def _toolchain_identity(variant: str) -> str:
    """What the compiler is, for the cache key: version output, plus musl's specs file."""
    if variant in GO_VARIANTS:
        return subprocess.run(["go", "version"], capture_output=True, text=True).stdout
    if variant in RUST_VARIANTS:
        return subprocess.run(["rustc", "-vV"], capture_output=True, text=True).stdout
    if variant in _ZIG_TARGET:
        return subprocess.run([*_zig(), "version"], capture_output=True, text=True).stdout
    compiler = _C_TOOLCHAIN[variant][0]
    identity = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    if compiler == "musl-gcc":
        # musl-gcc is a wrapper around gcc; the specs file says which musl it links
        wrapper = Path(shutil.which("musl-gcc") or "musl-gcc").read_text(errors="replace")
        identity += wrapper
        for word in wrapper.split():
            if word.strip('"').endswith(".specs") and Path(word.strip('"')).is_file():
                identity += Path(word.strip('"')).read_text(errors="replace")
    return identity


def variant_dir(scenario: Scenario, variant: str) -> Path:
    return build_root() / scenario.name / variant


def _binary_path(scenario: Scenario, variant: str) -> Path:
    return variant_dir(scenario, variant) / f"{scenario.name}-{variant}"


def _sources(scenario: Scenario, variant: str) -> list[Path]:
    main = scenario.directory / _SOURCE[variant]
    if variant not in C_VARIANTS:
        return [main]
    headers = sorted(_common_dir().glob("*.h")) if _common_dir().is_dir() else []
    libs = [src for lib in scenario.libraries for src in lib.sources]
    return [main, *headers, *libs]


def _key(scenario: Scenario, variant: str) -> str:
    digest = hashlib.sha256()
    flags = (_GO_BUILD.get(variant), _RUST_BUILD.get(variant), RUST_FLAGS, _ZIG_TARGET.get(variant),
             _C_TOOLCHAIN.get(variant), C_FLAGS, LIBRARY_FLAGS)  # fmt: skip
    for part in (variant, repr(flags), _toolchain_identity(variant), repr([lib.name for lib in scenario.libraries])):
        digest.update(part.encode() + b"\0")
    sources = _sources(scenario, variant)
    if variant in _ALLOCATOR:  # not cached with the compiler: it is built on first use
        name = _ALLOCATOR[variant]
        sources.append(allocators.artifact_path(name, allocator_cache()))
    for source in sources:
        content = source.read_bytes() if source.is_file() else b"(not built)"
        digest.update(source.name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def is_built(scenario: Scenario, variant: str) -> bool:
    """True when the cached binary is up to date with its sources and compiler."""
    key_file = variant_dir(scenario, variant) / "key"
    return (
        key_file.is_file()
        and _binary_path(scenario, variant).is_file()
        and key_file.read_text() == _key(scenario, variant)
    )


def _run_compiler(cmd: list[str], log: list[str], what: str, **kw: Any) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    log.append("$ " + " ".join(cmd) + "\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        first = next(
            (ln for ln in lines if "error:" in ln or ln.startswith("error[")),
            lines[0] if lines else f"exit status {proc.returncode}",
        )
        # paths relative to the scenario root keep the one line short
        raise ScenarioError(f"building {what} failed: {first.strip().replace(str(root()) + '/', '')}")


def _compile(scenario: Scenario, variant: str, out_dir: Path, log: list[str],
             started: Callable[[str], None] | None) -> None:  # fmt: skip
    """Compiles into out_dir (a fresh temporary folder)."""
    what = f"{scenario.name} ({variant})"
    target = out_dir / f"{scenario.name}-{variant}"
    main = str(scenario.directory / _SOURCE[variant])
    # An NSS module is a glibc plugin: always built with gcc, whatever the program is built with.
    for lib in scenario.libraries:
        cmd = ["gcc", *LIBRARY_FLAGS, f"-Wl,-soname,{lib.name}", "-o", str(out_dir / lib.name), *map(str, lib.sources)]
        _run_compiler(cmd, log, f"{lib.name} for {what}")
    if variant in GO_VARIANTS:
        extra_env, tags = _GO_BUILD[variant]
        env = {**os.environ, **extra_env}
        if "HOME" not in env:
            # go keeps its caches under HOME; without one (some CI shells) keep them under .build
            env |= {"GOCACHE": str(build_root() / ".go-cache"), "GOPATH": str(build_root() / ".go-path")}
        _run_compiler(
            ["go", "build", "-trimpath", *tags, "-o", str(target), "main.go"],
            log,
            what,
            env=env,
            cwd=scenario.directory,
        )
        return
    if variant in RUST_VARIANTS:
        rust_target, flags = _RUST_BUILD[variant]
        cmd = ["rustc", *RUST_FLAGS, "--target", rust_target, *flags, "-o", str(target), main]
        # rustc leaves its temporary files beside the output: out_dir is private and fresh
        _run_compiler(cmd, log, what, cwd=out_dir)
        return
    flags = (*C_FLAGS, f"-I{_common_dir()}", "-o", str(target), main)
    if variant in _ZIG_TARGET:
        zig_target, extra = _ZIG_TARGET[variant]
        if started:
            started(f"{scenario.name} {variant}: building with zig cc (the first build for a target "
                    "compiles its libc: about a minute)")  # fmt: skip
        # zig's caches below the build root: one place to clean, nothing written to HOME
        cache_dir = str(build_root() / ".zig-cache")
        env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": cache_dir, "ZIG_LOCAL_CACHE_DIR": cache_dir}
        _run_compiler([*_zig(), "cc", "-target", zig_target, *extra, *flags], log, what, env=env)
        return
    compiler, extra = _C_TOOLCHAIN[variant]
    linked: tuple[str, ...] = ()
    if variant in _ALLOCATOR:
        # after main.c, so that its malloc and free come before libc.a's in the link
        linked = (str(allocators.artifact(_ALLOCATOR[variant], allocator_cache(), started)),)
    _run_compiler([compiler, *extra, *flags, *linked], log, what)


def _build_one(scenario: Scenario, variant: str, started: Callable[[str], None] | None) -> tuple[Path, bool]:
    """Returns the binary and whether it was compiled now (False: cache hit)."""
    directory = variant_dir(scenario, variant)
    directory.mkdir(parents=True, exist_ok=True)
    # Tests, diff and demo may build the same scenario at the same time: one builder per variant.
    with open(directory.parent / f".{variant}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_built(scenario, variant):
            return _binary_path(scenario, variant), False
        if variant in _ALLOCATOR:  # built first: what it is goes into the key
            allocators.artifact(_ALLOCATOR[variant], allocator_cache(), started)
        key = _key(scenario, variant)
        staging = directory.parent / f".{variant}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        log: list[str] = []
        try:
            _compile(scenario, variant, staging, log, started)
        finally:
            with create_file(str(directory / "build.log"), "build log", text=True) as f:
                f.write("\n".join(log))
        (directory / "key").unlink(missing_ok=True)
        for produced in staging.iterdir():
            produced.rename(directory / produced.name)
        staging.rmdir()
        with create_file(str(directory / "key"), "build key", text=True) as f:
            f.write(key)
        return _binary_path(scenario, variant), True


def _selected(scenario: Scenario, variants: Iterable[str] | None) -> list[str]:
    if variants is None:
        return list(scenario.variants)
    chosen = set(variants)
    for v in chosen:
        _check_variant(v)
    return [v for v in VARIANTS if v in chosen]


def build(
    scenario: Scenario,
    variants: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    started: Callable[[str], None] | None = None,
) -> dict[str, Path | str]:
    """Builds the chosen variants (default: the scenario's own), in parallel.

    Returns variant -> binary path, or the reason the variant was skipped (toolchain missing,
    variant not declared by the scenario). `progress` is called once per variant when it is
    done, with a one-line message; `started`, before a slow first build (zig's libc, an
    allocator from source). A compile error raises ScenarioError.
    """
    selected = _selected(scenario, variants)
    results: dict[str, Path | str] = {}
    todo = []
    for v in selected:
        reason = "not a variant of this scenario" if v not in scenario.variants else availability(v)
        if reason is None:
            todo.append(v)
        else:
            results[v] = reason
            if progress:
                progress(f"{scenario.name} {v}: skipped ({reason})")

    def one(variant: str) -> tuple[str, Path]:
        start = time.monotonic()
        path, compiled = _build_one(scenario, variant, started)
        if progress:
            how = f"built in {time.monotonic() - start:.1f} s" if compiled else "cached"
            progress(f"{scenario.name} {variant}: {how}")
        return variant, path

    with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
        results.update(pool.map(one, todo))
    return {v: results[v] for v in selected}


def binary(scenario: Scenario, variant: str) -> Path:
    """The variant's binary, built first if needed; ScenarioError when it cannot be built."""
    result = build(scenario, [variant])[variant]
    if isinstance(result, str):
        raise ScenarioError(f"cannot build {scenario.name} ({variant}): {result}")
    return result


def run_spec(scenario: Scenario, variant: str) -> tuple[list[str], dict[str, str], SandboxConfig | None]:
    """argv (binary + the scenario's args), environment additions, sandbox configuration."""
    path = binary(scenario, variant)
    env = {name: value.replace(BUILD_DIR_PLACEHOLDER, str(path.parent)) for name, value in scenario.env.items()}
    return [str(path), *scenario.args], env, scenario.sandbox
