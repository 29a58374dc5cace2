"""What an ELF file tells before it runs: libc flavour, linkage, glibc versions needed,
where it runs, and the run-time loading risks of static glibc.

The only module that imports pyelftools. `inspect_file` gives the full picture
(`libctrace inspect`, the differ); `summary` is the cheap subset the recorder stores in
every trace header; `check_against` repeats the dynamic loader's version check against a
real libc.so.6. How the libc flavour is decided is documented in docs/inspect.md.
"""

from __future__ import annotations

import os
import re
import stat
import struct
import tomllib
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any, BinaryIO

from elftools.common.exceptions import ELFError
from elftools.construct.core import ConstructError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection

from libctrace.errors import ElfError, LibctraceError, PermissionProblem

JSON_VERSION = 1

# pyelftools reports a damaged file through any of these, depending on where it breaks.
_PARSE_ERRORS = (ELFError, ConstructError, struct.error, ValueError, IndexError, KeyError, UnicodeDecodeError)

_MACHINES = {
    "EM_X86_64": "x86-64",
    "EM_386": "i386",
    "EM_AARCH64": "aarch64",
    "EM_ARM": "arm",
    "EM_RISCV": "riscv",
    "EM_PPC64": "ppc64",
    "EM_S390": "s390x",
    "EM_MIPS": "mips",
}

# Symbols only each libc's own code defines. glibc: the static start-up and TLS set-up of
# csu/libc-start.c and csu/libc-tls.c (static and static-pie alike). musl: src/env/__libc_start_main.c
# (__init_libc, __libc_start_init), crt1's _start_c and its stdio back end.
_GLIBC_SYMBOLS = ("__libc_setup_tls", "__libc_start_call_main", "_dl_relocate_static_pie", "_nl_C_locobj")
_MUSL_SYMBOLS = ("__init_libc", "__libc_start_init", "_start_c", "__stdio_write", "__syscall_cp_asm")
# Strings that survive `strip` because they live in .rodata: glibc's tunables variable and its
# fatal-error prefixes. musl has no such strings, so stripped musl is recognised by its entry code.
_GLIBC_STRINGS = (b"GLIBC_TUNABLES", b"Fatal glibc error")
# x86-64 _start: glibc sysdeps/x86_64/start.S (optional endbr64, xor %ebp; mov %rdx,%r9; pop %rsi),
# musl arch/x86_64/crt_arch.h (xor %rbp; mov %rsp,%rdi; lea _DYNAMIC(%rip),%rsi).
_GLIBC_ENTRY = re.compile(rb"(\xf3\x0f\x1e\xfa)?\x31\xed\x49\x89\xd1\x5e")
_MUSL_ENTRY = re.compile(rb"\x48\x31\xed\x48\x89\xe7\x48\x8d\x35....\x48\x83\xe4\xf0\xe8", re.DOTALL)
_RUST_SYMBOLS = ("rust_begin_unwind", "__rust_alloc", "rust_panic", "__rust_start_panic")
# Rust's std keeps its panic locations and its RUST_BACKTRACE switch in .rodata, stripped or not.
_RUST_STRINGS = (b"RUST_BACKTRACE", b"library/std/src/", b"/rustc/")
_CXX_SYMBOLS = ("__gxx_personality_v0", "__cxa_throw")

# Static glibc functions that load shared objects at run time (glibc nss/, iconv/gconv_dl.c).
_NSS_FUNCTIONS = (
    "getpwnam",
    "getpwnam_r",
    "getpwuid",
    "getpwuid_r",
    "getpwent",
    "getgrnam",
    "getgrnam_r",
    "getgrgid",
    "getgrgid_r",
    "getgrent",
    "getgrouplist",
    "initgroups",
    "getspnam",
    "getspnam_r",
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname_r",
    "gethostbyname2",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "getservbyname",
    "getservbyname_r",
    "getservbyport",
    "getservbyport_r",
    "getprotobyname",
    "getprotobynumber",
    "getnetbyname",
    "getnetgrent",
    "innetgr",
    "getaliasbyname",
    "getrpcbyname",
)
# The version that introduced a non-numeric glibc version name (binutils 2.38 -z pack-relative-relocs).
_NAMED_GLIBC_VERSIONS = {"GLIBC_ABI_DT_RELR": "2.36"}


