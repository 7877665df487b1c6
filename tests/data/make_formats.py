#!/usr/bin/env python3
"""Make the LibreOffice-saved fixtures of test_formats.py (run once; the outputs are committed).

One return (tests/build.py's clean return) in three layouts — the form as laid out, the tables
moved down and right, the hazard table on a second sheet — plus a copy whose 累计 row is formulas,
each saved by LibreOffice as .xlsx, .xls and .ods:

    python tests/data/make_formats.py        # needs soffice (apt-get install libreoffice-calc-nogui)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent / "src"))

from openpyxl import Workbook, load_workbook  # noqa: E402

from bairi.core.form import NOTICE  # noqa: E402
from bairi.write.layout import save  # noqa: E402
from build import saved_by_libreoffice, split_hazards, write_return  # noqa: E402

FORMATS = ("xlsx", "xls", "ods")


def moved(source: Path, target: Path, down: int = 4, right: int = 2) -> None:
    """Every value moved down and right, on a sheet named 报表 (a town's own copy of the form)."""
    old = load_workbook(source).active
    workbook = Workbook()
    ws = workbook.active
    ws.title = "报表"
    for row in old.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws.cell(cell.row + down, cell.column + right, cell.value).number_format = cell.number_format
    for merged in old.merged_cells.ranges:
        ws.merge_cells(start_row=merged.min_row + down, start_column=merged.min_col + right,
                       end_row=merged.max_row + down, end_column=merged.max_col + right)
    save(workbook, target)




def formulas(ws) -> None:
    """累计 = 上月累计 + 本月, as formulas (LibreOffice saves their results)."""
    from build import CUMULATIVE, PERIOD

    for index, key in enumerate(NOTICE.keys):
        column = chr(ord("B") + index)
        previous = CUMULATIVE[key] - PERIOD[key]
        ws[f"{column}8"] = f"={column}7+{round(previous, 4)}"


def main() -> int:
    """Write tests/data/lo_*.{xlsx,xls,ods}."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = [write_return(work / "lo_clean.xlsx"), write_return(work / "lo_split.xlsx", edit=split_hazards),
                   write_return(work / "lo_formulas.xlsx", edit=formulas)]
        moved(sources[0], work / "lo_moved.xlsx")
        sources.append(work / "lo_moved.xlsx")
        return saved_by_libreoffice(sources, FORMATS, HERE, work)


if __name__ == "__main__":
    raise SystemExit(main())
