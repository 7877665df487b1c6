#!/usr/bin/env python3
"""Write sample_data/: a realistic 百日攻坚 campaign of town returns, a few of them deliberately wrong.

All 16 towns × 2023-11, 2023-12 and 2024-01, laid out as towns really send them (the county's
template, their own layouts, .xls and .ods), with cumulative rows consistent month to month and
sample_data/README.md saying exactly what `bairi check` must report for every wrong return.

Rerunnable and seeded: every run writes the same .xlsx bytes. The .xls/.ods samples are made by
LibreOffice when it is installed; without it the committed converted files are kept.

    python scripts/make_sample_data.py            # rewrite sample_data/
    python scripts/make_sample_data.py --reconvert  # also redo the LibreOffice conversions
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bairi.core.campaign import DEFAULT_TOWNS, default_campaign  # noqa: E402
from bairi.core.form import NOTICE  # noqa: E402
from bairi.write.layout import lay_form, template_workbook  # noqa: E402

SEED = 20231106
SAMPLE_DATA = ROOT / "sample_data"
OUT = SAMPLE_DATA
PERIODS = ("2023-11", "2023-12", "2024-01")
TOWNS = [name for name, _, _ in DEFAULT_TOWNS]
SIZE = {name: count for name, _, count in DEFAULT_TOWNS}
FIXED_TIME = datetime(2024, 1, 31, 9, 0, 0)
# Everything after this line in README.md is kept on a rerun (others add sections, e.g. the mails).
KEEP_MARKER = "<!-- 以下内容不由 make_sample_data.py 生成，重新生成时保留 -->"

# ---------------------------------------------------------------------------------------------
# The campaign as it happened: enterprises, hazards, monthly figures
# ---------------------------------------------------------------------------------------------

WORDS = ("鑫达", "恒盛", "宏远", "金泰", "兴旺", "华晋", "晋丰", "瑞丰", "永昌", "福泰", "嘉禾", "广汇", "泰昌",
         "诚信", "盛源", "富源", "天泽", "泽丰", "润泽", "万通", "同鑫", "聚源", "长兴", "隆昌", "佳盛", "晋泰",
         "丹河", "太行", "宏达", "昌盛", "通达", "国盛", "鑫鹏", "金鼎", "裕丰", "东升", "鸿运", "晋钢", "凤凰",
         "申达", "正阳", "顺发", "旭日", "中晋", "兴业", "恒达", "宝鑫", "源通", "锦程", "森宇")
# Trades a town's 冶金工贸 enterprises are in, and the 行业类别 each falls under.
TRADES = (("钢铁", "冶金"), ("铸业", "冶金"), ("冶炼", "冶金"), ("特钢", "冶金"), ("铸造", "机械"),
          ("精密铸造", "机械"), ("机械制造", "机械"), ("机械", "机械"), ("耐火材料", "建材"), ("新型建材", "建材"),
          ("水泥制品", "建材"), ("镁业", "有色"), ("铝业", "有色"))
TRADE_WEIGHTS = (6, 5, 2, 1, 8, 2, 4, 2, 4, 2, 1, 1, 1)
FILLERS = ("王建军", "李晓芳", "张国强", "赵丽娟", "刘伟", "陈红梅", "杨志勇", "郭晋平", "牛小军", "申丽萍", "崔永红",
           "常建华", "贾晓东", "吉海燕", "原志刚", "焦丽霞")

# From 工贸企业重大事故隐患判定标准（应急管理部令第10号，2023）, by the 行业类别 they apply to.
HAZARD_TEXTS: dict[str, tuple[str, ...]] = {
    "冶金": (
        "会议室、休息室、操作室设在铁水、钢水吊运影响范围内",
        "煤气区域及煤气设施附近的人员聚集场所未设固定式一氧化碳浓度监测报警装置",
        "炉前平台、炉下渣坑等熔融金属影响范围内存在积水",
        "转炉、电弧炉水冷元件未设置出水温度、进出水流量差监测报警装置",
        "煤气管道未设置可靠隔离装置和吹扫设施",
        "炼钢连铸流程未设置事故钢水罐、中间罐溢流槽等应急处置设施",
    ),
    "机械": (
        "会议室、休息室设在熔融金属吊运影响范围内",
        "铸造用熔炼炉（中频炉）未设置紧急排放和应急储存设施",
        "中频炉冷却水系统未设置出水温度、进出水流量差监测报警装置",
        "涂装调漆间和喷漆室未规范设置可燃气体报警装置和防爆电气设备设施",
        "粉尘爆炸危险场所除尘系统未采取泄爆、隔爆等爆炸防控措施",
        "有限空间作业未辨识、未建立管理台账，且未设置明显的安全警示标志",
    ),
    "建材": (
        "煤磨袋式收尘器、煤粉仓未设置温度和固定式一氧化碳浓度监测报警装置",
        "燃气窑炉未设置燃气低压警报器和快速切断阀",
        "筒型储库人工清库作业未落实防止高处坠落、坍塌等安全措施",
        "有限空间作业未辨识、未建立管理台账，且未设置明显的安全警示标志",
    ),
    "有色": (
        "熔融金属吊运影响范围内设有休息室、交接班室等人员聚集场所",
        "铝镁金属粉尘除尘系统采用正压除尘方式",
        "粉尘爆炸危险场所设置在非框架结构的多层建构筑物内",
    ),
}
PLANS = (
    "立即停用相关场所，将人员聚集场所迁出影响范围",
    "停产整改，委托有资质单位设计安装监测报警装置",
    "制定专项整改方案，落实资金、责任人和时限",
    "立即停止相关作业，完成改造并经验收后方可恢复",
    "加装泄爆、隔爆装置，重新设计除尘系统",
)

# (town, period found, period rectified or None): major hazards are rare, a few towns have one or two.
MAJORS: tuple[tuple[str, str, str | None], ...] = (
    ("巴公镇", "2023-11", "2023-12"),
    ("巴公镇", "2023-12", "2024-01"),
    ("南村镇", "2023-11", "2023-12"),
    ("南村镇", "2024-01", None),
    ("高都镇", "2023-12", "2023-12"),
    ("高都镇", "2023-12", "2024-01"),
    ("下村镇", "2023-12", None),
    ("北义城镇", "2023-11", "2023-12"),
    ("北义城镇", "2023-12", "2024-01"),
    ("大阳镇", "2023-11", "2023-11"),
    ("金村镇", "2023-11", "2023-12"),
    ("大箕镇", "2023-12", "2023-12"),
    ("山河镇", "2024-01", None),
)
FINE_STEPS = tuple(Decimal(x) for x in ("0.2", "0.3", "0.5", "0.5", "0.8", "1", "1", "1.2", "1.5", "2", "0.35", "2.5", "3"))


@dataclass
class Major:
    """One major hazard as found and rectified during the campaign."""

    town: str
    enterprise: str
    category: str
    problem: str
    plan: str
    found: str
    fixed: str | None
    due: date
    fixed_on: date | None
    supervisor: str

    def row(self, period: str) -> dict[str, str]:
        """The hazard as the town writes it in the 重大隐患明细 of `period`'s return."""
        detail = f"{self.problem}。整改计划：{self.plan}，{self.due.month}月{self.due.day}日前整改到位"
        if self.fixed and self.fixed <= period and self.fixed_on:
            detail += f"（已于{self.fixed_on.month}月{self.fixed_on.day}日整改完毕，经县镇两级验收确认）"
        return {"enterprise": self.enterprise, "town": self.town, "category": self.category,
                "supervisor": self.supervisor, "detail": detail}


