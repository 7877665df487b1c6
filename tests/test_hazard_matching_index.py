"""The register's matching, indexed by town and normalised enterprise, decides exactly as comparing every pair."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from bairi.hazards import register as matching
from bairi.hazards.entries import Sighting
from bairi.hazards.register import build_register
from bairi.hazards.text import enterprise_key
from bairi.present.hazards import register_document
from build import write_return

CAMPAIGN = default_campaign()
WORDS = "宏达兴盛鑫源泰丰华隆"
KINDS = ("铸造", "钢铁", "铝业")
DETAILS = ("高炉煤气区域未设置固定式一氧化碳报警装置", "粉尘涉爆除尘系统未采用泄爆、隔爆措施",
           "有限空间作业未执行先通风、再检测、后作业", "液氨制冷车间未设置紧急泄氨装置")


def _name(rng: random.Random) -> str:
    return f"巴公{''.join(rng.sample(WORDS, 2))}{rng.choice(KINDS)}有限公司"


def _respelt(rng: random.Random, name: str) -> str:
    return rng.choice(("泽州县" + name, name.replace("有限公司", "有限责任公司"), name[:2] + " " + name[2:], name,
                       name[:-4] + "公司", "晋城" + name))


def _months(seed: int, rows: int) -> list[list[dict[str, str]]]:
    """Two months of one town's rows, crowded with names that are the same, alike but for a region, or close."""
    rng = random.Random(seed)
    first = [{"enterprise": _name(rng), "town": "巴公镇", "category": "冶金", "supervisor": "巴公镇人民政府",
              "detail": f"{rng.choice(DETAILS)}（{rng.randrange(5)}）；{rng.choice(('12月20日前完成', '正在整改'))}"}
             for _ in range(rows)]
    second = [dict(r, enterprise=_respelt(rng, r["enterprise"]),
                   detail=r["detail"].split("；")[0] + ("；已整改完毕" if rng.random() < 0.3 else "；正在整改"))
              for r in first if rng.random() > 0.15]
    second += [dict(first[0], enterprise=_name(rng), detail=rng.choice(DETAILS)) for _ in range(rows // 8)]
    return [first, second]


def _sightings(tmp_path, seed: int, rows: int) -> list[Sighting]:
    found = []
    for index, hazards in enumerate(_months(seed, rows)):
        month, year = (11, 12)[index], 2023
        path = write_return(tmp_path / f"{seed}" / f"巴公镇{month}月份报表.xlsx", filled_on=date(year, month, 24),
                            hazards=hazards)
        found.append(Sighting("巴公镇", f"{year}-{month:02d}", check_file(path, CAMPAIGN), str(path)))
    return found


def _every_entry(self, name):
    """What the matching did before the index: every entry of the town is a candidate."""
    return set().union(*self.by_key.values()) if self.by_key else set()


@pytest.mark.parametrize("seed", [1, 2])
def test_indexed_matching_equals_comparing_every_pair(tmp_path, monkeypatch, seed):
    sightings = _sightings(tmp_path, seed, 60)
    indexed = register_document(build_register(sightings, CAMPAIGN, date(2024, 1, 31)), None)
    monkeypatch.setattr(matching._Names, "candidates", _every_entry)
    compared = register_document(build_register(sightings, CAMPAIGN, date(2024, 1, 31)), None)
    assert indexed == compared
    # Not a trivial case: rows were matched across the months, some of them only as alike (H801).
    assert sum(len(h.periods) == 2 for h in indexed.hazards) > 20
    assert any(f.code == "H801" for f in indexed.findings)


def test_the_name_index_finds_every_close_pair():
    rng = random.Random(7)
    names = list(dict.fromkeys(_respelt(rng, _name(rng)) for _ in range(300)))
    index = matching._Names(names, set())
    for number, name in enumerate(names):
        index.add(name, number)
    for name in names[:60]:
        key = enterprise_key(name)
        expected = {n for n, other in enumerate(names) if matching._keys_alike(enterprise_key(other), key, set())}
        assert index.candidates(name) == expected
    kinds = {matching._keys_alike(enterprise_key(a), enterprise_key(b), set()) for a in names[:60] for b in names}
    assert kinds == {"same", "region", "close", ""}  # every kind of likeness was there to be found
