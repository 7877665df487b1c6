"""The 通报 and 催报 as Word documents in the official-document layout (GB/T 9704), read back with python-docx."""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from bairi.cli import app

runner = CliRunner()
ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data"
DAY = ["--as-of", "2024-02-10", "--no-ledger"]


def summary(tmp_path: Path, name: str, *extra: str):
    target = tmp_path / name
    result = runner.invoke(app, ["summary", str(SAMPLE), *DAY, "-o", str(target), *extra])
    return result, target


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory):
    """The sample inbox's bulletin as Word and as text, from one run each."""
    folder = tmp_path_factory.mktemp("bulletin")
    result, word = summary(folder, "通报.docx", "--number", "12")
    assert result.exit_code == 0, result.output
    result, text = summary(folder, "通报.txt")
    assert result.exit_code == 0, result.output
    return Document(str(word)), text.read_text(encoding="utf-8"), word


def east_asian(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def mm(length) -> float:
    return round(length / 36000, 1)


def test_page_is_a4_with_the_standard_margins_and_grid(bulletin):
    doc, _, _ = bulletin
    section = doc.sections[0]  # the body (the 版记 has a section of its own, the same page)
    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert tuple(mm(m) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                 section.right_margin)) == (37.0, 35.0, 28.0, 26.0)
    grid = section._sectPr.find(qn("w:docGrid"))
    # 225 mm of text block / 22 lines = 28.95 pt a line.
    assert grid.get(qn("w:linePitch")) == "579"
    body = doc.styles["公文正文"]
    assert body.paragraph_format.line_spacing.twips == 579


def test_title_body_and_headings_have_their_fonts_and_sizes(bulletin):
    doc, _, _ = bulletin
    paragraphs = doc.paragraphs
    title = next(p for p in paragraphs if p.text.startswith("关于") and p.text.endswith("的通报"))
    # Broken between words (present/layout.py): 2号 characters fit 20 to the line.
    assert title.text == "关于泽州县冶金工贸行业安全生产\n“百日攻坚”冬季行动进展情况的通报"
    assert (east_asian(title.style), title.style.font.size.pt) == ("方正小标宋简体", 22.0)
    opening = next(p for p in paragraphs if p.text.startswith("计入汇总的报表显示"))
    assert (opening.style.name, east_asian(opening.style), opening.style.font.size.pt) == ("公文正文", "仿宋_GB2312", 16.0)
    assert opening.style.paragraph_format.first_line_indent.pt == 32.0  # 2 characters
    headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八]、", p.text)]
    assert [p.text for p in headings] == ["一、总体情况", "二、各镇工作开展情况", "三、材料报送情况", "四、重大隐患整改情况",
                                          "五、典型案例报送情况", "六、表扬和批评", "七、存在问题", "八、下步工作要求"]
    assert {(east_asian(p.style), p.style.font.size.pt) for p in headings} == {("黑体", 16.0)}
    assert east_asian(doc.styles["二级标题"]) == "楷体_GB2312"
    addressee = next(p for p in paragraphs if p.text == "各镇应急管理中心：")
    assert addressee.style.paragraph_format.first_line_indent is None  # 主送机关 flush left
    date = next(p for p in paragraphs if p.style.name == "成文日期")
    assert (date.text, date.style.paragraph_format.alignment) == ("2024年2月10日", 2)  # right
    assert next(p for p in paragraphs if p.style.name == "发文机关署名").text == "\t泽州县应急管理局"


def test_masthead_is_red_with_the_document_number_and_the_red_line(bulletin):
    doc, _, _ = bulletin
    mast, number = doc.paragraphs[0], doc.paragraphs[1]
    assert mast.text == "泽州县应急管理局文件"
    assert str(mast.style.font.color.rgb) == "FF0000"
    assert east_asian(mast.style) == "方正小标宋简体"
    assert number.text == "泽应急发〔2024〕12号"
    line = number.style.element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (line.get(qn("w:val")), line.get(qn("w:color"))) == ("single", "FF0000")


def test_record_names_copy_to_issuer_and_date(bulletin):
    doc, _, _ = bulletin
    record = doc.tables[-1]
    assert [c.text for r in record.rows for c in r.cells] == ["抄送：市应急管理局，县人民政府。",
                                                             "泽州县应急管理局办公室\t2024年2月10日印发"]