@dataclass
class Town:
    """A town's enterprises and what it did each month."""

    name: str
    filler: str
    enterprises: list[tuple[str, str]]
    period: dict[str, dict[str, Any]] = field(default_factory=dict)
    cumulative: dict[str, dict[str, Any]] = field(default_factory=dict)
    majors: list[Major] = field(default_factory=list)

    def hazards(self, period: str) -> list[dict[str, str]]:
        """Every major hazard found since the campaign began, as of `period`."""
        return [m.row(period) for m in self.majors if m.found <= period]


# Figures the story needs (a town that inspected too few, fines of exactly 5000 元, ...).
FORCED: dict[tuple[str, str], dict[str, Any]] = {
    ("大东沟镇", "2023-11"): {"enterprises": 3, "ordered": 1},
    ("柳树口镇", "2023-11"): {"fines": Decimal("0.5"), "ordered": 1},
    ("高都镇", "2023-11"): {"enterprises": 12},
    ("高都镇", "2023-12"): {"enterprises": 22},
    ("犁川镇", "2023-11"): {"teams": 2, "enterprises": 5, "general_found": 12, "ordered": 0, "closed": 0},
}
# 柳树口镇 reports no 公开曝光 case all campaign (the notice asks every town for at least one).
NO_EXPOSURE = {"柳树口镇"}


def _short(town: str) -> str:
    return town[:-1] if town.endswith(("镇", "乡")) else town


