"""One source of syscall knowledge: libctrace/syscalls/table.py (generated: numbers, names,
argument counts), libctrace/syscalls/spec.py (classes, argument positions, roles, display rules) and
the decoders' SPECS (argument kinds). No other module keeps a list of syscall names of its own,
and the columns agree with each other and with the decoders."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from libctrace.syscalls import decode, spec as syscalls
from libctrace.syscalls.decode import core
from libctrace.syscalls.table import I386, X86_64

PACKAGE = Path(syscalls.__file__).resolve().parents[1]  # libctrace/
X86_NAMES = {n for _, n, _ in X86_64}
ALL_NAMES = X86_NAMES | {n for _, n, _ in I386}

# The table itself, and the decoders: their SPECS and HANDLERS are the table's per-call kinds.
_TABLE = {"syscalls/table.py", "syscalls/spec.py"}
# Name lists elsewhere that are not syscall knowledge but a module's own logic, by (file, the
# variable or function that holds them). Each says why it may stay.
ALLOWED: dict[tuple[str, str], str] = {
    ("analyze/facts.py", "_FILE_OPS"): "operation names (open, stat...), not syscall names",
    ("analyze/facts.py", "_LOADER_CALLS"): "what a dynamic loader does before main: a model of ld.so, not of the calls",
    ("analyze/facts.py", "__init__"): "the dispatch of facts' handlers, one method per call",
    ("analyze/facts.py", "_payloads"): "where each send/recv call keeps its bytes and peer: per-call code",
    ("analyze/rules.py", "*"): "what each rule needs (the registry's needs=) and looks at",
    ("traceio.py", "*"): "event types (fork, signal, exit), not syscall names",
    ("render/svg.py", "_PROCESS_OPS"): "token operations of the timeline (exec, process, clone...)",
    ("syscalls/decode/copied.py", "*"): "the calls whose memory the C stop loop copies: the decoders' own",
}


def _owner(tree: ast.Module) -> dict[int, str]:
    """The variable or function each line belongs to (innermost function, else the assignment)."""
    owners: dict[int, str] = {}
    for node in ast.walk(tree):
        name = None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            name = target.id if isinstance(target, ast.Name) else None
        if name is None or not hasattr(node, "end_lineno") or node.end_lineno is None:
            continue
        for line in range(node.lineno, node.end_lineno + 1):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or line not in owners:
                owners[line] = name
    return owners


def _lists_in(source: str, rel: str) -> list[tuple[str, str, int, list[str]]]:
    """Every tuple, list, set or dict literal of a module that holds two syscall names."""
    tree = ast.parse(source)
    owners = _owner(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elts = node.elts
        elif isinstance(node, ast.Dict):
            elts = [k for k in node.keys if k is not None]
        else:
            continue
        names = [e.value for e in elts if isinstance(e, ast.Constant) and e.value in ALL_NAMES]
        if len(names) >= 2:
            found.append((rel, owners.get(node.lineno, "<module>"), node.lineno, names))
    return found


def _name_lists() -> list[tuple[str, str, int, list[str]]]:
    """The lists of every module outside the table and the decoders."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE))
        if rel not in _TABLE and not (rel.startswith("syscalls/decode/") and rel != "syscalls/decode/copied.py"):
            found += _lists_in(path.read_text(), rel)
    return found


def test_no_module_keeps_its_own_list_of_syscall_names() -> None:
    own = [
        f"{rel}:{line} {owner}: {names}"
        for rel, owner, line, names in _name_lists()
        if (rel, owner) not in ALLOWED and (rel, "*") not in ALLOWED
    ]
    assert not own, "ask libctrace/syscalls/spec.py instead:\n" + "\n".join(own)


def test_the_allowed_lists_still_exist() -> None:
    seen = {(rel, owner) for rel, owner, _, _ in _name_lists()} | {(rel, "*") for rel, _, _, _ in _name_lists()}
    assert not set(ALLOWED) - seen, "drop these from ALLOWED, they are gone"


def test_the_check_finds_a_list() -> None:
    """The scanner itself: a module's own list is caught, with the variable that holds it."""
    source = 'X = 1\n_MINE = frozenset((\n    "openat", "stat"))\ndef f(e):\n    return e in {"kill": 1, "tkill": 2}\n'
    assert _lists_in(source, "m.py") == [("m.py", "_MINE", 2, ["openat", "stat"]), ("m.py", "f", 5, ["kill", "tkill"])]


