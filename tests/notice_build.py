"""Build notices for tests: the seed notice as a Word document with real tables (merged header cells), and
a units list of the notice's towns."""

from __future__ import annotations

from pathlib import Path

from bairi.core.campaign import DEFAULT_TOWNS
from bairi.notice.text import NoticeText, read_notice

NOTICES = Path(__file__).parent / "data" / "notices"
SEED = NOTICES / "泽应急发2023-332.txt"


def word_notice(text: NoticeText, path: Path) -> Path:
    """A .docx of a notice's lines and tables, as its author laid it out in Word: a two-row header's group
    merged across its columns and every other header merged down over both rows."""
    import docx

    document = docx.Document()
    tables = dict(zip(text.table_at, text.tables, strict=True))
    for index in range(len(text.lines) + 1):
        if index in tables:
            _table(document, tables[index])
        if index < len(text.lines):
            document.add_paragraph(text.lines[index])
    document.save(str(path))
    return path


def _table(document, grid: list[list[str]]) -> None:
    width = max(len(row) for row in grid)
    table = document.add_table(rows=len(grid), cols=width)
    table.style = "Table Grid"
    two_rows = len(grid) > 1 and not grid[1][0] and any(grid[1])
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    if two_rows:
        for c in range(width):
            if grid[0][c] and not grid[1][c]:
                table.cell(0, c).merge(table.cell(1, c))
            elif grid[0][c] and c + 1 < width and not grid[0][c + 1] and grid[1][c + 1]:
                table.cell(0, c).merge(table.cell(0, c + 1))


def seed_docx(path: Path) -> Path:
    """The seed notice as a Word document."""
    return word_notice(read_notice(SEED), path)


def towns_list(path: Path) -> Path:
    """The clerk's list of the notice's towns: name, enterprises, old names; one a line, as typed in Notepad."""
    lines = ["# 泽州县各镇（企业数为辖区冶金工贸企业数）"]
    lines += [" ".join([name, str(count), *aliases]) for name, aliases, count in DEFAULT_TOWNS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> int:
    """Write tests/data/notices/泽应急发2023-332.pdf: the seed notice in Word, printed to PDF by LibreOffice."""
    import tempfile

    from build import saved_by_libreoffice

    with tempfile.TemporaryDirectory() as work:
        source = seed_docx(Path(work) / f"{SEED.stem}.docx")
        return saved_by_libreoffice([source], ("pdf",), NOTICES, Path(work))


if __name__ == "__main__":
    raise SystemExit(main())
