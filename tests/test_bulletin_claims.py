"""Every sentence of the 通报 against the campaign state: its towns and figures are read back from the text and
compared with what the state (build_state) and the hazard register decide, never with a fixed string."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bairi.core.calendar import last_on_time
from bairi.core.campaign import default_campaign
from bairi.core.values import plain
from bairi.deadlines.schedule import assess
from bairi.hazards.entries import overdue, sightings_of
from bairi.hazards.register import build_register
from bairi.merge.consolidate import consolidate
from bairi.present.bulletin import bulletin_context, period_on, render_bulletin
from bairi.state.standing import load_state
from build import CUMULATIVE, PERIOD, put, write_return
from build_mail import message, write_eml

SAMPLE = Path(__file__).parent.parent / "sample_data" / "mail"
CAMPAIGN = default_campaign()
TOWNS = [u.name for u in CAMPAIGN.units]


def bulletin(paths: list[Path], as_of: date):
    """The state, the hazard register's overdue towns and the bulletin text, as `bairi summary` builds them."""
    state = load_state(paths, CAMPAIGN, as_of, use_ledger=False, record=False)
    period = period_on(CAMPAIGN, as_of)
    result = assess(state)
    text = render_bulletin(bulletin_context(consolidate(state, period), result, CAMPAIGN))
    late = {e.town for e in overdue(build_register(sightings_of(state), CAMPAIGN, as_of))}
    return state, period, late, text


def section(text: str, heading: str) -> list[str]:
    """The non-empty lines under one numbered heading (一、…) up to the next."""
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    start = next(n for n, x in enumerate(lines) if re.fullmatch(rf"[一二三四五六七八九十]、{heading}", x)) + 1
    end = next((n for n in range(start, len(lines)) if re.match(r"^[一二三四五六七八九十]、", lines[n])), len(lines))
    return lines[start:end]


def towns_in(words: str) -> list[str]:
    """The campaign's towns named in a run of text, in the order written."""
    return [t for t in re.findall("|".join(sorted(TOWNS, key=len, reverse=True)), words)]


def group(line: str, label: str) -> list[str]:
    """The towns after "label N个：" up to the next ； or 。, checked against N."""
    match = re.search(rf"{label}(\d+)个：([^；。]*)", line)
    if match is None:
        return []
    towns = towns_in(re.sub(r"（[^）]*）", "", match.group(2)))
    assert len(towns) == int(match.group(1)), line
    return towns


AS_OF = [date(2023, 11, 20), date(2023, 12, 20), date(2024, 1, 10), date(2024, 2, 10), date(2024, 2, 11)]


@pytest.fixture(scope="module", params=AS_OF, ids=str)
def sample(request):
    return (request.param, *bulletin([SAMPLE], request.param))


def test_every_deadline_accounts_for_every_town_and_gives_a_rate_only_after_its_day(sample):
    as_of, state, _, _, text = sample
    lines = section(text, "材料报送情况")
    said = {}
    for line in lines:
        match = re.match(r"^\d+\. (.+?)（应于(\d+)年(\d+)月(\d+)日前报送）：(.*)$", line)
        assert match, line
        [deadline] = [d for d in state.deadlines if d.label == match.group(1)]
        assert date(*map(int, match.groups()[1:4])) == deadline.due
        standings = state.of_deadline(deadline.key)
        by = {s: [x.town for x in standings if x.status == s] for s in
              ("on_time", "late", "rejected", "missing", "to_verify", "not_due", "incomplete")}
        body = match.group(5)
        over = as_of > last_on_time(deadline.due, CAMPAIGN)
        if over:
            on_time = int(re.search(r"按时报送(\d+)个", body).group(1))
            incomplete = towns_in("".join(re.findall(r"（其中缺件\d+个：([^）]*)）", body)))
            late = group(body, "逾期报送")
            groups = {"late": late, "rejected": group(body, "报表有误退回、尚未重新报送"),
                      "to_verify": group(body, "待核实"), "missing": group(body, "逾期未报"),
                      "not_due": group(body, "经同意延期报送"), "incomplete": incomplete}
            for status, towns in groups.items():
                assert sorted(towns) == sorted(by[status]), (line, status)
            assert on_time == len(by["on_time"]) + len(by["incomplete"])
            # Every town exactly once.
            assert on_time + sum(len(t) for k, t in groups.items() if k != "incomplete") == len(TOWNS)
            for town in late:
                days = re.search(rf"{town}（逾期(\d+)天）", body).group(1)
                assert state.standing(town, deadline.key).days_late == int(days)
            received = len(by["on_time"]) + len(by["late"]) + len(by["incomplete"])
            rate = (Decimal(received) * 100 / len(TOWNS)).quantize(Decimal("0.1"))
            assert body.endswith(f"报送率{rate}%。"), line
        else:
            # Before its day: what came so far, no 报送率 and nobody called late or missing.
            assert "报送率" not in body and "未报" not in body and "逾期" not in body
            received = int(re.search(r"已有(\d+)个镇报送", body).group(1))
            assert received == len(by["on_time"]) + len(by["late"]) + len(by["incomplete"])
        said[deadline.key] = line
    # Every deadline that is past or has anything received is stated; none other.
    expected = [d.key for d in state.deadlines if as_of > last_on_time(d.due, CAMPAIGN)
                or any(s.status != "not_due" for s in state.of_deadline(d.key))]
    assert list(said) == expected
    # Nothing else in the section (the old stray "……报表有误、已退回修改的" line).
    assert len(lines) == len(said)


