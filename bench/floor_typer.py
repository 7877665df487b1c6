"""The floor for `bairi check` on this stack: a bare typer app with check's options, importing pydantic, doing nothing.

    python bench/floor_typer.py check FILE [--format json] [--period 2023-12] [--reply DIR] [--config FILE]

What no `bairi check` can start faster than: the interpreter, typer parsing the same command line, and
pydantic imported (bairi's models need it; typer coerces through it). The file is not opened.
"""

from enum import Enum
from pathlib import Path
from typing import Annotated

import pydantic  # noqa: F401  (imported as bairi's check imports it: that cost is part of the floor)
import typer

app = typer.Typer(add_completion=False)


class Format(str, Enum):
    """Output format."""

    table = "table"
    json = "json"


@app.callback()
def main() -> None:
    """The floor app (a group, so that `check` is a subcommand as in bairi)."""


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="files or folders")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    period: Annotated[str | None, typer.Option("--period", "-p", help="YYYY-MM")] = None,
    reply: Annotated[str | None, typer.Option("--reply", help="folder or imaps:// URL")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="campaign config")] = None,
) -> None:
    """Parse check's options and do nothing."""


if __name__ == "__main__":
    app()
