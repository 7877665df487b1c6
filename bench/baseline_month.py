"""The script a user would write instead of `bairi merge` on one month's folder: read every town's return with
pandas, add up the two rows, and write the totals to a workbook with `DataFrame.to_excel`.

    python bench/baseline_month.py FOLDER OUTPUT.xlsx

It knows the layout (rows 7 and 8, columns B to N of the first sheet) instead of finding it and checks
nothing, so on a month whose returns are each laid out a little differently its sums are not the county's;
it is the amount of work that is compared. `.xlsx` is read as pandas reads it by default (openpyxl); `.xls`
with python-calamine, pandas' engine for it when xlrd is not installed (bairi does not depend on xlrd).
"""

import sys
from pathlib import Path

import pandas as pd

KEYS = ("teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered",
        "fines", "suspended", "exposed", "closed", "subcontracting", "labor_dispatch")

period = pd.Series(0.0, index=KEYS)
cumulative = pd.Series(0.0, index=KEYS)
files = sorted(p for p in Path(sys.argv[1]).iterdir() if p.suffix.lower() in (".xlsx", ".xls"))
for path in files:
    engine = "calamine" if path.suffix.lower() == ".xls" else "openpyxl"
    frame = next(iter(pd.read_excel(path, sheet_name=None, engine=engine, header=None).values()))
    rows = frame.reindex(index=[6, 7], columns=range(1, 14))  # a shorter sheet gives blanks, not an error
    period += pd.to_numeric(rows.loc[6], errors="coerce").fillna(0).to_numpy()
    cumulative += pd.to_numeric(rows.loc[7], errors="coerce").fillna(0).to_numpy()

totals = pd.DataFrame([period, cumulative], index=["本月", "累计"])
totals.to_excel(sys.argv[2], sheet_name="全县合计")
print(f"{len(files)} files")
