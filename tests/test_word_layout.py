"""GB/T 9704 layout of the rendered Word documents (present/layout.py) and the drafts' MIME (present/drafts.py)."""

import re
import shutil
import subprocess
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from bairi.cli import app
from bairi.present.drafts import Draft, message
from bairi.present.layout import text_width, title_lines

runner = CliRunner()
SAMPLE = Path(__file__).parent.parent / "sample_data"
DAY = ["--as-of", "2024-02-10", "--no-ledger"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_long_title_breaks_between_words_in_even_lines():
    lines = title_lines("关于泽州县冶金工贸行业安全生产“百日攻坚”冬季行动进展情况的通报")
    assert lines == ["关于泽州县冶金工贸行业安全生产", "“百日攻坚”冬季行动进展情况的通报"]
    assert all(text_width(line, 22) <= 156 / 25.4 * 72 for line in lines)
    # A town's name given to the segmenter is never cut (jieba alone reads 柳树|口镇).
    lines = title_lines("关于督促柳树口镇报送泽州县冶金工贸行业安全生产“百日攻坚”冬季行动材料的函", words=["柳树口镇"])
    assert "".join(lines) == "关于督促柳树口镇报送泽州县冶金工贸行业安全生产“百日攻坚”冬季行动材料的函"
    assert any("柳树口镇" in line for line in lines) and all(not line.endswith(("的", "关于")) for line in lines)
    assert title_lines("催报通知") == ["催报通知"]


def summary_docx(tmp_path: Path, *extra: str) -> Path:
    target = tmp_path / "通报.docx"
    result = runner.invoke(app, ["summary", str(SAMPLE), *DAY, "-o", str(target), "--number", "12", *extra])
    assert result.exit_code == 0, result.output
    return target


def record_of(doc):
    [table] = [t for t in doc.tables if {p.style.name for r in t.rows for c in r.cells for p in c.paragraphs} == {"版记"}]
    return table


def test_without_libreoffice_the_record_starts_an_even_page_without_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice: nothing can measure the pages
    doc = Document(str(summary_docx(tmp_path, "--date", "2024-02-11")))
    table = record_of(doc)
    assert [c.text for r in table.rows for c in r.cells] == ["抄送：市应急管理局，县人民政府。",
                                                            "泽州县应急管理局办公室\t2024年2月11日印发"]
    # Floating at the foot of the text block, placed from the page's left edge (the left margin, 28 mm).
    position = table._tbl.tblPr.find(qn("w:tblpPr"))
    assert {k.split("}")[1]: v for k, v in position.attrib.items()} == {
        "leftFromText": "0", "rightFromText": "0", "vertAnchor": "margin", "horzAnchor": "page", "tblpX": "1587",
        "tblpYSpec": "bottom"}
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert [(b.tag.split("}")[1], b.get(qn("w:sz"))) for b in borders if b.get(qn("w:val")) == "single"] == [
        ("top", "8"), ("bottom", "8"), ("insideH", "6")]
    # Nothing after the 版记 but the 1 pt paragraph Word wants a body to end with.
    after = table._tbl.getnext()
    assert after.tag == qn("w:p") and "".join(after.itertext()) == "" and after.getnext().tag == qn("w:sectPr")
    body, last = doc.sections
    assert last.start_type == 3  # WD_SECTION.EVEN_PAGE: a blank page only to put the 版记 on the back
    assert not last.footer.is_linked_to_previous and not last.even_page_footer.is_linked_to_previous
    assert [p.text for p in last.footer.paragraphs] == [""] and [p.text for p in last.even_page_footer.paragraphs] == [""]
    assert [p.text for p in doc.paragraphs if p.style.name == "成文日期"] == ["2024年2月11日"]
    assert "— 1 —" in "".join(t.text for t in body.footer._element.iter(qn("w:t")))
    # The signature goes with the lines before it: never alone on a page.
    assert [p.style.paragraph_format.keep_with_next for p in doc.paragraphs
            if p.style.name in ("联系方式", "发文机关署名")] == [True] * 4  # 联系人, 联系电话, 电子邮箱, the signature


@pytest.mark.parametrize(("pages", "lowest", "where"), [
    (7, 700.0, "next_page"), (6, 300.0, "same_page"), (6, 700.0, "after_blank"), (4, 742.0, "after_blank")])
def test_the_record_goes_where_the_measured_pages_put_it(tmp_path, monkeypatch, pages, lowest, where):
    from docx.enum.section import WD_SECTION

    from bairi.present.layout import _record, place_record

    monkeypatch.setenv("PATH", str(tmp_path))
    doc = Document(str(summary_docx(tmp_path)))
    record = _record(doc)
    assert record is not None and record.rows == 2
    assert place_record(doc, record, (pages, lowest)) == where
    table = record_of(doc)
    starts_page = [p for p in doc.paragraphs if p._p.pPr is not None and p._p.pPr.find(qn("w:pageBreakBefore")) is not None]
    if where == "same_page":
        # One section: the 版记 on the body's last page, which keeps its number.
        assert len(doc.sections) == 1 and doc.sections[0].footer.paragraphs[0].text.strip().startswith("—")
        assert starts_page == []
    else:
        assert [s.start_type for s in doc.sections] == [WD_SECTION.NEW_PAGE, WD_SECTION.NEW_PAGE]
        # After a blank page: a paragraph that starts a page, right before the 版记.
        assert [p._p.getnext() is table._tbl for p in starts_page] == ([True] if where == "after_blank" else [])


def test_table_columns_fit_their_figures_and_phone_numbers_hold(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = Document(str(summary_docx(tmp_path)))
    for table in doc.tables:
        widths = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) <= 8844 + 2  # the 156 mm text block (rounding)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                for piece in re.findall(r"\d{4}年\d{1,2}月\d{1,2}日|\d+(?:\.\d+)?%", cell.text):
                    assert text_width(piece, 10.5) * 20 < width, (piece, width)
    contact = next(p.text for p in doc.paragraphs if "联系电话" in p.text)
    assert "0356\u2060-\u20602066363" in contact


def draft_bytes(attachments):
    msg = message("县局 <a@b.cn>", ["c@d.cn"], "关于南岭镇1月报表退回修改的通知", "请修改后重新报送。", attachments,
                  datetime(2024, 2, 10, 9, 0, tzinfo=UTC))
    return Draft("x.eml", "南岭镇", ["c@d.cn"], "s", msg).as_bytes()


def test_attachment_headers_are_exact_and_parse_strictly():
    name = "泽州县冶金工贸行业安全生产百日攻坚冬季行动南岭镇工作报告表（2024年1月）.xlsx"
    raw = draft_bytes([(name, b"PK\x03\x04" + bytes(300)), ("催报_南岭镇.docx", b"PK"), ("短.txt", "你好".encode())])
    text = raw.decode("utf-8")
    assert f"Content-Type: {XLSX};\r\n name=\"=?UTF-8?B?" in text
    assert "filename*0*=UTF-8''%E6%B3%BD" in text and "=?utf-8?q?" not in text
    parsed = message_from_bytes(raw, policy=policy.strict)
    assert parsed.defects == []
    parts = list(parsed.iter_attachments())
    assert [(p.get_content_type(), p.get_filename(), p.get_param("name"), p.defects) for p in parts] == [
        (XLSX, name, name, []),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "催报_南岭镇.docx",
         "催报_南岭镇.docx", []),
        ("text/plain", "短.txt", "短.txt", [])]
    assert parts[0].get_content() == b"PK\x03\x04" + bytes(300)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def pdf_pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                             check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, count + 1)]


