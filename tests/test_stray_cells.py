"""A good return with stray content far from its table is read by its labels; each stray cell is said, not read."""

from __future__ import annotations

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from build import write_return

CAMPAIGN = default_campaign()


def _figures(ret):
    return [(k, f.value, f.location) for row in (ret.period_row, ret.cumulative_row) for k, f in row.items()]


def test_one_stray_cell_in_the_last_row_is_noted_and_the_return_read(tmp_path):
    clean = check_file(write_return(tmp_path / "clean" / "巴公镇12月份报表.xlsx"), CAMPAIGN)

    def stray(ws):
        ws["A1048576"] = "误按的一个字"

    ret = check_file(write_return(tmp_path / "巴公镇12月份报表.xlsx", edit=stray), CAMPAIGN)
    assert ret.ok and not ret.unreadable
    assert _figures(ret) == _figures(clean) and [h.enterprise for h in ret.hazards] == [h.enterprise for h in clean.hazards]
    [note] = [f for f in ret.findings if f.code == "I290"]
    assert (note.severity.value, note.location, note.message) == (
        "info", "Sheet1!A1048576", "第1,048,576行A列有内容，远离报告表（中间隔着大片空白），未读取")


def test_a_stray_row_far_to_the_right_and_below_is_named_cell_by_cell(tmp_path):
    def strays(ws):
        for column in range(1, 13):
            ws.cell(900_000, 16_000 + column, column)

    ret = check_file(write_return(tmp_path / "巴公镇12月份报表.xlsx", edit=strays), CAMPAIGN)
    assert ret.ok
    notes = [(f.code, f.location) for f in ret.findings if f.code in ("I290", "I291")]
    assert notes[:2] == [("I290", "Sheet1!WQK900000"), ("I290", "Sheet1!WQL900000")]
    assert len(notes) == 11 and notes[-1] == ("I291", "Sheet1!WQU900000")
    assert [f.message for f in ret.findings if f.code == "I291"] == ["另有2个远离报告表的单元格有内容，未读取"]


def test_a_sheet_that_is_big_all_the_way_is_still_refused(tmp_path):
    def filled(ws):
        # No gap to leave out: a column running down 300,000 rows beside a wide last row.
        for row in range(20, 300_000, 999):
            ws.cell(row, 1, row)
        ws.cell(300_000, 60, 1)

    ret = check_file(write_return(tmp_path / "巴公镇12月份报表.xlsx", edit=filled), CAMPAIGN)
    assert [f.code for f in ret.findings] == ["F105"]
