"""The script a user would write instead of `bairi merge`: read every return with pandas, sum the two rows.

It knows the layout (rows 7 and 8, columns B to N of the first sheet) instead of finding it, checks
nothing and writes no workbook, so it is cheaper than what it stands in for. Prints the totals as JSON.
"""

import json
import sys
from pathlib import Path

import pandas as pd

KEYS = ("teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered",
        "fines", "suspended", "exposed", "closed", "subcontracting", "labor_dispatch")

period = pd.Series(0.0, index=KEYS)
cumulative = pd.Series(0.0, index=KEYS)
files = sorted(p for p in Path(sys.argv[1]).rglob("*.xlsx"))
for path in files:
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None)
    frame = next(iter(sheets.values()))
    period += pd.to_numeric(frame.iloc[6, 1:14], errors="coerce").fillna(0).to_numpy()
    cumulative += pd.to_numeric(frame.iloc[7, 1:14], errors="coerce").fillna(0).to_numpy()


def plain(series: pd.Series) -> dict:
    return {key: round(float(value), 4) if key == "fines" else int(round(value)) for key, value in series.items()}


print(json.dumps({"files": len(files), "period_row": plain(period), "cumulative_row": plain(cumulative)}))