def test_page_numbers_are_fields_outside_on_odd_and_even_pages(bulletin):
    doc, _, _ = bulletin
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer is True
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):  # odd right, even left
        [paragraph] = footer.paragraphs
        assert paragraph.paragraph_format.alignment == align or paragraph.style.paragraph_format.alignment == align
        assert paragraph._p.find(qn("w:fldSimple")).get(qn("w:instr")) == "PAGE"
        # The 一字线 either side of the field (its shown value, 1, until the page is laid out).
        assert "".join(t.text for t in paragraph._p.iter(qn("w:t"))) == "— 1 —"
        assert paragraph.style.font.size.pt == 14.0 and east_asian(paragraph.style) == "宋体"


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?%?", text)


def test_figures_equal_the_text_bulletins(bulletin):
    doc, text, _ = bulletin
    lines = [line for line in text.splitlines() if line.strip()]
    paragraphs = [p.text for p in doc.paragraphs]
    # The overall figures: the same sentence.
    opening = next(line for line in lines if line.startswith("计入汇总的报表显示"))
    assert opening in paragraphs
    # Towns' ranking: each table row against the town's line of the text.
    ranking = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in ranking.rows[2:-1]]
    pattern = re.compile(r"^\d+\. (\S+?)：\d+月份检查企业(\d+)家（辖区(\d+)家，占(\S+?)）；累计排查一般隐患(\d+)项、"
                         r"已整改(\d+)项（整改率(\S+?)），排查重大隐患(\d+)项、已整改(\d+)项，公开曝光案例(\d+)个。$")
    from_text = [pattern.match(line).groups() for line in lines if pattern.match(line)]
    assert len(from_text) == 12
    # The table lists the counted towns in the campaign's order, as the text does (never ranked by hazards found).
    assert [(r[1], r[3], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[11]) for r in rows] == from_text
    assert [r[0] for r in rows] == [str(n) for n in range(1, 13)]
    total = [c.text for c in ranking.rows[-1].cells]
    assert total[0] == "合计" and total[5:7] == numbers(opening)[2:4]  # 一般隐患 排查 / 已整改: 1190, 1100
    # Deadlines: the same lines, numbered as official documents number them.
    deadline_lines = [line for line in lines if re.match(r"^\d+\. .*前报送）", line)]
    assert len(deadline_lines) == 6
    for line in deadline_lines:
        assert line.replace(". ", "．", 1) in paragraphs
    # The late list: every town and its days late in the text is a 迟报 row with those days.
    late_table = doc.tables[1]
    late_rows = {(r.cells[3].text, r.cells[1].text, r.cells[5].text) for r in late_table.rows[1:]
                 if r.cells[4].text == "迟报"}
    in_text = {(town, line.split("（")[0].split(". ")[1], f"逾期{days}天")
               for line in deadline_lines for town, days in re.findall(r"([^：、；（）]+)（逾期(\d+)天）", line)}
    assert late_rows == in_text and len(in_text) == 8
    # Open hazards: the same enterprises and details.
    hazards = doc.tables[2]
    rows = [[c.text for c in r.cells] for r in hazards.rows[1:]]
    assert [r[1] for r in rows] == ["南村镇", "下村镇", "山河镇"]
    for _, _town, enterprise, _supervisor, detail in rows:
        # The text makes the detail a sentence (a full stop added); the table cell keeps it as written.
        assert any(line.strip().startswith(enterprise) and line.strip().endswith(f"{detail}。") for line in lines)


def test_json_lists_the_files_written(tmp_path):
    result = runner.invoke(app, ["summary", str(SAMPLE), *DAY, "-o", str(tmp_path / "a.docx"), "--format", "json"])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(result.stdout)
    assert doc["files"] == [str(tmp_path / "a.docx")]
    assert doc["variables"]["document_number"] == "泽应急发〔2024〕　　号"  # no --number: a blank to fill in
    assert doc["variables"]["hazard_rows"][0]["enterprise"] == "晋城南村诚信新型建材有限公司"


