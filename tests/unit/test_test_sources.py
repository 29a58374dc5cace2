"""The tests run from any checkout or installation: they start the CLI through tests/helpers.py
(the interpreter running them, `-m libctrace`), not through one checkout's .venv, and every
document they name is in the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "tests").rglob("*.py"))
_DOC = re.compile(r"[\w./-]+\.md\b")
_VENV = ".venv" + "/bin"  # spelled apart so that this file does not match itself
_OUTSIDE = "/" + "work/"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_test_runs_a_checkouts_venv(path: Path) -> None:
    assert _VENV not in path.read_text(), f"{path.name}: start the CLI with helpers.LIBCTRACE"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_document_a_test_names_is_in_the_repository(path: Path) -> None:
    text = path.read_text()
    missing = [
        name
        for name in set(_DOC.findall(text))
        if not (ROOT / name).exists() and not (ROOT / "docs" / Path(name).name).exists()
    ]
    assert not missing, f"{path.name} names documents the repository does not have: {missing}"
    assert _OUTSIDE not in text, f"{path.name} names a path outside the repository"
