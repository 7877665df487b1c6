"""openpyxl beside XlsxWriter on the same county workbook: what writing the province's merge costs with each.

    pip install xlsxwriter          # only for this measurement; bairi itself writes with openpyxl
    python bench/writers.py         # after bench/run.py has generated bench/_work/

The 1,000 returns are merged once; then, each timed alone and repeated (CPU time), (a) bairi's own writing:
merged_workbook() laying the five sheets out on openpyxl worksheets and openpyxl saving them, and
(b) XlsxWriter writing the very same cells (values, looks, merges, sizes, panes, print setup,
charts), taken from (a)'s workbook beforehand so that only XlsxWriter's own work is timed. The two
files are then read back and their cell values compared. openpyxl saves faster when lxml is installed:
run this a second time with lxml importable to see that figure too.
"""

from __future__ import annotations

import gc
import io
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus


def median_time(action, runs: int) -> tuple[float, object]:
    """The median CPU time of `runs` calls of action() (collector paused, as bairi's writing has it).

    CPU time, not wall time: both writers are single-threaded, and on a shared machine the CPU time
    of one process hardly moves with the load of others while its wall time can double."""
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        gc.disable()
        start = time.process_time()
        result = action()
        times.append(time.process_time() - start)
        gc.enable()
    return statistics.median(times), result


def describe(workbook) -> list[dict]:
    """Everything XlsxWriter needs to write the same workbook, as plain data (taken before timing)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    sheets = []
    for ws in workbook.worksheets:
        cells = [(c.row - 1, c.column - 1, c.value, c.style) for row in ws.iter_rows() for c in row
                 if c.value is not None or c.has_style]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        charts = []
        for chart in ws._charts:
            if isinstance(chart.anchor, str):
                letters, number = coordinate_from_string(chart.anchor)
                at = (number - 1, column_index_from_string(letters) - 1)
            else:
                at = (chart.anchor._from.row, chart.anchor._from.col)
            charts.append((at, "".join(r.t for p in chart.title.tx.rich.p for r in p.r),
                           [(s.tx.strRef.f, s.cat.strRef.f, s.val.numRef.f) for s in chart.series]))
        sheets.append({
            "title": ws.title, "cells": cells, "merges": merges,
            "widths": {d.min - 1: d.width for d in ws.column_dimensions.values() if d.customWidth},
            "heights": {r - 1: d.height for r, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes, "titles": ws.print_title_rows, "charts": charts,
        })
    return sheets


def formats_of(workbook) -> dict[str, dict]:
    """Each named style of the openpyxl workbook as an XlsxWriter format's properties."""
    out = {}
    for style in workbook._named_styles:
        f, a, b, fill = style.font, style.alignment, style.border, style.fill
        props: dict = {"font_name": f.name or "Calibri", "font_size": f.sz or 11, "bold": bool(f.b)}
        if f.color is not None and f.color.type == "rgb":
            props["font_color"] = "#" + f.color.rgb[-6:]
        if a.horizontal:
            props["align"] = a.horizontal
        if a.vertical:
            props["valign"] = "vcenter" if a.vertical == "center" else a.vertical
        if a.wrap_text:
            props["text_wrap"] = True
        if b.left is not None and b.left.style:
            props["border"] = 1
        elif b.bottom is not None and b.bottom.style:
            props["bottom"] = 1
        if fill.fill_type == "solid":
            props.update(pattern=1, bg_color="#" + fill.fgColor.rgb[-6:])
        if style.number_format != "General":
            props["num_format"] = style.number_format
        if style.protection is not None and style.protection.locked is False:
            props["locked"] = False
        out[style.name] = props
    return out


