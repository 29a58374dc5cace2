"""libctrace.elf.info on real binaries built here with gcc, g++, musl-gcc (and go, rustc when
installed), cross-checked against binutils' own reading of the same files."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from helpers import _CACHE, build_c, need_tool

from libctrace.elf.info import check_against, distros, inspect_file, load_libc_versions, summary, version_key
from libctrace.errors import LibctraceError

HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'
# arc4random is new in glibc 2.36 (Debian 12), getrandom in 2.25, __stack_chk_fail in 2.4.
NEWER = """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
int main(int argc, char **argv) {
    char buf[64];
    unsigned v = arc4random();
    if (getrandom(buf, sizeof buf, 0) < 0) return 1;
    strcpy(buf, argv[0]);
    printf("%u %s %d\\n", v, buf, argc);
    return 0;
}
"""
NSS = '#include <pwd.h>\n#include <stdio.h>\nint main(int c, char **v) { struct passwd *p = getpwnam(c > 1 ? v[1] : "root"); printf("%s\\n", p ? p->pw_dir : "-"); return 0; }\n'
ICONV = '#include <iconv.h>\n#include <stdio.h>\nint main(void) { printf("%p\\n", (void *)iconv_open("UTF-16", "ISO-8859-1")); return 0; }\n'
DLOPEN = '#include <dlfcn.h>\n#include <stdio.h>\nint main(void) { printf("%p\\n", dlopen("libm.so.6", RTLD_NOW)); return 0; }\n'
RAW = """void _start(void) {
    __asm__ volatile("mov $60, %eax\\n xor %edi, %edi\\n syscall");
}
"""
CXX = """#include <iostream>
#include <string>
#include <stdexcept>
int main(int argc, char **argv) {
    std::string s(argv[0]);
    try { if (argc > 5) throw std::runtime_error(s); } catch (const std::exception &e) { std::cout << e.what(); }
    std::cout << s.size() << std::endl;
    return 0;
}
"""


def stripped(path: Path, tmp_path: Path) -> Path:
    need_tool("strip")
    out = tmp_path / (path.name + ".stripped")
    shutil.copy(path, out)
    subprocess.run(["strip", str(out)], check=True)
    return out


def readelf_needs(path: Path) -> dict[str, set[str]]:
    """file -> version names, as binutils' readelf -V reads the version-needs section."""
    out = subprocess.run(
        [need_tool("readelf"), "-V", "--wide", str(path)], capture_output=True, text=True, check=True
    ).stdout
    needs: dict[str, set[str]] = {}
    current = ""
    for line in out.split("Version needs section", 1)[-1].splitlines():
        if m := re.search(r"File: (\S+)", line):
            current = m.group(1)
            needs[current] = set()
        elif (m := re.search(r"Name: (\S+)", line)) and current:
            needs[current].add(m.group(1))
    return needs


def objdump_versioned_undefined(path: Path) -> set[tuple[str, str]]:
    """(symbol, version) of every undefined versioned dynamic symbol, as objdump -T lists them."""
    out = subprocess.run([need_tool("objdump"), "-T", str(path)], capture_output=True, text=True, check=True).stdout
    return {(m.group(2), m.group(1)) for m in re.finditer(r"\*UND\*\s+\S+\s+\((\S+)\)\s+(\S+)$", out, re.M)}


def test_dynamic_glibc_versions_match_binutils():
    prog = build_c(NEWER, name="newer")
    info = inspect_file(str(prog))
    assert (info.linkage, info.libc, info.runtime, info.file_type) == ("dynamic", "glibc", "c", "pie-executable")
    assert info.interpreter == "/lib64/ld-linux-x86-64.so.2" and info.needed == ("libc.so.6",)
    # Same needs as readelf, same symbol@version pairs as objdump.
    assert {n.file: set(n.versions) for n in info.version_needs} == readelf_needs(prog)
    ours = {(s.symbol, s.version) for s in info.glibc_symbols}
    assert ours == objdump_versioned_undefined(prog)
    highest = max((v for vs in readelf_needs(prog).values() for v in vs if v.startswith("GLIBC_2")), key=version_key)
    assert info.glibc_required == highest.removeprefix("GLIBC_") == "2.36"
    assert info.glibc_symbols[0].symbol == "arc4random"  # most demanding first
    keys = [version_key(s.version) for s in info.glibc_symbols]
    assert keys == sorted(keys, reverse=True)