@dataclass(frozen=True)
class VersionedSymbol:
    """An undefined dynamic symbol bound to a version, e.g. __libc_start_main@GLIBC_2.34."""

    symbol: str
    version: str
    file: str  # the library that must define the version (DT_NEEDED name)


@dataclass(frozen=True)
class VersionNeed:
    file: str
    versions: tuple[str, ...]


@dataclass(frozen=True)
class DistroVerdict:
    distro: str
    glibc: str | None  # None for a musl distribution
    ok: bool
    missing: str | None  # first thing the loader would not find: "GLIBC_2.34", "glibc", "ld-musl-x86_64.so.1"


@dataclass(frozen=True)
class Risk:
    id: str
    message: str


@dataclass(frozen=True)
class ElfInfo:
    path: str
    elf_class: int  # 32 or 64
    machine: str
    file_type: str  # executable, pie-executable, shared-object, relocatable
    linkage: str  # dynamic, static, static-pie, unlinked
    libc: str  # glibc, musl, none, unknown
    libc_evidence: tuple[str, ...]
    runtime: str  # go, rust, c++, c, unknown
    runtime_version: str | None  # the Go version from .go.buildinfo
    interpreter: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    soname: str | None
    build_id: str | None
    stripped: bool
    version_needs: tuple[VersionNeed, ...]
    versioned_symbols: tuple[VersionedSymbol, ...]  # most demanding first
    glibc_required: str | None
    glibcxx_required: str | None
    cxxabi_required: str | None
    runs_on: tuple[DistroVerdict, ...]
    risks: tuple[Risk, ...]
    notes: tuple[str, ...]

    @property
    def glibc_symbols(self) -> tuple[VersionedSymbol, ...]:
        return tuple(s for s in self.versioned_symbols if s.version.startswith("GLIBC_"))

    @property
    def cxx_symbols(self) -> tuple[VersionedSymbol, ...]:
        return tuple(s for s in self.versioned_symbols if s.version.startswith(("GLIBCXX_", "CXXABI_")))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        del d["versioned_symbols"]
        d["glibc_symbols"] = [asdict(s) for s in self.glibc_symbols]
        d["cxx_symbols"] = [asdict(s) for s in self.cxx_symbols]
        return {"version": JSON_VERSION, **d}


@dataclass(frozen=True)
class LibcVersions:
    """The version definitions of one real library: what the loader matches needs against."""

    path: str
    soname: str
    defined: tuple[str, ...]


@dataclass(frozen=True)
class AgainstResult:
    """The loader's version check of one binary against one library."""

    libc: LibcVersions
    unmet: tuple[str, ...]  # "symbol@VERSION", or "VERSION" for a need no symbol carries

    @property
    def ok(self) -> bool:
        return not self.unmet

    def to_json(self) -> dict[str, Any]:
        return {
            "libc": self.libc.path,
            "soname": self.libc.soname,
            "ok": self.ok,
            "defined": list(self.libc.defined),
            "unmet": list(self.unmet),
        }


def version_key(name: str) -> tuple[int, ...]:
    """GLIBC_2.2.5 -> (2, 2, 5); names without a number sort first."""
    num = _NAMED_GLIBC_VERSIONS.get(name) or name.rpartition("_")[2]
    parts = num.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()


@cache
def distros() -> tuple[dict[str, str], ...]:
    with resources.files("libctrace").joinpath("data/distros.toml").open("rb") as fh:
        return tuple(tomllib.load(fh)["distro"])