def write_with_xlsxwriter(sheets: list[dict], formats: dict[str, dict]) -> bytes:
    """The same workbook written by XlsxWriter."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    made = {name: book.add_format(props) for name, props in formats.items()}
    for sheet in sheets:
        ws = book.add_worksheet(sheet["title"])
        values = {(r, c): (v, made.get(s)) for r, c, v, s in sheet["cells"]}
        for first_row, first_col, last_row, last_col in sheet["merges"]:
            value, fmt = values.pop((first_row, first_col), (None, None))
            ws.merge_range(first_row, first_col, last_row, last_col, "" if value is None else value, fmt)
        for (r, c), (value, fmt) in values.items():
            if value is None:
                ws.write_blank(r, c, None, fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            elif isinstance(value, (datetime, date)):
                ws.write_datetime(r, c, value, fmt)
            else:
                ws.write_number(r, c, value, fmt)
        for col, width in sheet["widths"].items():
            ws.set_column(col, col, width)
        for row, height in sheet["heights"].items():
            ws.set_row(row, height)
        if sheet["freeze"]:
            ws.freeze_panes(sheet["freeze"])
        if sheet["titles"]:
            first, last = (int(x) - 1 for x in sheet["titles"].replace("$", "").split(":"))
            ws.repeat_rows(first, last)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.hide_gridlines(2)
        for (row, col), title, series in sheet["charts"]:
            chart = book.add_chart({"type": "column"})
            for name, categories, values_ref in series:
                chart.add_series({"name": "=" + name, "categories": "=" + categories, "values": "=" + values_ref})
            chart.set_title({"name": title})
            chart.set_y_axis({"name": "项"})
            chart.set_size({"x_scale": 24 / 12.7, "y_scale": 9 / 7.62})
            ws.insert_chart(row, col, chart)
    book.close()
    return buffer.getvalue()


def main() -> int:
    """Merge the 1,000 returns once, then time both writers and compare what they wrote."""
    from openpyxl import LXML, load_workbook

    from bairi.core.campaign import load_campaign
    from bairi.merge.consolidate import consolidate
    from bairi.state.inputs import read_state
    from bairi.write.book import to_bytes
    from bairi.write.county import merged_workbook

    try:
        import xlsxwriter
    except ImportError:
        print("this measurement needs XlsxWriter: pip install xlsxwriter", file=sys.stderr)
        return 2
    manifest = corpus.generate(log=lambda *a: None)
    paths = {key: corpus.WORK / value for key, value in manifest["paths"].items()}
    campaign = load_campaign(paths["config"])
    state = read_state([paths["returns_1000"]], campaign, datetime.now(UTC), date(2023, 12, 26), None, False, None)
    merged = consolidate(state, "2023-12")
    runs = 5

    layout_s, workbook = median_time(lambda: merged_workbook(merged, campaign, "王五", date(2023, 12, 26)), runs)
    save_s, ours = median_time(lambda: to_bytes(workbook), runs)
    sheets, formats = describe(workbook), formats_of(workbook)
    cells = sum(len(s["cells"]) for s in sheets)
    merges = sum(len(s["merges"]) for s in sheets)
    theirs_s, theirs = median_time(lambda: write_with_xlsxwriter(sheets, formats), runs)

    a, b = load_workbook(io.BytesIO(ours)), load_workbook(io.BytesIO(theirs))
    same = all([[c.value for c in row] for row in a[n].iter_rows()] == [[c.value for c in row] for row in b[n].iter_rows()]
               and sorted(map(str, a[n].merged_cells.ranges)) == sorted(map(str, b[n].merged_cells.ranges))
               for n in a.sheetnames)
    print(f"county workbook of {len(merged.accepted):,} returns under {len(campaign.units):,} units: "
          f"{cells:,} cells, {merges:,} merges, {len(sheets)} sheets; CPU seconds, medians of {runs} runs")
    print(f"openpyxl {__import__('openpyxl').__version__} (lxml {'yes' if LXML else 'no'}): "
          f"layout {layout_s:.3f} s + save {save_s:.3f} s = {layout_s + save_s:.3f} s, {len(ours):,} bytes")
    print(f"XlsxWriter {xlsxwriter.__version__}: {theirs_s:.3f} s, {len(theirs):,} bytes "
          f"({theirs_s / (layout_s + save_s):.2f}x openpyxl's time)")
    print(f"same values and merges read back: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
