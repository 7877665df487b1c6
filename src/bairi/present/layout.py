"""What a template cannot know until the words are in: GB/T 9704's layout of a rendered Word document.

- titles (style 公文标题) broken between words, in lines of even length, never inside a quotation;
- table columns as wide as their figures need (numbers, percentages, dates, phone numbers never break);
- a hyphen inside a phone number that no line break may take;
- the 版记 (style 版记, framed at the foot of the text block, in a last section without page numbers) on an
  even last page: at the foot of the body's last page when that is even and holds it, else on the next page,
  with a blank page first when that is what puts it on the back. Deciding that takes pages laid out: LibreOffice
  measures when installed; without it the section starts on an even page, which every word processor honours.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# GB/T 9704: 156 mm of text block; 225 mm high, ending 35 mm above the bottom edge.
TEXT_W_PT = 156 / 25.4 * 72
TEXT_BOTTOM_PT = (297 - 35) / 25.4 * 72
LINE_PT = 225 / 22 / 25.4 * 72
RECORD_LINE_PT = 7 / 25.4 * 72
TITLE_PT = 22.0
CELL_MARGINS_PT = 2 / 25.4 * 72 + 1  # 1 mm each side, and a point for the renderer's rounding
TITLE_STYLE, RECORD_STYLE, HEADING_STYLE = "公文标题", "版记", "表头"
MIN_TABLE_PT = 9.0  # 小五
SHORT_CELL = 5  # characters: a data cell this short is a name or a word, kept on one line

# What must stay on one line in a table cell: dates, phone numbers, percentages, numbers, a unit in brackets.
UNBREAKABLE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日|\d[\d.,:：/%％\-－]*\d%?|\d%?|（[^（）]{1,4}）|\([^()]{1,4}\)"
                         r"|[“\"][^”\"]{1,8}[”\"]|[A-Za-z0-9@._\-]+")
JOINER = "\u2060"  # WORD JOINER: no line break on either side
PHONE_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")
# Neither may begin a line (closing marks) nor end one (opening marks): they go with their neighbour.
CLOSING, OPENING = set("，。、；：！？）》”’」』】〕"), set("（《“‘「『【〔")


def char_width(ch: str) -> float:
    """A character's advance in ems, as the Chinese fonts draw it (wide for Chinese, about half for the rest)."""
    if ord(ch) >= 0x2E80 or ch in "“”‘’—…":
        return 1.0
    if ch in ".,:;'|!il":
        return 0.32
    if ch in "%@MW":
        return 0.9
    return 0.6


def text_width(text: str, size: float) -> float:
    """The width of `text` in points at `size`."""
    return sum(char_width(ch) for ch in text) * size


def _words_of(text: str, parts: list[str], words: list[str]) -> list[list[str]]:
    """Each of `parts` (pieces of `text`) cut into words by jieba, with only the part of its dictionary this text
    can use (jieba's whole dictionary is some 70 MB in memory: a title needs the few hundred words inside it),
    plus `words`."""
    import logging
    import tempfile

    import jieba

    jieba.setLogLevel(logging.ERROR)
    kept, total, used = [], 0, 0
    with jieba.Tokenizer().get_dict_file() as full:
        for raw in full:
            fields = raw.decode("utf-8").split()
            if len(fields) < 2:
                continue
            freq = int(fields[1])
            total += freq
            if fields[0] in text:
                kept.append(f"{fields[0]} {freq}")
                used += freq
    kept += [f"{word} {10**6}" for word in words if word and word in text]
    # The rest of the dictionary's weight in one word no text holds: a word's probability stays what it was.
    kept.append(f"\ue000 {max(total - used, 1)}")
    with tempfile.TemporaryDirectory(prefix="bairi-words-") as folder:
        dictionary = Path(folder) / "dict.txt"
        dictionary.write_text("\n".join(kept) + "\n", encoding="utf-8")
        tokenizer = jieba.Tokenizer(dictionary=str(dictionary))
        tokenizer.tmp_dir, tokenizer.cache_file = folder, str(Path(folder) / "jieba.cache")
        return [tokenizer.lcut(part, HMM=False) for part in parts]


