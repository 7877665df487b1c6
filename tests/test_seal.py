"""bairi seal: what was sent up stays sent; a later correction is said figure by figure, never silently merged."""

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from build import CUMULATIVE, PERIOD, write_return
from typography import spaced_numbers, workbook_texts

runner = CliRunner()


def town_return(folder: Path, town: str, day: int, name: str | None = None, **kw) -> Path:
    """A town's December return, received (file time) on December `day`."""
    path = write_return(folder / (name or f"{town}12月份百日攻坚报表.xlsx"), unit=f"{town}应急管理中心", **kw)
    stamp = datetime(2023, 12, day, 10, 0, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def json_of(result) -> dict:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture
def sealed(tmp_path):
    """Two towns' December returns, merged and sealed as of 12-26; the seal's JSON and the sealed workbook."""
    inbox = tmp_path / "收件箱"
    town_return(inbox, "巴公镇", 22)
    town_return(inbox, "南村镇", 24, period=dict(PERIOD, fines=0.25), cumulative=dict(CUMULATIVE, fines=4))
    out = tmp_path / "报送" / "泽州县_2023-12.xlsx"
    out.parent.mkdir()  # -o writes into a folder that exists, never makes one
    result = run("seal", "2023-12", inbox, "-o", out, "--as-of", "2023-12-26", "--by", "任晋爽", "--format", "json")
    assert result.exit_code == 0, result.output
    return inbox, out, json.loads(result.stdout)


def test_seal_freezes_workbook_inputs_totals_and_figures(sealed):
    inbox, out, doc = sealed
    assert (doc["period"], doc["round"], doc["corrects"], doc["new"], doc["by"], doc["as_of"]) == (
        "2023-12", 1, None, True, "任晋爽", "2023-12-26")
    assert doc["workbook"] == str(out.resolve()) and doc["workbook_sha256"] == sha(out)
    assert doc["workbook_state"] == "未改动" and doc["intact"] is True
    assert doc["totals"]["period_row"]["enterprises"] == 50
    assert doc["totals"]["period_row"]["fines"] == 1.75
    assert doc["totals"]["cumulative_row"]["fines"] == 7.25
    assert [(i["town"], i["name"], i["use"], i["sha256"]) for i in doc["inputs"]] == [
        ("南村镇", "南村镇12月份百日攻坚报表.xlsx", "counted", sha(inbox / "南村镇12月份百日攻坚报表.xlsx")),
        ("巴公镇", "巴公镇12月份百日攻坚报表.xlsx", "counted", sha(inbox / "巴公镇12月份百日攻坚报表.xlsx"))]
    assert [i["received"][:10] for i in doc["inputs"]] == ["2023-12-24", "2023-12-22"]
    assert doc["figures"] == 2 * 2 * 13  # two towns × two rows × thirteen columns, each with its cell
    towns = {t["town"]: t["status"] for t in doc["towns"]}
    assert (towns["巴公镇"], towns["下村镇"], len(towns)) == ("incomplete", "missing", 16)  # no 三清单 came with it
    assert doc["corrections"] == []
    # The workbook sent up is the county's return for the period, and is left read-only.
    assert load_workbook(out)["报告表"]["C7"].value == 50
    assert not os.access(out, os.W_OK) or os.geteuid() == 0


def test_a_correction_after_the_seal_is_listed_exactly_and_the_sealed_workbook_stays(sealed, tmp_path):
    inbox, out, seal = sealed
    before = out.read_bytes()
    town_return(inbox, "巴公镇", 27, name="巴公镇12月份百日攻坚报表（更正）.xlsx",
                period=dict(PERIOD, enterprises=27, fines=2), cumulative=dict(CUMULATIVE, enterprises=52, fines=3.75))
    again = run("merge", inbox, "-o", out, "--as-of", "2023-12-28")
    assert again.exit_code == 2
    assert "第 1 次封存上报的汇总表，不能覆盖" in again.output
    assert out.read_bytes() == before

    corrected = tmp_path / "报送" / "泽州县_2023-12_更正.xlsx"
    doc = json_of(run("merge", inbox, "-o", corrected, "--as-of", "2023-12-28", "--format", "json"))
    new_file = str(inbox / "巴公镇12月份百日攻坚报表（更正）.xlsx")
    assert doc["corrections"] == [
        {"town": "巴公镇", "row": "period", "key": "enterprises", "old": 25, "new": 27, "file": new_file, "cell": "Sheet1!C7"},
        {"town": "巴公镇", "row": "period", "key": "fines", "old": 1.5, "new": 2, "file": new_file, "cell": "Sheet1!I7"},
        {"town": "巴公镇", "row": "cumulative", "key": "enterprises", "old": 50, "new": 52, "file": new_file,
         "cell": "Sheet1!C8"},
        {"town": "巴公镇", "row": "cumulative", "key": "fines", "old": 3.25, "new": 3.75, "file": new_file,
         "cell": "Sheet1!I8"},
    ]
    assert doc["sealed"]["at"] == seal["at"] and doc["sealed"]["round"] == 1
    assert doc["sealed"]["totals"] == seal["totals"]
    assert doc["sealed"]["workbook_state"] == "未改动"
    assert doc["totals"]["period_row"]["enterprises"] == 52
    assert out.read_bytes() == before and sha(out) == seal["workbook_sha256"]

    book = load_workbook(corrected)
    assert book.sheetnames[:2] == ["报告表", "更正说明"]
    assert "本表为更正表" in book["报告表"]["A9"].value and "共4处" in book["报告表"]["A9"].value
    rows = [[c.value for c in row] for row in book["更正说明"].iter_rows(min_row=3, max_row=6)]
    assert rows == [
        [1, "巴公镇", "本期", "排查企业", "Sheet1!C7", 25, 27, "巴公镇12月份百日攻坚报表（更正）.xlsx"],
        [2, "巴公镇", "本期", "行政罚款", "Sheet1!I7", 1.5, 2, "巴公镇12月份百日攻坚报表（更正）.xlsx"],
        [3, "巴公镇", "累计", "排查企业", "Sheet1!C8", 50, 52, "巴公镇12月份百日攻坚报表（更正）.xlsx"],
        [4, "巴公镇", "累计", "行政罚款", "Sheet1!I8", 3.25, 3.75, "巴公镇12月份百日攻坚报表（更正）.xlsx"],
    ]
    text = Path(doc["corrections_text"]).read_bytes().decode("utf-8-sig")
    assert "1. 巴公镇 本期·排查企业（Sheet1!C7）：25 → 27（巴公镇12月份百日攻坚报表（更正）.xlsx）\r\n" in text
    assert ("全县合计随之变化：\r\n1. 本期·排查企业：50 → 52\r\n2. 本期·行政罚款：1.75 → 2.25\r\n"
            "3. 累计·排查企业：100 → 102\r\n4. 累计·行政罚款：7.25 → 7.75\r\n") in text
    assert f"汇总表 SHA-256：{seal['workbook_sha256']}" in text
    assert "现更正如下（共4处）：" in text
    # What goes to the city is a 公文's Chinese: the seal, its day and its counts sit against the words.
    note = next(v for v in workbook_texts(corrected).values() if v.startswith("更正对象："))
    assert note.startswith("更正对象：第1次封存（") and "，截至2023-12-26，封存人 任晋爽）上报的报表" in note
    assert spaced_numbers(text) == []
    assert {k: hits for k, v in workbook_texts(corrected).items() if (hits := spaced_numbers(v))} == {}

    shown = run("merge", inbox, "-o", tmp_path / "看看.xlsx", "--as-of", "2023-12-28")
    assert "本期已封存上报：第1次封存" in shown.output
    assert "更正 巴公镇 累计·排查企业（Sheet1!C8）：50 → 52" in shown.output


def test_a_second_seal_names_the_first_and_an_unchanged_period_is_not_sealed_again(sealed, tmp_path):
    inbox, out, first = sealed
    town_return(inbox, "巴公镇", 27, name="巴公镇12月份百日攻坚报表（更正）.xlsx", period=dict(PERIOD, teams=3))
    second_out = tmp_path / "报送" / "泽州县_2023-12_第2次.xlsx"
    second = json_of(run("seal", "2023-12", inbox, "-o", second_out, "--as-of", "2023-12-28", "--format", "json"))
    assert (second["round"], second["corrects"], second["new"]) == (2, first["id"], True)
    assert [(c["town"], c["row"], c["key"], c["old"], c["new"]) for c in second["corrections"]] == [
        ("巴公镇", "period", "teams", 2, 3)]
    assert load_workbook(second_out).sheetnames[1] == "更正说明"
    assert sha(out) == first["workbook_sha256"]  # round 1's workbook is left as it was sent
    assert (second_out.parent / "泽州县_2023-12_第2次_更正说明.txt").is_file()

    # Merged again, the period is compared with the latest seal: nothing has changed since round 2.
    doc = json_of(run("merge", inbox, "-o", tmp_path / "again.xlsx", "--as-of", "2023-12-28", "--format", "json"))
    assert doc["sealed"]["round"] == 2 and doc["corrections"] == [] and doc["corrections_text"] is None
    assert "更正说明" not in load_workbook(tmp_path / "again.xlsx").sheetnames

    same = run("seal", "2023-12", inbox, "-o", tmp_path / "third.xlsx", "--as-of", "2023-12-28", "--format", "json")
    assert same.exit_code == 0
    assert (json.loads(same.stdout)["new"], json.loads(same.stdout)["round"]) == (False, 2)
    assert not (tmp_path / "third.xlsx").exists()

    listed = json_of(run("seal", "--list", inbox, "--format", "json"))
    assert [(s["period"], s["round"], s["corrects"], s["workbook_state"]) for s in listed["seals"]] == [
        ("2023-12", 1, None, "未改动"), ("2023-12", 2, first["id"], "未改动")]
    assert listed["ledger"] == str(inbox / ".bairi-ledger.sqlite")
    assert json_of(run("seal", "--list", "2024-01", inbox, "--format", "json"))["seals"] == []
    table = run("seal", "--list", inbox)
    assert table.exit_code == 0 and "任晋爽" in table.output  # round 1 by --by
    assert [s["by"] for s in listed["seals"]] == ["任晋爽", "申晋钢"]  # round 2 by the config's filler


def test_a_seal_cannot_be_changed_and_an_edit_outside_bairi_is_told(sealed):
    inbox, out, _ = sealed
    ledger = inbox / ".bairi-ledger.sqlite"
    db = sqlite3.connect(ledger, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="a seal cannot be changed"):
        db.execute("UPDATE seals SET sealed_by = '别人'")
    with pytest.raises(sqlite3.IntegrityError, match="a seal cannot be removed"):
        db.execute("DELETE FROM seals")
    db.execute("DROP TRIGGER seals_never_change")
    db.execute("UPDATE seals SET content = replace(content, '\"25\"', '\"26\"')")
    db.close()
    os.chmod(out, 0o644)
    out.write_bytes(out.read_bytes() + b"\0")
    listed = json_of(run("seal", "--list", inbox, "--format", "json"))
    assert [(s["intact"], s["workbook_state"]) for s in listed["seals"]] == [(False, "已改动")]
    assert "第 1 次封存的记录与其校验值不符" in run("seal", "--list", inbox).output


def test_seal_exit_codes(tmp_path):
    inbox = tmp_path / "in"
    town_return(inbox, "巴公镇", 22)
    town_return(inbox, "南村镇", 23, cumulative=dict(CUMULATIVE, teams=1))  # 累计 below 本期: sent back
    result = run("seal", "2023-12", inbox, "-o", tmp_path / "c.xlsx", "--as-of", "2023-12-26", "--format", "json")
    assert result.exit_code == 1  # sealed, but a return was sent back (as merge says)
    doc = json.loads(result.stdout)
    assert [(i["town"], i["use"]) for i in doc["inputs"]] == [("南村镇", "rejected"), ("巴公镇", "counted")]
    assert run("seal", "2023-13", inbox, "-o", tmp_path / "d.xlsx").exit_code == 2
    assert run("seal", "2024-03", inbox, "-o", tmp_path / "d.xlsx", "--as-of", "2023-12-26").exit_code == 2
    assert run("seal", "2023-12", inbox).exit_code == 2
    assert run("seal", "2023-12", "-o", tmp_path / "d.xlsx").exit_code == 2
    assert run("seal", "2023-12", tmp_path / "nowhere", "-o", tmp_path / "d.xlsx").exit_code == 2
    assert run("seal", "--list").exit_code == 2
    assert not (tmp_path / "d.xlsx").exists()