def test_runs_on_table_is_the_loaders_check():
    info = inspect_file(str(build_c(NEWER, name="newer")))
    verdicts = {d.distro: d for d in info.runs_on}
    assert len(verdicts) == len(distros())
    # Needs 2.36 (arc4random): Debian 12 runs; Ubuntu 22.04 (2.35) lacks exactly GLIBC_2.36;
    # RHEL 8 (2.28) first lacks 2.34 (__libc_start_main); Alpine has no glibc.
    assert verdicts["Debian 12"].ok and verdicts["Debian 13"].ok and verdicts["Ubuntu 24.04"].ok
    assert (verdicts["Ubuntu 22.04"].ok, verdicts["Ubuntu 22.04"].missing) == (False, "GLIBC_2.36")
    assert (verdicts["RHEL/Alma/Rocky 8"].ok, verdicts["RHEL/Alma/Rocky 8"].missing) == (False, "GLIBC_2.34")
    assert (verdicts["Alpine"].ok, verdicts["Alpine"].missing) == (False, "glibc")


def test_system_binary_against_binutils():
    info = inspect_file("/usr/bin/python3")
    assert {n.file: set(n.versions) for n in info.version_needs} == readelf_needs(Path("/usr/bin/python3"))
    glibc = {pair for pair in objdump_versioned_undefined(Path("/usr/bin/python3")) if pair[1].startswith("GLIBC_")}
    assert {(s.symbol, s.version) for s in info.glibc_symbols} == glibc
    assert info.libc == "glibc" and info.linkage == "dynamic" and info.stripped


def test_cxx_needs():
    prog = build_c(CXX, compiler="g++", name="cxx")
    info = inspect_file(str(prog))
    assert info.runtime == "c++" and "libstdc++.so.6" in info.needed
    needs = readelf_needs(prog)
    glibcxx = max((v for v in needs["libstdc++.so.6"] if v.startswith("GLIBCXX_")), key=version_key)
    assert info.glibcxx_required == glibcxx.removeprefix("GLIBCXX_")
    cxxabi = [v for v in needs["libstdc++.so.6"] if v.startswith("CXXABI_")]
    assert info.cxxabi_required == (max(cxxabi, key=version_key).removeprefix("CXXABI_") if cxxabi else None)
    expected = {pair for pair in objdump_versioned_undefined(prog) if pair[1].startswith(("GLIBCXX_", "CXXABI_"))}
    assert {(s.symbol, s.version) for s in info.cxx_symbols} == expected and expected


@pytest.mark.parametrize(
    "compiler, flags, linkage, libc, file_type",
    [
        ("gcc", ("-static",), "static", "glibc", "executable"),
        ("gcc", ("-static-pie",), "static-pie", "glibc", "pie-executable"),
        ("musl-gcc", ("-static",), "static", "musl", "executable"),
        ("musl-gcc", (), "dynamic", "musl", "pie-executable"),
    ],
)
def test_flavour_and_linkage_with_and_without_symbols(tmp_path, compiler, flags, linkage, libc, file_type):
    prog = build_c(HELLO, compiler=compiler, flags=flags, name="hello")
    for path in (prog, stripped(prog, tmp_path)):
        info = inspect_file(str(path))
        assert (info.linkage, info.libc, info.file_type, info.runtime) == (linkage, libc, file_type, "c"), (
            path,
            info.libc_evidence,
        )
        assert info.stripped == path.name.endswith(".stripped")
        assert info.glibc_required is None
        assert bool(info.risks) == (libc == "musl" and linkage == "dynamic")  # only the musl loader risk
    # Without symbols the decision rests on strings and entry code, and says so.
    evidence = " ".join(inspect_file(str(stripped(prog, tmp_path))).libc_evidence)
    assert "symbol " not in evidence


def test_musl_static_stripped_is_told_by_entry_code(tmp_path):
    info = inspect_file(str(stripped(build_c(HELLO, compiler="musl-gcc", flags=("-static",), name="hello"), tmp_path)))
    assert info.libc == "musl" and any("entry code is musl" in e for e in info.libc_evidence)


def test_raw_syscalls_no_libc(tmp_path):
    prog = build_c(RAW, flags=("-nostdlib", "-static"), name="raw")
    assert subprocess.run([str(prog)]).returncode == 0  # it really runs without a libc
    for path in (prog, stripped(prog, tmp_path)):
        info = inspect_file(str(path))
        assert (info.libc, info.linkage, info.runtime) == ("none", "static", "unknown"), info.libc_evidence
        assert info.needed == () and info.interpreter is None