def _segments(text: str, words: list[str]) -> list[str]:
    """The title's words (jieba, with the campaign's own names), a quotation and its marks kept whole."""
    parts = [part for part in re.split(r"(“[^”]{1,20}”|《[^》]{1,30}》|〔\d{4}〕)", text) if part]
    plain = [part for part in parts if part[0] not in "“《〔"]
    cut = dict(zip(plain, _words_of(text, plain, words)))
    pieces: list[str] = []
    for part in parts:
        pieces.extend([part] if part[0] in "“《〔" else cut[part])
    merged: list[str] = []
    for piece in pieces:
        if merged and (piece[0] in CLOSING or merged[-1][-1] in OPENING):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


# A line should not end with these (关于 | …, …的 | 通报): the word belongs to what follows.
_BAD_ENDS = ("关于", "的", "和", "与", "及", "对", "在")


def title_lines(text: str, size: float = TITLE_PT, width: float = TEXT_W_PT, words: list[str] | None = None) -> list[str]:
    """`text` as the lines of a centred title: as few as fit, broken between words, of lengths as even as can be."""
    if text_width(text, size) <= width or not text.strip():
        return [text]
    tokens = _segments(text, words or [])
    widths = [text_width(t, size) for t in tokens]
    total = sum(widths)
    best: tuple[float, list[int]] | None = None
    for count in range(math.ceil(total / width), len(tokens) + 1):
        mean = total / count
        # cost[i][k]: the best way to set tokens[:i] in k lines.
        cost: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
        for k in range(1, count + 1):
            for i in range(1, len(tokens) + 1):
                for j in range(i):
                    if (j, k - 1) not in cost:
                        continue
                    line = sum(widths[j:i])
                    if line > width:
                        continue
                    last = tokens[i - 1]
                    penalty = (mean * 0.6) ** 2 if i < len(tokens) and last.endswith(_BAD_ENDS) else 0.0
                    value = cost[(j, k - 1)][0] + (line - mean) ** 2 + penalty
                    if (i, k) not in cost or value < cost[(i, k)][0]:
                        cost[(i, k)] = (value, [*cost[(j, k - 1)][1], i])
        if (len(tokens), count) in cost:
            best = cost[(len(tokens), count)]
            break
    if best is None:
        return [text]
    cuts = [0, *best[1]]
    return ["".join(tokens[a:b]) for a, b in zip(cuts, cuts[1:])]


def _break_titles(doc: Any, words: list[str]) -> None:
    for paragraph in doc.paragraphs:
        if paragraph.style is None or paragraph.style.name != TITLE_STYLE or not paragraph.runs:
            continue
        text = paragraph.text
        lines = title_lines(text.replace("\n", ""), words=words)
        if len(lines) < 2:
            continue
        first = paragraph.runs[0]
        for run in paragraph.runs[1:]:
            run._r.getparent().remove(run._r)
        first.text = lines[0]
        for line in lines[1:]:
            first.add_break()
            first.add_text(line)


def _cell_size(cell: Any, default: float = 10.5) -> float:
    """The size the cell's text is set in: its runs' own, else its paragraph style's."""
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            if run.font.size is not None:
                return run.font.size.pt
        style = paragraph.style
        while style is not None:
            if style.font.size is not None:
                return style.font.size.pt
            style = style.base_style
    return default


def _min_width(cell: Any) -> float:
    """The narrowest the cell may be: its longest piece that must not break, plus the margins."""
    size = _cell_size(cell)
    text = cell.text.strip()
    pieces = UNBREAKABLE.findall(text) + [ch for ch in text if ord(ch) >= 0x2E80]
    heading = any(p.style is not None and p.style.name == HEADING_STYLE for p in cell.paragraphs)
    if not heading and len(text) <= SHORT_CELL:
        pieces.append(text)  # a town's name, 合计, 已整改: read whole, never one character a line
    return max((text_width(p, size) for p in pieces), default=0.0) + CELL_MARGINS_PT