def _open(path: str) -> BinaryIO:
    """Opens a file to read as ELF, turning every way it can be unusable into one line."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ElfError(f"{path}: no such file") from None
    except PermissionError:
        raise PermissionProblem(f"{path}: permission denied") from None
    except OSError as e:
        raise ElfError(f"{path}: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ElfError(f"{path}: is a directory, not an ELF file")
    if not stat.S_ISREG(st.st_mode):
        # Opening a FIFO would block; a device is never a program.
        raise ElfError(f"{path}: not a regular file")
    try:
        fh = open(path, "rb")
    except PermissionError:
        raise PermissionProblem(f"{path}: permission denied (cannot read the file)") from None
    except OSError as e:
        raise ElfError(f"{path}: {e.strerror}") from None
    head = fh.read(64)
    fh.seek(0)
    if head[:4] != b"\x7fELF":
        fh.close()
        if not head:
            raise ElfError(f"{path}: empty file, not an ELF file")
        if head.startswith(b"#!"):
            raise ElfError(f"{path}: a script ({head.splitlines()[0].decode(errors='replace')}), not an ELF file")
        raise ElfError(f"{path}: not an ELF file (starts with {head[:8]!r})")
    header_size = 64 if head[4:5] == b"\x02" else 52  # ELFCLASS64 or ELFCLASS32
    if len(head) < header_size:
        fh.close()
        raise ElfError(f"{path}: truncated ELF file ({len(head)} bytes): the ELF header alone is {header_size}")
    return fh


class _Elf:
    """One open ELF file with the facts computed on demand, so `summary` pays only for what it asks."""

    def __init__(self, path: str, fh: BinaryIO) -> None:
        self.path = path
        self.size = os.fstat(fh.fileno()).st_size
        try:
            self.elf = ELFFile(fh)
        except _PARSE_ERRORS as e:
            raise ElfError(f"{path}: truncated or corrupt ELF header ({e})") from None
        # pyelftools reads lazily and returns short data past the end: a truncated file must fail
        # here, with the reason, not later with a misleading fact. One pass each: building the
        # section objects is most of the cost of `summary`.
        h = self.elf.header
        for what, end in (
            ("program headers", h["e_phoff"] + h["e_phnum"] * h["e_phentsize"]),
            ("section headers", h["e_shoff"] + h["e_shnum"] * h["e_shentsize"] if h["e_shoff"] else 0),
        ):
            self._within(what, end)
        self.type = h["e_type"]
        if self.type == "ET_CORE":
            raise ElfError(f"{path}: a core dump; inspect the program that produced it instead")
        self.interp: str | None = None
        self.segments = list(self.elf.iter_segments())
        for seg in self.segments:
            self._within(f"segment {seg['p_type']}", seg["p_offset"] + seg["p_filesz"])
            if seg["p_type"] == "PT_INTERP":
                self.interp = seg.get_interp_name()
        self.sections: dict[str, Any] = {}
        self.dynamic: dict[str, list[Any]] = {}
        for sec in self.elf.iter_sections():
            if sec["sh_type"] != "SHT_NOBITS":
                self._within(f"section {sec.name}", sec["sh_offset"] + sec["sh_size"])
            self.sections[sec.name] = sec
            if isinstance(sec, DynamicSection):
                for tag in sec.iter_tags():
                    self.dynamic.setdefault(tag.entry.d_tag, []).append(tag)

    def _within(self, what: str, end: int) -> None:
        if end > self.size:
            raise ElfError(f"{self.path}: truncated ELF file ({self.size} bytes): {what} run to byte {end}")

    # --- shape -------------------------------------------------------------------------------

    @property
    def machine(self) -> str:
        m = self.elf.header["e_machine"]
        return _MACHINES.get(m, m.removeprefix("EM_").lower() if isinstance(m, str) else f"machine {m}")

    def tag_values(self, tag: str, attr: str) -> tuple[str, ...]:
        return tuple(getattr(t, attr) for t in self.dynamic.get(tag, ()))

    @property
    def needed(self) -> tuple[str, ...]:
        return self.tag_values("DT_NEEDED", "needed")

    @property
    def is_pie(self) -> bool:
        return any(t.entry.d_val & 0x08000000 for t in self.dynamic.get("DT_FLAGS_1", ()))  # DF_1_PIE

    @property
    def file_type(self) -> str:
        if self.type == "ET_EXEC":
            return "executable"
        if self.type == "ET_REL":
            return "relocatable"
        if self.is_pie or (self.interp and not self.dynamic.get("DT_SONAME")):
            return "pie-executable"
        return "shared-object"  # a library; libc.so.6 has an interpreter and a soname, and is one

    @property
    def linkage(self) -> str:
        if self.type == "ET_REL":
            return "unlinked"
        if self.interp or self.file_type == "shared-object":
            return "dynamic"
        return "static" if self.type == "ET_EXEC" else "static-pie"

    # --- contents ----------------------------------------------------------------------------

    def data(self, name: str) -> bytes:
        sec = self.sections.get(name)
        return sec.data() if sec is not None and sec["sh_type"] != "SHT_NOBITS" else b""

    @cached_property
    def symbol_names(self) -> frozenset[bytes]:
        # Splitting the string tables is far cheaper than decoding every symbol with pyelftools,
        # and presence is all the markers need.
        return frozenset((self.data(".strtab") + b"\0" + self.data(".dynstr")).split(b"\0"))

    def has_symbols(self, names: tuple[str, ...]) -> list[str]:
        return [n for n in names if n.encode() in self.symbol_names]

    def has_strings(self, needles: tuple[bytes, ...]) -> list[bytes]:
        rodata = self.data(".rodata")
        return [n for n in needles if n in rodata]

    def entry_code(self) -> bytes:
        entry = self.elf.header["e_entry"]
        for seg in self.segments:
            if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= entry < seg["p_vaddr"] + seg["p_filesz"]:
                self.elf.stream.seek(seg["p_offset"] + entry - seg["p_vaddr"])
                return self.elf.stream.read(32)
        return b""

    @cached_property
    def version_needs(self) -> tuple[VersionNeed, ...]:
        out = []
        for sec in self.sections.values():
            if isinstance(sec, GNUVerNeedSection):
                for verneed, auxs in sec.iter_versions():
                    out.append(VersionNeed(verneed.name, tuple(a.name for a in auxs)))
        return tuple(out)

    def versioned_symbols(self) -> tuple[VersionedSymbol, ...]:
        """Undefined dynamic symbols with the version each needs, most demanding first."""
        versym = next((s for s in self.sections.values() if isinstance(s, GNUVerSymSection)), None)
        verneed = next((s for s in self.sections.values() if isinstance(s, GNUVerNeedSection)), None)
        dynsym = self.sections.get(".dynsym")
        if versym is None or verneed is None or not isinstance(dynsym, SymbolTableSection):
            return ()
        by_index = {a["vna_other"]: (a.name, vn.name) for vn, auxs in verneed.iter_versions() for a in auxs}
        out = []
        for i, sym in enumerate(dynsym.iter_symbols()):
            ndx = versym.get_symbol(i)["ndx"]
            if sym["st_shndx"] != "SHN_UNDEF" or not isinstance(ndx, int):
                continue  # 0 and 1 (local, global) come as names: unversioned
            if (ndx & 0x7FFF) in by_index:
                version, file = by_index[ndx & 0x7FFF]
                out.append(VersionedSymbol(sym.name, version, file))
        return tuple(
            sorted(
                set(out), key=lambda s: (s.version.split("_")[0], tuple(-n for n in version_key(s.version)), s.symbol)
            )
        )

    def build_id(self) -> str | None:
        for sec in self.sections.values():
            if sec["sh_type"] == "SHT_NOTE":
                for note in sec.iter_notes():
                    if note["n_type"] == "NT_GNU_BUILD_ID":
                        return str(note["n_desc"])
        return None

    def has_abi_tag(self) -> bool:
        return ".note.ABI-tag" in self.sections

    def go_version(self) -> str | None:
        """The Go version recorded in .go.buildinfo (the inline layout of Go 1.18 and later)."""
        data = self.data(".go.buildinfo")
        if not data.startswith(b"\xff Go buildinf:") or len(data) < 33 or not data[15] & 2:
            return None
        n, shift, i = 0, 0, 32
        while i < len(data):  # uvarint length prefix
            b = data[i]
            n |= (b & 0x7F) << shift
            i += 1
            if not b & 0x80:
                break
            shift += 7
        return data[i : i + n].decode(errors="replace") or None

    # --- decisions ---------------------------------------------------------------------------

    def libc(self) -> tuple[str, tuple[str, ...]]:
        """The libc flavour and the evidence for it, strongest first (docs/inspect.md)."""
        if self.type == "ET_REL":
            return "unknown", ("relocatable object: the libc is chosen when it is linked",)
        if self.interp:
            base = os.path.basename(self.interp)
            if base.startswith("ld-musl-"):
                return "musl", (f"interpreter {self.interp}",)
            if base.startswith(("ld-linux", "ld64.so")):
                return "glibc", (f"interpreter {self.interp}",)
        needed = self.needed
        if "libc.so.6" in needed:
            return "glibc", ("DT_NEEDED libc.so.6",)
        # musl-gcc links against "libc.so"; with an unknown interpreter (Android's linker64 also
        # uses that name) it proves nothing, so only a library without one counts it.
        musl_needed = [n for n in needed if (n == "libc.so" and not self.interp) or n.startswith("libc.musl-")]
        if musl_needed:
            return "musl", (f"DT_NEEDED {musl_needed[0]}",)
        if any(v.startswith("GLIBC_") for need in self.version_needs for v in need.versions):
            return "glibc", ("GLIBC_* version needs",)
        if self.linkage == "dynamic" and needed:
            return "unknown", (f"dynamic, needs {', '.join(needed)} but no known libc",)
        return self._static_libc()

    def _static_libc(self) -> tuple[str, tuple[str, ...]]:
        glibc: list[str] = [f"symbol {s}" for s in self.has_symbols(_GLIBC_SYMBOLS)]
        glibc += [f"string {s.decode()!r}" for s in self.has_strings(_GLIBC_STRINGS)]
        musl: list[str] = [f"symbol {s}" for s in self.has_symbols(_MUSL_SYMBOLS)]
        if self.machine == "x86-64":
            code = self.entry_code()
            if _GLIBC_ENTRY.match(code):
                glibc.append("entry code is glibc's _start (sysdeps/x86_64/start.S)")
            if _MUSL_ENTRY.match(code):
                musl.append("entry code is musl's _start (arch/x86_64/crt_arch.h)")
        if self.has_abi_tag():
            glibc.append(".note.ABI-tag from glibc's crt1.o")
        if glibc and len(glibc) >= len(musl):  # both cannot be linked in; more evidence wins a doubt
            return "glibc", tuple(glibc)
        if musl:
            return "musl", tuple(musl)
        if ".go.buildinfo" in self.sections or ".note.go.buildid" in self.sections:
            return "none", ("Go runtime: makes its system calls itself",)
        if ".symtab" in self.sections:
            return "none", ("symbol table has no libc symbols",)
        if ".init" not in self.sections:
            return "none", ("no .init section: no C start-up files were linked",)
        return "unknown", ("stripped, and no libc marker found in strings or entry code",)

    def runtime(self, libc: str) -> tuple[str, str | None]:
        if ".go.buildinfo" in self.sections or ".note.go.buildid" in self.sections:
            return "go", self.go_version()
        if ".rustc" in self.sections or self.has_symbols(_RUST_SYMBOLS) or self.has_strings(_RUST_STRINGS):
            return "rust", None
        cxx_needs = any(v.startswith(("GLIBCXX_", "CXXABI_")) for n in self.version_needs for v in n.versions)
        if (
            cxx_needs
            or any(n.startswith("libstdc++") or n.startswith("libc++") for n in self.needed)
            or self.has_symbols(_CXX_SYMBOLS)
        ):
            return "c++", None
        return ("c", None) if libc in ("glibc", "musl") else ("unknown", None)


def _highest(needs: tuple[VersionNeed, ...], prefix: str) -> str | None:
    versions = [v for n in needs for v in n.versions if v.startswith(prefix) and version_key(v)]
    if not versions:
        return None
    best = max(versions, key=version_key)
    return ".".join(map(str, version_key(best)))


def _runs_on(linkage: str, libc: str, interp: str | None, needs: tuple[VersionNeed, ...]) -> tuple[DistroVerdict, ...]:
    """The loader's verdict per distribution: static files need nothing, dynamic ones their libc."""
    if linkage == "unlinked" or (linkage == "dynamic" and libc not in ("glibc", "musl")):
        return ()
    glibc_needs = sorted(
        {v for n in needs for v in n.versions if v.startswith("GLIBC_") and version_key(v)}, key=version_key
    )
    out = []
    for d in distros():
        distro_glibc = d.get("glibc")
        if linkage != "dynamic":
            ok, missing = True, None
        elif libc == "musl":
            ok = distro_glibc is None
            missing = None if ok else os.path.basename(interp or "ld-musl-x86_64.so.1")
        elif distro_glibc is None:
            ok, missing = False, "glibc"
        else:
            lacking = [v for v in glibc_needs if version_key(v) > version_key(f"GLIBC_{distro_glibc}")]
            ok, missing = not lacking, (lacking[0] if lacking else None)
        out.append(DistroVerdict(d["name"], distro_glibc, ok, missing))
    return tuple(out)


