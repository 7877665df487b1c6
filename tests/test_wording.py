"""What towns read has no program words: the catalogue's town texts, and every town-facing output (reply drafts,
reminders as text and Word, the bulletin as text and Word) built from a campaign with many kinds of finding.
And what towns and the county read keeps its numbers against the Chinese (tests/typography.py): those outputs, the
whole catalogue, the county workbook, the hazard register, the board, the day's list and the blank form."""

from __future__ import annotations

import json
import re
import string
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.findings import CATALOGUE, finding
from bairi.present.reminders import reminder_title
from bairi.present.wording import cell_words
from build import CUMULATIVE, HAZARDS, PERIOD, check, put, write_return
from typography import page_text, spaced_numbers, workbook_texts

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


@pytest.fixture(scope="module")
def town_texts(tmp_path_factory) -> dict[str, str]:
    """Every text a town reads, by file name, from a campaign with many kinds of finding: reply drafts, reminders
    (text, Word, mail, short message) and the bulletin (text and Word)."""
    tmp_path = tmp_path_factory.mktemp("town")
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
    return texts


def test_nothing_a_town_reads_has_a_program_word(town_texts):
    found = {name: words for name, text in town_texts.items() if (words := program_words(text))}
    assert found == {}


def test_the_typography_scan_catches_what_it_is_for():
    for bad in ("本期排查企业 46 家", "逾期 26 天", "截至 2023-12-31，", "（共 3 处）", "总数的 50% 以上", "为负数 -1",
                "按 2023-12-24 读取", "按“元”折合 0.5 万元", "累计行“一般隐患已整改” 55 大于“一般隐患排查” 52"):
        assert spaced_numbers(bad), bad
    # Not running text: cell references, file names and paths, e-mail addresses, command lines; nor Latin words.
    for good in ("错误1处，如 Sheet1!C7 “排查企业”为小数7.5", "如 报表!F10 “一般隐患排查”", "高都镇12月!D8 累计",
                 "附件 巴公镇12月份报表2023.xlsx 已收到", "见 /收件箱/2023-12 中的文件", "邮箱：zzyjyzg@163.com 联系",
                 "bairi deadlines 收件箱 --as-of 2024-01-26 --remind 催报", "（2023-12-27 10:05，截至2023-12-26）",
                 "请在 Excel/WPS 中另存"):
        assert spaced_numbers(good) == [], good


# What a placeholder holds when it is not a number: a file, a path, a cell, an address, a code, a Latin word.
NOT_NUMBERS = {"path": "/收件箱/.old", "name": "巴公镇12月报表.xlsx", "newer": "巴公镇12月报表.xlsx",
               "file": "巴公镇12月报表.xlsx", "member": "巴公镇.xlsx", "cell": "Sheet1!C8", "prev_cell": "Sheet1!C8",
               "fmt": ".et", "ext": ".xls", "real": "xlsx", "names": "“Macro1”", "sender": "town@163.com",
               "emails": "town@163.com", "warning": "W507", "id": "巴公镇2312-01"}
# A logical or an error value (TRUE, #REF!) is a Latin word, spaced as one; elsewhere a raw cell may be a number.
LATIN_RAW = {"E415", "E416", "W215"}


def test_every_catalogue_text_keeps_its_numbers_against_the_chinese():
    # Every placeholder holds a number unless it is known not to: a new one is held to the rule from the start.
    for code, entry in CATALOGUE.items():
        for template in (entry.template, entry.hint, entry.town_template, entry.town_hint or ""):
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            fields = {name: NOT_NUMBERS.get(name, "12") for name in names}
            if code in LATIN_RAW and "raw" in fields:
                fields["raw"] = "#REF!"
            text = template.format(**fields)
            assert spaced_numbers(text) == [], (code, text)


def test_nothing_a_town_reads_spaces_a_number_from_the_chinese(town_texts):
    found = {name: hits for name, text in town_texts.items() if (hits := spaced_numbers(text))}
    assert found == {}


def test_the_countys_documents_keep_numbers_against_the_chinese(tmp_path):
    """The county workbook (its 问题清单 and notes), the hazard register, the board, the day's list, the blank form."""
    sample = Path(__file__).parent.parent / "sample_data"
    ledger = ["--ledger", str(tmp_path / "ledger.sqlite")]
    county, register, board, form = (tmp_path / n for n in ("county.xlsx", "台账.xlsx", "看板.html", "报告表.xlsx"))
    runs = [["merge", str(sample), "--period", "2024-01", "--as-of", "2024-01-26", "-o", str(county), *ledger],
            ["hazards", str(sample), "--as-of", "2024-01-31", "-o", str(register), *ledger],
            ["board", str(sample), "--as-of", "2024-01-26", "-o", str(board), *ledger],
            ["template", "-o", str(form)]]
    for args in runs:
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), (args, result.output)
    status = runner.invoke(app, ["status", str(sample), "--as-of", "2023-12-27", "--format", "json", *ledger])
    assert status.exit_code in (0, 1), status.output

    texts = {**workbook_texts(county), **{f"台账 {k}": v for k, v in workbook_texts(register).items()},
             **{f"报告表 {k}": v for k, v in workbook_texts(form).items()},
             "看板": page_text(board.read_text(encoding="utf-8")),
             **{f"待办{n}": item["text"] for n, item in enumerate(json.loads(status.stdout)["todo"])}}
    # The scan has something to bite on: the 问题清单, the register's note, the board's days, the day's list.
    assert "“排查企业”为小数7.5，应为整数" in "".join(texts.values())
    assert any(k.startswith("台账 ") and v.startswith("截至2024-01-31：共") for k, v in texts.items())
    assert "逾期26天" in texts["看板"] and "余11天" in texts["看板"]
    assert any("退回重报，逾期2天" in v for k, v in texts.items() if k.startswith("待办"))
    assert any(k.startswith("报告表 ") and "不小于0的整数" in v for k, v in texts.items())
    found = {where: hits for where, text in texts.items() if (hits := spaced_numbers(text))}
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
