"""The console bairi prints to: made the one way, never failing for its encoding, with a progress bar when a run
reads many files. Nothing heavy is imported here: `bairi --help` passes through it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr) that prints what it is given as it is written."""
    from rich.console import Console

    # No emoji codes: a file name or message with ":name:" in it is printed as written (and rich's emoji
    # table is not loaded).
    made = Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)
    # Redirected to a file or pipe, a line is not cut at column 80: a path with a space stays on one line.
    made.soft_wrap = not made.is_terminal
    return made


def guard_streams() -> None:
    """Never fail for the console's encoding: a character GBK (cp936) lacks is replaced, not raised.

    On a Chinese Windows, output redirected to a file or a pipe is encoded in the ANSI code page; a file
    name with a character outside it must not turn a finished check into an internal error.
    """
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding.startswith("utf") or not hasattr(stream, "reconfigure"):
            continue
        try:
            stream.reconfigure(errors="replace")
        except (ValueError, OSError):  # a stream already closed or detached: nothing to print to anyway
            pass


def json_text(text: str, stream: Any = None) -> str:
    """A JSON document as the stream can carry it: readable Chinese when it can, \\u escapes when it cannot.

    Replacing a character would silently change a file name in the document; escaping keeps it exact.
    """
    encoding = getattr(stream or sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        import json

        return json.dumps(json.loads(text), ensure_ascii=True, indent=2)


class ProgressBar:
    """A progress bar on the terminal once there turn out to be many files; silent otherwise."""

    def __init__(self, console: Console | None, enabled: bool) -> None:  # noqa: D107
        self.console, self.enabled = console, enabled and console is not None and console.is_terminal
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        return self.advance if self.enabled else None

    def advance(self, done: int, total: int) -> None:
        """Move the bar; it appears on the first call when there are 30 files or more."""
        if self.bar is None or self.task is None:
            if total < 30:
                return
            from rich.progress import Progress

            # No refresh thread: reading may fork worker processes, which must not inherit a running thread.
            self.bar = Progress(console=self.console, transient=True, auto_refresh=False)
            self.bar.__enter__()
            self.task = self.bar.add_task("读取报表", total=total)
        self.bar.update(self.task, completed=done)
        if done == total or done % 20 == 0:
            self.bar.refresh()

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
