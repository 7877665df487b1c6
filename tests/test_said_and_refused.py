"""Commands say what they wrote and where, and refuse what they cannot write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.core.form import NOTICE
from bairi.core.values import plain
from build import CUMULATIVE, PERIOD, put, write_return
from build_mail import message, write_eml

runner = CliRunner()
SAMPLE = Path(__file__).parent.parent / "sample_data"
TOWNS = [u.name for u in default_campaign().units]


def inbox(folder: Path) -> Path:
    """巴公镇 and 高都镇 counted, 下村镇 sent back (a negative figure), the rest silent; mailed on 20 December."""
    for town, edit in (("巴公镇", None), ("高都镇", None), ("下村镇", put(H7=-1))):
        book = write_return(folder.parent / "x" / f"{town}12月份报表.xlsx", unit=f"{town}应急管理中心", edit=edit,
                            hazards=[])
        write_eml(folder / f"{town}.eml", message([(book.name, book.read_bytes())],
                                                  date="Wed, 20 Dec 2023 09:00:00 +0800"))
    return folder


@pytest.mark.parametrize("name", ["通报.xlsx", "通报.doc", "通报", "通报.TXT.bak"])
def test_summary_refuses_a_file_it_cannot_write(tmp_path, name):
    target = tmp_path / name
    result = runner.invoke(app, ["summary", str(inbox(tmp_path / "in")), "--as-of", "2023-12-31", "--no-ledger",
                                 "-o", str(target)])
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert f"通报只能写成 .txt（文字）、.docx（公文格式 Word）或 .pdf，不能写成 {target.suffix or '无扩展名的文件'}" in words
    assert "Traceback" not in result.output and not target.exists()


def test_summary_in_upper_case_is_still_text(tmp_path):
    target = tmp_path / "通报.TXT"
    result = runner.invoke(app, ["summary", str(inbox(tmp_path / "in")), "--as-of", "2023-12-31", "--no-ledger",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8-sig").startswith("关于")


def test_seal_says_what_it_sealed(tmp_path):
    out = tmp_path / "泽州县_2023-12.xlsx"
    result = runner.invoke(app, ["seal", "2023-12", str(inbox(tmp_path / "in")), "-o", str(out), "--as-of", "2023-12-31"],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output  # a return was sent back
    lines = result.output.splitlines()
    at = next(n for n, x in enumerate(lines) if x.startswith("已封存 2023-12："))
    assert lines[at].endswith(f"请将 {out} 报送市局。")
    silent = [t for t in TOWNS if t not in ("巴公镇", "高都镇", "下村镇")]
    assert lines[at + 1:at + 4] == ["封存的汇总表不完整：16 个单位中 2 个的报表计入汇总",
                                    "  退回（1 个，数字未计入）：下村镇",
                                    f"  未报（{len(silent)} 个，数字未计入）：{'、'.join(silent)}"]

    def total(values: dict) -> str:
        return "，".join(f"{NOTICE.by_key[k].short} {plain(Decimal(str(values[k])) * 2)}"
                        f"{'万元' if NOTICE.by_key[k].unit == '万' else NOTICE.by_key[k].unit}" for k in NOTICE.keys)

    assert lines[at + 4:at + 6] == [f"合计（本期）：{total(PERIOD)}", f"合计（累计）：{total(CUMULATIVE)}"]
    assert out.exists()


def test_reminders_say_what_each_file_is(tmp_path):
    result = runner.invoke(app, ["deadlines", str(inbox(tmp_path / "in")), "--as-of", date(2023, 12, 31).isoformat(),
                                 "--no-ledger", "--remind", str(tmp_path / "催报")], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    listed = [x.strip() for x in result.output.splitlines() if x.strip().startswith("催报（")]
    written = sorted((tmp_path / "催报").iterdir())
    # Every town owes its 行动方案 by then: a Word 催报, its text, and the short text for a work group or SMS each.
    assert len(written) == 3 * 16
    kinds = {".docx": "催报（Word 公文）", ".txt": "催报（全文文字）", "短信": "催报（短信文字，200 字以内，可发工作群）"}
    assert sorted(listed) == sorted(f"{kinds['短信' if p.name.endswith('_短信.txt') else p.suffix]}：{p}" for p in written)


def test_template_and_init_say_what_they_wrote(tmp_path):
    result = runner.invoke(app, ["template", "-o", str(tmp_path / "表.xlsx")], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and f"已生成空白报告表模板 {tmp_path / '表.xlsx'}" in result.output
    result = runner.invoke(app, ["init", "-o", str(tmp_path / "bairi.toml")], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and f"已写出行动配置 {tmp_path / 'bairi.toml'}" in result.output


@pytest.mark.parametrize("args, name", [
    (["merge", str(SAMPLE / "2023-12"), "--no-ledger"], "县.xlsx"),
    (["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "通报.txt"),
    (["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "通报.docx"),
    (["hazards", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "台账.xlsx"),
    (["template"], "模板.xlsx"),
    (["init"], "bairi.toml"),
])
def test_an_output_into_a_folder_that_does_not_exist_is_refused_not_made(tmp_path, args, name):
    target = tmp_path / "没有这个文件夹" / name
    result = runner.invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == 2, result.output
    said = "".join(result.output.split())  # the console wraps long lines
    assert f"文件夹“{target.parent}”不存在：请先建好它，或检查输出路径是否写错" in said
    assert "Traceback" not in result.output
    assert not target.parent.exists()


def test_a_folder_of_reminders_is_made_as_the_option_means(tmp_path):
    folder = tmp_path / "新建" / "催报"
    result = runner.invoke(app, ["deadlines", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger",
                                 "--remind", str(folder), "--remind-format", "txt"])
    assert result.exit_code == 1
    assert len(list(folder.glob("*.txt"))) == 11