_COLUMNS = {
    "PATH_ARG": syscalls.PATH_ARG,
    "FD_ARG": syscalls.FD_ARG,
    "STRING_ARG": syscalls.STRING_ARG,
    "LENGTH_AT_ENTRY": syscalls.LENGTH_AT_ENTRY,
    "MEMORY_FREE": syscalls.MEMORY_FREE,
    "ENTRY_DECODED": syscalls.ENTRY_DECODED,
    "SOCKADDR_CALLS": syscalls.SOCKADDR_CALLS,
    "SENDS": syscalls.SENDS,
    "RECEIVES": syscalls.RECEIVES,
    "SOCKET_SETUP": syscalls.SOCKET_SETUP,
    "SIGNAL_SENDS": syscalls.SIGNAL_SENDS,
    "CLONES": syscalls.CLONES,
    "EXECS": syscalls.EXECS,
    "EXITS": syscalls.EXITS,
    "FD_TABLE": syscalls.FD_TABLE,
    "LIFECYCLE": syscalls.LIFECYCLE,
    "DEFAULT_SET": syscalls.DEFAULT_SET,
    "SPECS": decode.SPECS,
    "HANDLERS": core.HANDLERS,
    "STRING_ARG_BY_OP": syscalls.STRING_ARG_BY_OP,
    **{f"CLASSES[{k}]": v for k, v in syscalls.CLASSES.items()},
}
# Display rules also hold i386 names: calls of that ABI are rendered from their numbers.
_DISPLAY = {
    "HEX_ARG": syscalls.HEX_ARG,
    "ADDRESS_RESULT": syscalls.ADDRESS_RESULT,
    "IOV_ARG": syscalls.IOV_ARG,
    "CUT_ARG": syscalls.CUT_ARG,
}


@pytest.mark.parametrize("column", list(_COLUMNS))
def test_every_name_in_a_column_is_an_x86_64_syscall(column: str) -> None:
    assert not set(_COLUMNS[column]) - X86_NAMES


@pytest.mark.parametrize("column", list(_DISPLAY))
def test_every_name_in_a_display_rule_is_a_syscall(column: str) -> None:
    assert not set(_DISPLAY[column]) - ALL_NAMES


def test_no_class_lists_a_call_twice() -> None:
    """The tuples the classes are made of (the `openat` listed twice in %desc)."""
    for attr, value in vars(syscalls).items():
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            assert len(set(value)) == len(value), f"syscalls.{attr} names a call twice"


def test_positions_are_arguments_of_the_call() -> None:
    nargs = {n: k for _, n, k in X86_64}
    for name, p in syscalls.PATH_ARG.items():
        assert p.arg < nargs[name] and (p.dirfd is None or p.dirfd < p.arg), name
    for column in (syscalls.FD_ARG, syscalls.LENGTH_AT_ENTRY, syscalls.IOV_ARG, syscalls.CUT_ARG):
        for name, i in column.items():
            # rt_sigreturn takes none: its entry is the signal frame on the stack, documented so
            assert i < nargs[name] or name == "rt_sigreturn", name
    for name, kinds in decode.SPECS.items():
        assert len(kinds) == nargs[name], f"{name}: {len(kinds)} kinds for {nargs[name]} arguments"


def test_the_decoders_agree_with_the_table() -> None:
    """A path in the table is a path to the decoder, a directory fd a dirfd, and the renderer
    quotes it (decode.STRING_ARGS)."""
    for name, p in syscalls.PATH_ARG.items():
        assert p.arg in decode.STRING_ARGS[name], name
        assert name in core.HANDLERS, f"{name} has a path but no decoder"
        kinds = decode.SPECS.get(name)
        if kinds is not None:
            assert kinds[p.arg] is core.PATH, name
            assert p.dirfd is None or kinds[p.dirfd] is core.DIRFD, name
    for name, positions in syscalls.STRING_ARG.items():
        assert set(positions) <= decode.STRING_ARGS[name], name
    assert syscalls.MEMORY_FREE <= decode.NO_MEMORY
    assert not decode.NO_MEMORY & set(decode.STRING_ARGS), "a call with a string argument reads memory"


def test_only_calls_with_an_operation_are_aligned() -> None:
    """PATH_ARG also lists paths the analysis does not align (getxattr's): the diff and facts
    take only the calls with an operation, and facts only the operations it records."""
    from libctrace.analyze import diff, facts

    assert {n for n, p in syscalls.PATH_ARG.items() if p.op} == set(diff._PATH_ARG)
    assert all(op in facts._FILE_OPS for _, op, _ in facts._PATH_CALLS.values())
