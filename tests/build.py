"""Build real return workbooks for tests: the form laid out as towns fill it, with knobs for their habits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from bairi.core.form import NOTICE
from bairi.write.layout import lay_form, save

PERIOD = {"teams": 2, "enterprises": 25, "general_found": 40, "general_fixed": 31, "major_found": 1,
          "major_fixed": 0, "ordered": 6, "fines": 1.5, "suspended": 1, "exposed": 1, "closed": 0,
          "subcontracting": 0, "labor_dispatch": 1}
CUMULATIVE = {"teams": 4, "enterprises": 50, "general_found": 85, "general_fixed": 70, "major_found": 2,
              "major_fixed": 1, "ordered": 11, "fines": 3.25, "suspended": 1, "exposed": 2, "closed": 0,
              "subcontracting": 1, "labor_dispatch": 1}
HAZARDS = [
    {"enterprise": "山西晋城巴公钢铁有限公司", "town": "巴公镇", "category": "冶金", "supervisor": "泽州县应急管理局",
     "detail": "高炉煤气区域未设置固定式一氧化碳报警装置；12月20日前完成安装"},
    {"enterprise": "泽州县巴公铸造有限公司", "town": "巴公镇", "category": "机械", "supervisor": "巴公镇人民政府",
     "detail": "熔炼炉熔融金属吊运影响范围内设有休息室；已拆除并迁出"},
]


def write_return(path: Path, *, unit: Any = "巴公镇应急管理中心", filler: Any = "张三",
                 filled_on: Any = date(2023, 12, 24), period: dict[str, Any] | None = None,
                 cumulative: dict[str, Any] | None = None, hazards: list[dict[str, str]] | None = None,
                 edit=None) -> Path:
    """Write a filled return in the template's layout; `edit(ws)` may then change any cell."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet1"
    lay_form(ws, default_campaign(), unit=unit if isinstance(unit, str) else "", filler=filler if isinstance(filler, str) else "",
             filled_on=filled_on if isinstance(filled_on, date) else None,
             period=dict(PERIOD if period is None else period),
             cumulative=dict(CUMULATIVE if cumulative is None else cumulative),
             hazards=HAZARDS if hazards is None else hazards)
    if not isinstance(filled_on, date):
        ws["C4"].value = filled_on
    if edit is not None:
        edit(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(workbook, path)
    return path


def split_hazards(ws) -> None:
    """An edit for write_return: the 重大隐患明细 moved to a sheet of its own, as some towns do."""
    details = ws.parent.create_sheet("重大隐患明细")
    details.append(["序号", "企业名称", "所在镇", "行业类别", "挂牌督办单位", "重大隐患明细及整改计划"])
    for number, hazard in enumerate(HAZARDS, start=1):
        details.append([number, hazard["enterprise"], hazard["town"], hazard["category"], hazard["supervisor"],
                        hazard["detail"]])
    for merged in [m for m in ws.merged_cells.ranges if m.min_row >= 10]:
        ws.unmerge_cells(str(merged))
    ws.delete_rows(10, 10)


def all_keys(value: Any) -> dict[str, Any]:
    """The same value in every column."""
    return {key: value for key in NOTICE.keys}


CAMPAIGN = default_campaign()


def codes(ret, skip=("I303",)):
    """The findings as (code, cell), leaving out the usual note on the unit's name."""
    return [(f.code, f.cell) for f in ret.findings if f.code not in skip]


def check(path: Path, period: str | None = None):
    """bairi check on one file under the built-in campaign."""
    return check_file(path, CAMPAIGN, period)


def put(**cells):
    """An edit for write_return that sets the given cells (B7="3项"); text stays text."""
    def edit(ws):
        for ref, value in cells.items():
            ws[ref] = value
            if isinstance(value, str) and not value.startswith("="):
                ws[ref].data_type = "s"
    return edit


def written_chinese(n: int) -> str:
    """n (below 100000) in Chinese numerals, in the standard written form: a spelling independent of the reader's."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")

    def below_10k(m: int, leading: bool) -> str:
        out, zero = "", False
        for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = m // value % 10
            if d:
                out += ("零" if zero and out else "") + digits[d] + unit
                zero = False
            elif out or not leading:
                zero = True
        return out

    high, low = divmod(n, 10000)
    if not high:
        return below_10k(low, True)
    return below_10k(high, True) + "万" + (("零" if low < 1000 else "") + below_10k(low, True) if low else "")


def saved_by_libreoffice(sources: list[Path], formats: tuple[str, ...], dest: Path, work: Path) -> int:
    """Each source workbook saved again by LibreOffice in each format (a private profile), copied into `dest`;
    1 with a Chinese note when LibreOffice is not installed. For the fixture generators under tests/data/."""
    import shutil
    import subprocess
    import sys

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("需要 LibreOffice（soffice）", file=sys.stderr)
        return 1
    profile = (work / "profile").as_uri()
    for fmt in formats:
        out = work / fmt
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out), *map(str, sources)], check=True, capture_output=True, timeout=300)
        for made in out.iterdir():
            shutil.copyfile(made, dest / made.name)
            print(f"tests/data/{made.name}")
    return 0
