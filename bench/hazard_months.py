"""Two months of major-hazard rows across the built-in campaign's towns, for timing the register's matching.

Month one lists `rows` hazards spread over the towns, a few per enterprise; month two repeats most of
them as towns really do (a rectification remark added, an enterprise name written another way: 泽州县
before it, 有限责任公司 for 有限公司, a space), drops some and adds new ones. Seeded: the same call gives
the same files.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

DETAIL_PARTS = (
    ("高炉煤气区域", "未设置固定式一氧化碳报警装置"), ("熔炼炉熔融金属吊运影响范围内", "设有休息室"),
    ("粉尘涉爆除尘系统", "未采用泄爆、隔爆措施"), ("有限空间作业", "未执行先通风、再检测、后作业"),
    ("液氨制冷车间", "未设置紧急泄氨装置"), ("煤气柜区域", "未设置围栏和警示标志"),
    ("铝加工深井铸造", "未设置紧急排放和应急储存设施"), ("涉爆粉尘车间", "电气设备不符合防爆要求"),
    ("钢水包吊运", "未采用冶金铸造起重机"), ("氧枪系统", "未设置冷却水流量低报警与联锁"),
)
PLANS = ("12月20日前完成整改", "限期至12月底前整改", "已停产整顿", "1月15日前完成改造", "正在整改")
WORDS = "宏达兴盛鑫源泰丰华隆晋恒通广福瑞祥安康宝利丰泽永昌德"
KINDS = ("铸造", "钢铁", "铝业", "建材", "机械制造", "耐火材料", "冶金", "化工设备")


def _enterprise(rng: random.Random, town: str) -> str:
    return f"{town[:-1]}{''.join(rng.sample(WORDS, 2))}{rng.choice(KINDS)}有限公司"


def _respelt(rng: random.Random, name: str) -> str:
    """The same enterprise as another clerk writes it."""
    way = rng.randrange(4)
    if way == 0:
        return "泽州县" + name
    if way == 1:
        return name.replace("有限公司", "有限责任公司")
    if way == 2:
        return name[:2] + " " + name[2:]
    return name


def months(rows: int, seed: int = 20, towns_used: int = 16) -> dict[str, list[dict[str, str]]]:
    """{town: [rows of month one, rows of month two]} as hazard-table dicts, `rows` in month one in all."""
    from bairi.core.campaign import default_campaign

    rng = random.Random(seed)
    towns = [u.name for u in default_campaign().units][:towns_used]
    first: dict[str, list[dict[str, str]]] = {t: [] for t in towns}
    for n in range(rows):
        town = towns[n % len(towns)]
        listed = first[town]
        # A few hazards per enterprise: a new one every other row or so.
        name = listed[-1]["enterprise"] if listed and rng.random() < 0.4 else _enterprise(rng, town)
        where, what = DETAIL_PARTS[rng.randrange(len(DETAIL_PARTS))]
        listed.append({"enterprise": name, "town": town, "category": rng.choice(("冶金", "有色", "建材", "机械")),
                       "supervisor": f"{town}人民政府", "detail": f"{where}{what}（第{n + 1}处）；{rng.choice(PLANS)}"})
    second: dict[str, list[dict[str, str]]] = {}
    for town, listed in first.items():
        kept = []
        for row in listed:
            roll = rng.random()
            if roll < 0.1:
                continue  # dropped
            changed = dict(row, enterprise=_respelt(rng, row["enterprise"]))
            if roll < 0.4:
                changed["detail"] = row["detail"].split("；")[0] + "；已整改完毕（12月18日验收）"
            kept.append(changed)
        for _ in range(len(listed) // 10):
            where, what = DETAIL_PARTS[rng.randrange(len(DETAIL_PARTS))]
            kept.append({"enterprise": _enterprise(rng, town), "town": town, "category": "机械",
                         "supervisor": f"{town}人民政府", "detail": f"{where}{what}（新增）；{rng.choice(PLANS)}"})
        second[town] = kept
    return {town: [first[town], second[town]] for town in towns}


def write_months(folder: Path, rows: int, seed: int = 20, towns_used: int = 16) -> Path:
    """The two months' returns of every town under `folder` (11月/, 12月/); the folder."""
    from openpyxl import Workbook

    from bairi.core.campaign import default_campaign
    from bairi.write.book import to_bytes
    from bairi.write.layout import lay_form

    campaign = default_campaign()
    keys = ("teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered", "fines",
            "suspended", "exposed", "closed", "subcontracting", "labor_dispatch")
    for town, pair in months(rows, seed, towns_used).items():
        for index, (month, filled) in enumerate(((11, date(2023, 11, 24)), (12, date(2023, 12, 24)))):
            hazards = pair[index]
            fixed = sum(1 for h in hazards if "已整改" in h["detail"])
            period = dict.fromkeys(keys, 0) | {"teams": 1, "enterprises": 5, "major_found": len(hazards),
                                               "major_fixed": fixed}
            cumulative = dict(period) | {"major_found": len(hazards) + (len(pair[0]) if index else 0),
                                         "major_fixed": fixed + (len(pair[0]) if index else 0)}
            workbook = Workbook()
            sheet = workbook.active
            sheet.title = "Sheet1"
            lay_form(sheet, campaign, unit=f"{town}应急管理中心", filler="张三", filled_on=filled, period=period,
                     cumulative=cumulative, hazards=hazards)
            target = folder / f"{month}月" / f"{town}{month}月份百日攻坚报表.xlsx"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(to_bytes(workbook))
    return folder


if __name__ == "__main__":
    import sys

    write_months(Path(sys.argv[1]), int(sys.argv[2]), towns_used=int(sys.argv[3]) if len(sys.argv) > 3 else 16)
