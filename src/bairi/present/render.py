"""The Jinja environment: templates only loop and format; a misspelt variable is an error."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = Path(str(resources.files("bairi.templates")))
    return Environment(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(name: str, **context: Any) -> str:
    """Render the shipped template `name` with `context`."""
    return _environment().get_template(name).render(**context)


def render_file(path: Path, **context: Any) -> str:
    """Render a user's own template file with the same strict environment."""
    template = _environment().from_string(Path(path).read_text(encoding="utf-8"))
    return template.render(**context)
