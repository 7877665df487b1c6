"""A notice's text: .docx (python-docx), .txt (UTF-8, GBK, GB18030) or a PDF with a text layer (pypdf).

Lines keep their order; tables keep their grid (a merged cell's continuation is an empty string), so the form
learner sees a Word table, a tab-separated block of a text file and a worksheet the same way.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from bairi.guard.limits import Unreadable, read_input

Grid = list[list[str]]


class NoticeError(Exception):
    """The notice or its attachment cannot be read (an operator mistake, said in Chinese; exit status 2)."""


@dataclass
class NoticeText:
    """What a notice says: its lines in order, and its tables as grids (with the line index each stands after)."""

    source: str
    lines: list[str]
    tables: list[Grid] = field(default_factory=list)
    # The index in `lines` before which each table stood (its title is the last line above it).
    table_at: list[int] = field(default_factory=list)


_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def clean(text: str) -> str:
    """A line or cell with its runs of spaces folded to one and its ends trimmed."""
    return _SPACES.sub(" ", text.replace("\r", "")).strip()


def read_notice(path: Path) -> NoticeText:
    """The text of a notice file, or NoticeError saying in Chinese why it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise NoticeError(f"通知文件不存在：{path}")
    try:
        data = read_input(path)
    except OSError as exc:
        raise NoticeError(f"无法读取通知 {path}：{exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx(path, data)
    if suffix == ".pdf":
        return _pdf(path, data)
    if suffix in (".txt", ".text", ""):
        return _text(path, decode(data, str(path)))
    if suffix == ".doc" or suffix == ".wps":
        raise NoticeError(f"{path.name} 是旧版 Word 文件，请用 Word 或 WPS 另存为 .docx 后再读")
    raise NoticeError(f"{path.name} 不是能读取的通知格式（可读 .docx、.txt、带文字层的 .pdf）")


def decode(data: bytes, where: str) -> str:
    """Text bytes as the clerk's editors save them: UTF-8 (with or without BOM), else GB18030 (which covers GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NoticeError(f"{where} 的文字编码无法识别（应为 UTF-8 或 GBK）")


def _text(path: Path, text: str) -> NoticeText:
    """Lines of a text file; runs of tab-separated lines are its tables (as Word copies a table out)."""
    notice = NoticeText(str(path), [])
    rows: Grid = []

    def close() -> None:
        if len(rows) >= 2:
            notice.tables.append([list(r) for r in rows])
            notice.table_at.append(len(notice.lines))
        else:
            notice.lines.extend(clean(" ".join(r)) for r in rows)
        rows.clear()

    for raw in text.splitlines():
        if "\t" in raw and len(raw.split("\t")) >= 3:
            rows.append([clean(cell) for cell in raw.split("\t")])
            continue
        if not raw.strip():
            continue  # a blank line between a table's rows does not end it
        close()
        notice.lines.append(clean(raw))
    close()
    return notice


def _docx(path: Path, data: bytes) -> NoticeText:
    """Paragraphs and tables of a Word document, in body order."""
    from bairi.guard.package import Package

    try:
        Package(data)  # sizes and ratios checked before python-docx inflates anything
    except Unreadable as exc:
        raise NoticeError(f"{path.name} 不是完好的 Word 文件（{exc.fields.get('detail', exc.code)}）") from None
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        notice = NoticeText(str(path), [])
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = clean(block.text)
                if text:
                    notice.lines.append(text)
            elif isinstance(block, Table):
                notice.tables.append(_docx_grid(block))
                notice.table_at.append(len(notice.lines))
        return notice
    except NoticeError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx meets a damaged file in many ways; never a traceback
        raise NoticeError(f"{path.name} 不是完好的 Word 文件（{type(exc).__name__}）") from None


def _docx_grid(table) -> Grid:
    """A Word table as a grid: a merged cell's text once, at its top-left; its other places empty."""
    grid: Grid = []
    above: list = []
    for row in table.rows:
        cells = list(row.cells)
        texts = []
        for c, cell in enumerate(cells):
            left = cells[c - 1] if c else None
            up = above[c] if c < len(above) else None
            continued = (left is not None and left._tc is cell._tc) or (up is not None and up._tc is cell._tc)
            texts.append("" if continued else clean(cell.text.replace("\n", " ")))
        grid.append(texts)
        above = cells
    return grid


def _pdf(path: Path, data: bytes) -> NoticeText:
    """The text layer of a PDF, its wrapped lines joined back into paragraphs; a scan is refused."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # noqa: BLE001 - pypdf meets a damaged file in many ways; never a traceback
        raise NoticeError(f"{path.name} 不是完好的 PDF 文件（{type(exc).__name__}）") from None
    text = _pdf_glyphs("\n".join(pages))
    if sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") < 20:
        raise NoticeError(f"{path.name} 是扫描件（没有文字层），无法读取文字；请向发文单位索取 Word 版，或先做文字识别后另存为 .txt")
    # Once per line as extracted, once more where a line broke inside a date (11月9 / ”日前).
    return _text(path, _pdf_glyphs(_join_wrapped(text)))


def _pdf_glyphs(text: str) -> str:
    """What a PDF's text layer does to Chinese text, undone where it can be: a space after every run of Latin
    glyphs (2024 年2 月10 日), a dash of a Latin font emitted before the character it follows (11 月11 —日),
    quotation marks of such a font cut loose from their words (they are dropped: their place is lost)."""
    text = re.sub(r"(\d)[ \t]+(?=[年月日号时%％个家项次])", r"\1", text)
    text = re.sub(r"(?<=[年月至到—－])[ \t]+(?=\d)", "", text)
    text = re.sub(r"(\d)[ \t]*([—－~～])[ \t]*([日号])", r"\1\3\2", text)
    text = re.sub(r"(\d)[ \t]*[“”‘’][ \t]*(?=[年月日号])", r"\1", text)
    return re.sub(r"(?:(?<=\s)|^)[“”‘’](?=\s|$)", "", text, flags=re.M)


_ENDS = "。；：:！？”）)"
_STARTS = re.compile(r"^(附件|抄送|联系人|联系电话|电话|邮\s*箱|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\(?\d+[.、．)]|\d{4}年\d+月\d+日)")


def _join_wrapped(text: str) -> str:
    """PDF lines are cut at the page's width: a line not ending a sentence runs on into the next."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if out and out[-1] and out[-1][-1] not in _ENDS and not _STARTS.match(line) and len(out[-1]) >= 20:
            # Two Latin words meet (an address broken over lines) with a space; Chinese runs on without one.
            out[-1] += (" " if out[-1][-1].isascii() and line[0].isascii() else "") + line
        else:
            out.append(line)
    return "\n".join(out)
