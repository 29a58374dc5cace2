"""Tracee-derived strings made safe for a terminal: the one helper every console output uses.

Names, paths, arguments and output of the traced program (and of an ELF file inspected) are
data. They reach the terminal only as rich `Text` (never parsed as markup, so `[/x]` cannot
crash and `[bold]` prints as typed) and with every control character shown escaped the way
strace shows it (`\\n`, `\\t`, `\\x1b`), so no escape sequence sets the window title or clears
the screen and a newline in a file name cannot print a fake line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `term` alone is used where rich is not loaded (error lines, start-up cost)
    from rich.text import Text

# C0 and C1 controls, DEL, Unicode line/paragraph separators and bidirectional overrides
# (they reorder what follows on the line), lone surrogates (undecodable bytes kept by
# surrogateescape; a terminal encoder would raise on them).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\v": "\\v", "\f": "\\f"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term(value: object) -> str:
    """`value` as a string with no character that a terminal would act on."""
    s = str(value)
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def text(value: object, style: str = "") -> Text:
    """`value` as rich Text: escaped, and never read as markup."""
    from rich.text import Text

    return Text(term(value), style=style)