def last_page_words(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


PAGE_NO = re.compile(r"—\s*(\d+)\s*—")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are needed to lay the pages out")
@pytest.mark.parametrize("extra", [
    ["--as-of", "2024-02-10"],  # body on 7 pages: the 版记 alone on the 8th
    ["--as-of", "2023-12-26"],  # body ends on an even page with room: the 版记 at its foot
    ["--as-of", "2023-12-26", *[f"--attachment=附件{n}" for n in range(1, 14)]],  # no room: a blank page first
    ["--as-of", "2023-11-26"]])
def test_bulletin_pdf_has_the_record_at_the_foot_of_an_even_last_page(tmp_path, extra):
    target = tmp_path / "通报.pdf"
    result = runner.invoke(app, ["summary", str(SAMPLE), "--no-ledger", *extra, "-o", str(target), "--number", "12"])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(target)
    assert len(pages) % 2 == 0
    words = last_page_words(target, len(pages))
    record = [float(y) for y in re.findall(r'yMin="([\d.]+)"[^>]*>[^<]*印发', words)]
    assert record and record[0] > 841.89 * 0.75  # in the bottom quarter of the last page
    assert "印发" not in "".join(pages[:-1])  # and nowhere else
    for number, page in enumerate(pages, start=1):
        shown = PAGE_NO.findall(page)
        body = PAGE_NO.sub("", page)
        if not body.strip() or ("印发" in body and "泽州县应急管理局\n" not in body and "联系" not in body
                                and len(body.strip().splitlines()) <= 2):
            assert shown == [], number  # a blank page and a 版记-only page are not numbered
        else:
            assert shown == [str(number)], number
        # No figure broken at a line's end: a percent sign, 日 or the rest of a number never begins a line.
        assert not re.search(r"\n\s*(%|日\s|\d+%)", page.replace("\u2060", ""))
        assert not re.search(r"0356-\s*\n", page)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are needed to lay the pages out")
def test_reminders_pdf_are_letters_without_a_numbered_blank_page(tmp_path):
    from datetime import UTC, date, datetime

    from bairi.core.campaign import load_campaign
    from bairi.deadlines.schedule import assess
    from bairi.present.reminders import reminder_context, reminder_towns
    from bairi.present.word import reminder_docx
    from bairi.state.inputs import read_state
    from bairi.write.office import docx_to_pdf

    campaign = load_campaign(None)
    result = assess(read_state([SAMPLE], campaign, datetime.now(UTC), date(2024, 2, 10), None, False, None))
    town = reminder_towns(result)[0]
    context = reminder_context(result, town)
    item = {**context["items"][0], "status": "missing", "findings": []}
    short = {**context, "items": [item], "late_items": [], "missing": context["missing"][:1]}
    long = {**context, "items": context["items"] * 4}
    sizes = []
    for name, variant in (("short", short), ("long", long)):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(docx_to_pdf(reminder_docx(variant)))
        pages = pdf_pages(pdf)
        sizes.append(len(pages))
        first = [line.strip() for line in pages[0].splitlines() if line.strip()]
        assert first[0] == "泽州县应急管理局" and "文件" not in first[0]  # 信函格式: the full name, no "…文件"
        assert PAGE_NO.findall(pages[0]) == []  # and no number on the first page
        for number, page in enumerate(pages[1:], start=2):
            assert PAGE_NO.sub("", page).strip(), number  # no blank page
            assert PAGE_NO.findall(page) == [str(number)]
        last = pages[-1]
        # The signature and date never alone: the contact lines go with them.
        assert "泽州县应急管理局" in last and "2024 年 2 月 10 日" in last and "联系" in last
    assert sizes[0] < sizes[1]


def test_without_a_code_or_number_the_document_number_is_left_blank_to_fill(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    config = tmp_path / "bairi.toml"
    assert runner.invoke(app, ["init", "-o", str(config)]).exit_code == 0
    config.write_text(config.read_text(encoding="utf-8").replace('document_code = "泽应急发"', 'document_code = ""'),
                      encoding="utf-8")
    target = tmp_path / "通报.docx"
    result = runner.invoke(app, ["summary", str(SAMPLE), *DAY, "-o", str(target), "--config", str(config)])
    assert result.exit_code == 0, result.output
    doc = Document(str(target))
    assert [p.text for p in doc.paragraphs if p.style.name == "发文字号"] == ["〔2024〕　　号"]
