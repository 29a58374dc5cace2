# The two commands: `make demo` and `make test`. Both bootstrap a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# gcc and musl-gcc build the scenarios; strace is the reference the tests compare against;
# libseccomp2 builds the seccomp filter (through ctypes); busybox-static is a program nobody here
# wrote that reads /etc/passwd with its own code (tests/test_findings_truth.py); chromium renders
# the HTML report in the tests (headless). Scenario toolchains: golang-go and rustc for the
# go/rust variants; dpkg-dev and make fetch and build mimalloc and jemalloc from Debian source
# (into the build cache); zig comes from PyPI (ziglang).
SYSTEM_PACKAGES := gcc libc6-dev musl-tools strace libseccomp2 busybox-static chromium golang-go rustc dpkg-dev make

.PHONY: demo test test-fast lint bench setup system-packages compile clean

demo: setup
	$(BIN)/libctrace demo

test: setup lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The unit tier: recorded traces in tests/data, no root, no compiler, no tracing (the DNS server
# tests only bind a loopback port); needs the venv, not the system packages or scenario builds.
UNIT_TESTS := tests/unit tests/test_dns_server.py

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -q $(UNIT_TESTS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The diff rows: two generated traces per size (kept for the next run), median of 3 diffs each.
bench: setup
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/diff_scale.py --events 100000,1000000,5000000 --reps 3 --keep /tmp/libctrace-bench/diff --reuse

setup: system-packages $(VENV)/.installed compile

system-packages:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null \
	      || { echo "apt-get install failed for:$$missing" >&2; exit 1; }; \
	  else \
	    echo "libctrace needs system packages that are missing. Run:" >&2; \
	    echo "  sudo apt-get install -y$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi

# The install also compiles the recorder's C stop loop and the reader's row converter (setup.py)
# into libctrace/; warnings are errors here, not for users installing the sdist with another compiler.
$(VENV)/.installed: pyproject.toml setup.py libctrace/record/stoploop.c libctrace/rows.c
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	CFLAGS=-Werror $(BIN)/pip install -q -e '.[test]' --config-settings editable_mode=compat
	@touch $@

# Byte-compile once: with PYTHONDONTWRITEBYTECODE set, every start would recompile otherwise,
# and libctrace's start-up is part of the overhead it measures.
compile: $(VENV)/.installed
	@$(BIN)/python -m compileall -q libctrace

clean:
	rm -rf $(VENV) scenarios/.build *.egg-info build dist libctrace/record/_stoploop*.so libctrace/_rows*.so
