"""What pyproject.toml cannot say.

- The C stop loop (libctrace/record/stoploop.c) is compiled with the package, so a wheel carries it and
  an sdist install builds it. It is a plain shared library loaded with ctypes
  (libctrace/record/stoploop.py), built as an extension module only to have setuptools compile, name and
  place it; it uses no Python API, so one stable-ABI (abi3) build serves every CPython >= 3.11.
- The trace reader's row converter (libctrace/rows.c, libctrace/_rows.abi3.so) is a CPython extension
  on the stable ABI (abi3): libctrace/traceio.py uses it when present, and the same logic in Python
  when not.
- The scenario programs and the docs (the divergence catalogue that `libctrace explain`
  prints) live beside the package in a checkout and are copied into it, as libctrace/share/, when
  it is built (libctrace/resources.py finds either).
"""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

SHARED = ("scenarios", "docs")  # top-level folders shipped as libctrace/share/<name>


class BuildPyWithShare(build_py):
    def run(self) -> None:
        super().run()
        for name in SHARED:
            target = Path(self.build_lib) / "libctrace" / "share" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(name, target, ignore=shutil.ignore_patterns(".*"))


setup(
    ext_modules=[
        Extension(
            "libctrace.record._stoploop",
            ["libctrace/record/stoploop.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra"],
            py_limited_api=True,
        ),
        Extension(
            "libctrace._rows",
            ["libctrace/rows.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra"],
            py_limited_api=True,
        ),
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
    cmdclass={"build_py": BuildPyWithShare},
)
