"""Build the Word templates templates/summary.docx (通报) and templates/remind.docx (催报).

Both are laid out as official documents (GB/T 9704-2012 党政机关公文格式) and carry docxtpl Jinja tags over
the same variables as summary.txt.j2 and remind.txt.j2 (templates/README.md). The clerk may open them in
Word or WPS, change wording or layout, and pass the copy with --template; this script is how the shipped
ones are made, so that they can be rebuilt and reviewed.

    python scripts/make_word_templates.py [FOLDER]      (default: templates/)
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import (
    WD_CELL_VERTICAL_ALIGNMENT,
    WD_ROW_HEIGHT_RULE,
    WD_TABLE_ALIGNMENT,
)
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

# GB/T 9704-2012: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm; 3号 (16 pt) body, 28 characters × 22 lines.
PAGE_W, PAGE_H = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_W, TEXT_H = PAGE_W - LEFT - RIGHT, PAGE_H - TOP - BOTTOM
ROW = Mm(7)  # a 版记 line
BODY_PT, TITLE_PT, PAGE_NO_PT, TABLE_PT = 16, 22, 14, 10.5
LINES, CHARS = 22, 28
# Line pitch in twentieths of a point: 225 mm / 22 lines; Word's grid takes whole twips (579 ≈ 28.95 pt).
LINE_PITCH = int((PAGE_H - TOP - BOTTOM) / LINES / 635)
# 28 characters of 16 pt are 448 pt, the line 442.2 pt: each character is drawn 0.25 pt (5 twentieths) closer.
# (As run spacing, not as the grid's charSpace: LibreOffice lays a character grid out two cells a character.)
CHAR_SPACING = round((TEXT_W / 12700 / CHARS - BODY_PT) * 20) - 1
CHAR = Pt(BODY_PT)  # one character of body text
RED = RGBColor(0xFF, 0x00, 0x00)

FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
# Where a font is not installed, Word and WPS take the font table's altName: 仿宋_GB2312 → 仿宋 and so on.
ALT_NAMES = {FANGSONG: "仿宋", KAITI: "楷体", XIAOBIAOSONG: SONGTI, HEITI: "SimHei", SONGTI: "SimSun"}


# The schema's order of children (Word refuses a document whose elements are out of it).
ORDER = {
    "pPr": ("pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
            "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
            "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
            "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"),
    "rPr": ("rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
            "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
            "cs em lang eastAsianLayout specVanish oMath"),
    "tblPr": ("tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
              "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"),
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": ("cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark "
             "headers cellIns cellDel cellMerge tcPrChange"),
}


def place(parent, child):
    """Insert `child` where the schema wants it among `parent`'s children (replacing one of the same tag)."""
    order = ORDER[parent.tag.split("}")[1]].split()
    name = child.tag.split("}")[1]
    old = parent.find(child.tag)
    if old is not None:
        parent.replace(old, child)
        return child
    later = order[order.index(name) + 1:]
    for i, sibling in enumerate(parent):
        if sibling.tag.split("}")[1] in later:
            parent.insert(i, child)
            return child
    parent.append(child)
    return child


def fonts(rpr, name: str, size: float | None = None, bold: bool | None = None, color: RGBColor | None = None) -> None:
    """Set a run's or style's font for Chinese and Latin text alike (python-docx sets only the Latin one)."""
    rpr.name = name
    element = rpr._element.get_or_add_rPr()
    rfonts = element.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    if size is not None:
        rpr.size = Pt(size)
        place(element, OxmlElement("w:szCs")).set(qn("w:val"), str(int(size * 2)))
    if bold is not None:
        rpr.bold = bold
    if color is not None:
        rpr.color.rgb = color


def _ppr_child(ppr, tag: str, **attrs: str):
    child = ppr.find(qn(tag))
    if child is None:
        child = place(ppr, OxmlElement(tag))
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), value)
    return child


def indent_chars(style, first: int = 0, left: int = 0, right: int = 0, hanging: int = 0) -> None:
    """Indents in characters (Word's 字符 unit, so they follow the font), with the twips as a fallback."""
    fmt = style.paragraph_format
    fmt.left_indent = CHAR * left if left else None
    fmt.right_indent = CHAR * right if right else None
    if hanging:
        fmt.first_line_indent = -CHAR * hanging
    elif first:
        fmt.first_line_indent = CHAR * first
    ppr = style.element.get_or_add_pPr()
    ind = _ppr_child(ppr, "w:ind")
    if first:
        ind.set(qn("w:firstLineChars"), str(first * 100))
    if hanging:
        ind.set(qn("w:hangingChars"), str(hanging * 100))
    if left:
        ind.set(qn("w:leftChars"), str(left * 100))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))


def no_grid(style) -> None:
    """Let a paragraph keep its own line height instead of snapping to the 22-line grid."""
    _ppr_child(style.element.get_or_add_pPr(), "w:snapToGrid", val="0")


