"""bairi check on returns built in the test: the clean case, tolerances and errors."""

from datetime import date
from decimal import Decimal

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from build import CUMULATIVE, write_return

CAMPAIGN = default_campaign()


def codes(ret):
    return [(f.code, f.cell) for f in ret.findings]


def test_clean_return_is_accepted_with_exact_figures(tmp_path):
    path = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    ret = check_file(path, CAMPAIGN)
    assert ret.ok
    assert ret.town == "巴公镇"
    assert ret.period == "2023-12"
    assert ret.filled_on == date(2023, 12, 24)
    assert ret.values("period")["enterprises"] == 25
    assert ret.values("cumulative")["fines"] == Decimal("3.25")
    assert len(ret.hazards) == 2
    assert codes(ret) == [("I303", "Sheet1!C2")]


def test_cumulative_below_period_is_an_error(tmp_path):
    path = write_return(tmp_path / "巴公镇12月.xlsx", cumulative=dict(CUMULATIVE, teams=1))
    ret = check_file(path, CAMPAIGN)
    assert not ret.ok
    assert ("E501", "Sheet1!B8") in codes(ret)


def test_tolerated_habits_are_read_and_noted(tmp_path):
    def edit(ws):
        ws["B7"] = "２"
        ws["C7"] = "25家"
        ws["H7"] = "无"
        ws["I7"] = "15000元"
        ws["N7"] = None

    path = write_return(tmp_path / "巴公镇12月.xlsx", edit=edit)
    ret = check_file(path, CAMPAIGN)
    period = ret.values("period")
    assert (period["teams"], period["enterprises"], period["ordered"], period["fines"], period["labor_dispatch"]) == (
        2, 25, 0, Decimal("1.5"), 0)
    assert [(f.code, f.cell) for f in ret.findings if f.code != "I303"] == [
        ("I404", "Sheet1!B7"), ("I405", "Sheet1!C7"), ("I402", "Sheet1!H7"), ("W406", "Sheet1!I7"), ("I401", "Sheet1!N7")]