def test_the_overall_statement_names_every_town_whose_figures_are_not_counted(sample):
    _, state, period, _, text = sample
    [line] = [x for x in section(text, "总体情况") if x.startswith(f"{period[:4]}年{int(period[5:])}月报表")]
    standings = state.of_deadline(period)
    counted = [s.town for s in standings if s.ret is not None]
    assert re.search(r"(\d+)个镇中已有(\d+)个审核通过", line).groups() == (str(len(TOWNS)), str(len(counted)))
    for status, words in (("rejected", "报表有误已退回"), ("to_verify", "报送的材料待核实")):
        part = re.search(rf"；([^；。]*){words}", line)
        named = towns_in(part.group(1)) if part else []
        assert sorted(named) == sorted(s.town for s in standings if s.status == status and s.ret is None)
    part = re.search(r"；([^；。]*)尚未报送", line)
    assert sorted(towns_in(part.group(1)) if part else []) == sorted(
        s.town for s in standings if s.status in ("missing", "not_due"))
    uncounted = len(TOWNS) - len(counted)
    assert (f"以上{uncounted}个镇的数字未计入汇总" in line) == bool(uncounted)


def test_each_town_line_quotes_only_its_counted_return_in_the_campaigns_order(sample):
    _, state, period, _, text = sample
    lines = [x for x in section(text, "各镇工作开展情况") if re.match(r"^\d+\. ", x)]
    # Every town once, in the campaign's order: towns are not ranked by the hazards they found.
    assert [towns_in(x.split("：")[0])[0] for x in lines] == TOWNS
    for line, town in zip(lines, TOWNS, strict=True):
        standing = state.standing(town, period)
        if standing.ret is None:
            assert "未计入" in line or "未报" in line or "尚未报送" in line
            assert not re.search(r"\d+家|\d+项", line), line
            continue
        month, total = standing.ret.values("period"), standing.ret.values("cumulative")
        figures = re.search(r"检查企业(\d+)家.*累计排查一般隐患(\d+)项、已整改(\d+)项.*排查重大隐患(\d+)项、已整改(\d+)项，"
                            r"公开曝光案例(\d+)个", line).groups()
        assert figures == tuple(plain(v) or "0" for v in (month["enterprises"], total["general_found"],
                                                          total["general_fixed"], total["major_found"],
                                                          total["major_fixed"], total["exposed"]))


def test_overdue_hazards_are_the_registers_and_their_figures_come_from_counted_returns(sample):
    _, state, _, late, text = sample
    lines = section(text, "重大隐患整改情况")
    named = [towns_in(x.split("：")[0])[0] for x in lines if re.match(r"^\d+\. \S+镇：", x)]
    assert sorted(named) == sorted(late)
    counted = state.latest_returns()
    for line in lines:
        match = re.match(r"^\d+\. (\S+镇)：\d+项逾期未整改到位（(\d+)年(\d+)月报表累计排查重大隐患(\d+)项、已整改(\d+)项）", line)
        if match:
            town, year, month, found, fixed = match.groups()
            standing = counted[town]
            assert standing.deadline.key == f"{year}-{int(month):02d}"
            values = standing.ret.values("cumulative")
            assert (int(found), int(fixed)) == (values["major_found"], values["major_fixed"])