def paragraph_style(doc, name: str, font: str = FANGSONG, size: float = BODY_PT, *, first: int = 0, left: int = 0,
                    right: int = 0, hanging: int = 0, align=WD_ALIGN_PARAGRAPH.JUSTIFY, exact: bool = True,
                    bold: bool | None = None, color: RGBColor | None = None, keep_next: bool = False):
    """A named paragraph style, so the clerk finds 公文正文, 一级标题 … in Word's style list."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    fonts(style.font, font, size, bold=bold, color=color)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing = Emu(LINE_PITCH * 635)
        fmt.line_spacing_rule = 4  # WD_LINE_SPACING.EXACTLY
    else:
        fmt.line_spacing = 1.0
    fmt.keep_with_next = keep_next
    indent_chars(style, first=first, left=left, right=right, hanging=hanging)
    return style


def setup(doc) -> None:
    """Page, grid, default fonts, footers with the page number, and the document's own styles."""
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = Mm(15)
    # The page number's 一字线 sits 7 mm under the text block: its line (14 pt ≈ 5 mm) ends 23 mm above the edge.
    section.footer_distance = Mm(23)
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    sect.append(grid)

    normal = doc.styles["Normal"]
    fonts(normal.font, FANGSONG, BODY_PT)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING))
    place(normal.element.get_or_add_rPr(), spacing)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Emu(LINE_PITCH * 635)
    normal.paragraph_format.line_spacing_rule = 4
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    normal.paragraph_format.widow_control = False
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FANGSONG)
    # The character grid's pitch counts from the default font size (in Word and LibreOffice alike): 3号.
    for tag in ("w:sz", "w:szCs"):
        place(rpr, OxmlElement(tag)).set(qn("w:val"), str(BODY_PT * 2))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = place(rpr, OxmlElement("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")

    paragraph_style(doc, "公文正文", first=2)
    paragraph_style(doc, "一级标题", HEITI, first=2, keep_next=True)
    paragraph_style(doc, "二级标题", KAITI, first=2, keep_next=True)
    title = paragraph_style(doc, "公文标题", XIAOBIAOSONG, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    no_grid(title)  # a 2号 line is taller than the grid's: snapping would give it two
    title.paragraph_format.line_spacing = Pt(35)
    paragraph_style(doc, "副标题", KAITI, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    paragraph_style(doc, "主送机关")
    # A phone number must not be spread; and the last lines go with the signature, which never stands alone on a page.
    paragraph_style(doc, "联系方式", first=2, align=WD_ALIGN_PARAGRAPH.LEFT, keep_next=True)
    # Masthead: red 发文机关标志, 35 mm under the top of the text block.
    mast = paragraph_style(doc, "发文机关标志", XIAOBIAOSONG, 44, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
                           color=RED)
    mast.paragraph_format.space_before = Mm(35)
    mast.paragraph_format.line_spacing = 1.0
    no_grid(mast)
    _ppr_child(mast.element.get_or_add_rPr(), "w:w", val="85")  # 85% wide: tall and narrow, as printed mastheads are
    number = paragraph_style(doc, "发文字号", align=WD_ALIGN_PARAGRAPH.CENTER)
    number.paragraph_format.space_before = Emu(2 * LINE_PITCH * 635)  # 空二行 under the masthead
    # The red separator line, as wide as the text block, 4 mm under the 发文字号.
    border = _ppr_child(number.element.get_or_add_pPr(), "w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "11"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    after_line = paragraph_style(doc, "版头下空行")
    after_line.paragraph_format.space_after = Emu(LINE_PITCH * 635)
    caption = paragraph_style(doc, "表题", HEITI, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    caption.paragraph_format.space_before = Pt(6)
    paragraph_style(doc, "表格文字", FANGSONG, TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    no_grid(doc.styles["表格文字"])
    paragraph_style(doc, "表格左齐", FANGSONG, TABLE_PT, align=WD_ALIGN_PARAGRAPH.LEFT, exact=False)
    no_grid(doc.styles["表格左齐"])
    paragraph_style(doc, "表头", HEITI, TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    no_grid(doc.styles["表头"])
    paragraph_style(doc, "附件说明", left=5, hanging=3, keep_next=True)
    # 发文机关署名 centred over the 成文日期, which stands 4 characters in from the right (印章 pressed on both).
    sign = paragraph_style(doc, "发文机关署名", align=WD_ALIGN_PARAGRAPH.LEFT, keep_next=True)
    sign.paragraph_format.tab_stops.add_tab_stop(TEXT_W - CHAR * 4 - CHAR * 13 // 4, WD_TAB_ALIGNMENT.CENTER)
    sign.paragraph_format.space_before = Emu(2 * LINE_PITCH * 635)
    paragraph_style(doc, "成文日期", align=WD_ALIGN_PARAGRAPH.RIGHT, right=4)
    record = paragraph_style(doc, "版记", FANGSONG, 14, left=1, right=1, align=WD_ALIGN_PARAGRAPH.LEFT)
    no_grid(record)
    record.paragraph_format.line_spacing = ROW
    record.paragraph_format.tab_stops.add_tab_stop(TEXT_W - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
    paragraph_style(doc, "页码", SONGTI, PAGE_NO_PT, exact=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right=1)
    letter = paragraph_style(doc, "信函机关标志", XIAOBIAOSONG, 26, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False, color=RED)
    no_grid(letter)
    letter_number = paragraph_style(doc, "信函发文字号", align=WD_ALIGN_PARAGRAPH.RIGHT, exact=False)
    no_grid(letter_number)
    letter_number.paragraph_format.space_before = Pt(BODY_PT * 7 / 8)  # 3号字高的7/8 under the line
    blank = paragraph_style(doc, "页眉空行", size=1, exact=False)
    no_grid(blank)
    blank.paragraph_format.line_spacing = Pt(1)
    blank.paragraph_format.line_spacing_rule = 4
    no_grid(doc.styles["页码"])

    # Page numbers: 4号 半角 "— 1 —", odd pages at the right, even pages at the left, one character in.
    doc.settings.odd_and_even_pages_header_footer = True
    section.different_first_page_header_footer = False
    page_number(section.footer.paragraphs[0], doc, odd=True)
    page_number(section.even_page_footer.paragraphs[0], doc, odd=False)


def page_number(paragraph, doc, odd: bool) -> None:
    """"— N —" with a PAGE field, in the 页码 style; even pages mirror odd ones."""
    paragraph.style = doc.styles["页码"]
    if not odd:
        fmt = paragraph.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.right_indent = Pt(0)
        fmt.left_indent = Pt(PAGE_NO_PT)
        ind = _ppr_child(paragraph._p.get_or_add_pPr(), "w:ind")
        ind.set(qn("w:rightChars"), "0")
        ind.set(qn("w:leftChars"), "100")
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def para(doc, text: str, style: str = "公文正文"):
    """One paragraph of one run, so that a Jinja tag is never split between runs."""
    paragraph = doc.add_paragraph(style=style)
    if text:
        paragraph.add_run(text)
    return paragraph


def tag(doc, text: str):
    """A docxtpl paragraph tag ({%p … %}): the whole paragraph becomes the Jinja statement."""
    return para(doc, text, "公文正文")


def _cell_text(cell, text: str, style: str) -> None:
    cell.paragraphs[0].style = style
    if text:
        cell.paragraphs[0].add_run(text)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def table(doc, widths_mm: list[float], head: list[list[str | None]], row: list[str], loop: str,
          left: set[int] = frozenset(), total: list[str] | None = None):
    """A ruled table: header rows (None merges with the cell to the left, "^" with the one above), one
    docxtpl row loop ({%tr for … %}), and an optional 合计 row. The header repeats on every page."""
    ncols = len(widths_mm)
    t = doc.add_table(rows=0, cols=ncols)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    rows = []
    for header in head:
        cells = t.add_row().cells
        for i, text in enumerate(header):
            if text not in (None, "^"):
                _cell_text(cells[i], text, "表头")
        rows.append(cells)
    for r, header in enumerate(head):
        for i, text in enumerate(header):
            if text is None:
                start = max(j for j in range(i) if header[j] is not None)
                rows[r][start].merge(rows[r][i])
            elif text == "^":
                rows[r - 1][i].merge(rows[r][i])
    for header_row in t.rows:
        place(header_row._tr.get_or_add_trPr(), OxmlElement("w:tblHeader"))
    t.add_row().cells[0].paragraphs[0].add_run(f"{{%tr {loop} %}}")
    data = t.add_row()
    place(data._tr.get_or_add_trPr(), OxmlElement("w:cantSplit"))  # a row is read whole: never split over pages
    cells = data.cells
    for i, text in enumerate(row):
        _cell_text(cells[i], text, "表格左齐" if i in left else "表格文字")
    t.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")
    if total:
        cells = t.add_row().cells
        for i, text in enumerate(total):
            _cell_text(cells[i], text, "表格文字")
    for r in t.rows:
        for i, cell in enumerate(r.cells):
            cell.width = Mm(widths_mm[i])
    grid = t._tbl.tblGrid
    for i, col in enumerate(grid.findall(qn("w:gridCol"))):
        col.set(qn("w:w"), str(int(Mm(widths_mm[i]) / 635)))
    cell_margins(t)
    return t


def cell_margins(t, side_mm: float = 1.0) -> None:
    """Narrow cell margins: twelve columns of figures must fit 156 mm."""
    tblpr = t._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge, value in (("top", 0), ("left", side_mm), ("bottom", 0), ("right", side_mm)):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(Mm(value) / 635)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    place(tblpr, mar)


def signature(doc) -> None:
    """发文机关署名 and 成文日期 (the seal goes over both)."""
    para(doc, "\t{{ authority }}", "发文机关署名")
    para(doc, "{{ signed_text }}", "成文日期")


def record(doc, with_copy: bool) -> None:
    """版记 (GB/T 9704 §7.5): 抄送机关, then 印发机关 and 印发日期, between lines (thick, thin, thick), at the foot of
    the last page, in a section of its own that starts on an even page and shows no page number.

    The 版记 is a table floating at the bottom of the text block (w:tblpPr), which Word and WPS place there;
    LibreOffice floats a table only when it is narrower than the text area by some 4.7 mm, unless it is placed
    from the page's edge, as this one is (tblpX = the left margin). A section break to an even page is what every
    word processor honours without laying the pages out; when LibreOffice can measure, present/layout.py turns
    it into the exact case (the foot of an even last page, the next page, or a blank page first)."""
    from docx.enum.section import WD_SECTION

    date = doc.paragraphs[-1]
    doc.add_section(WD_SECTION.EVEN_PAGE)
    # The break rides on the 成文日期 itself: an empty paragraph holding it could push a line onto a page of its own.
    holder = doc.paragraphs[-1]
    date._p.get_or_add_pPr().append(holder._p.pPr.sectPr)
    holder._p.getparent().remove(holder._p)
    last = doc.sections[-1]
    for footer in (last.footer, last.even_page_footer):
        footer.is_linked_to_previous = False
        footer.paragraphs[0].style = doc.styles["页码"]
    # The section opens with a 1 pt paragraph: LibreOffice drops the section break before a floating table.
    para(doc, "", "页眉空行")
    t = doc.add_table(rows=0, cols=1)
    t.autofit = False
    if with_copy:
        t.add_row().cells[0].paragraphs[0].add_run("{%tr if copy_to %}")
        t.add_row().cells[0].paragraphs[0].add_run("抄送：{{ copy_to | join(\"，\") }}。")
        t.add_row().cells[0].paragraphs[0].add_run("{%tr endif %}")
    t.add_row().cells[0].paragraphs[0].add_run("{{ issuer }}\t{{ issued_text }}印发")
    for r in t.rows:
        r.cells[0].width = TEXT_W
        for p in r.cells[0].paragraphs:
            p.style = doc.styles["版记"]
        if "{%tr" not in r.cells[0].text:
            r.height, r.height_rule = ROW, WD_ROW_HEIGHT_RULE.AT_LEAST
            r.cells[0].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    t._tbl.tblGrid.findall(qn("w:gridCol"))[0].set(qn("w:w"), str(int(TEXT_W / 635)))
    position = OxmlElement("w:tblpPr")
    for key, value in (("leftFromText", "0"), ("rightFromText", "0"), ("vertAnchor", "margin"), ("horzAnchor", "page"),
                       ("tblpX", str(int(LEFT / 635))), ("tblpYSpec", "bottom")):
        position.set(qn(f"w:{key}"), value)
    place(t._tbl.tblPr, position)
    borders = OxmlElement("w:tblBorders")
    # GB/T 9704: the first and last lines 0.35 mm, those between 0.25 mm (sz in eighths of a point).
    for edge, size in (("top", "8"), ("left", None), ("bottom", "8"), ("right", None), ("insideH", "6"),
                       ("insideV", None)):
        el = OxmlElement(f"w:{edge}")
        line = (("val", "single"), ("sz", size), ("space", "0"), ("color", "000000")) if size else (("val", "nil"),)
        for key, value in line:
            el.set(qn(f"w:{key}"), value)
        borders.append(el)
    place(t._tbl.tblPr, borders)
    cell_margins(t, 0)
    # The body ends with a paragraph, as Word requires: 1 pt, and nothing after the 版记.
    para(doc, "", "页眉空行")


def font_table(doc) -> None:
    """Name each Chinese font's common substitute (altName), for computers without the GB2312 fonts."""
    from lxml import etree

    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, alt in ALT_NAMES.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "modern" if name != XIAOBIAOSONG else "script")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "fixed" if name != XIAOBIAOSONG else "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def masthead(doc) -> None:
    """版头: 发文机关标志 in red, 发文字号, the red line."""
    para(doc, "{{ masthead }}", "发文机关标志")
    para(doc, "{{ document_number }}", "发文字号")
    para(doc, "", "版头下空行")


def new_document(title: str):
    """An empty A4 official document with the styles, grid and page numbers."""
    doc = Document()
    # python-docx's blank document carries a thumbnail and its own author; neither belongs in the clerk's file.
    for rel in list(doc.part.package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):
            doc.part.package.rels.pop(rel.rId)
    doc.core_properties.author = "bairi"
    doc.core_properties.title = title
    doc.core_properties.comments = "bairi 的 Word 模板（变量与写法见 templates/README.md）"
    setup(doc)
    font_table(doc)
    body = doc.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    return doc


# The 通报's sentences: the same words as templates/summary.txt.j2 (tests/test_docx.py compares them).
SUMMARY_OPENING = (
    "计入汇总的报表显示，{{ scope }}累计成立督查组{{ total.teams }}个，排查企业{{ total.enterprises }}家，"
    "排查一般隐患{{ total.general_found }}项、已整改{{ total.general_fixed }}项，整改率{{ rates.general }}；"
    "排查重大隐患{{ total.major_found }}项、已整改{{ total.major_fixed }}项，整改率{{ rates.major }}；"
    "责令限期整改企业{{ total.ordered }}家，行政罚款{{ total.fines }}万元，停产整顿{{ total.suspended }}家，"
    "公开曝光案例{{ total.exposed }}个，关闭取缔{{ total.closed }}家，"
    "查处违法分包转包和挂靠资质行为{{ total.subcontracting }}个，"
    "查处劳务派遣灵活用工违法行为{{ total.labor_dispatch }}个。"
    "其中{{ month_text }}份检查企业{{ month.enterprises }}家，"
    "排查一般隐患{{ month.general_found }}项、重大隐患{{ month.major_found }}项。"
)
# The same sentences when the campaign's form is not the notice's: its columns in its own words.
FORM_TOTALS = (
    "计入汇总的报表显示，{{ scope }}累计{% for c in columns %}{{ c.short }}{{ c.total }}{{ c.unit }}"
    "{% if not loop.last %}，{% endif %}{% endfor %}{% if pairs %}；{% for p in pairs %}{{ p.name }}整改率{{ p.rate }}"
    "{% if not loop.last %}，{% endif %}{% endfor %}{% endif %}。其中{{ month_text }}份{% for c in columns %}"
    "{{ c.short }}{{ c.month }}{{ c.unit }}{% if not loop.last %}，{% endif %}{% endfor %}。"
)
FORM_TOWN_LINE = (
    "{{ loop.index }}．{{ t.town }}：{% if t.counted %}累计{% for c in columns %}{{ c.short }}{{ t[c.key] }}{{ c.unit }}"
    "{% if not loop.last %}，{% endif %}{% endfor %}。"
    "{% elif t.status == \"rejected\" %}{{ period_text }}报表有误已退回，尚未收到修改后的报表，本期数字未计入。"
    "{% elif t.status == \"to_verify\" %}{{ period_text }}报送的材料待核实，本期数字未计入。"
    "{% elif t.status == \"missing\" %}{{ period_text }}报表逾期未报。"
    "{% elif t.status == \"not_due\" %}尚未报送{{ period_text }}报表。"
    "{% else %}{{ period_text }}报表未以电子表格报送，本期数字未计入。{% endif %}"
)
COUNTED = (
    "{{ period_text }}报表，{{ towns_total }}个{{ unit_noun }}中已有{{ reported | length }}个审核通过、计入汇总"
    "{% if uncounted.rejected %}；{{ uncounted.rejected | join(\"、\") }}报表有误已退回，尚未收到修改后的报表{% endif %}"
    "{% if uncounted.to_verify %}；{{ uncounted.to_verify | join(\"、\") }}报送的材料待核实{% endif %}"
    "{% if uncounted.not_sent %}；{{ uncounted.not_sent | join(\"、\") }}尚未报送{% endif %}"
    "{% for x in logbook_only %}；{{ x.town }}以{{ x.how }}方式报送{% endfor %}"
    "{% if not_reported %}。以上{{ not_reported | length }}个{{ unit_noun }}的数字未计入汇总{% endif %}。"
)
DEADLINE_LINE = (
    "{{ loop.index }}．{{ d.label }}（应于{{ d.due_text }}前报送）：{% if d.passed %}按时报送{{ d.on_time }}个"
    "{% if d.incomplete %}（其中缺件{{ d.incomplete | length }}个：{% for x in d.incomplete %}{{ x.town }}缺{{ x.missing }}"
    "{% if not loop.last %}；{% endif %}{% endfor %}）{% endif %}"
    "{% if d.late %}；逾期报送{{ d.late | length }}个：{% for x in d.late %}{{ x.town }}（逾期{{ x.days }}天）"
    "{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}"
    "{% if d.rejected %}；报表有误退回、尚未重新报送{{ d.rejected | length }}个：{{ d.rejected | join(\"、\") }}{% endif %}"
    "{% if d.to_verify %}；待核实{{ d.to_verify | length }}个：{{ d.to_verify | join(\"、\") }}{% endif %}"
    "{% if d.missing %}；逾期未报{{ d.missing | length }}个：{{ d.missing | join(\"、\") }}{% endif %}"
    "{% if d.not_due %}；经同意延期报送{{ d.not_due | length }}个：{{ d.not_due | join(\"、\") }}{% endif %}。"
    "报送率{{ d.rate }}。{% else %}尚未到报送时限，已有{{ d.received }}个{{ unit_noun }}报送"
    "{% if d.rejected %}，报表有误退回{{ d.rejected | length }}个：{{ d.rejected | join(\"、\") }}{% endif %}"
    "{% if d.to_verify %}，待核实{{ d.to_verify | length }}个：{{ d.to_verify | join(\"、\") }}{% endif %}。{% endif %}"
)
PRAISE = (
    "{{ praise | join(\"、\") }}按时报送各项材料，每月检查企业均达到本辖区企业总数的{{ inspect_share_text }}以上，"
    "已上报典型案例，没有逾期未整改的重大隐患，予以通报表扬。"
)
CRITICISM = (
    "（{{ g.seq }}）{% if g.kind == \"materials\" %}材料未按要求报送：{% for c in g.towns %}{{ c.town }}（"
    "{% for x in c.owed %}{{ x.label }}{% if x.status == \"late\" %}逾期{{ x.days }}天{% elif x.status == \"missing\" %}未报"
    "{% elif x.status == \"rejected\" %}退回后未重新报送{% else %}缺{{ x.missing }}{% endif %}{% if not loop.last %}，{% endif %}"
    "{% endfor %}）{% if not loop.last %}；{% endif %}{% endfor %}。"
    "{% elif g.kind == \"coverage\" %}月检查企业未达到本辖区企业总数的{{ inspect_share_text }}：{% for c in g.towns %}{{ c.town }}（"
    "{% for m in c.months %}{{ m.month_text }}检查{{ m.value }}家，辖区{{ m.area }}家{% if not loop.last %}；{% endif %}{% endfor %}）"
    "{% if not loop.last %}、{% endif %}{% endfor %}。"
    "{% elif g.kind == \"case\" %}行动期间未上报典型案例：{{ g.towns | join(\"、\") }}。"
    "{% else %}重大隐患逾期未整改到位：{% for c in g.towns %}{{ c.town }}（{{ c.count }}项）{% if not loop.last %}、{% endif %}"
    "{% endfor %}。{% endif %}"
)
REQUIREMENT = (
    "（{{ r.seq }}）{% if r.kind == \"resend\" %}抓紧补报材料。{{ r.towns | join(\"、\") }}要立即补报所欠材料"
    "（{{ r.labels | join(\"、\") }}），确保材料齐全、数字准确。"
    "{% elif r.kind == \"hazards\" %}加快重大隐患整改。{{ r.towns | join(\"、\") }}要严格落实整改措施、责任、资金、时限和预案"
    "“五到位”，整改完成后及时报送整改销号情况；确实不能按期整改的，要主动向{{ authority }}报告。"
    "{% elif r.kind == \"coverage\" %}扩大检查覆盖面。{{ r.towns | join(\"、\") }}要合理安排检查力量，确保每月检查企业不少于"
    "本辖区企业总数的{{ inspect_share_text }}。"
    "{% elif r.kind == \"case\" %}报送典型案例。{{ r.towns | join(\"、\") }}要{% if r.passed %}立即{% else %}于{{ r.due_text }}前"
    "{% endif %}报送至少1个安全生产重大隐患执法典型案例。"
    "{% elif r.kind == \"upcoming\" %}按时报送后续材料。{% for d in r.deadlines %}{{ d.label }}应于{{ d.due_text }}前报送"
    "{% if not loop.last %}，{% endif %}{% endfor %}，请各{{ unit_noun }}提前准备、按时报送。"
    "{% else %}严把报表质量。各{{ unit_noun }}要按{{ authority }}下发的报表模板如实填写，累计数与各月数相互衔接，"
    "做到数字准确、报送及时。{% endif %}"
)


def summary_template(form_words: bool = False):
    """templates/summary.docx: the 通报, with the towns' ranking, the overdue list and open hazards as tables;
    with `form_words`, summary_form.docx: the same 通报 for a form that is not the notice's, its figures in the
    form's own words and each town a paragraph (the same sentences as templates/summary.txt.j2 in both)."""
    doc = new_document("进展情况通报")
    masthead(doc)
    para(doc, "关于{{ campaign_name }}进展情况的通报", "公文标题")
    para(doc, "（{{ period_text }}）", "副标题")
    para(doc, "", "主送机关")
    para(doc, "{{ addressee }}：", "主送机关")
    para(doc, "现将截至{{ as_of_text }}的行动进展情况通报如下：")
    para(doc, "一、总体情况", "一级标题")
    para(doc, COUNTED)
    para(doc, FORM_TOTALS if form_words else SUMMARY_OPENING)

    para(doc, "二、各{{ unit_noun }}工作开展情况", "一级标题")
    if form_words:
        tag(doc, "{%p for t in towns %}")
        para(doc, FORM_TOWN_LINE)
        tag(doc, "{%p endfor %}")
    else:
        ranking_table(doc)
    para(doc, "【请补充：各{{ unit_noun }}的主要做法和工作成效】")
    later_sections(doc, form_words)
    return doc


def ranking_table(doc) -> None:
    """表1: the counted towns' figures in the notice's columns, in the campaign's order, with the county's total."""
    para(doc, "计入汇总的各{{ unit_noun }}工作开展情况见表1（覆盖率为{{ month_text }}份检查企业数占辖区企业数的比例）。")
    para(doc, "表1　各{{ unit_noun }}工作开展情况（{{ period_text }}报表）", "表题")
    table(doc, [9, 19, 13, 13, 14, 13, 13, 14, 11, 11, 14, 12],
          [["序号", "{{ unit_noun }}", "辖区企业（家）", "{{ month_text }}检查（家）", "覆盖率",
            "累计一般隐患", None, None, "累计重大隐患", None, None, "曝光案例（个）"],
           ["^", "^", "^", "^", "^", "排查（项）", "已整改（项）", "整改率", "排查（项）", "已整改（项）", "整改率", "^"]],
          ["{{ row.rank }}", "{{ row.town }}", "{{ row.area_enterprises }}", "{{ row.month_enterprises }}",
           "{{ row.coverage }}", "{{ row.general_found }}", "{{ row.general_fixed }}", "{{ row.general_rate }}",
           "{{ row.major_found }}", "{{ row.major_fixed }}", "{{ row.major_rate }}", "{{ row.exposed }}"],
          "for row in ranking",
          total=["合计", "", "{{ area_enterprises }}", "{{ month.enterprises }}", "{{ coverage }}",
                 "{{ total.general_found }}", "{{ total.general_fixed }}", "{{ rates.general }}",
                 "{{ total.major_found }}", "{{ total.major_fixed }}", "{{ rates.major }}", "{{ total.exposed }}"])
    t = doc.tables[-1]
    t.rows[-1].cells[0].merge(t.rows[-1].cells[1])


def later_sections(doc, form_words: bool) -> None:
    """三 to 八, the contacts, the signature and the 版记: the same for both forms but where a form lacks a column."""
    para(doc, "三、材料报送情况", "一级标题")
    tag(doc, "{%p for d in deadlines %}")
    para(doc, DEADLINE_LINE)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if overdue_rows %}")
    para(doc, "逾期报送、未报送、退回修改、待核实和缺件的材料逐项见表2。")
    para(doc, "表2　逾期报送、未报送、退回、待核实和缺件的材料", "表题")
    table(doc, [9, 30, 31, 20, 13, 53],
          [["序号", "材料", "截止日期", "{{ unit_noun }}", "情况", "说明"]],
          ["{{ r.seq }}", "{{ r.label }}", "{{ r.due_text }}", "{{ r.town }}", "{{ r.status_label }}", "{{ r.note }}"],
          "for r in overdue_rows", left={5})
    tag(doc, "{%p endif %}")

    para(doc, "四、重大隐患整改情况", "一级标题")
    if form_words:
        tag(doc, "{%p if \"major_found\" not in total %}")
        para(doc, "本次报表没有重大隐患栏目，重大隐患整改情况另行通报。")
        tag(doc, "{%p elif open_hazards %}")
    else:
        tag(doc, "{%p if open_hazards %}")
    para(doc, "{% if rectify_passed %}按照通知关于重大隐患原则上于{{ rectify_by_text }}前全部整改到位的要求，{% endif %}截至{{ as_of_text }}，"
              "{{ open_hazards | length }}个{{ unit_noun }}{% if rectify_passed %}仍有重大隐患逾期未整改到位"
              "{% else %}有重大隐患已过其整改计划的期限、仍未整改到位{% endif %}（逐项见表3）：")
    tag(doc, "{%p for o in open_hazards %}")
    para(doc, "{{ loop.index }}．{{ o.town }}：{{ o.rows | length }}项逾期未整改到位{% if o.counted %}（{{ o.period_text }}报表"
              "累计排查重大隐患{{ o.found }}项、已整改{{ o.fixed }}项）{% endif %}。")
    tag(doc, "{%p endfor %}")
    para(doc, "表3　逾期未整改到位的重大隐患", "表题")
    table(doc, [10, 20, 38, 28, 60],
          # Another form's own hazard headers; the notice's 通报 is used only where they are the notice's.
          [["序号", "{{ unit_noun }}", *(["{{ hazard_headers.enterprise }}", "{{ hazard_headers.supervisor }}",
                                         "{{ hazard_headers.detail }}"] if form_words
                                        else ["企业名称", "挂牌督办单位", "重大隐患明细及整改计划"])]],
          ["{{ h.seq }}", "{{ h.town }}", "{{ h.enterprise }}", "{{ h.supervisor }}", "{{ h.detail }}"],
          "for h in hazard_rows", left={2, 3, 4})
    tag(doc, "{%p elif total.major_found == \"0\" %}")
    para(doc, "截至{{ as_of_text }}，计入汇总的{{ reported | length }}个{{ unit_noun }}报表累计未报告重大隐患。")
    tag(doc, "{%p elif major_open == 0 %}")
    para(doc, "截至{{ as_of_text }}，计入汇总的{{ reported | length }}个{{ unit_noun }}报表累计报告重大隐患"
              "{{ total.major_found }}项，均已整改到位{% if not_reported %}；另有{{ not_reported | length }}个{{ unit_noun }}的报表未计入，"
              "其整改情况待核实{% endif %}。")
    tag(doc, "{%p else %}")
    para(doc, "截至{{ as_of_text }}，计入汇总的{{ reported | length }}个{{ unit_noun }}报表累计报告重大隐患"
              "{{ total.major_found }}项、已整改{{ total.major_fixed }}项，尚未整改的{{ major_open }}项均未超过整改期限"
              "{% if rectify_by_text and not rectify_passed %}，须于{{ rectify_by_text }}前全部整改到位{% endif %}。")
    tag(doc, "{%p endif %}")

    para(doc, "五、典型案例报送情况", "一级标题")
    tag(doc, "{%p if no_case %}")
    para(doc, "{{ no_case | join(\"、\") }}{% if cases_due_passed %}在行动期间未上报{% else %}尚未上报{% endif %}"
              "安全生产重大隐患执法典型案例。按照通知要求，各{{ unit_noun }}行动期间至少上报1个典型案例"
              "{% if not cases_due_passed and cases_due_text %}，须于{{ cases_due_text }}前报送{% endif %}。")
    tag(doc, "{%p elif cases_due_text %}" if form_words else "{%p else %}")
    para(doc, "各{{ unit_noun }}均已上报安全生产重大隐患执法典型案例。")
    if form_words:
        tag(doc, "{%p else %}")
        para(doc, "本次行动未要求上报典型案例。")
    tag(doc, "{%p endif %}")

    para(doc, "六、表扬和批评", "一级标题")
    tag(doc, "{%p if praise %}")
    para(doc, PRAISE)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if criticism_groups %}")
    para(doc, "以下{{ unit_noun }}未达到通知要求，予以通报批评：")
    tag(doc, "{%p for g in criticism_groups %}")
    para(doc, CRITICISM)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if not praise and not criticism_groups %}")
    para(doc, "截至{{ as_of_text }}，各{{ unit_noun }}均未出现未达到通知要求的情况。")
    tag(doc, "{%p endif %}")

    para(doc, "七、存在问题", "一级标题")
    para(doc, "【请补充：督查检查中发现的主要问题】")

    para(doc, "八、下步工作要求", "一级标题")
    tag(doc, "{%p for r in requirements %}")
    para(doc, REQUIREMENT)
    tag(doc, "{%p endfor %}")
    para(doc, "联系人：{{ contact.people | join(\"、\") }}", "联系方式")
    para(doc, "联系电话：{{ contact.phones | join(\"、\") }}", "联系方式")
    para(doc, "电子邮箱：{{ contact.emails | join(\"、\") }}", "联系方式")
    attachments(doc)
    signature(doc)
    record(doc, "{%tr if copy_to %}")


def summary_form_template():
    """templates/summary_form.docx: the 通报 of a campaign whose form is not the notice's, in the form's own words."""
    return summary_template(form_words=True)


def attachments(doc) -> None:
    """附件说明: 正文下空一行，左空二字 "附件：", several numbered 1．2．, wrapped lines under the names."""
    tag(doc, "{%p if attachments %}")
    para(doc, "", "联系方式")
    tag(doc, "{%p for a in attachments %}")
    para(doc, "{% if loop.first %}附件：{% else %}　　　{% endif %}"
              "{% if attachments | length > 1 %}{{ loop.index }}．{% endif %}{{ a }}", "附件说明")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


LETTER_LINE = Mm(170)  # 信函格式: both red double lines 170 mm long, centred


def letterhead(doc) -> None:
    """信函格式 (GB/T 9704 §10.1) on the first page: the authority's full name in red 30 mm under the top edge, a red
    double line (thick over thin) 4 mm under it, the 发文字号 at the right under the line; at the foot a red double
    line (thin over thick) 20 mm over the bottom edge; no page number on the first page."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.header_distance = Mm(30)
    outdent = (LETTER_LINE - TEXT_W) // 2
    # The other pages' headers are empty and tiny: a line of body height 30 mm down would push their text down.
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        header.paragraphs[0].style = doc.styles["页眉空行"]
    head = section.first_page_header
    name = head.paragraphs[0]
    name.style = doc.styles["信函机关标志"]
    name.add_run("{{ authority }}")
    fmt = name.paragraph_format
    fmt.left_indent = fmt.right_indent = -outdent
    line = _ppr_child(name._p.get_or_add_pPr(), "w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thickThinSmallGap"), ("sz", "24"), ("space", "8"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    line.append(bottom)
    number = head.add_paragraph(style=doc.styles["信函发文字号"])
    number.add_run("{{ document_number }}")
    # The lower line closes the footer, 23 mm over the edge where the other pages' numbers end: 3 mm above the
    # standard's 20 mm. A frame placed at 20 mm would be exact, but LibreOffice grows the footer to hold it and
    # takes a quarter of the first page's text with it.
    foot = section.first_page_footer.paragraphs[0]
    foot.style = doc.styles["页眉空行"]
    foot.paragraph_format.left_indent = foot.paragraph_format.right_indent = -outdent
    line = _ppr_child(foot._p.get_or_add_pPr(), "w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "thinThickSmallGap"), ("sz", "24"), ("space", "0"), ("color", "FF0000")):
        bottom.set(qn(f"w:{key}"), value)
    line.append(bottom)


def letter_record(doc) -> None:
    """信函格式's 版记: only the 抄送 line, without lines or 印发 (GB/T 9704 §10.1); one notice per town is copied
    to no one, and a 抄送 the clerk adds follows the text."""
    tag(doc, "{%p if copy_to %}")
    para(doc, "抄送：{{ copy_to | join(\"，\") }}。", "版记")
    tag(doc, "{%p endif %}")


def remind_template():
    """templates/remind.docx: one town's 催报通知, the same words as remind.txt.j2."""
    doc = new_document("催报通知")
    letterhead(doc)
    para(doc, "", "版头下空行")
    para(doc, "{{ title }}", "公文标题")
    para(doc, "", "主送机关")
    para(doc, "{{ addressee }}：", "主送机关")
    para(doc, "按照{{ campaign_name }}的报送要求，截至{{ as_of_text }}，你单位以下材料尚未报送到位：")
    tag(doc, "{%p for item in items %}")
    para(doc, "{{ loop.index }}．{{ item.label }}（应于{{ item.due_text }}前报送）："
              "{% if item.status == \"missing\" %}至今未收到，已逾期{{ item.days_late }}天。"
              "{% elif item.status == \"rejected\" %}报送的报表经审核存在问题，已退回修改，"
              "至今未收到修改后的报表，已逾期{{ item.days_late }}天。"
              "{% if item.findings %}须修改的问题：{% endif %}"
              "{% elif item.status == \"incomplete\" %}{{ item.received_text }}收到，但缺少{{ item.missing_materials }}，"
              "已逾期{{ item.days_late }}天。"
              "{% else %}{{ item.received_text }}收到，逾期{{ item.days_late }}天。{% endif %}")
    tag(doc, "{%p for f in item.findings %}")
    para(doc, "（{{ loop.index }}）{% if f.location %}{{ f.location }}：{% endif %}{{ f.message }}{% if f.hint %}（{{ f.hint }}）{% endif %}。")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    para(doc, "请于收到本函后立即报送{{ missing | join(\"、\") }}；确有特殊情况的，请及时与{{ authority }}联系说明。")
    tag(doc, "{%p if late_items %}")
    para(doc, "此外，你单位{% for item in late_items %}{{ item.label }}于{{ item.received_text }}收到，逾期{{ item.days_late }}天"
              "{% if not loop.last %}；{% endif %}{% endfor %}，请今后按规定时限报送。")
    tag(doc, "{%p endif %}")
    para(doc, "联系人：{{ contact.people | join(\"、\") }}", "联系方式")
    para(doc, "联系电话：{{ contact.phones | join(\"、\") }}", "联系方式")
    para(doc, "电子邮箱：{{ contact.emails | join(\"、\") }}", "联系方式")
    signature(doc)
    letter_record(doc)
    return doc


def build(folder: Path) -> list[Path]:
    """Write both templates into `folder`; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in (("summary.docx", summary_template), ("summary_form.docx", summary_form_template),
                       ("remind.docx", remind_template)):
        target = folder / name
        make().save(str(target))
        written.append(target)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates"
    for path in build(out):
        print(path)
