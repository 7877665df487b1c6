"""The benchmark's inputs: a province campaign of 1,200 units and 1,000 realistic returns, made once.

One real workbook per hazard count is laid out with openpyxl (bairi.write.layout.lay_form, as towns'
templates are), with placeholders where the unit name and the figures go; every return is then a
copy of that zip with the placeholders rewritten, which makes 1,000 files in about a second.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"
VERSION = "3"  # bump when the generated inputs change shape, so old _work folders are rebuilt
UNITS = 1200
RETURNS = 1000
SUBSETS = (10, 100, 1000)
SMALL_HAZARDS = 5
BIG_HAZARDS = 2000
PROVINCE_CONFIG = "province.toml"  # not bairi.toml: nothing should pick it up implicitly

# Characters for two-character town stems. None of them occurs in 镇/乡, 应急管理中心, 泽州县 or the
# form's labels, so a unit name can only ever be found where it was written.
STEM_CHARS = "甲乙丙丁戊己庚辛壬癸东西南北松柏桃李杏梅兰竹菊荷青红白黄紫金银铜铁玉石溪河湖泉峰岭"
CATEGORIES = ("冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸")
DETAILS = (
    "高炉煤气区域未设置固定式一氧化碳报警装置；12月20日前完成安装",
    "熔炼炉熔融金属吊运影响范围内设有休息室；已拆除并迁出",
    "粉尘涉爆除尘系统未采用泄爆、隔爆措施；限期至12月底前整改",
    "有限空间作业未执行先通风、再检测、后作业；已停工整顿并培训",
    "液氨制冷车间未设置紧急泄氨装置；12月25日前完成改造",
)
PLACEHOLDER_UNIT = "@UNIT@"
KEYS = ("teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered",
        "fines", "suspended", "exposed", "closed", "subcontracting", "labor_dispatch")


def unit_names(count: int = UNITS) -> list[str]:
    """`count` distinct town names such as 甲乙镇, 松柏乡."""
    names = []
    for i, first in enumerate(STEM_CHARS):
        for j, second in enumerate(STEM_CHARS):
            if first != second:
                names.append(f"{first}{second}{'镇' if (i + j) % 3 else '乡'}")
    if len(names) < count:
        raise ValueError(f"only {len(names)} names available")
    return names[:count]


def enterprises_of(index: int) -> int:
    """How many enterprises unit `index` has in its area (the config's figure)."""
    return 10 + (index * 7) % 40


def province_campaign():
    """The built-in campaign with its 16 towns replaced by 1,200 units, as a province would configure it."""
    from bairi.core.campaign import Unit, default_campaign

    campaign = default_campaign()
    units = [Unit(name=name, enterprises=enterprises_of(i)) for i, name in enumerate(unit_names())]
    return campaign.with_changes(units=units, authority="山西省应急管理厅", authority_short="山西省")


def _amount(rng: random.Random, high: int) -> Decimal:
    return Decimal(rng.randint(0, high)) / 10000


def figures(index: int, hazards: int) -> tuple[dict[str, object], dict[str, object]]:
    """Plausible, rule-abiding period and cumulative rows for return `index` with `hazards` detail rows."""
    rng = random.Random(index)
    share = enterprises_of(index)
    p: dict[str, object] = {"teams": rng.randint(1, 3), "enterprises": rng.randint(math.ceil(share / 2), share)}
    p["general_found"] = rng.randint(0, 60)
    p["general_fixed"] = rng.randint(0, p["general_found"])
    p["major_found"] = rng.randint(0, hazards)
    p["major_fixed"] = rng.randint(0, p["major_found"])
    p["ordered"] = rng.randint(0, 8)
    p["fines"] = _amount(rng, 40000)
    for key in ("suspended", "exposed", "closed", "subcontracting", "labor_dispatch"):
        p[key] = rng.randint(0, 2)
    c = {key: p[key] + rng.randint(0, 5) for key in ("teams", "ordered", "suspended", "exposed", "closed",
                                                     "subcontracting", "labor_dispatch")}
    c["enterprises"] = p["enterprises"] + rng.randint(0, share)
    earlier = rng.randint(0, 80)
    c["general_found"] = p["general_found"] + earlier
    c["general_fixed"] = p["general_fixed"] + rng.randint(0, earlier)
    c["major_found"] = hazards
    c["major_fixed"] = rng.randint(p["major_fixed"], hazards)
    c["fines"] = p["fines"] + _amount(rng, 60000)
    return p, c


def hazard_rows(count: int, town: str) -> list[dict[str, str]]:
    """`count` complete 重大隐患明细 rows for `town`."""
    return [{"enterprise": f"{town}第{n}钢铁铸造有限公司", "town": town, "category": CATEGORIES[n % len(CATEGORIES)],
             "supervisor": f"{town}人民政府" if n % 2 else "县应急管理局", "detail": DETAILS[n % len(DETAILS)]}
            for n in range(1, count + 1)]


def _placeholder(row: str, key_index: int) -> int:
    return (91000 if row == "period" else 92000) + key_index


def base_workbook(hazards: int, *, unit: str = PLACEHOLDER_UNIT, campaign=None,
                  period: dict | None = None, cumulative: dict | None = None) -> bytes:
    """A filled return as .xlsx bytes: laid out by bairi's own form code, values as given or placeholders."""
    from openpyxl import Workbook

    from bairi.core.campaign import default_campaign
    from bairi.write.book import to_bytes
    from bairi.write.layout import lay_form

    workbook = Workbook()
    ws = workbook.active
    ws.title = "Sheet1"
    lay_form(ws, campaign or default_campaign(), unit=f"{unit}应急管理中心", filler="张三", filled_on=date(2023, 12, 24),
             period=period or {k: _placeholder("period", i) for i, k in enumerate(KEYS)},
             cumulative=cumulative or {k: _placeholder("cumulative", i) for i, k in enumerate(KEYS)},
             hazards=hazard_rows(hazards, unit))
    return to_bytes(workbook)


def _number(value: object) -> bytes:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
    else:
        text = str(value)
    return text.encode()


def variant(base: bytes, unit: str, period: dict[str, object], cumulative: dict[str, object]) -> bytes:
    """`base` with the unit name and figures written into its XML (same parts, same order)."""
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            # openpyxl writes this form's text inline in the sheet; other writers use sharedStrings.
            data = data.replace(PLACEHOLDER_UNIT.encode(), unit.encode())
            if info.filename.startswith("xl/worksheets/sheet"):
                for row, values in (("period", period), ("cumulative", cumulative)):
                    for i, key in enumerate(KEYS):
                        marker = b"<v>%d</v>" % _placeholder(row, i)
                        if data.count(marker) != 1:
                            raise RuntimeError(f"placeholder for {row}.{key} not found once in the base workbook")
                        data = data.replace(marker, b"<v>" + _number(values[key]) + b"</v>")
            target.writestr(info.filename, data)
    return out.getvalue()


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _expected_totals(rows: list[dict[str, object]]) -> dict[str, object]:
    totals: dict[str, object] = {}
    for key in KEYS:
        total = sum((Decimal(str(r[key])) for r in rows), Decimal(0))
        totals[key] = int(total) if key != "fines" else str(total.normalize())
    return totals


def generate(work: Path = WORK, fresh: bool = False, log=print) -> dict:
    """Build (or reuse) every input under `work`; returns the manifest."""
    manifest_path = work / "manifest.json"
    if not fresh and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("version") == VERSION and all((work / p).exists() for p in manifest["paths"].values()):
            return manifest
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log(f"generating inputs in {work} (once; --fresh rebuilds) ...")

    from bairi.core.campaign import default_campaign, load_campaign
    from bairi.present.render import campaign_toml

    campaign = province_campaign()
    config = work / PROVINCE_CONFIG
    config.write_text(campaign_toml(campaign), encoding="utf-8")
    if len(load_campaign(config).units) != UNITS:
        raise RuntimeError("the generated province config does not round-trip")

    names = unit_names()
    bases = {k: base_workbook(k) for k in range(6)}
    full = work / "returns" / str(RETURNS)
    full.mkdir(parents=True)
    period_rows, cumulative_rows, files = [], [], []
    for index in range(RETURNS):
        hazards = index % 6
        period, cumulative = figures(index, hazards)
        path = full / f"{names[index]}12月份百日攻坚报表.xlsx"
        path.write_bytes(variant(bases[hazards], names[index], period, cumulative))
        period_rows.append(period)
        cumulative_rows.append(cumulative)
        files.append(path)
    expected = {}
    for size in SUBSETS:
        folder = work / "returns" / str(size)
        if size != RETURNS:
            folder.mkdir(parents=True)
            for path in files[:size]:
                _link(path, folder / path.name)
        expected[str(size)] = {"period_row": _expected_totals(period_rows[:size]),
                               "cumulative_row": _expected_totals(cumulative_rows[:size])}

    # One county town's return checked under the built-in campaign: 5 hazard rows and 2,000.
    county = default_campaign()
    name = "巴公镇12月份百日攻坚报表.xlsx"
    paths = {"config": PROVINCE_CONFIG}
    for label, count in (("small", SMALL_HAZARDS), ("big", BIG_HAZARDS)):
        period, cumulative = figures(8, count)
        period["enterprises"] = cumulative["enterprises"] = 45
        folder = work / "check" / label
        folder.mkdir(parents=True)
        (folder / name).write_bytes(base_workbook(count, unit="巴公镇", campaign=county, period=period,
                                                  cumulative=cumulative))
        paths[f"check_{label}"] = str((folder / name).relative_to(work))
    # The same 2,000-row return from a province unit, checked under the 1,200-unit config.
    period, cumulative = figures(0, BIG_HAZARDS)
    folder = work / "check" / "province_big"
    folder.mkdir(parents=True)
    big = folder / f"{names[0]}12月份百日攻坚报表.xlsx"
    big.write_bytes(base_workbook(BIG_HAZARDS, unit=names[0], campaign=campaign, period=period, cumulative=cumulative))
    paths["check_province_big"] = str(big.relative_to(work))
    for size in SUBSETS:
        paths[f"returns_{size}"] = f"returns/{size}"
    (work / "out").mkdir()
    manifest = {"version": VERSION, "paths": paths, "expected": expected}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
