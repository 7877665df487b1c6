#!/usr/bin/env python3
"""Make the LibreOffice-saved fixtures of test_town_habits.py (run once; the outputs are committed).

Three returns built from tests/build.py's clean return, each saved by LibreOffice as .xlsx, .xls and .ods:

- habit_errors: 排查企业 (C7) is =B7/0 and 累计 责令 (H8) is =NA(); LibreOffice saves #DIV/0! and #N/A;
- habit_merged: one enterprise's three hazards with 企业名称, 所在镇, 行业类别, 挂牌督办单位 merged down,
  and the fines header 行政罚款（元） with the fines in 元;
- habit_none: no major hazard, 无 written in the first row of the 重大隐患明细.

    python tests/data/make_habits.py        # needs soffice (apt-get install libreoffice-calc-nogui)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent / "src"))

from build import CUMULATIVE, HAZARDS, PERIOD, saved_by_libreoffice, write_return

FORMATS = ("xlsx", "xls", "ods")
THREE = [HAZARDS[0], dict(HAZARDS[0], detail="煤气管道未设置可靠隔离装置；1月10日前整改"),
         dict(HAZARDS[0], detail="炉下渣坑存在积水；立即整改")]


def errors(ws) -> None:
    """Two formulas that fail (LibreOffice computes and saves the error values)."""
    ws["C7"] = "=B7/0"
    ws["H8"] = "=NA()"


def merged(ws) -> None:
    """The four columns of one enterprise merged down over its three hazards; fines in 元 under a 元 header."""
    for first, last in {"B": "D", "E": "F", "G": "H", "I": "J"}.items():
        for row in (12, 13, 14):
            ws.unmerge_cells(f"{first}{row}:{last}{row}")
            if row > 12:
                ws[f"{first}{row}"] = None
        ws.merge_cells(f"{first}12:{last}14")
    ws["I5"] = "行政罚款\n（元）"
    ws["I7"] = 15000
    ws["I8"] = 32500


def none(ws) -> None:
    ws["A12"] = 1
    ws["B12"] = "无"


def main() -> int:
    """Write tests/data/habit_*.{xlsx,xls,ods}."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = [
            write_return(work / "habit_errors.xlsx", edit=errors),
            write_return(work / "habit_merged.xlsx", edit=merged, hazards=THREE,
                         period=dict(PERIOD, major_found=2), cumulative=dict(CUMULATIVE, major_found=3)),
            write_return(work / "habit_none.xlsx", edit=none, hazards=[],
                         period=dict(PERIOD, major_found=0, major_fixed=0),
                         cumulative=dict(CUMULATIVE, major_found=0, major_fixed=0)),
        ]
        return saved_by_libreoffice(sources, FORMATS, HERE, work)


if __name__ == "__main__":
    raise SystemExit(main())
