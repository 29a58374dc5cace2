"""`libctrace explain`: a finding's entry of the divergence catalogue (docs/divergences.md),
from the copy installed with the package, so a finding's "see" line resolves anywhere."""

from __future__ import annotations

import difflib
import re

import click

from libctrace.errors import LibctraceError

EPILOG = """\b
Examples:
  # what it means, why the libcs differ, a real run
  libctrace explain second-libc
  # the ids in the catalogue
  libctrace explain
"""

_HEADING = re.compile(r"^## `([a-z0-9-]+)`$", re.MULTILINE)


def entries(text: str) -> dict[str, str]:
    """id -> its section of the catalogue, heading included, up to the next `## ` heading."""
    out = {}
    for m in _HEADING.finditer(text):
        end = text.find("\n## ", m.end())
        out[m.group(1)] = text[m.start() : end if end >= 0 else len(text)].rstrip() + "\n"
    return out


@click.command(epilog=EPILOG)
@click.argument("finding_id", metavar="ID", required=False)
def explain(finding_id: str | None) -> None:
    """Print the catalogue entry of finding ID (the id in brackets in `diff`'s output): what it
    means, why the libcs differ, the signature the rule looks for, and a real run."""
    from libctrace import resources

    path = resources.catalogue()
    try:
        catalogue = entries(path.read_text())
    except OSError as e:
        raise LibctraceError(f"cannot read the divergence catalogue {path}: {e.strerror}") from None
    if finding_id is None:
        click.echo("\n".join(catalogue))
        return
    entry = catalogue.get(finding_id)
    if entry is None:
        near = difflib.get_close_matches(finding_id, catalogue, n=1)
        hint = f"did you mean '{near[0]}'?" if near else "'libctrace explain' lists the ids"
        raise LibctraceError(f"unknown finding id '{finding_id}' ({hint})")
    click.echo(entry, nl=False)
