"""What towns read has no program words: the catalogue's town texts, and every town-facing output (reply drafts,
reminders as text and Word, the bulletin as text and Word) built from a campaign with many kinds of finding."""

from __future__ import annotations

import re
import string
from email import message_from_bytes, policy
from pathlib import Path

from docx import Document
from openpyxl import Workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.findings import CATALOGUE, finding
from bairi.present.reminders import reminder_title
from bairi.present.wording import cell_words
from build import CUMULATIVE, HAZARDS, PERIOD, check, put, write_return

runner = CliRunner()

FORBIDDEN = [r"Sheet\d*!", r"![A-Z]+\$?\d", r"\.xlsx?\b", r"\.xls", r"\.jpe?g", r"\.docx?\b", r"\.eml\b", r"\.txt\b",
             r"\.ods\b", r"bairi", r"--", r"toml", r"json", r"SHA", r"Date 头", r"/tmp/", r"\\"]
# Product names a town's clerk uses herself, and the contacts' e-mail addresses (removed before the scan).
ALLOWED_WORDS = {"Excel", "WPS"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def program_words(text: str) -> list[str]:
    """The program words in a text a town reads: forbidden patterns and English words."""
    text = EMAIL.sub("", text)
    found = [p for p in FORBIDDEN if re.search(p, text)]
    return found + sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS)


def filled(template: str) -> str:
    """A catalogue template with every field filled in Chinese."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{name: "某" for name in names})


def test_the_scan_catches_what_it_is_for():
    for bad in ("见 Sheet1!E7", "报表!F10 有误", "南岭镇工作报告表.xlsx", "照片.jpg", "bairi template 可生成",
                "请在 bairi.toml 中增加", "--format json", "邮件没有 Date 头", "SHA-256 一致", "请 check 一下"):
        assert program_words(bad), bad
    assert program_words("第7行“一般隐患·排查”栏（E7）：请在 Excel/WPS 中修改。邮箱：zzyjyzg@163.com") == []


def test_every_code_a_town_may_read_has_town_words():
    # D7xx/H8xx, and the merge's note about the county sum (I651), are written for the clerk alone.
    assert {code for code, e in CATALOGUE.items() if e.clerk_only} == {c for c in CATALOGUE if c[0] in "DH"} | {"I651"}
    for code, entry in CATALOGUE.items():
        if entry.clerk_only:
            continue
        message = filled(entry.town_template or entry.template)
        hint = filled(entry.hint if entry.town_hint is None else entry.town_hint)
        assert program_words(message) == [] and program_words(hint) == [], (code, message, hint)


def test_the_clerk_is_told_of_the_configuration_and_the_town_is_not():
    found = finding("E302", "Sheet1!B3", unit="某县应急管理局", unit_label="填报单位")
    assert "行动配置 bairi.toml" in found.hint
    assert found.town_hint == "请在“填报单位”处填写本单位全称，如“某某镇应急管理中心”。"
    assert found.town_message == "填报单位“某县应急管理局”与本次行动的报送单位名称不符"
    # The JSON stays the clerk's: the town's texts are not in it.
    assert set(found.as_dict()) == {"code", "severity", "location", "message", "hint"}


def test_a_cell_is_said_as_a_person_would(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月份报表.xlsx", edit=put(H7=-1)))
    [negative] = [f for f in ret.findings if f.code == "E407"]
    assert negative.location == "Sheet1!H7"
    assert cell_words(negative.location, ret) == "第7行“责令限期整改企业”栏（H7）"
    assert cell_words("报表!E8", ret) == "第8行“一般隐患·已整改”栏（E8）"
    assert cell_words("Sheet1!Z30", ret) == "第30行（Z30）"
    assert cell_words("/收件箱/巴公镇12月份报表.xlsx", ret) == ""
    assert cell_words(ret.locations["unit"], ret).endswith("“填报单位”栏（" + ret.locations["unit"].split("!")[1] + "）")


def test_a_reminders_title_is_a_bureaus_letter():
    assert reminder_title("巴公镇", ["2023年12月报表"]) == "关于督促巴公镇报送2023年12月报表的函"
    assert reminder_title("巴公镇", ["行动方案", "工作总结"]) == "关于督促巴公镇报送行动方案和工作总结的函"
    assert reminder_title("巴公镇", ["行动方案", "2023年11月报表", "工作总结"]) == "关于督促巴公镇报送行动方案等3项材料的函"


def many_findings(folder: Path) -> Path:
    """Returns with errors and warnings of many kinds, and files that are no return at all."""
    write_return(folder / "巴公镇12月份报表.xlsx", cumulative={**CUMULATIVE, "general_found": 1},
                 edit=put(H7=-1, J7=1.5, K7="约10", L7="=1+1", M7=True, N7="若干"))
    write_return(folder / "下村镇12月份报表.xlsx", unit="某某建材公司",
                 hazards=[{**HAZARDS[0], "town": "高都镇", "category": "其他", "supervisor": ""}])
    write_return(folder / "大东沟镇12月份报表.xlsx", unit="大东沟镇应急管理中心", filler="", filled_on="某天",
                 period={**PERIOD, "enterprises": 1, "fines": 50000}, cumulative={**CUMULATIVE, "fines": 50003},
                 edit=put(B7=-2))  # an error too: a return is sent back with its warnings
    write_return(folder / "南村镇12月份报表.xlsx", unit="南村镇应急管理中心",
                 period={key: None for key in PERIOD}, cumulative={key: None for key in CUMULATIVE})
    # One that counts, with a major hazard past its day: the bulletin has figures and a hazard to name.
    write_return(folder / "高都镇12月份报表.xlsx", unit="高都镇应急管理中心", period={**PERIOD, "enterprises": 20},
                 hazards=[{**h, "town": "高都镇"} for h in HAZARDS])
    book = Workbook()
    book.active["A1"] = "周村镇十二月工作情况"
    book.save(folder / "周村镇12月份报表.xlsx")
    (folder / "犁川镇12月份报表.xlsx").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64)
    (folder / "晋庙铺镇12月份报表.xlsx").write_bytes(b"PK\x03\x04" + b"broken" * 20)
    (folder / "金村镇12月份报表.xlsx").write_bytes(b"")
    return folder


def docx_text(path: Path) -> str:
    """Every paragraph and table cell of a Word document."""
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def mail_text(path: Path) -> str:
    """A draft's subject and body."""
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    return f"{msg['Subject']}\n{msg.get_body(('plain',)).get_content()}"


