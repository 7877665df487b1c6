"""Small things the clerk hits: a mistyped output folder, zip attachments to check, a month only inferred,
more enterprises inspected than the town has, findings that point at the cell to fill."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app

runner = CliRunner()
SAMPLE = Path(__file__).parent.parent / "sample_data"


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



def test_check_opens_a_zip_as_merge_does(tmp_path):
    import json
    import zipfile

    from build import put, write_return

    book = write_return(tmp_path / "b" / "周村镇12月报表.xlsx", unit="周村镇应急管理中心", edit=put(H7=-1))
    packed = tmp_path / "in" / "周村镇报送材料.zip"
    packed.parent.mkdir()
    with zipfile.ZipFile(packed, "w") as z:
        z.write(book, "12月/周村镇12月报表.xlsx")
        z.writestr("周村镇行动方案.docx", b"plan")
    for target in (packed, packed.parent):  # named, or found in a folder
        result = runner.invoke(app, ["check", str(target), "--format", "json"])
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        assert (doc["file"], doc["town"], doc["period"]) == (f"{packed}/12月/周村镇12月报表.xlsx", "周村镇", "2023-12")
        assert [(f["code"], f["location"]) for f in doc["findings"] if f["severity"] == "error"] == [("E407", "Sheet1!H7")]
    empty = tmp_path / "只有方案.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("周村镇行动方案.docx", b"plan")
    result = runner.invoke(app, ["check", str(empty), "--format", "json"])
    # A zip holding only the plan is the plan, as the state counts it: no return in it, nothing to send back.
    assert (result.exit_code, json.loads(result.stdout), result.stderr) == (2, [], "")


def test_a_month_taken_only_from_the_fill_date_is_said_to_be_inferred(tmp_path):
    from datetime import date

    from build import check, write_return

    ret = check(write_return(tmp_path / "巴公镇工作报告表.xlsx", filled_on=date(2023, 12, 1)))
    assert (ret.period, ret.period_source) == ("2023-12", "填表日期 2023-12-01")
    [w] = [f for f in ret.findings if f.code == "W314"]
    assert (w.severity.value, w.cell) == ("warning", "Sheet1!C4")
    assert w.message == "文件名和标题中没有月份，报告期按填表日期 2023-12-01 推定为 2023-12"
    assert w.hint == "请在标题或文件名中写明报告月份（如“12月份”）；如这是2023年11月的报表，请改正后重新发送。"
    # The month in the name: nothing is inferred.
    named = check(write_return(tmp_path / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 1)))
    assert [f.code for f in named.findings if f.code == "W314"] == []


def test_more_enterprises_inspected_than_the_town_has_is_a_warning(tmp_path):
    from build import CUMULATIVE, PERIOD, check, codes, write_return

    # 巴公镇 has 45 enterprises (the notice's campaign); its 累计 of 50 counts repeat visits and is no finding.
    assert CUMULATIVE["enterprises"] == 50
    ret = check(write_return(tmp_path / "巴公镇12月报表.xlsx", period={**PERIOD, "enterprises": 46}))
    [w] = [f for f in ret.findings if f.code == "W511"]
    assert (w.severity.value, w.cell, w.message) == ("warning", "Sheet1!C7", "本期排查企业 46 家，多于辖区企业 45 家")
    at_most = check(write_return(tmp_path / "巴公镇12月.xlsx", period={**PERIOD, "enterprises": 45}))
    assert codes(at_most) == []


def test_hints_speak_to_the_town_that_must_act():
    from bairi.core.findings import CATALOGUE

    # A town fixes its file and sends it again; options of the clerk's command line are no advice to it
    # (D codes are the clerk's own notes about the inbox, and may name them).
    assert [code for code, entry in CATALOGUE.items() if "--" in entry.hint and not code.startswith("D")] == []
    assert CATALOGUE["E309"].hint == "请在标题中写明报告月份（如“（2023年12月）”）并填写填表日期后重新发送。"


def test_the_progress_bar_shows_only_on_a_terminal_and_for_many_files():
    import io

    from rich.console import Console

    from bairi.present.console import ProgressBar

    with ProgressBar(Console(file=io.StringIO(), force_terminal=False), True) as advance:
        assert advance is None  # redirected to a file: no bar, no callback
    with ProgressBar(None, True) as advance:
        assert advance is None
    shown = io.StringIO()
    terminal = Console(file=shown, force_terminal=True, width=80)
    with ProgressBar(terminal, True) as advance:
        assert advance is not None
        advance(10, 29)
        assert shown.getvalue() == ""  # a few files read in a blink
    with ProgressBar(terminal, True) as advance:
        assert advance is not None
        advance(20, 40)
        assert "读取报表" in shown.getvalue()