def word_template(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


def test_a_user_template_with_an_unknown_variable_is_named_in_chinese(tmp_path):
    template = word_template(tmp_path / "我的通报.docx", "{{ addressee }}：", "截至{{ cutof_text }}，全县……")
    result, target = summary(tmp_path, "通报.docx", "--template", str(template))
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "变量 cutof_text 不存在" in message and "我的通报.docx" in message and "截至{{ cutof_text }}" in message
    assert "Traceback" not in result.output and not target.exists()


def test_a_user_template_with_broken_jinja_is_named_in_chinese(tmp_path):
    template = word_template(tmp_path / "坏模板.docx", "{{ addressee }}：", "截至{{ cutoff_text ，全县")
    result, target = summary(tmp_path, "通报.docx", "--template", str(template))
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "Jinja 写法有误" in message and "截至{{ cutoff_text ，全县" in message
    assert not target.exists()


def test_a_user_template_is_used_and_values_are_escaped(tmp_path):
    template = word_template(tmp_path / "简短.docx", "{{ addressee }}：截至{{ cutoff_text }}{% for r in ranking %}"
                             "{{ r.town }}{% endfor %}", "{{ masthead }}<&>")
    result, target = summary(tmp_path, "通报.docx", "--template", str(template))
    assert result.exit_code == 0, result.output
    doc = Document(str(target))
    assert doc.paragraphs[0].text.startswith("各镇应急管理中心：截至1月25日下村镇大东沟镇")
    assert doc.paragraphs[1].text == "泽州县应急管理局文件<&>"


def test_a_file_that_is_not_word_is_refused_as_a_template(tmp_path):
    template = tmp_path / "假的.docx"
    template.write_bytes(b"not a zip")
    result, target = summary(tmp_path, "通报.docx", "--template", str(template))
    assert result.exit_code == 2 and "不是可用的 Word" in result.output and "Traceback" not in result.output
    assert not target.exists()


def test_a_text_template_cannot_make_a_word_file(tmp_path):
    template = tmp_path / "my.txt.j2"
    template.write_text("{{ addressee }}", encoding="utf-8")
    result, target = summary(tmp_path, "通报.docx", "--template", str(template))
    assert result.exit_code == 2 and "文字模板" in result.output and not target.exists()


def paragraphs_of(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def same_words(text: str) -> str:
    # The word joiners that hold a phone number on one line are layout, not words.
    return re.sub(r"\s+", "", text).replace("．", ".").replace("\u2060", "")


def test_reminders_as_word_one_per_overdue_town_matching_the_text(tmp_path):
    out = tmp_path / "催报"
    result = runner.invoke(app, ["deadlines", str(SAMPLE), *DAY, "--remind", str(out), "--format", "json"])
    assert result.exit_code == 1
    import json

    doc = json.loads(result.stdout)
    # A town that only sent something late owes nothing: no 催报 (巴公镇, 大阳镇, 高都镇 here).
    overdue = sorted({i["town"] for i in doc["items"] if i["overdue"] and i["status"] != "late"})
    assert sorted(p.name for p in out.glob("*.docx")) == sorted(f"催报_{t}.docx" for t in overdue)
    assert len(overdue) == 11
    for town in overdue:
        word = paragraphs_of(out / f"催报_{town}.docx")
        text = (out / f"催报_{town}.txt").read_text(encoding="utf-8-sig")
        # 信函格式: the authority's full name heads the first page (its header), no "…文件".
        doc = Document(str(out / f"催报_{town}.docx"))
        assert [p.text for p in doc.sections[0].first_page_header.paragraphs] == ["泽州县应急管理局", ""]
        assert [same_words(p) for p in word if same_words(p)] == [same_words(x) for x in text.splitlines()
                                                                  if same_words(x)]
        short = (out / f"催报_{town}_短信.txt").read_text(encoding="utf-8-sig").strip()
        assert len(short) <= 200 and town in short
        # Says when the letter went, as a clerk would write it (not "…日已发催报函").
        assert "已逾期。请立即报送，催报函已于2024年2月10日发出。联系电话：" in short, short


def test_remind_format_chooses_the_files(tmp_path):
    for choice, suffixes in (("docx", {".docx", "_短信.txt"}), ("txt", {".txt"})):
        out = tmp_path / choice
        result = runner.invoke(app, ["deadlines", str(SAMPLE), *DAY, "--remind", str(out), "--remind-format", choice])
        assert result.exit_code == 1, result.output
        assert {p.name.split(p.stem.split("_")[1])[1] for p in out.iterdir()} == suffixes
    result = runner.invoke(app, ["deadlines", str(SAMPLE), *DAY, "--remind", str(tmp_path / "x"), "--remind-format", "pdf"])
    assert result.exit_code == 2 and "docx、txt 或 both" in result.output


def test_a_misspelt_variable_in_a_word_reminder_template_is_named(tmp_path):
    template = word_template(tmp_path / "催报模板.docx", "{{ adressee }}：")
    result = runner.invoke(app, ["deadlines", str(SAMPLE), *DAY, "--remind", str(tmp_path / "o"),
                                 "--template", str(template)])
    assert result.exit_code == 2
    assert "变量 adressee 不存在" in " ".join(result.output.split())


def test_pdf_without_libreoffice_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which there is no soffice
    result, target = summary(tmp_path, "通报.pdf")
    assert result.exit_code == 2 and "没有安装 LibreOffice" in result.output and not target.exists()
    result, target = summary(tmp_path, "通报.docx", "--pdf")
    assert result.exit_code == 2 and not target.exists()


def test_the_shipped_templates_are_what_the_script_builds(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_word_templates.py"), str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("summary.docx", "summary_form.docx", "remind.docx"):
        with zipfile.ZipFile(tmp_path / name) as built, zipfile.ZipFile(ROOT / "templates" / name) as shipped:
            for part in ("word/document.xml", "word/styles.xml", "word/fontTable.xml", "word/footer1.xml"):
                assert built.read(part) == shipped.read(part), (name, part)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_through_libreoffice(tmp_path):
    result, target = summary(tmp_path, "通报.docx", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "通报.pdf"
    assert target.is_file() and pdf.read_bytes().startswith(b"%PDF")
    result, only = summary(tmp_path, "只要PDF.pdf")
    assert result.exit_code == 0, result.output
    assert only.read_bytes().startswith(b"%PDF") and not (tmp_path / "只要PDF.docx").exists()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        flat = re.sub(r"\s+", "", text)
        # The county's 累计 as the text bulletin of the same run says it (the figures are the merge's, not this test's).
        said = runner.invoke(app, ["summary", str(SAMPLE), *DAY]).output
        figure = re.search(r"排查一般隐患\d+项", said)
        assert figure is not None
        assert "泽州县应急管理局文件" in flat and figure.group(0) in flat and "—1—" in flat


def test_every_property_element_is_in_the_schemas_order(tmp_path):
    # Word refuses ("unreadable content") a document whose pPr/rPr/tblPr children are out of order.
    from lxml import etree

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_word_templates import ORDER
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    result, target = summary(tmp_path, "通报.docx", "--attachment", "附件一", "--attachment", "附件二")
    assert result.exit_code == 0, result.output
    checked = 0
    for path in (target, ROOT / "templates" / "summary.docx", ROOT / "templates" / "remind.docx"):
        with zipfile.ZipFile(path) as package:
            for part in (n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")):
                for element in etree.fromstring(package.read(part)).iter():
                    name = etree.QName(element).localname
                    if name in ORDER and element.getparent() is not None:
                        order = ORDER[name].split()
                        seen = [order.index(etree.QName(c).localname) for c in element]
                        assert seen == sorted(seen), (path.name, part, name)
                        checked += 1
    assert checked > 500
    paragraphs = [p.text for p in Document(str(target)).paragraphs]
    assert "附件：1．附件一" in paragraphs and "　　　2．附件二" in paragraphs


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_pdf_while_the_clerk_has_libreoffice_open(tmp_path, monkeypatch):
    # The clerk's own LibreOffice holds the default profile; the conversion must not hand its work to it.
    import time

    monkeypatch.setenv("HOME", str(tmp_path))
    running = subprocess.Popen(["soffice", "--headless", "--norestore", "--nologo"], env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = tmp_path / ".config" / "libreoffice" / "4" / ".lock"
    try:
        for _ in range(300):  # until it has made and locked its profile
            if lock.exists():
                break
            time.sleep(0.1)
        assert lock.exists()
        result, target = summary(tmp_path, "通报.pdf")
        assert result.exit_code == 0, result.output
        assert target.read_bytes().startswith(b"%PDF")
        assert running.poll() is None  # the clerk's LibreOffice was left alone
    finally:
        running.terminate()
        running.wait(timeout=30)


def test_words_from_a_return_that_xml_cannot_hold_still_make_a_document(tmp_path):
    # A town typed a vertical tab and markup into its hazard detail: the tab becomes a space, the markup is printed
    # as typed (docxtpl's recovering parser would otherwise drop the escaped < > & along with the tab).
    from datetime import date

    from bairi.core.campaign import default_campaign
    from bairi.deadlines.schedule import assess
    from bairi.merge.consolidate import consolidate
    from bairi.present.bulletin import bulletin_context
    from bairi.present.word import summary_docx
    from bairi.state.standing import load_state

    campaign = default_campaign()
    state = load_state([SAMPLE], campaign, date(2024, 2, 10), use_ledger=False)
    context = bulletin_context(consolidate(state, "2024-01"), assess(state), campaign)
    context["hazard_rows"][0]["detail"] = "除尘\x0b系统 <b>&amp; 整改"
    target = tmp_path / "通报.docx"
    target.write_bytes(summary_docx(context))
    hazards = Document(str(target)).tables[2]
    assert hazards.rows[1].cells[4].text == "除尘 系统 <b>&amp; 整改"