@pytest.mark.parametrize(
    "source, name, risk", [(NSS, "nss", "nss-dlopen"), (ICONV, "iconv", "iconv-dlopen"), (DLOPEN, "dl", "dlopen")]
)
def test_static_glibc_risks(tmp_path, source, name, risk):
    prog = build_c(source, flags=("-static",), name=name)
    info = inspect_file(str(prog))
    assert [r.id for r in info.risks] == [risk]
    assert "libc.so.6" in info.risks[0].message  # the consequence: a second libc
    # The same functions in a dynamic build are normal: no risk.
    assert inspect_file(str(build_c(source, name=name))).risks == ()
    if risk == "nss-dlopen":  # NSS is still found in a stripped file, through its strings
        assert [r.id for r in inspect_file(str(stripped(prog, tmp_path))).risks] == ["nss-dlopen"]


def test_plain_static_glibc_has_no_risk_and_musl_static_never():
    assert inspect_file(str(build_c(HELLO, flags=("-static",), name="hello"))).risks == ()
    assert inspect_file(str(build_c(NSS, compiler="musl-gcc", flags=("-static",), name="nss"))).risks == ()


def _fake_old_libc(tmp_path: Path) -> Path:
    """A libc.so.6 whose version definitions stop at GLIBC_2.28, like an old distribution's."""
    src = tmp_path / "oldlibc.c"
    src.write_text("int puts(const char *s) { (void)s; return 0; }\nint __libc_start_main(void) { return 0; }\n")
    script = tmp_path / "oldlibc.map"
    script.write_text(
        "GLIBC_2.2.5 { global: puts; __libc_start_main; local: *; };\n"
        "GLIBC_2.3 { } GLIBC_2.2.5;\nGLIBC_2.17 { } GLIBC_2.3;\nGLIBC_2.28 { } GLIBC_2.17;\n"
    )
    (tmp_path / "old").mkdir()
    out = tmp_path / "old" / "libc.so.6"
    subprocess.run(
        [
            need_tool("gcc"),
            "-shared",
            "-fPIC",
            "-nostdlib",
            f"-Wl,--version-script={script}",
            "-Wl,-soname,libc.so.6",
            "-o",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    return out


def test_against_matches_the_real_loader(tmp_path):
    old = _fake_old_libc(tmp_path)
    libc = load_libc_versions(str(old))
    assert libc.soname == "libc.so.6" and libc.defined == ("GLIBC_2.2.5", "GLIBC_2.3", "GLIBC_2.17", "GLIBC_2.28")
    for prog in (build_c(NEWER, name="newer"), Path("/usr/bin/python3")):
        result = check_against(inspect_file(str(prog)), libc)
        assert not result.ok
        # Ask the real dynamic loader: it names every version it cannot find for the program.
        loader = subprocess.run(
            ["/lib64/ld-linux-x86-64.so.2", "--library-path", str(old.parent), str(prog)],
            capture_output=True,
            text=True,
        )
        assert loader.returncode != 0
        refused = set(re.findall(rf"version `(\S+)' not found \(required by {re.escape(str(prog))}\)", loader.stderr))
        assert refused and {u.rpartition("@")[2] for u in result.unmet} == refused
    assert "__libc_start_main@GLIBC_2.34" in check_against(inspect_file(str(build_c(HELLO, name="hello"))), libc).unmet
    real = load_libc_versions("/lib/x86_64-linux-gnu/libc.so.6")
    assert check_against(inspect_file("/usr/bin/python3"), real).ok and "GLIBC_2.36" in real.defined


def test_summary_is_cheap_and_never_raises(tmp_path):
    s = summary("/usr/bin/python3")
    assert s is not None and set(s) == {"path", "linkage", "libc", "runtime", "interpreter", "glibc_required"}
    full = inspect_file("/usr/bin/python3")
    assert (s["linkage"], s["libc"], s["runtime"], s["interpreter"], s["glibc_required"]) == (
        full.linkage,
        full.libc,
        full.runtime,
        full.interpreter,
        full.glibc_required,
    )
    (tmp_path / "text").write_text("not elf")
    assert summary(str(tmp_path / "text")) is None and summary(str(tmp_path)) is None
    assert summary(str(tmp_path / "missing")) is None


def _foreign_header(machine: int, e_type: int = 2) -> bytes:
    """A minimal, valid ELF64 little-endian header (no segments): an executable by default."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    # e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags, e_ehsize, e_phentsize, e_phnum,
    # e_shentsize, e_shnum, e_shstrndx
    return ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, 0x400000, 0, 0, 0, 64, 56, 0, 64, 0, 0)


def test_foreign_architecture_is_reported(tmp_path):
    path = tmp_path / "arm64"
    path.write_bytes(_foreign_header(183))  # EM_AARCH64
    info = inspect_file(str(path))
    assert (info.machine, info.elf_class) == ("aarch64", 64) and "x86-64 programs only" in info.notes[0]


def test_object_file_and_core_dump(tmp_path):
    src = tmp_path / "o.c"
    src.write_text(HELLO)
    obj = tmp_path / "o.o"
    subprocess.run([need_tool("gcc"), "-c", "-o", str(obj), str(src)], check=True)
    info = inspect_file(str(obj))
    assert (info.file_type, info.linkage, info.libc, info.runs_on) == ("relocatable", "unlinked", "unknown", ())
    core = tmp_path / "core"
    core.write_bytes(_foreign_header(62, e_type=4))  # ET_CORE, x86-64
    with pytest.raises(LibctraceError, match="a core dump"):
        inspect_file(str(core))


def test_32bit_is_reported():
    try:
        prog = build_c(
            RAW.replace("syscall", "int $0x80").replace("$60, %eax", "$1, %eax").replace("%edi", "%ebx"),
            flags=("-m32", "-nostdlib", "-static"),
            name="raw32",
        )
    except subprocess.CalledProcessError:
        pytest.skip("gcc -m32 cannot link here (no 32-bit toolchain support)")
    info = inspect_file(str(prog))
    assert (info.elf_class, info.machine, info.linkage) == (32, "i386", "static")
    assert any("32-bit i386" in n for n in info.notes)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "empty file"),
        (b"#!/bin/sh\necho hi\n", "a script (#!/bin/sh)"),
        (b"\x7fELF\x02\x01\x01", "truncated ELF file (7 bytes): the ELF header alone is 64"),
        (b"\x7fELF\x05" + bytes(59), "truncated or corrupt ELF header"),  # ELF class 5 does not exist
    ],
)
def test_bad_files(tmp_path, content, needle):
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(LibctraceError, match=re.escape(needle)):
        inspect_file(str(path))


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LibctraceError, match="not a regular file"):
        inspect_file(str(fifo))


def test_truncated_real_binary(tmp_path):
    data = build_c(HELLO, name="hello").read_bytes()
    for cut in (100, len(data) // 2, len(data) - 10):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(data[:cut])
        with pytest.raises(LibctraceError, match="truncated"):
            inspect_file(str(path))


def _go_build(source: str, cgo: bool) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (optional: apt-get install golang-go)")
    key = hashlib.sha256(f"{source}{cgo}".encode()).hexdigest()[:16]
    out = _CACHE / f"go-{key}"
    if not out.exists():
        work = _CACHE / f"go-{key}.d"
        work.mkdir(parents=True, exist_ok=True)
        (work / "main.go").write_text(source)
        env = {
            **os.environ,
            "CGO_ENABLED": "1" if cgo else "0",
            "GOCACHE": str(_CACHE / "gocache"),
            "HOME": str(work),
            "GO111MODULE": "off",
            "GOFLAGS": "",
        }
        subprocess.run([go, "build", "-o", str(out), "main.go"], cwd=work, env=env, check=True, capture_output=True)
    return out


def test_go_static_and_cgo(tmp_path):
    version = (
        subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
        if shutil.which("go")
        else ""
    )
    prog = _go_build('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n', cgo=False)
    for path in (prog, stripped(prog, tmp_path)):
        info = inspect_file(str(path))
        assert (info.libc, info.linkage, info.runtime, info.runtime_version) == ("none", "static", "go", version)
    cgo = _go_build(
        'package main\n\n// int answer(void) { return 42; }\nimport "C"\nimport "fmt"\n\n'
        "func main() { fmt.Println(C.answer()) }\n",
        cgo=True,
    )
    info = inspect_file(str(cgo))
    assert (info.libc, info.linkage, info.runtime) == ("glibc", "dynamic", "go") and info.glibc_required


def test_rust(tmp_path):
    rustc = shutil.which("rustc", path="/usr/bin") or shutil.which("rustc")
    if rustc is None:
        pytest.skip("rustc is not installed (optional: apt-get install rustc)")
    out = tmp_path / "hi"
    src = tmp_path / "hi.rs"
    src.write_text('fn main() { println!("hi"); }\n')
    subprocess.run([rustc, "-O", "-o", str(out), str(src)], check=True, capture_output=True)
    for path in (out, stripped(out, tmp_path)):
        info = inspect_file(str(path))
        assert (info.runtime, info.libc, info.linkage) == ("rust", "glibc", "dynamic")
