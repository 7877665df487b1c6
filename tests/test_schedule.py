"""Deadlines and states decided from receipts: the due-day rule, days late across month ends and time zones,
which copy fixes the time and which counts, the hazard list, the typical cases."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bairi.check.rules import check_file
from bairi.core.calendar import deadlines
from bairi.core.campaign import default_campaign
from bairi.deadlines.schedule import assess as assess_state
from bairi.state.receipts import Receipt
from bairi.state.standing import decide
from build import CUMULATIVE, HAZARDS, write_return

BEIJING = timezone(timedelta(hours=8))
# These tests are about time, not materials: the monthly deadline asks for the return alone.
CAMPAIGN = default_campaign().with_changes(monthly=["return"])


def assess(campaign, receipts, as_of):
    return assess_state(decide(campaign, receipts, as_of))


def status_of(due, received, as_of, campaign):
    """The state of one town for a return due `due`, received (at noon) on `received`."""
    period = f"{due.year}-{due.month:02d}"
    campaign = campaign.with_changes(periods=[p for p in campaign.periods if p.period != period]
                                     + [type(campaign.periods[0])(period=period, due=due)])
    receipts = [receipt("巴公镇", "return", bj(received.year, received.month, received.day, 12), period)] if received else []
    standing = decide(campaign, receipts, as_of).standing("巴公镇", period)
    return standing.status, standing.days_late


def bj(*args):
    return datetime(*args, tzinfo=BEIJING)


def receipt(town, kind, when, period=None, ret=None, source="x"):
    return Receipt(frozenset({kind}), town, when, "mail", source, source, period, ret=ret)


def statuses(result, key):
    return {i.town: (i.status, i.days_late) for i in result.items if i.deadline.key == key and i.status != "missing"}


def test_the_notice_deadlines_in_order():
    assert [(d.key, d.kind, d.label, d.due) for d in deadlines(CAMPAIGN)] == [
        ("plan", "plan", "行动方案", date(2023, 11, 9)),
        ("2023-11", "return", "2023年11月报表", date(2023, 11, 25)),
        ("2023-12", "return", "2023年12月报表", date(2023, 12, 25)),
        ("2024-01", "return", "2024年1月报表", date(2024, 1, 25)),
        ("summary", "summary", "工作总结", date(2024, 2, 6)),
        ("case", "case", "重大隐患执法典型案例", date(2024, 2, 10)),
    ]


@pytest.mark.parametrize("received, as_of, expected", [
    (date(2023, 12, 25), date(2024, 2, 10), ("on_time", 0)),   # 25日前 = by the 25th
    (date(2023, 12, 26), date(2024, 2, 10), ("late", 1)),
    (date(2024, 1, 2), date(2024, 2, 10), ("late", 8)),        # across the year end
    (None, date(2023, 12, 25), ("not_due", 0)),
    (None, date(2023, 12, 26), ("missing", 1)),
    (None, date(2024, 1, 1), ("missing", 7)),
    (date(2023, 12, 20), date(2023, 12, 22), ("on_time", 0)),  # received before the due day: done
    (date(2023, 12, 28), date(2023, 12, 27), ("missing", 2)),  # not yet received as of that day
])
def test_status_of_december_return(received, as_of, expected):
    assert status_of(date(2023, 12, 25), received, as_of, CAMPAIGN) == expected


def test_month_end_due_dates():
    # November has 30 days: a return due 11-30 and received 12-01 is one day late; Feb 2024 has 29.
    assert status_of(date(2023, 11, 30), date(2023, 12, 1), date(2024, 1, 1), CAMPAIGN) == ("late", 1)
    assert status_of(date(2024, 1, 31), date(2024, 3, 1), date(2024, 3, 1), CAMPAIGN) == ("late", 30)
    assert status_of(date(2024, 2, 28), None, date(2024, 3, 1), CAMPAIGN) == ("missing", 2)


def test_strictly_before_the_due_day_when_configured():
    strict = CAMPAIGN.with_changes(due_inclusive=False)
    assert status_of(date(2023, 12, 25), date(2023, 12, 24), date(2024, 1, 1), strict) == ("on_time", 0)
    assert status_of(date(2023, 12, 25), date(2023, 12, 25), date(2024, 1, 1), strict) == ("late", 1)
    assert status_of(date(2023, 12, 25), None, date(2023, 12, 25), strict) == ("missing", 1)


def test_times_are_compared_in_beijing_time():
    utc = UTC
    result = assess(CAMPAIGN, [
        receipt("北义城镇", "return", bj(2023, 12, 25, 23, 30), "2023-12"),
        receipt("巴公镇", "return", datetime(2023, 12, 25, 16, 30, tzinfo=utc), "2023-12"),  # 12-26 00:30 in Beijing
        receipt("南村镇", "return", datetime(2023, 12, 25, 15, 59, tzinfo=utc), "2023-12"),  # 23:59 in Beijing
    ], date(2024, 2, 10))
    assert statuses(result, "2023-12") == {"北义城镇": ("on_time", 0), "巴公镇": ("late", 1), "南村镇": ("on_time", 0)}
    [bagong] = [i for i in result.items if i.town == "巴公镇" and i.deadline.key == "2023-12"]
    assert bagong.received == bj(2023, 12, 26, 0, 30)


def test_every_status_and_the_tallies():
    result = assess(CAMPAIGN, [
        receipt("巴公镇", "plan", bj(2023, 11, 8, 10, 0)),
        receipt("南村镇", "plan", bj(2023, 11, 13, 9, 0)),
        receipt("巴公镇", "summary", bj(2024, 2, 1, 9, 0)),
    ], date(2023, 12, 1))
    by = {(i.town, i.deadline.key): (i.status, i.days_late) for i in result.items}
    assert by[("巴公镇", "plan")] == ("on_time", 0)
    assert by[("南村镇", "plan")] == ("late", 4)
    assert by[("下村镇", "plan")] == ("missing", 22)
    assert by[("巴公镇", "2023-11")] == ("missing", 6)
    assert by[("巴公镇", "2023-12")] == ("not_due", 0)
    assert by[("巴公镇", "summary")] == ("not_due", 0)  # sent on 02-01, not yet as of 12-01
    assert result.state.later == 1
    plan = result.tallies[0]
    assert (plan.counts, plan.received, str(plan.rate), str(plan.on_time_rate)) == (
        {"on_time": 1, "late": 1, "rejected": 0, "missing": 14, "to_verify": 0, "not_due": 0, "incomplete": 0},
        2, "12.5", "6.2")
    assert len(result.overdue) == 14 + 1 + 16  # plan (missing + late) and November returns
    assert result.open_hazards == [] and not result.rectify_passed


def test_first_copy_fixes_the_time_the_latest_counts_and_resubmission_is_noted():
    result = assess(CAMPAIGN, [
        receipt("高都镇", "return", bj(2023, 12, 26, 9, 41), "2023-12", source="修改版.xlsx"),
        receipt("高都镇", "return", bj(2023, 12, 19, 17, 2), "2023-12", source="原版.xlsx"),
    ], date(2024, 2, 10))
    [item] = [i for i in result.items if i.town == "高都镇" and i.deadline.key == "2023-12"]
    assert (item.status, item.receipt.source, item.counted.source) == ("on_time", "原版.xlsx", "修改版.xlsx")
    assert [f.code for f in item.findings] == ["D706"]
    assert "2023-12-19 17:02 原版.xlsx；2023-12-26 09:41 修改版.xlsx" in item.findings[0].message


def test_overdue_hazards_after_the_rectification_date(tmp_path):
    open_rows = [dict(HAZARDS[0]), dict(HAZARDS[1], detail="熔炼炉旁休息室。已于12月19日整改完毕")]
    open_return = check_file(write_return(tmp_path / "巴公镇1月份报表.xlsx", filled_on=date(2024, 1, 20),
                                          hazards=open_rows), CAMPAIGN)
    older = check_file(write_return(tmp_path / "巴公镇12月份报表.xlsx", filled_on=date(2023, 12, 20),
                                    hazards=open_rows), CAMPAIGN)
    done = check_file(write_return(tmp_path / "南村镇1月份报表.xlsx", unit="南村镇", filled_on=date(2024, 1, 20),
                                   cumulative=dict(CUMULATIVE, major_fixed=2),
                                   hazards=[dict(h, town="南村镇") for h in HAZARDS]), CAMPAIGN)
    receipts = [
        receipt("巴公镇", "return", bj(2024, 1, 20, 9, 0), "2024-01", open_return, "巴公镇1月"),
        receipt("巴公镇", "return", bj(2023, 12, 20, 9, 0), "2023-12", older, "巴公镇12月"),
        receipt("南村镇", "return", bj(2024, 1, 20, 9, 0), "2024-01", done, "南村镇1月"),
    ]
    # A hazard is overdue after the campaign's 12-31 or its own plan's day (12-20), whichever comes first.
    assert assess(CAMPAIGN, receipts, date(2023, 12, 20)).open_hazards == []
    assert [o.town for o in assess(CAMPAIGN, receipts, date(2023, 12, 21)).open_hazards] == ["巴公镇"]
    result = assess(CAMPAIGN, receipts, date(2024, 2, 10))
    assert [(o.town, o.period, o.source, o.major_found, o.major_fixed, o.open, o.rows) for o in result.open_hazards] == [
        ("巴公镇", "2024-01", "巴公镇1月", 2, 1, 1, 2)]
    # The row that says it was rectified is left out; the open one is listed with its plan.
    assert [(h.enterprise, h.detail) for h in result.open_hazards[0].hazards] == [
        ("山西晋城巴公钢铁有限公司", "高炉煤气区域未设置固定式一氧化碳报警装置；12月20日前完成安装")]


def test_towns_without_a_typical_case():
    result = assess(CAMPAIGN, [receipt("巴公镇", "case", bj(2024, 1, 5, 9, 0))], date(2024, 2, 11))
    assert len(result.no_case) == 15 and "巴公镇" not in {s.town for s in result.no_case} and result.cases_due_passed
    assert not assess(CAMPAIGN, [], date(2024, 2, 10)).cases_due_passed
