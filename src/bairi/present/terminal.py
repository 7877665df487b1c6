"""Text for the terminal: the one escape for rich markup and the one style table."""

from __future__ import annotations

import functools
import re

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