def _needs(table: Any, columns: int) -> list[float]:
    """Each column's narrowest width (points) from its cells of one column."""
    from docx.table import _Cell

    need = [0.0] * columns
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            if span == 1 and col < columns:
                need[col] = max(need[col], _min_width(_Cell(tc, table)))
            col += span
    return need


def _fit_table(table: Any) -> None:
    """Widen the columns whose figures would break, taking the room from columns of words."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
    if not grid:
        return
    current = [int(col.get(qn("w:w")) or 0) / 20 for col in grid]
    total = sum(current)
    need = _needs(table, len(grid))
    if sum(need) > total + 0.5:
        # Too many columns of figures for the text block at this size: a smaller size (not under 小五, 9 pt)
        # for the whole table, so that nothing needs to break.
        size = max(_cell_size(cell) for row in table.rows for cell in row.cells)
        margins = CELL_MARGINS_PT * len(need)
        smaller = max(MIN_TABLE_PT, math.floor(size * (total - margins) / max(sum(need) - margins, 1.0) * 2) / 2)
        if smaller < size:
            for row in table.rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(smaller)
            need = _needs(table, len(grid))
    widths = [max(c, n) for c, n in zip(current, need)]
    excess = sum(widths) - total
    slack = [w - n for w, n in zip(widths, need)]
    if excess > 0 and sum(slack) > 0:
        share = min(1.0, excess / sum(slack))
        widths = [w - s * share for w, s in zip(widths, slack)]
    if all(abs(w - c) < 0.5 for w, c in zip(widths, current)):
        return
    for col, width in zip(grid, widths):
        col.set(qn("w:w"), str(round(width * 20)))
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Pt(sum(widths[col:col + span]))
            col += span
    # Word keeps a cell of one figure on its line (noWrap); LibreOffice goes by the widths above.
    for tr in table._tbl.tr_lst:
        for tc in tr.tc_lst:
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            if text and UNBREAKABLE.fullmatch(text.strip()):
                tcpr = tc.get_or_add_tcPr()
                if tcpr.find(qn("w:noWrap")) is None:
                    no_wrap = OxmlElement("w:noWrap")
                    # The schema's order (Word refuses a file out of it): noWrap before these, after the rest.
                    later = next((child for child in tcpr if child.tag in _AFTER_NO_WRAP), None)
                    (later.addprevious(no_wrap) if later is not None else tcpr.append(no_wrap))


_AFTER_NO_WRAP = {f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{name}" for name in
                  ("tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel",
                   "cellMerge", "tcPrChange")}


def _hold_phone_hyphens(doc: Any) -> None:
    """A phone number's hyphen held by word joiners (U+2060, Unicode's no-break-here on both sides): LibreOffice
    breaks a CJK line after a hyphen, even after Word's own w:noBreakHyphen."""
    from docx.oxml.ns import qn

    for t in doc.element.body.iter(qn("w:t")):
        if t.text and PHONE_HYPHEN.search(t.text):
            t.text = PHONE_HYPHEN.sub(JOINER + "-" + JOINER, t.text)


@dataclass
class Record:
    """Where the 版记 is in a rendered document: its table, its rows, and the paragraph holding the body's
    section break (the 成文日期's)."""

    table: Any  # the w:tbl
    rows: int
    breaker: Any  # the w:p whose pPr carries the body section's w:sectPr


def _record(doc: Any) -> Record | None:
    """The 版记 table (its paragraphs in style 版记) after the body's section break, if the template has them."""
    from docx.oxml.ns import qn

    body = doc.element.body
    found = None
    for table in doc.tables:
        styles = {p.style.name for row in table.rows for cell in row.cells for p in cell.paragraphs if p.style is not None}
        if styles == {RECORD_STYLE} and table._tbl.getparent() is body:
            found = table
    if found is None:
        return None
    breaker = found._tbl.getprevious()
    while breaker is not None and not (breaker.tag == qn("w:p") and breaker.pPr is not None
                                       and breaker.pPr.find(qn("w:sectPr")) is not None):
        breaker = breaker.getprevious()
    if breaker is None:
        return None
    return Record(found._tbl, len(found.rows), breaker)