def test_praise_and_criticism_follow_the_notices_measures(sample):
    as_of, state, period, late, text = sample
    lines = section(text, "表扬和批评")
    passed = [d for d in state.deadlines if as_of > last_on_time(d.due, CAMPAIGN)]
    short = {}
    for s in state.standings:
        unit = CAMPAIGN.unit(s.town)
        if s.deadline.kind == "return" and s.ret is not None and s.deadline.key <= period and unit.enterprises:
            if s.ret.values("period")["enterprises"] < math.ceil(unit.enterprises * CAMPAIGN.inspect_share):
                short.setdefault(s.town, []).append(s.deadline.key)
    owing = {s.town for s in state.standings if s.deadline in passed and s.overdue and s.deadline.kind != "case"}
    praised = [x for x in lines if x.endswith("予以通报表扬。")]
    expected_praise = []
    for town in TOWNS:
        mine = [s for s in state.standings if s.town == town and s.deadline in passed]
        case = state.standing(town, "case")
        counted = any(s.ret is not None for s in state.standings if s.town == town and s.deadline.kind == "return")
        if (mine and all(s.status == "on_time" for s in mine) and counted and town not in short
                and case.status in ("on_time", "late", "incomplete") and town not in late):
            expected_praise.append(town)
    assert (towns_in(praised[0].split("按时报送")[0]) if praised else []) == expected_praise
    by_kind = {}
    for line in lines:
        match = re.match(r"^（[一二三四]）(材料未按要求报送|月检查企业未达到本辖区企业总数的50%|行动期间未上报典型案例|重大隐患逾期未整改到位)：(.*)$", line)
        if match:
            by_kind[match.group(1)] = towns_in(re.sub(r"（[^）]*）", "", match.group(2)))
    assert sorted(by_kind.get("材料未按要求报送", [])) == sorted(owing)
    assert sorted(by_kind.get("月检查企业未达到本辖区企业总数的50%", [])) == sorted(short)
    assert sorted(by_kind.get("重大隐患逾期未整改到位", [])) == sorted(late)
    case_missing = [t for t in TOWNS if state.standing(t, "case").past_due
                    and state.standing(t, "case").status in ("missing", "rejected")]
    assert by_kind.get("行动期间未上报典型案例", []) == case_missing
    # Nobody is praised and criticised at once.
    assert not set(expected_praise) & {t for towns in by_kind.values() for t in towns}


def test_what_data_cannot_say_is_a_visible_slot_and_the_next_steps_name_the_towns(sample):
    _, state, _, late, text = sample
    assert section(text, "存在问题") == ["【请补充：督查检查中发现的主要问题】"]
    assert "【请补充：各镇的主要做法和工作成效】" in section(text, "各镇工作开展情况")
    steps = [x for x in section(text, "下步工作要求") if x.startswith("（")]
    assert [x[:3] for x in steps] == [f"（{n}）" for n in "一二三四五六七八"[:len(steps)]]
    assert len(steps) >= 2
    owing = list(dict.fromkeys(s.town for s in state.standings if s.overdue and s.status != "late"
                               and s.deadline.kind != "case"))
    resend = [x for x in steps if "抓紧补报材料" in x]
    assert (towns_in(resend[0].split("要立即")[0]) if resend else []) == owing
    fix = [x for x in steps if "加快重大隐患整改" in x]
    assert sorted(towns_in(fix[0].split("要严格")[0]) if fix else []) == sorted(late)
    assert "据截至" not in text


