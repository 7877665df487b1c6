"""The script a user would write instead of `bairi check`: read every sheet with pandas (openpyxl engine)."""

import sys

import pandas as pd

sheets = pd.read_excel(sys.argv[1], sheet_name=None, engine="openpyxl")
print(f"{len(sheets)} sheets, {sum(len(frame) for frame in sheets.values())} rows")