def _direct_calls(e: _Elf, name: str) -> int:
    """Counts call/jmp rel32 instructions in .text that target symbol `name` (x86 only).

    Every static glibc links dlopen for its own gconv use, so its presence says nothing; a
    call from the program's code does. A stray 0xe8 byte hitting the exact address is a
    one-in-four-billion event per byte.
    """
    symtab = e.sections.get(".symtab")
    text = e.sections.get(".text")
    if not isinstance(symtab, SymbolTableSection) or text is None or e.machine not in ("x86-64", "i386"):
        return 0
    syms = symtab.get_symbol_by_name(name) or []
    targets = {s["st_value"] for s in syms if s["st_value"]}
    data, base, count = text.data(), text["sh_addr"], 0
    for opcode in (b"\xe8", b"\xe9"):
        i = data.find(opcode)
        while i != -1 and i + 5 <= len(data):
            if base + i + 5 + int.from_bytes(data[i + 1 : i + 5], "little", signed=True) in targets:
                count += 1
            i = data.find(opcode, i + 1)
    return count


def _risks(e: _Elf, libc: str, linkage: str, interp: str | None) -> tuple[tuple[Risk, ...], tuple[str, ...]]:
    risks: list[Risk] = []
    notes: list[str] = []
    if libc == "musl" and linkage == "dynamic":
        risks.append(
            Risk(
                "musl-loader",
                f"needs {interp or 'the musl loader'}: starts only where musl is installed "
                "(Alpine); elsewhere execve fails with ENOENT, 'No such file or directory'",
            )
        )
    if libc != "glibc" or linkage not in ("static", "static-pie"):
        return tuple(risks), tuple(notes)
    stripped = ".symtab" not in e.sections
    nss = e.has_symbols(_NSS_FUNCTIONS)
    if nss or (stripped and e.has_strings((b"/etc/nsswitch.conf",))):
        which = (
            ", ".join(nss[:4]) + (" ..." if len(nss) > 4 else "") if nss else "NSS code (its /etc/nsswitch.conf string)"
        )
        risks.append(
            Risk(
                "nss-dlopen",
                f"uses {which}: reads /etc/nsswitch.conf and dlopens libnss_<source>.so.2 for "
                "every source not built in (systemd, sss, ldap...); the module pulls in the host's libc.so.6: "
                "a second libc in the process, crashes or missing users/hosts when its glibc differs",
            )
        )
    if "iconv_open" in e.has_symbols(("iconv_open",)):
        risks.append(
            Risk(
                "iconv-dlopen",
                "calls iconv_open: any charset beyond UTF-8/UCS-2/UCS-4/ASCII reads "
                "gconv-modules.cache and dlopens a gconv module that pulls in libc.so.6 (second libc); "
                "iconv_open fails with EINVAL where the modules are absent (scratch containers)",
            )
        )
    calls = _direct_calls(e, "dlopen")
    if calls:
        risks.append(
            Risk(
                "dlopen",
                f"calls dlopen ({calls} call site{'s' if calls > 1 else ''}): a static glibc can load "
                "only libraries built against its exact glibc version; each pulls in libc.so.6 (second libc)",
            )
        )
    if stripped:
        notes.append(
            "stripped: iconv_open and dlopen calls cannot be seen without symbols (NSS is found by its strings)"
        )
    return tuple(risks), tuple(notes)


