"""What a town reads of a finding: the catalogue's town texts, and a cell said as a person would say it.

The clerk sees `Sheet1!E7` and the file's name; a town's 退回 letter or 催报 says "第7行“一般隐患·排查”栏（E7）"
(the column's own header, found from where the return's figures were read) and never names a sheet, a file,
a command or the county's configuration.
"""

from __future__ import annotations

import re
from typing import Any

from bairi.core.findings import Finding
from bairi.core.model import Return

# A cell reference at the end of a location: 报表!F10, Sheet1!$E$7, E7 (a range names its first cell).
_CELL = re.compile(r"(?:^|!)\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)(?::\$?[A-Z]{1,3}\$?\d+)?$")


def _cell_of(location: str) -> tuple[str, int] | None:
    match = _CELL.search(location or "")
    return (match.group("col"), int(match.group("row"))) if match else None


def column_names(ret: Return | None) -> dict[tuple[str, int], str]:
    """(column letter, row) → the header a town sees for that cell, from where the return's parts were read:
    the statistics table's figures, the 重大隐患明细 rows and the header fields (填报单位 …)."""
    names: dict[tuple[str, int], str] = {}
    if ret is None:
        return names
    form = ret.form
    for row in (ret.period_row, ret.cumulative_row):
        for key, figure in (row or {}).items():
            column, cell = form.by_key.get(key), _cell_of(figure.location)
            if column is not None and cell:
                names.setdefault(cell, f"{column.group}·{column.header}" if column.group else column.header)
    hazard_headers = {c.key: c.header for c in form.hazard_columns}
    for hazard in ret.hazards:
        for key, location in hazard.cells.items():
            cell = _cell_of(location)
            if cell and key in hazard_headers:
                names.setdefault(cell, hazard_headers[key])
    labels = {f.key: f.label for f in form.fields}
    for key, location in ret.locations.items():
        cell = _cell_of(location)
        if cell and key in labels:
            names.setdefault(cell, labels[key])
    return names


def cell_words(location: str, ret: Return | None = None, names: dict[tuple[str, int], str] | None = None) -> str:
    """第7行“一般隐患·排查”栏（E7）; 第7行（E7） for a cell none of the return's parts was read from; "" when not a cell."""
    cell = _cell_of(location)
    if cell is None:
        return ""
    letter, row = cell
    known = names if names is not None else column_names(ret)
    header = known.get(cell)
    return f"第{row}行“{header}”栏（{letter}{row}）" if header else f"第{row}行（{letter}{row}）"


def town_findings(findings: list[Finding], ret: Return | None) -> list[dict[str, Any]]:
    """The findings as a town reads them: `location` in words (or ""), the town's message and hint, no full stop."""
    names = column_names(ret)
    return [{"code": f.code, "location": cell_words(f.location, names=names),
             "message": (f.town_message or f.message).rstrip("。"), "hint": (f.town_hint or "").rstrip("。")}
            for f in findings]