def simulate(rng: random.Random) -> dict[str, Town]:
    """The campaign's true figures for every town, month by month."""
    towns: dict[str, Town] = {}
    used: set[str] = set()
    for index, name in enumerate(TOWNS):
        enterprises = []
        while len(enterprises) < SIZE[name]:
            trade, category = rng.choices(TRADES, TRADE_WEIGHTS)[0]
            prefix = rng.choice(("山西", "晋城市", "泽州县", f"泽州县{_short(name)}", f"晋城{_short(name)}"))
            firm = f"{prefix}{rng.choice(WORDS)}{trade}有限公司"
            if firm not in used:
                used.add(firm)
                enterprises.append((firm, category))
        towns[name] = Town(name, FILLERS[index], enterprises)

    for town_name, found, fixed in MAJORS:
        town = towns[town_name]
        firm, category = rng.choice(town.enterprises)
        year, month = int(found[:4]), int(found[5:])
        found_day = rng.randint(8, 20)
        due = date(year, month, min(found_day + rng.choice((10, 15, 20)), 28)) if month != 12 else date(2023, 12, 31)
        if found == "2023-11":
            due = date(2023, 12, rng.choice((10, 15, 20)))
        fixed_on = None
        if fixed:
            fy, fm = int(fixed[:4]), int(fixed[5:])
            fixed_on = date(fy, fm, rng.randint(5, 20))
        supervisor = rng.choice(("泽州县应急管理局", f"{town_name}人民政府"))
        town.majors.append(Major(town_name, firm, category, rng.choice(HAZARD_TEXTS[category]), rng.choice(PLANS),
                                 found, fixed, due, fixed_on, supervisor))

    for town in towns.values():
        n = SIZE[town.name]
        running = {key: Decimal(0) if key == "fines" else 0 for key in NOTICE.keys}
        for period in PERIODS:
            forced = FORCED.get((town.name, period), {})
            inspected = forced.get("enterprises") or rng.randint(math.ceil(n / 2), n)
            found = sum(rng.randint(1, 5) for _ in range(inspected))
            ordered = rng.randint(0, max(1, inspected // 4))
            fined = rng.randint(0, min(ordered, 3))
            figures: dict[str, Any] = {
                "teams": max(1, round(n / 15)) + rng.choice((0, 0, 1)),
                "enterprises": inspected,
                "general_found": found,
                "general_fixed": found - rng.randint(0, max(1, found // 6)),
                "major_found": sum(1 for m in town.majors if m.found == period),
                "major_fixed": sum(1 for m in town.majors if m.fixed == period),
                "ordered": ordered,
                "fines": sum((rng.choice(FINE_STEPS) for _ in range(fined)), Decimal(0)),
                "suspended": 1 if n >= 10 and rng.random() < 0.2 else 0,
                "exposed": 0 if town.name in NO_EXPOSURE else rng.choice((0, 1, 1, 2)),
                "closed": 1 if rng.random() < 0.05 else 0,
                "subcontracting": 1 if rng.random() < 0.1 else 0,
                "labor_dispatch": 1 if rng.random() < 0.1 else 0,
            }
            figures.update(forced)
            figures["general_fixed"] = min(figures["general_fixed"], figures["general_found"])
            town.period[period] = figures
            running = {key: running[key] + figures[key] for key in NOTICE.keys}
            town.cumulative[period] = dict(running)
    return towns


# ---------------------------------------------------------------------------------------------
# Layouts: how towns lay out the form
# ---------------------------------------------------------------------------------------------

@dataclass
class Entries:
    """What goes on a return, after the town's habits and mistakes are applied."""

    unit: str
    filler: str
    filled_on: Any
    period: dict[str, Any]
    cumulative: dict[str, Any]
    hazards: list[dict[str, str]]
    title: str = NOTICE.title


THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _write(ws: Worksheet, row: int, col: int, value: Any, bold: bool = False) -> None:
    cell = ws.cell(row, col)
    cell.value = _value(value)
    if isinstance(value, str) and value.startswith("="):
        pass  # a formula, left as the town typed it
    elif isinstance(value, str):
        cell.data_type = "s"
    cell.border = BOX
    cell.alignment = WRAP
    cell.font = Font(name="宋体", size=10, bold=bold)


def layout_template(wb: Workbook, s: Entries, sheet_title: str = "Sheet1", extra_sheets: int = 0) -> None:
    """The county's form exactly (bairi.workbook.lay_form), as most towns fill it."""
    ws = wb.active
    ws.title = sheet_title
    lay_form(ws, default_campaign(), unit=s.unit, filler=s.filler,
             filled_on=s.filled_on if isinstance(s.filled_on, date) else None,
             period=s.period, cumulative=s.cumulative, hazards=s.hazards, title=s.title)
    if not isinstance(s.filled_on, date) and s.filled_on:
        ws["C4"].value = s.filled_on
        ws["C4"].data_type = "s"
    for number in range(2, 2 + extra_sheets):
        wb.create_sheet(f"Sheet{number}")


def layout_county_template(wb: Workbook, s: Entries, town: str) -> Workbook:
    """The blank template from `bairi template --town`, filled in by the town."""
    filled = template_workbook(default_campaign(), town)
    ws = filled.active
    ws["C2"] = s.unit
    ws["C3"] = s.filler or None
    if isinstance(s.filled_on, date):
        ws["C4"] = s.filled_on
    for row, values in ((7, s.period), (8, s.cumulative)):
        for index, column in enumerate(NOTICE.columns, start=2):
            ws.cell(row, index).value = _value(values.get(column.key))
    spans = {"enterprise": "B", "town": "E", "category": "G", "supervisor": "I", "detail": "K"}
    for number, hazard in enumerate(s.hazards):
        for key, letter in spans.items():
            ws[f"{letter}{12 + number}"] = hazard.get(key) or None
    return filled


GROUP_HEADERS = {"一般隐患": "一般\n隐患", "重大隐患": "重大 隐患"}
# Headers as towns retype them: line breaks, spaces, half- and full-width brackets.
RETYPED = {
    "teams": "成立督\n查组（个）", "enterprises": "排查企业\n(家)", "general_found": "排 查\n（项）",
    "general_fixed": "已整改\n(项)", "major_found": "排查(项)", "major_fixed": "已 整 改（项）",
    "ordered": "责令限期\n整改企业（家）", "fines": "行政罚款\n（万元）", "suspended": "停产\n整顿（家）",
    "exposed": "公开曝光\n案例（个）", "closed": "关闭\n取缔（家）", "subcontracting": "查处违法分包转包\n和挂靠资质行为（个）",
    "labor_dispatch": "查处劳务派遣灵活\n用工违法行为（个）",
}


def _stats_block(ws: Worksheet, top: int, left: int, s: Entries, headers: dict[str, str]) -> int:
    """The two-row header and the two data rows from (top, left); returns the last row."""
    ws.merge_cells(start_row=top, start_column=left, end_row=top + 1, end_column=left)
    _write(ws, top, left, "行  业", bold=True)
    col = left + 1
    for column in NOTICE.columns:
        if column.group and column.key.endswith("_found"):
            ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + 1)
            _write(ws, top, col, GROUP_HEADERS[column.group], bold=True)
        if column.group:
            _write(ws, top + 1, col, headers[column.key], bold=True)
        else:
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
            _write(ws, top, col, headers[column.key], bold=True)
        ws.column_dimensions[get_column_letter(col)].width = 10
        col += 1
    for offset, (label, values) in enumerate((("冶金工贸", s.period), ("累计", s.cumulative))):
        _write(ws, top + 2 + offset, left, label, bold=True)
        for index, column in enumerate(NOTICE.columns, start=left + 1):
            _write(ws, top + 2 + offset, index, values.get(column.key))
    return top + 3


def _hazard_block(ws: Worksheet, top: int, left: int, s: Entries, with_title: bool = True) -> int:
    """The 重大隐患明细 table from (top, left), one column per field; returns the last row."""
    row = top
    if with_title:
        ws.merge_cells(start_row=row, start_column=left, end_row=row, end_column=left + 5)
        ws.cell(row, left).value = "重大隐患明细"
        ws.cell(row, left).font = Font(name="宋体", size=12, bold=True)
        row += 1
    for offset, column in enumerate(NOTICE.hazard_columns):
        _write(ws, row, left + offset, column.header, bold=True)
    for number, hazard in enumerate(s.hazards, start=1):
        for offset, column in enumerate(NOTICE.hazard_columns):
            _write(ws, row + number, left + offset, number if column.key == "seq" else hazard.get(column.key, ""))
    widths = (6, 30, 10, 10, 18, 60)
    for offset, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(left + offset)].width = max(width, 10)
    return row + len(s.hazards)


def layout_moved(wb: Workbook, s: Entries) -> None:
    """A town's own copy: table moved down and right, the header fields in one cell, retyped headers."""
    ws = wb.active
    ws.title = "报表"
    ws["B2"] = "附件"
    ws.merge_cells("C3:P3")
    ws["C3"] = s.title
    ws["C3"].font = Font(name="方正小标宋简体", size=16)
    ws["C3"].alignment = WRAP
    ws.merge_cells("C5:P5")
    when = s.filled_on
    when_text = f"{when.year}年{when.month}月{when.day}日" if isinstance(when, date) else str(when or "")
    ws["C5"] = f"填报单位：{s.unit}          填表人：{s.filler}          填表日期：{when_text}"
    _stats_block(ws, 7, 3, s, RETYPED)
    last = _hazard_block(ws, 12, 3, s)
    ws.cell(last + 2, 3).value = "注：本表每月25日前报县应急管理局，累计数为自行动开展以来的累计数。"


def layout_two_sheets(wb: Workbook, s: Entries) -> None:
    """The statistics on one sheet and the 重大隐患明细 on a second, as some towns split them."""
    ws = wb.active
    ws.title = "报告表"
    ws.merge_cells("A1:N1")
    ws["A1"] = s.title
    ws["A1"].font = Font(name="黑体", size=16, bold=True)
    ws["A1"].alignment = WRAP
    ws["A2"] = f"填报单位：{s.unit}"
    ws["H2"] = f"填表人：{s.filler}"
    ws["K2"] = "填表日期："
    ws["L2"] = s.filled_on
    ws["L2"].number_format = "yyyy年m月d日"
    headers = {c.key: f"{c.header}（{c.unit}）" for c in NOTICE.columns}
    _stats_block(ws, 3, 1, s, headers)
    details = wb.create_sheet("重大隐患明细")
    _hazard_block(details, 1, 1, s, with_title=False)


# ---------------------------------------------------------------------------------------------
# Who sent what: file names, layouts, missing towns, resubmissions and deliberate mistakes
# ---------------------------------------------------------------------------------------------

CN_MONTH = {11: "十一", 12: "十二", 1: "一"}


def file_name(town: str, period: str) -> str:
    """The name a town gives its file, in its own habit."""
    y, m = int(period[:4]), int(period[5:])
    names: dict[str, str] = {
        "南村镇": f"南村镇{y}年{m}月工作报告表.xlsx",
        "下村镇": f"下村镇{m}月百日攻坚报表" + (".xls" if m == 12 else ".xlsx"),
        "大东沟镇": f"大东沟镇{m}月份报表.xlsx",
        "周村镇": f"周村镇冶金工贸百日攻坚工作报告表{m}月.xlsx",
        "犁川镇": f"犁川镇{m}月.xlsx",
        "晋庙铺镇": f"晋庙铺镇百日攻坚工作报告表{y}.{m}" + (".ods" if m == 1 else ".xlsx"),
        "金村镇": f"金村镇{CN_MONTH[m]}月份工作报告表.xlsx",
        "高都镇": f"高都镇{m}月份工作报告表.xlsx",
        "巴公镇": f"巴公镇{m}月份百日攻坚报表.xlsx",
        "大阳镇": f"大阳镇百日攻坚{m}月.xls",
        "山河镇": "山河镇工作报告表.xlsx",
        "大箕镇": f"附件：大箕镇工作报告表({m}月).xlsx",
        "柳树口镇": f"柳树口镇报表{y}{m:02d}.xlsx",
        "北义城镇": f"北义城镇{y}-{m:02d}百日攻坚.xlsx",
        "川底镇": f"川底乡{m}月工作报告表.xlsx",
        "南岭镇": f"南岭镇{m}月报表.xlsx",
    }
    return names[town]


UNIT_AS_WRITTEN = {
    "巴公镇": "巴公镇人民政府", "川底镇": "川底乡应急管理中心", "大东沟镇": "大东沟镇应急管理站",
    "北义城镇": "北义城镇",  # the county template fills the bare name
}
MISSING: dict[str, tuple[str, ...]] = {
    "2023-11": ("山河镇", "北义城镇"),
    "2023-12": ("柳树口镇",),
    "2024-01": ("周村镇", "川底镇"),
}
# 填表日期 after the 25th: the return was late (see README; mail dates are the real evidence).
LATE_DAYS: dict[tuple[str, str], int] = {("南岭镇", "2023-11"): 27, ("大箕镇", "2023-12"): 27, ("金村镇", "2024-01"): 29}


@dataclass
class Expect:
    """One finding `bairi check` must report: its code, its location and (for the README) what it says."""

    code: str
    location: str
    what: str


@dataclass
class Mistake:
    """How one return departs from the truth, and what `bairi check` must say about it."""

    summary: str
    verdict: str  # 接收 or 退回
    period: dict[str, Any] = field(default_factory=dict)
    cumulative: dict[str, Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    hazards: Callable[[list[dict[str, str]]], list[dict[str, str]]] | None = None
    after: Callable[[Workbook], None] | None = None
    expect: list[Expect] = field(default_factory=list)
    name: str | None = None


def _merged_enterprise(wb: Workbook) -> None:
    """One enterprise's two hazards: 企业名称, 所在镇, 行业类别, 挂牌督办单位 each merged down over both rows."""
    ws = wb.active
    for first, last in (("B", "D"), ("E", "F"), ("G", "H"), ("I", "J")):
        assert ws[f"{first}12"].value == ws[f"{first}13"].value, "合并的两行内容应相同"
        for row in (12, 13):
            ws.unmerge_cells(f"{first}{row}:{last}{row}")
        ws[f"{first}13"] = None
        ws.merge_cells(f"{first}12:{last}13")


def _none_row(wb: Workbook) -> None:
    """No major hazard: the town writes 无 in the first row of the 重大隐患明细."""
    ws = wb.active
    ws["A12"] = 1
    ws["B12"] = "无"


def _fines_in_yuan(wb: Workbook) -> None:
    """The fines header retyped in 元 (the figures below it are 元 too)."""
    wb.active["I5"] = "行政罚款\n（元）"


def _placeholder(wb: Workbook) -> None:
    ws = wb.active
    row = 12 + sum(1 for r in range(12, 40) if ws[f"B{r}"].value)
    ws[f"A{row}"] = "...."


MISTAKES: dict[tuple[str, str], Mistake] = {}


def declare_mistakes(towns: dict[str, Town]) -> None:
    """The deliberately wrong returns (and the tolerated habits), with what check must report."""
    t = towns
    before = t["南村镇"].cumulative["2023-12"]

    def nancun_formulas(wb: Workbook) -> None:
        # The town let Excel add last month's 累计 to this month's figure; saved by a program, never calculated.
        wb["报表"]["F10"] = f"=F9+{before['general_found']}"
        wb["报表"]["G10"] = f"=G9+{before['general_fixed']}"

    fines_yuan = {row: int(getattr(t["下村镇"], row)["2024-01"]["fines"] * 10000) for row in ("period", "cumulative")}

    MISTAKES.update({
        ("犁川镇", "2023-11"): Mistake(
            "常见写法：全角数字、“5家”、数字存为文本、“无”、空白单元格", "接收",
            period={"teams": "２", "enterprises": "5家", "general_found": "12", "ordered": "无", "closed": None},
            expect=[Expect("I404", "Sheet1!B7", "全角数字“２”按2读取"),
                    Expect("I405", "Sheet1!C7", "“5家”去掉单位按5读取"),
                    Expect("I403", "Sheet1!D7", "文本“12”按数字12读取"),
                    Expect("I402", "Sheet1!H7", "“无”按0计"),
                    Expect("I401", "Sheet1!L7", "空白按0计")]),
        ("柳树口镇", "2023-11"): Mistake(
            "罚款按元填写“5000元”", "接收",
            period={"fines": "5000元"}, cumulative={"fines": "5000元"},
            expect=[Expect("W406", "Sheet1!I7", "“5000元”折合0.5万元"),
                    Expect("W406", "Sheet1!I8", "“5000元”折合0.5万元")]),
        ("大东沟镇", "2023-11"): Mistake(
            "本月只检查3家企业，不足辖区9家的一半", "接收",
            expect=[Expect("W507", "Sheet1!C7", "排查企业3家，少于9家的一半（应至少5家）")]),
        ("南岭镇", "2023-11"): Mistake(
            "一般隐患已整改填了文字“正在整改”", "退回",
            period={"general_fixed": "正在整改"},
            expect=[Expect("E409", "Sheet1!E7", "“正在整改”不是数字")]),
        ("周村镇", "2023-12"): Mistake(
            "责令限期整改企业填成负数-1", "退回",
            period={"ordered": -1},
            expect=[Expect("E407", "Sheet1!H7", "责令限期整改企业为负数-1")]),
        ("金村镇", "2023-12"): Mistake(
            "排查企业填了小数7.5", "退回",
            period={"enterprises": 7.5},
            expect=[Expect("E408", "Sheet1!C7", "排查企业为小数7.5")]),
        ("高都镇", "2023-12"): Mistake(
            "累计行一般隐患两格忘记加上本月，仍是11月的累计数（已报修改版更正）", "退回",
            cumulative={"general_found": t["高都镇"].cumulative["2023-11"]["general_found"],
                        "general_fixed": t["高都镇"].cumulative["2023-11"]["general_fixed"]},
            expect=[Expect("E501", "高都镇12月!D8", "一般隐患排查累计小于本期"),
                    Expect("E501", "高都镇12月!E8", "一般隐患已整改累计小于本期")]),
        ("大箕镇", "2023-12"): Mistake(
            "累计一般隐患已整改多于排查（把行动前发现的隐患也算进已整改）", "退回",
            cumulative={"general_fixed": t["大箕镇"].cumulative["2023-12"]["general_found"] + 3},
            expect=[Expect("E502", "Sheet1!E8", "累计已整改大于排查")]),
        ("北义城镇", "2023-12"): Mistake(
            "明细只列本月1项重大隐患，累计排查2项（漏列11月的1项）", "接收",
            hazards=lambda rows: rows[1:],
            expect=[Expect("W503", "工作报告表!A11", "明细1行，与累计重大隐患2项不一致")]),
        ("下村镇", "2023-12"): Mistake(
            "重大隐患行业类别填“化工”（不是工贸行业）", "接收",
            hazards=lambda rows: [dict(rows[0], category="化工")],
            expect=[Expect("W505", "Sheet1!G12", "行业类别“化工”不在工贸行业类别内")]),
        ("南岭镇", "2023-12"): Mistake(
            "未填填表日期，文件名和标题中也没有月份，无法确定报告期", "退回",
            header={"filled_on": None}, name="南岭镇工作报告表.xlsx",
            expect=[Expect("W305", "Sheet1!C4", "未填写填表日期"),
                    Expect("E309", "南岭镇工作报告表.xlsx", "无法确定报告期")]),
        ("南村镇", "2024-01"): Mistake(
            "累计行两格是公式（=F9+上月累计），文件由程序生成、没有保存计算结果", "退回",
            after=nancun_formulas,
            expect=[Expect("E410", "报表!F10", "公式没有保存计算结果"),
                    Expect("E410", "报表!G10", "公式没有保存计算结果")]),
        ("山河镇", "2024-01"): Mistake(
            "重大隐患所在镇写成“大箕镇”，且未填挂牌督办单位", "接收",
            hazards=lambda rows: [dict(rows[0], town="大箕镇", supervisor="")],
            expect=[Expect("W506", "Sheet1!B12", "明细第1行未填写挂牌督办单位"),
                    Expect("W504", "Sheet1!E12", "所在镇“大箕镇”不是填报单位")]),
        ("犁川镇", "2024-01"): Mistake(
            "填表日期年份写错：“2023年1月22日”（应为2024年）", "接收",
            header={"filled_on": "2023年1月22日"},
            expect=[Expect("I307", "Sheet1!C4", "填表日期按2023-01-22读取"),
                    Expect("W308", "Sheet1!C4", "填表日期不在行动期间内"),
                    Expect("W312", "Sheet1!C4", "填表日期早于报告期2024-01")]),
        ("金村镇", "2024-01"): Mistake(
            "明细表留着模板的“....”占位行", "接收",
            after=_placeholder,
            expect=[Expect("I209", "Sheet1!A13", "占位行“....”已忽略")]),
        ("北义城镇", "2024-01"): Mistake(
            "同一企业的两项重大隐患，企业名称、所在镇、行业类别、挂牌督办单位各合并为一个单元格", "接收",
            after=_merged_enterprise,
            expect=[Expect("I216", "工作报告表!B12", "第12—13行的企业名称等是合并单元格，两行都按该企业读取")]),
        ("周村镇", "2023-11"): Mistake(
            "本月没有重大隐患，明细表第一行填写“无”", "接收",
            after=_none_row,
            expect=[Expect("I213", "Sheet1!B12", "“无”表示没有重大隐患，不计入明细")]),
        ("下村镇", "2024-01"): Mistake(
            "罚款表头改为“行政罚款（元）”，按元填写", "接收",
            period={"fines": fines_yuan["period"]}, cumulative={"fines": fines_yuan["cumulative"]},
            after=_fines_in_yuan,
            expect=[Expect("I417", "Sheet1!I7", f"按表头单位元读取，{fines_yuan['period']}元折合"
                                                f"{t['下村镇'].period['2024-01']['fines']}万元"),
                    Expect("I417", "Sheet1!I8", f"按表头单位元读取，{fines_yuan['cumulative']}元折合"
                                                f"{t['下村镇'].cumulative['2024-01']['fines']}万元")]),
    })


# Not from a town of 泽州县 at all: a 陵川县 town's return sent to the wrong county.
STRAY = ("2023-12", "陵川县崇文镇12月百日攻坚报表.xlsx", "崇文镇应急管理中心",
         [Expect("E302", "Sheet1!C2", "填报单位“崇文镇应急管理中心”不是本次行动的报送单位")])
# 柳树口镇 sent the county's blank template back untouched in January.
BLANK = ("2024-01", "柳树口镇", [Expect("W310", "工作报告表!C3", "未填写填表人"),
                                 Expect("W305", "工作报告表!C4", "未填写填表日期"),
                                 Expect("E205", "工作报告表!B7", "两行全部为空，是未填写的空表")])
RESUBMITTED = ("2023-12", "高都镇", "高都镇12月份工作报告表（修改版）.xlsx", 26)
LAYOUT = {"巴公镇": "two_sheets", "南村镇": "moved", "北义城镇": "county_template", "川底镇": "county_template",
          "高都镇": "renamed", "山河镇": "title_month"}
CONVERT = {".xls": "xls", ".ods": "ods"}


@dataclass
class Planned:
    """One file to write: where, from what, and what check must report."""

    period: str
    name: str
    build: Callable[[], Workbook]
    expect: list[Expect] | None = None
    summary: str = ""
    verdict: str = ""
    town: str = ""


def _filled_on(rng: random.Random, town: str, period: str) -> date:
    y, m = int(period[:4]), int(period[5:])
    return date(y, m, LATE_DAYS.get((town, period), rng.randint(18, 24)))


def _title(period: str) -> str:
    y, m = int(period[:4]), int(period[5:])
    return f"{NOTICE.title}（{y}年{m}月）" if m != 11 else f"{NOTICE.title}（十一月份）"


def _build(town: Town, period: str, sheet: Entries, mistake: Mistake | None) -> Workbook:
    wb = Workbook()
    layout = LAYOUT.get(town.name, "template")
    if layout == "two_sheets":
        layout_two_sheets(wb, sheet)
    elif layout == "moved":
        layout_moved(wb, sheet)
    elif layout == "county_template":
        wb = layout_county_template(wb, sheet, town.name)
    elif layout == "renamed":
        layout_template(wb, sheet, sheet_title=f"高都镇{int(period[5:])}月", extra_sheets=2)
    else:
        layout_template(wb, sheet)
    if mistake and mistake.after:
        mistake.after(wb)
    return wb


def notes(town: str, period: str, sheet: Entries) -> list[Expect]:
    """The notes every return of this town gets for how it writes its header (unit name, text date)."""
    layout = LAYOUT.get(town, "template")
    sheet_name = {"county_template": "工作报告表", "moved": "报表", "two_sheets": "报告表",
                  "renamed": f"高都镇{int(period[5:])}月"}.get(layout, "Sheet1")
    cell = {"moved": "C5", "two_sheets": "A2"}.get(layout, "C2")
    found = []
    if sheet.unit != town:
        found.append(Expect("I303", f"{sheet_name}!{cell}", f"填报单位“{sheet.unit}”按“{town}”统计"))
    if layout == "moved" and isinstance(sheet.filled_on, date):
        day = sheet.filled_on
        found.append(Expect("I307", f"{sheet_name}!{cell}",
                            f"填表日期“{day.year}年{day.month}月{day.day}日”按{day.isoformat()}读取"))
    return found


def plan(rng: random.Random, towns: dict[str, Town]) -> list[Planned]:
    """Every file of the sample campaign."""
    planned: list[Planned] = []
    for period in PERIODS:
        for name in TOWNS:
            if name in MISSING[period]:
                continue
            town = towns[name]
            filled = _filled_on(rng, name, period)
            if (period, name) == BLANK[:2]:
                planned.append(Planned(period, file_name(name, period),
                                       lambda n=name: template_workbook(default_campaign(), n), BLANK[2],
                                       "把县局下发的空白模板原样发回（未填任何数字）", "退回", name))
                continue
            mistake = MISTAKES.get((name, period))
            sheet = Entries(
                unit=UNIT_AS_WRITTEN.get(name, f"{name}应急管理中心"), filler=town.filler, filled_on=filled,
                period=dict(town.period[period]), cumulative=dict(town.cumulative[period]),
                hazards=town.hazards(period),
                title=_title(period) if LAYOUT.get(name) == "title_month" else NOTICE.title)
            if mistake:
                sheet.period.update(mistake.period)
                sheet.cumulative.update(mistake.cumulative)
                for key, value in mistake.header.items():
                    setattr(sheet, key, value)
                if mistake.hazards:
                    sheet.hazards = mistake.hazards(sheet.hazards)
            planned.append(Planned(period, mistake.name if mistake and mistake.name else file_name(name, period),
                                   lambda t=town, p=period, s=sheet, m=mistake: _build(t, p, s, m),
                                   notes(name, period, sheet) + mistake.expect if mistake else None,
                                   mistake.summary if mistake else "", mistake.verdict if mistake else "", name))
            if (period, name) == RESUBMITTED[:2]:
                fixed = Entries(sheet.unit, sheet.filler, date(2023, 12, RESUBMITTED[3]), dict(town.period[period]),
                              dict(town.cumulative[period]), town.hazards(period))
                planned.append(Planned(period, RESUBMITTED[2], lambda t=town, p=period, s=fixed: _build(t, p, s, None),
                                       None, "", "", name))
    stray_period, stray_name, stray_unit, stray_expect = STRAY
    stray = Entries(stray_unit, "侯小平", date(2023, 12, 22),
                  {"teams": 1, "enterprises": 4, "general_found": 11, "general_fixed": 9, "major_found": 0,
                   "major_fixed": 0, "ordered": 1, "fines": Decimal("0.3"), "suspended": 0, "exposed": 1, "closed": 0,
                   "subcontracting": 0, "labor_dispatch": 0},
                  {"teams": 2, "enterprises": 9, "general_found": 25, "general_fixed": 21, "major_found": 0,
                   "major_fixed": 0, "ordered": 2, "fines": Decimal("0.8"), "suspended": 0, "exposed": 1, "closed": 0,
                   "subcontracting": 0, "labor_dispatch": 0}, [])
    planned.append(Planned(stray_period, stray_name, lambda s=stray: _layout_only(s), stray_expect,
                           "陵川县崇文镇的报表误发到本县（填报单位不是本县的镇）", "退回", "崇文镇"))
    return planned


def _layout_only(sheet: Entries) -> Workbook:
    wb = Workbook()
    layout_template(wb, sheet)
    return wb


# ---------------------------------------------------------------------------------------------
# Writing: stable .xlsx bytes, LibreOffice conversions, README
# ---------------------------------------------------------------------------------------------

def stable_xlsx(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes that do not change from run to run (fixed times inside)."""
    wb.properties.created = FIXED_TIME
    wb.properties.creator = "bairi sample"
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, data)
    return out.getvalue()


def _cells(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """Every sheet's cell values as text, to tell whether a converted file still matches its source."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        text = [[_norm(v) for v in row] for row in rows]
        while text and not any(text[-1]):
            text.pop()
        sheets.append((name, [r[: max((i + 1 for i, v in enumerate(r) if v), default=0)] for r in text]))
    return [s for s in sheets if s[1]]


def _norm(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, ".12g")
    return "" if value is None else str(value)


def soffice() -> str | None:
    """The LibreOffice command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(sources: list[Path], fmt: str, outdir: Path, profile: Path) -> None:
    """Convert .xlsx files with LibreOffice (a private profile, so it never clashes with a running one)."""
    command = [soffice() or "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--convert-to", fmt, "--outdir", str(outdir), *map(str, sources)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def write_all(planned: list[Planned], reconvert: bool = False, conversions: bool = True) -> None:
    """Write every planned file under sample_data/, converting .xls/.ods when needed and possible."""
    wanted = {OUT / p.period / p.name for p in planned}
    for folder in (OUT / period for period in PERIODS):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file() and old not in wanted:
                old.unlink()
    to_convert: dict[str, list[tuple[Path, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "src"
        staging.mkdir()
        for item in planned:
            data = stable_xlsx(item.build())
            target = OUT / item.period / item.name
            if target.suffix == ".xlsx":
                if not target.exists() or target.read_bytes() != data:
                    target.write_bytes(data)
                continue
            if not conversions:
                continue
            source = staging / item.period / (target.stem + ".xlsx")
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_bytes(data)
            if not target.exists():
                to_convert.setdefault(CONVERT[target.suffix], []).append((source, "跳过（缺少此文件）"))
            elif _cells(target.read_bytes()) != _cells(data):
                to_convert.setdefault(CONVERT[target.suffix], []).append((source, "保留原有文件（内容已过时，与本脚本生成的不一致）"))
            elif reconvert:
                to_convert.setdefault(CONVERT[target.suffix], []).append((source, "保留原有文件"))
        if not to_convert:
            return
        if soffice() is None:
            print("未安装 LibreOffice（soffice），以下 .xls/.ods 示例无法转换：", file=sys.stderr)
            for fmt, items in to_convert.items():
                for source, state in items:
                    print(f"  {source.parent.name}/{source.stem}.{fmt}：{state}", file=sys.stderr)
            return
        profile = Path(tmp) / "profile"
        for fmt, items in to_convert.items():
            by_period: dict[str, list[Path]] = {}
            for source, _ in items:
                by_period.setdefault(source.parent.name, []).append(source)
            for period, sources in by_period.items():
                convert(sources, fmt, OUT / period, profile)
                for source in sources:
                    print(f"已用 LibreOffice 转换：{period}/{source.stem}.{fmt}")


def _severity(code: str) -> str:
    from bairi.core.findings import CATALOGUE

    return CATALOGUE[code].severity.label


def readme(planned: list[Planned], towns: dict[str, Town]) -> str:
    """sample_data/README.md: what is here, who is missing, and what check must say about each wrong file."""
    lines = [
        "# 示例数据：泽州县“百日攻坚”冬季行动各镇工作报告表（虚构）",
        "",
        "本目录是一次完整行动的模拟：16 个镇 × 3 个报告期（2023-11、2023-12、2024-01），"
        "企业名称、数字均为虚构，重大隐患内容摘自《工贸企业重大事故隐患判定标准》（2023）。",
        f"由 `python scripts/make_sample_data.py` 生成（随机种子 {SEED}，可重复运行，请勿手工修改；"
        "`.xls`/`.ods` 文件由 LibreOffice 转换得到）。",
        "",
        "```bash",
        "bairi check sample_data/2023-12          # 检查 12 月全部报表",
        "bairi check sample_data --format json    # 全部报表，JSON",
        "```",
        "",
        "## 目录与版式",
        "",
        "| 报告期 | 文件数 | 说明 |",
        "|---|---|---|",
    ]
    for period in PERIODS:
        count = sum(1 for p in planned if p.period == period)
        lines.append(f"| {period} | {count} | `{period}/` |")
    lines += [
        "",
        "各镇的版式和文件名习惯每月相同：",
        "",
        "- 大多数镇：县局下发的报告表原样（`Sheet1`，第 7 行“冶金工贸”、第 8 行“累计”，第 11 行起重大隐患明细）；",
        "- 巴公镇：统计表在“报告表”工作表，重大隐患明细另放一个工作表“重大隐患明细”；填报单位写“巴公镇人民政府”；",
        "- 南村镇：自己重排的表格，整体下移、右移（统计表从 C7 开始），表头有换行、空格、半角/全角括号，"
        "填报单位、填表人、填表日期写在同一个单元格里（C5），日期为文字“2023年12月21日”；",
        "- 北义城镇、川底镇：用 `bairi template --town` 生成的模板填写（工作表名“工作报告表”）；川底镇仍写旧名“川底乡”；",
        "- 高都镇：工作表改名为“高都镇12月”等，另有空白的 Sheet2、Sheet3；",
        "- 山河镇：文件名不写月份（`山河镇工作报告表.xlsx`），月份写在标题里（“（十一月份）”“（2023年12月）”）；",
        "- 大阳镇：每月都是 `.xls`；下村镇 12 月是 `.xls`；晋庙铺镇 1 月是 `.ods`（均由 LibreOffice 另存）。",
        "",
        "各镇“累计”行均满足 累计(本月) = 累计(上月) + 冶金工贸(本月)（下表列出的故意写错的格子除外），"
        "未报送的月份其数字仍计入下月累计。重大隐患明细列出自行动开始以来的全部重大隐患，行数等于累计排查重大隐患数。",
        "",
        "## 各月报送情况",
        "",
        "“未报送”的镇没有任何文件；“退回”是文件有错误、不能汇总的镇（见下节）。",
        "",
        "| 报告期 | 未报送 | 退回 | 迟报（填表日期晚于 25 日） | 其他 |",
        "|---|---|---|---|---|",
    ]
    for period in PERIODS:
        rejected = sorted({p.town for p in planned if p.period == period and p.verdict == "退回"
                           and p.town in TOWNS and not _resubmitted_ok(planned, p)}, key=TOWNS.index)
        late = [t for (t, p), _ in LATE_DAYS.items() if p == period]
        if period == RESUBMITTED[0]:
            late.append(RESUBMITTED[1] + "（修改版）")
        other = []
        if period == RESUBMITTED[0]:
            other.append(f"{RESUBMITTED[1]}重报一份“{RESUBMITTED[2]}”（填表日期更晚，已更正，应以它为准）")
        if period == STRAY[0]:
            other.append(f"误收外县文件“{STRAY[1]}”")
        lines.append(f"| {period} | {'、'.join(MISSING[period]) or '无'} | {'、'.join(rejected) or '无'} | "
                     f"{'、'.join(late) or '无'} | {'；'.join(other) or ''} |")
    lines += [
        "",
        f"整个行动期间{'、'.join(t.name for t in towns.values() if not t.cumulative[PERIODS[-1]]['exposed'])}"
        "没有公开曝光案例（1 月累计为 0；通知要求每镇至少报告一个典型案例）。",
        "1 月底仍未整改的重大隐患：" + "；".join(
            f"{m.town} {m.enterprise}（{m.found} 发现）" for t in towns.values() for m in t.majors if m.fixed is None) + "。",
        "",
        "## 故意写错或写法不规范的报表",
        "",
        "| 文件 | 写法 | 结论 |",
        "|---|---|---|",
    ]
    order = {name: index for index, name in enumerate(TOWNS)}
    listed = sorted((p for p in planned if p.expect is not None), key=lambda p: (p.period, order.get(p.town, 99)))
    for p in listed:
        lines.append(f"| `{p.period}/{p.name}` | {p.summary} | {p.verdict} |")
    lines += [
        "",
        "## `bairi check` 对上述文件应报告的全部问题",
        "",
        "下表逐条列出 `bairi check` 对每个文件报告的**全部**问题（错误、警告和提示），不多不少；"
        "`tests/test_sample_data.py` 读取本表并与实际检查结果逐条核对。",
        "未列在表中的文件没有错误和警告（只可能有“填报单位按某镇统计”“填表日期按文字读取”之类的提示），可以直接接收。",
        "",
        "| 文件 | 代码 | 级别 | 位置 | 说明 |",
        "|---|---|---|---|---|",
    ]
    for p in listed:
        for e in p.expect or []:
            lines.append(f"| `{p.period}/{p.name}` | {e.code} | {_severity(e.code)} | `{e.location}` | {e.what} |")
    lines.append("")
    return "\n".join(lines)


def _resubmitted_ok(planned: list[Planned], item: Planned) -> bool:
    return (item.period, item.town) == RESUBMITTED[:2] and any(p.name == RESUBMITTED[2] for p in planned)


def main(argv: list[str] | None = None) -> int:
    """Generate sample_data/ and its README."""
    parser = argparse.ArgumentParser(description="生成 sample_data/ 示例报表")
    parser.add_argument("--reconvert", action="store_true", help="即使 .xls/.ods 内容未变也用 LibreOffice 重新转换")
    parser.add_argument("--out", type=Path, default=SAMPLE_DATA, help="输出目录（默认 sample_data/）")
    parser.add_argument("--no-convert", action="store_true", help="不生成 .xls/.ods（只写 .xlsx 和 README）")
    args = parser.parse_args(argv)
    global OUT
    OUT = args.out
    rng = random.Random(SEED)
    towns = simulate(rng)
    declare_mistakes(towns)
    gaodu = towns["高都镇"]
    assert gaodu.cumulative["2023-11"]["general_found"] < gaodu.period["2023-12"]["general_found"], "高都镇 E501 失效"
    assert gaodu.cumulative["2023-11"]["general_fixed"] < gaodu.period["2023-12"]["general_fixed"], "高都镇 E501 失效"
    planned = plan(rng, towns)
    write_all(planned, reconvert=args.reconvert, conversions=not args.no_convert)
    keep = KEEP_MARKER + "\n"
    readme_path = OUT / "README.md"
    if readme_path.exists():
        old = readme_path.read_text(encoding="utf-8")
        if KEEP_MARKER in old:
            keep = old[old.index(KEEP_MARKER):]
    readme_path.write_text(readme(planned, towns) + "\n" + keep, encoding="utf-8")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"已生成 {len(planned)} 份报表到 {OUT}（共 {total / 1024:.0f} KB）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