def inspect_file(path: str) -> ElfInfo:
    """Every static fact libctrace reports about one ELF file. Raises LibctraceError on bad input."""
    with _open(path) as fh:
        try:
            return _inspect(_Elf(path, fh))
        except (*_PARSE_ERRORS, OSError) as err:  # OSError: a seek to a corrupt offset
            raise ElfError(f"{path}: corrupt ELF file ({err})") from None


def _inspect(e: _Elf) -> ElfInfo:
    libc, evidence = e.libc()
    runtime, runtime_version = e.runtime(libc)
    needs = e.version_needs
    linkage = e.linkage
    risks, notes = _risks(e, libc, linkage, e.interp)
    bits = e.elf.elfclass
    if e.machine != "x86-64" or bits != 64:
        notes += (f"{bits}-bit {e.machine} file: inspect reads it, `libctrace run` traces x86-64 programs only",)
    return ElfInfo(
        path=e.path,
        elf_class=bits,
        machine=e.machine,
        file_type=e.file_type,
        linkage=linkage,
        libc=libc,
        libc_evidence=evidence,
        runtime=runtime,
        runtime_version=runtime_version,
        interpreter=e.interp,
        needed=e.needed,
        rpath=tuple(p for t in e.tag_values("DT_RPATH", "rpath") for p in t.split(":")),
        runpath=tuple(p for t in e.tag_values("DT_RUNPATH", "runpath") for p in t.split(":")),
        soname=next(iter(e.tag_values("DT_SONAME", "soname")), None),
        build_id=e.build_id(),
        stripped=".symtab" not in e.sections,
        version_needs=needs,
        versioned_symbols=e.versioned_symbols(),
        glibc_required=_highest(needs, "GLIBC_"),
        glibcxx_required=_highest(needs, "GLIBCXX_"),
        cxxabi_required=_highest(needs, "CXXABI_"),
        runs_on=_runs_on(linkage, libc, e.interp, needs),
        risks=risks,
        notes=notes,
    )