def test_a_sent_back_returns_figures_are_never_quoted(tmp_path):
    # 巴公镇's December return counts; its January return was sent back (a negative figure) and carries
    # figures of its own (777 一般隐患, 9 重大隐患) that must appear nowhere in the bulletin.
    inbox = tmp_path / "收件箱"
    december = write_return(tmp_path / "x" / "巴公镇12月份报表.xlsx", filled_on=date(2023, 12, 20))
    january = write_return(tmp_path / "x" / "巴公镇1月份报表.xlsx", filled_on=date(2024, 1, 20),
                           period={**PERIOD, "general_found": 737, "major_found": 9},
                           cumulative={**CUMULATIVE, "general_found": 777, "major_found": 9, "ordered": 11},
                           edit=put(H7=-1))
    write_eml(inbox / "a.eml", message([(december.name, december.read_bytes())], date="Wed, 20 Dec 2023 09:00:00 +0800"))
    write_eml(inbox / "b.eml", message([(january.name, january.read_bytes())], date="Sat, 20 Jan 2024 09:00:00 +0800"))
    state, period, _, text = bulletin([inbox], date(2024, 2, 10))
    assert period == "2024-01" and state.standing("巴公镇", "2024-01").status == "rejected"
    assert not re.search(r"(?<!\d)(777|737)(?!\d)", text)
    [line] = [x for x in section(text, "各镇工作开展情况") if x.startswith(f"{TOWNS.index('巴公镇') + 1}. 巴公镇：")]
    assert line.endswith("2024年1月报表有误已退回，尚未收到修改后的报表，本期数字未计入。")
    # Its hazards past their day are the register's; the figures beside them would be the sent-back ones: none.
    for x in section(text, "重大隐患整改情况"):
        assert "9项" not in x


def test_the_totals_are_the_sums_of_the_counted_returns(sample):
    _, state, period, _, text = sample
    [line] = [x for x in section(text, "总体情况") if x.startswith("计入汇总的报表显示")]
    counted = [s.ret for s in state.of_deadline(period) if s.ret is not None]

    # 累计 is each town's latest accepted 累计: a town with no counted return this month carries its last one.
    earlier = [p.period for p in state.campaign.periods if p.period <= period]
    latest = {}
    for month in earlier:
        latest.update({s.town: s.ret for s in state.of_deadline(month) if s.ret is not None})

    def total(row: str, key: str) -> str:
        returns = counted if row == "period" else list(latest.values())
        return plain(sum((Decimal(str(r.values(row)[key] or 0)) for r in returns), Decimal(0))) or "0"

    words = {"teams": "成立督查组", "enterprises": "排查企业", "general_found": "排查一般隐患", "general_fixed": "已整改",
             "major_found": "排查重大隐患", "ordered": "责令限期整改企业", "fines": "行政罚款", "suspended": "停产整顿",
             "exposed": "公开曝光案例", "closed": "关闭取缔", "subcontracting": "查处违法分包转包和挂靠资质行为",
             "labor_dispatch": "查处劳务派遣灵活用工违法行为"}
    cumulative, month = line.split("。其中")
    for key, word in words.items():
        assert re.search(rf"{word}(\d+(?:\.\d+)?)", cumulative).group(1) == total("cumulative", key), key
    assert re.search(r"已整改(\d+)项，整改率[^；]+；责令", cumulative).group(1) == total("cumulative", "major_fixed")
    assert re.findall(r"\d+(?:\.\d+)?", month.split("份", 1)[1]) == [
        total("period", k) for k in ("enterprises", "general_found", "major_found")]


def test_the_typical_case_statement_names_the_towns_without_one(sample):
    _, state, _, _, text = sample
    [line] = section(text, "典型案例报送情况")
    without = [t for t in TOWNS if state.standing(t, "case").status not in ("on_time", "late", "incomplete")]
    if without:
        assert towns_in(line.split("上报安全生产")[0]) == without
    else:
        assert line == "各镇均已上报安全生产重大隐患执法典型案例。"


def test_the_bulletin_reads_as_a_bureau_writes_it(sample):
    """What a 公文 reader asked for: the body opened with a colon, no paraphrase in quotation marks, the form's words."""
    as_of, _, _, late, text = sample
    lines = [x.strip() for x in text.splitlines() if x.strip()]
    assert lines[2].startswith("现将截至") and lines[2].endswith("通报如下：")
    # The notice says 原则上12月底前; the bulletin gives the day, so it must not dress that up as a quotation.
    hazards = "".join(section(text, "重大隐患整改情况"))
    assert "“" not in hazards and "”" not in hazards
    if late and as_of > CAMPAIGN.rectify_by:
        assert hazards.startswith(f"按照通知关于重大隐患原则上于{CAMPAIGN.rectify_by.year}年")
    # 公开曝光案例 is the form's column; 典型案例 is another deliverable and must not be confused with it.
    assert "公开曝光典型案例" not in text
    assert "截止日未到" not in text and "材料逾期报送或未报" not in text
