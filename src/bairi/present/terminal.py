"""Text for the terminal: the one escape for rich markup, the one style table, and what 80 columns can hold
(long names shortened in the middle, where the cells count double for Chinese)."""

from __future__ import annotations

import functools
import re

from rich.cells import cell_len

from bairi.core.findings import Severity

# The one style table of the terminal: findings by severity, towns' standings by status.
STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
STATUS_STYLE = {"on_time": "green", "late": "yellow", "incomplete": "yellow", "rejected": "magenta",
                "to_verify": "magenta", "missing": "red", "not_due": "dim"}


@functools.cache
def _eats_backslash() -> bool:
    """Whether this rich reads a backslash before any '[' as an escape (15.x does), not only before a tag."""
    from rich.markup import render

    return render("\\[1]").plain == "[1]"


_BRACKET = re.compile(r"(\\*)\[(?=([a-z#/@][^[]*?\])?)")


def escape(text: str) -> str:
    """Text shown as itself inside rich markup: a path like D:\\收件箱\\[12月]\\ keeps its backslashes and brackets.

    rich.markup.escape only escapes brackets that look like a tag, while rich 15 also reads the backslash
    before '[12月]' as an escape and drops it.
    """
    def one(match: re.Match[str]) -> str:
        slashes = match[1]
        if match[2] is not None:
            return slashes * 2 + "\\["
        return slashes + ("\\" if slashes and _eats_backslash() else "") + "["

    text = _BRACKET.sub(one, text)
    # A final backslash would escape the closing tag the caller writes after the text.
    return text + "\\" * (len(text) - len(text.rstrip("\\")))


# Three ASCII dots: "…" is of ambiguous width, two cells in a Chinese Windows console, one elsewhere.
ELLIPSIS = "..."


def middle(text: str, width: int) -> str:
    """`text` within `width` terminal cells: kept whole when it fits, else its head and tail around an ellipsis
    (a file name keeps the town at its start and the month and extension at its end)."""
    if cell_len(text) <= width:
        return text
    room = width - cell_len(ELLIPSIS)
    head, tail = "", ""
    left, right = 0, len(text) - 1
    # Grow the shorter end first, so that each keeps about half of the room; when its next character does not
    # fit, the other end may still take a narrower one.
    while left <= right:
        grow_head = cell_len(head) <= cell_len(tail)
        for side in ((True, False) if grow_head else (False, True)):
            piece = text[left] if side else text[right]
            if cell_len(head) + cell_len(tail) + cell_len(piece) <= room:
                if side:
                    head, left = head + piece, left + 1
                else:
                    tail, right = piece + tail, right - 1
                break
        else:
            break
    return f"{head}{ELLIPSIS}{tail}"