def test_nothing_a_town_reads_has_a_program_word(tmp_path):
    inbox = many_findings(tmp_path / "收件箱")
    codes = set()
    for path in sorted(inbox.iterdir()):
        codes |= {f.code for f in check(path).findings}
    assert {"E407", "E408", "E420", "E410", "E415", "E501", "E502", "E302", "W504", "W505", "W506", "W306", "W310",
            "W507", "W509", "E205", "E201", "F102", "F106"} <= codes
    assert codes & {"F103", "F108"}

    texts: dict[str, str] = {}
    replies = tmp_path / "退回"
    result = runner.invoke(app, ["check", str(inbox), "--reply", str(replies)])
    assert result.exit_code in (1, 2), result.output
    for path in sorted(replies.glob("*.eml")):
        texts[path.name] = mail_text(path)
    assert len(texts) == 8

    reminders = tmp_path / "催报"
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-02-11", "--no-ledger",
                                 "--remind", str(reminders), "--remind-format", "both"])
    assert result.exit_code == 1, result.output
    for path in sorted(reminders.iterdir()):
        texts[path.name] = {".txt": lambda p: p.read_text(encoding="utf-8-sig"), ".docx": docx_text,
                            ".eml": mail_text}[path.suffix](path)
    assert len([n for n in texts if n.startswith("催报_")]) >= 2 * 16
    # The sent-back return's cells are in the town's words.
    assert "（1）第7行“责令限期整改企业”栏（H7）：" in texts["催报_巴公镇.txt"]

    for name in ("通报.txt", "通报.docx"):
        out = tmp_path / name
        result = runner.invoke(app, ["summary", str(inbox), "--as-of", "2024-02-11", "--period", "2023-12",
                                     "--no-ledger", "-o", str(out)])
        assert result.exit_code == 0, result.output
        texts[name] = out.read_text(encoding="utf-8-sig") if name.endswith(".txt") else docx_text(out)
    # The bulletin names no cell at all, not even in the town's words.
    assert not re.search(r"第\d+行", texts["通报.txt"] + texts["通报.docx"])

    found = {name: words for name, text in texts.items() if (words := program_words(text))}
    assert found == {}


def test_a_reminder_for_missing_materials_names_the_month_and_the_materials(tmp_path):
    sample = Path(__file__).parent.parent / "sample_data" / "mail"
    result = runner.invoke(app, ["deadlines", str(sample), "--as-of", "2024-02-10", "--no-ledger",
                                 "--remind", str(tmp_path), "--remind-format", "txt"])
    assert result.exit_code == 1
    text = (tmp_path / "催报_大东沟镇.txt").read_text(encoding="utf-8-sig")
    assert text.startswith("关于督促大东沟镇报送2023年12月三清单的函\n")
    assert "请于收到本函后立即报送2023年12月三清单；" in text
    text = (tmp_path / "催报_犁川镇.txt").read_text(encoding="utf-8-sig")
    assert text.startswith("关于督促犁川镇报送2023年11月阶段性进展和三清单等3项材料的函\n")
    assert ("请于收到本函后立即报送2023年11月阶段性进展和三清单、2023年12月阶段性进展和三清单、"
            "2024年1月阶段性进展和三清单；") in text


def test_hints_speak_to_the_town_that_must_act():
    from bairi.core.findings import CATALOGUE

    # A town fixes its file and sends it again; options of the clerk's command line are no advice to it
    # (D codes are the clerk's own notes about the inbox, and may name them).
    assert [code for code, entry in CATALOGUE.items() if "--" in entry.hint and not code.startswith("D")] == []
    assert CATALOGUE["E309"].hint.format(date_label="填表日期") == "请在标题中写明报告月份（如“（2023年12月）”）并填写填表日期后重新发送。"