def summary(path: str) -> dict[str, Any] | None:
    """The trace header's `executable` object; None when the file cannot be read as ELF.

    Cheap on purpose (the recorder calls it on every run): no per-symbol decoding, no risk scan.
    """
    try:
        with _open(path) as fh:
            e = _Elf(path, fh)
            libc, _ = e.libc()
            return {
                "path": path,
                "linkage": e.linkage,
                "libc": libc,
                "runtime": e.runtime(libc)[0],
                "interpreter": e.interp,
                "glibc_required": _highest(e.version_needs, "GLIBC_"),
            }
    except (OSError, LibctraceError, *_PARSE_ERRORS):
        return None


def load_libc_versions(libc_path: str) -> LibcVersions:
    """The version definitions of a real libc (or any versioned library), from any root file system."""
    with _open(libc_path) as fh:
        try:
            lib = _Elf(libc_path, fh)
            soname = next(iter(lib.tag_values("DT_SONAME", "soname")), None) or os.path.basename(libc_path)
            defined: list[str] = []
            for sec in lib.sections.values():
                if isinstance(sec, GNUVerDefSection):
                    for verdef, auxs in sec.iter_versions():
                        if not verdef["vd_flags"] & 0x1:  # VER_FLG_BASE names the file itself
                            defined.append(next(iter(auxs)).name)
        except _PARSE_ERRORS as err:
            raise ElfError(f"{libc_path}: corrupt ELF file ({err})") from None
    if not defined:
        raise ElfError(f"{libc_path}: defines no symbol versions; not a glibc libc.so.6")
    return LibcVersions(libc_path, soname, tuple(sorted(set(defined), key=version_key)))


def check_against(info: ElfInfo, libc: LibcVersions) -> AgainstResult:
    """What ld.so checks at start-up: every version the binary needs from the library's soname
    must be among its version definitions. Lists each unmet symbol@VERSION, most demanding first."""
    have = set(libc.defined)
    unmet: list[str] = []
    for need in info.version_needs:
        if need.file != libc.soname:
            continue
        for version in need.versions:
            if version in have:
                continue
            syms = [s.symbol for s in info.versioned_symbols if s.version == version and s.file == libc.soname]
            unmet += [f"{s}@{version}" for s in syms] or [version]
    unmet.sort(key=lambda u: (tuple(-n for n in version_key(u.rpartition("@")[2])), u))
    return AgainstResult(libc, tuple(unmet))