def _strip_record(doc: Any, record: Record) -> None:
    """The body alone: no 版记, no section break (what is measured)."""
    record.table.getparent().remove(record.table)
    _same_page(doc, record)


def _same_page(doc: Any, record: Record) -> None:
    """No section break: the 版记 shares the body's last page, which keeps its page number."""
    from docx.oxml.ns import qn

    sect = record.breaker.pPr.find(qn("w:sectPr"))
    record.breaker.pPr.remove(sect)
    body = doc.element.body
    body.replace(body.find(qn("w:sectPr")), sect)


def _start_type(doc: Any, value: str) -> None:
    """Where the last section starts (python-docx puts w:type where the schema wants it)."""
    from docx.enum.section import WD_SECTION

    doc.sections[-1].start_type = {"evenPage": WD_SECTION.EVEN_PAGE, "nextPage": WD_SECTION.NEW_PAGE}[value]


def _blank_page_before(record: Record) -> None:
    """A 1 pt paragraph that starts a page (pageBreakBefore: LibreOffice drops a page break that ends a paragraph)
    just before the 版记: the section's first page stays blank, and like the 版记's own, unnumbered."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    lead = record.table.getprevious()
    paragraph = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    if lead is not None and lead.tag == qn("w:p") and lead.pPr is not None and lead.pPr.pStyle is not None:
        style = OxmlElement("w:pStyle")
        style.set(qn("w:val"), lead.pPr.pStyle.val)
        ppr.append(style)
    ppr.append(OxmlElement("w:pageBreakBefore"))
    paragraph.append(ppr)
    record.table.addprevious(paragraph)


def measure(body_only: bytes) -> tuple[int, float] | None:
    """The body's pages and how far down its last page's text reaches (points), as LibreOffice lays it out; None
    when LibreOffice or poppler is missing or fails."""
    from bairi.write.office import ConversionFailed, OfficeMissing, docx_to_pdf, pdf_words, soffice

    if soffice() is None:
        return None
    try:
        pages = pdf_words(docx_to_pdf(body_only))
    except (OfficeMissing, ConversionFailed):
        return None
    if not pages:
        return None
    # The page number sits under the text block: what is above it is the body.
    lowest = max((w[3] for w in pages[-1] if w[3] <= TEXT_BOTTOM_PT + 2), default=0.0)
    return len(pages), lowest


def place_record(doc: Any, record: Record, measured: tuple[int, float] | None) -> str:
    """Settle the 版记's page from the measured body; what was chosen (same_page, next_page, after_blank, even_page)."""
    if measured is None:
        _start_type(doc, "evenPage")
        return "even_page"
    pages, lowest = measured
    height = RECORD_LINE_PT * record.rows
    if pages % 2 == 1:
        _start_type(doc, "nextPage")
        return "next_page"
    if lowest + LINE_PT + height <= TEXT_BOTTOM_PT:
        _same_page(doc, record)
        return "same_page"
    _start_type(doc, "nextPage")
    _blank_page_before(record)
    return "after_blank"


def lay_out(data: bytes, words: list[str] | None = None, measure_pages: bool = True) -> tuple[bytes, str]:
    """The rendered .docx laid out (titles, table columns, phone numbers, the 版记); the bytes and where the 版记 went
    ("none" without one)."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    _break_titles(doc, words or [])
    for table in doc.tables:
        _fit_table(table)
    _hold_phone_hyphens(doc)
    record = _record(doc)
    where = "none"
    if record is not None:
        measured = None
        if measure_pages:
            probe = Document(_saved(doc))
            probe_record = _record(probe)
            assert probe_record is not None
            _strip_record(probe, probe_record)
            measured = measure(_saved(probe).getvalue())
        where = place_record(doc, record, measured)
    return _saved(doc).getvalue(), where


def _saved(doc: Any) -> io.BytesIO:
    out = io.BytesIO()
    doc.save(out)
    out.seek(0)
    return out
