"""The console (present/console.py): what a command shows on a terminal and leaves out of a file."""

from __future__ import annotations

import io

from rich.console import Console

from bairi.present.console import ProgressBar


def test_the_progress_bar_shows_only_on_a_terminal_and_for_many_files():
    with ProgressBar(Console(file=io.StringIO(), force_terminal=False), True) as advance:
        assert advance is None  # redirected to a file: no bar, no callback
    with ProgressBar(None, True) as advance:
        assert advance is None
    shown = io.StringIO()
    terminal = Console(file=shown, force_terminal=True, width=80)
    with ProgressBar(terminal, True) as advance:
        assert advance is not None
        advance(10, 29)
        assert shown.getvalue() == ""  # a few files read in a blink
    with ProgressBar(terminal, True) as advance:
        assert advance is not None
        advance(20, 40)
        assert "读取报表" in shown.getvalue()
