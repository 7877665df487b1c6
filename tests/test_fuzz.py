"""Property tests: mutated returns — odd cell values, moved and deleted rows, renamed sheets, flipped and cut
bytes — never make `bairi check` raise, and never make it report a figure the file does not hold.

"Traces to its cell" is checked independently of the reader: the cell a figure names is looked up in the
written file, its raw value must be the one the figure carries, and the figure must be that value itself,
or be derived from its text by a rule that left a finding at that very cell.

The default run is ~200 examples; `pytest -m slow` runs a few thousand.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bairi.check.rules import check
from bairi.core.campaign import default_campaign
from bairi.core.form import NOTICE
from bairi.core.values import ZERO_WORDS
from bairi.read.reader import read_return
from build import write_return, written_chinese
from hostile import make_zip, ods_from_xlsx, xls_from_xlsx, zip_parts

CAMPAIGN = default_campaign()
pytestmark = pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")


def fast(examples: int) -> settings:
    """The default run: a fixed, repeatable sample (about 200 examples over this module)."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)


def long(examples: int) -> settings:
    """The slow run (-m slow): fresh random examples every time."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


INTERNAL = "文件结构无法解析"  # the safety net in sheets.load_book: reaching it means a parser missed a case


def check_bytes(data: bytes, name: str = "巴公镇12月份百日攻坚报表.xlsx"):
    """The whole of `bairi check` on bytes, as for an e-mail attachment."""
    return check(read_return(Path(name), CAMPAIGN, data=data, name=name), CAMPAIGN)


def _digits(text: str) -> str:
    """The decimal digits in `text`, whatever the script (Python's Decimal reads ١٢ as 12, and so may bairi)."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None)


def assert_traceable(ret, cells: dict[str, object] | None = None) -> None:
    """Every figure reported is its cell's own number, or derived from its text with a finding at that cell."""
    assert not any(INTERNAL in f.message for f in ret.findings), [f.message for f in ret.findings]
    if ret.unreadable:
        assert ret.period_row is None and ret.cumulative_row is None and not ret.hazards
        return
    noted = {f.location for f in ret.findings}
    if cells is not None:
        for hazard in ret.hazards:
            for key, location in hazard.cells.items():
                raw = cells.get(location.split("!")[-1])
                # "#VALUE!" is openpyxl's stand-in for a date serial it cannot show, not text in the file.
                if isinstance(raw, str) and raw != "#VALUE!":
                    assert getattr(hazard, key) == raw.strip(), (location, raw)
    for row in (ret.period_row or {}, ret.cumulative_row or {}):
        for key, figure in row.items():
            assert key in NOTICE.keys
            if cells is not None:
                # The raw value the reader reports is the one in the cell it names.
                assert _same_raw(cells.get(figure.location.split("!")[-1]), figure.raw), (figure.location, figure.raw)
            if figure.value is None:
                assert figure.location in noted, figure  # an unknown figure is always explained
                continue
            raw = figure.raw
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                exact = Decimal(format(raw, ".15g"))
                assert figure.value == exact or figure.location in noted, (raw, figure.value)
                continue
            assert figure.location in noted, (raw, figure.value)  # anything but a plain number is noted
            text = "" if raw is None else str(raw).strip()
            if figure.value == 0 and (not text or re.sub(r"\s+", "", text) in ZERO_WORDS or text in ZERO_WORDS):
                continue
            if (figure.location, "I421") in {(f.location, f.code) for f in ret.findings}:
                # Chinese numerals: the number, spelt out independently, is the text without its unit.
                bare = re.sub(r"\s|[(（][^)）]*[)）]$|[项家个起处次件组人户座条台宗例份名所间批元万]+$", "", text)
                bare = bare.translate(str.maketrans("〇壹贰叁肆伍陆柒捌玖拾佰仟两", "零一二三四五六七八九十百千二"))
                whole, _, fraction = (str(figure.value) if isinstance(figure.value, int) else format(figure.value, "f")).partition(".")
                spelt = written_chinese(int(whole)) + ("点" + "".join("零一二三四五六七八九"[int(d)] for d in fraction)
                                                      if fraction else "")
                # 壹拾贰, as amounts are written in full, says the 一 that 十二 leaves out.
                assert 0 <= figure.value < 100_000 and bare in (spelt, "一" + spelt), (raw, figure.value)
                continue
            wanted = _digits(format(figure.value, "f")).strip("0")
            assert wanted in _digits(text).strip("0") or wanted in _digits(text), (raw, figure.value)


def _same_raw(in_file: object, reported: object) -> bool:
    if in_file in (None, "") and reported in (None, ""):
        return True
    moments = (datetime, date, time, timedelta)
    if in_file == "#VALUE!" and isinstance(reported, (int, float)) and not 0 <= reported < 2958466:
        # Known limit: a serial past 9999-12-31 (or below 0) under a date format stays a number for calamine
        # (python-calamine does not expose number formats); Excel shows ####, openpyxl #VALUE!.
        return True
    if isinstance(reported, moments) and (isinstance(in_file, moments) or in_file == "#VALUE!"):
        # A number under a date format: openpyxl and calamine disagree on the Python type (-1 is 1899-12-29
        # to one and 00:00 to the other; openpyxl shows a serial out of its range as #VALUE!); what matters
        # is that no figure is made of it.
        return True
    if isinstance(in_file, (int, float)) and isinstance(reported, (int, float)) and not isinstance(in_file, bool):
        return float(in_file) == float(reported)
    if isinstance(in_file, str) and isinstance(reported, str):
        return in_file.strip() == reported.strip()
    return in_file == reported


def cells_of(data: bytes) -> dict[str, object]:
    """Every cell of the first sheet, as openpyxl reads the file (cached values)."""
    ws = load_workbook(io.BytesIO(data), data_only=True).worksheets[0]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row}


def to_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_return(tmp_path_factory.mktemp("fuzz") / "巴公镇12月份百日攻坚报表.xlsx")


# --- strategies -------------------------------------------------------------------------------

texts = st.one_of(
    st.sampled_from(["无", "—", "/", "0", "３", "２５家", "1,234", "1 234", "15000元", "1.5万元", "3项", "约5", "五",
                     "1e3", "0x10", "NaN", "inf", "-0", "+7", "12.", ".5", "١٢", "1,23", "=1+1", "TRUE", "  ", "\n"]),
    st.text(alphabet=st.sampled_from("0123456789０１２３,. -+元万项家个无/e"), max_size=12),
    st.text(max_size=20),
)
values = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False).map(float),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.times(),
    texts,
)
STAT_CELLS = [f"{col}{row}" for col in "BCDEFGHIJKLMN" for row in (7, 8)]
OTHER_CELLS = ["A7", "A8", "C2", "C3", "C4", "A5", "B5", "A11", "B12", "E12", "G12"]


def _excel_safe(value: object) -> object:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)  # openpyxl cannot store NaN/inf; a town could type them as text
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63 - 1:
        return float(value)
    if isinstance(value, str):
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    return value


# --- cell values ------------------------------------------------------------------------------

def _cells_property(base: Path, edits: list[tuple[str, object]]) -> None:
    workbook = load_workbook(base)
    ws = workbook.worksheets[0]
    for ref, value in edits:
        ws[ref] = _excel_safe(value)
    data = to_bytes(workbook)
    ret = check_bytes(data)
    assert_traceable(ret, cells_of(data))


cell_edits = st.lists(st.tuples(st.sampled_from(STAT_CELLS + OTHER_CELLS), values), min_size=1, max_size=8)


@fast(80)
@given(edits=cell_edits)
def test_any_cell_values_never_raise_and_never_invent_a_figure(base, edits):
    _cells_property(base, edits)


@pytest.mark.slow
@long(800)
@given(edits=cell_edits)
def test_any_cell_values_long_run(base, edits):
    _cells_property(base, edits)


# --- layout -----------------------------------------------------------------------------------

layout_ops = st.lists(st.one_of(
    st.tuples(st.just("insert_rows"), st.integers(1, 14), st.integers(1, 3)),
    st.tuples(st.just("delete_rows"), st.integers(1, 14), st.integers(1, 3)),
    st.tuples(st.just("insert_cols"), st.integers(1, 15), st.integers(1, 2)),
    st.tuples(st.just("delete_cols"), st.integers(1, 15), st.integers(1, 2)),
    st.tuples(st.just("rename"), st.text(alphabet=st.characters(blacklist_characters="[]:*?/\\'"), min_size=1,
                                         max_size=20), st.just(0)),
    st.tuples(st.just("new_sheet"), st.integers(0, 2), st.just(0)),
), min_size=1, max_size=4)


def _layout_property(base: Path, ops: list[tuple[str, object, int]]) -> None:
    workbook = load_workbook(base)
    ws = workbook.worksheets[0]
    # openpyxl moves cells but not merged ranges; a merge left behind would cover figures that Excel then
    # hides, a file no town could make. Real inserted rows carry their merges along, so start unmerged.
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    for op, a, b in ops:
        if op == "rename":
            name = re.sub(r"[\x00-\x1f]", "", str(a)).strip()[:31]
            assume(name and name not in workbook.sheetnames)
            ws.title = name
        elif op == "new_sheet":
            workbook.create_sheet("附表", index=a)
        else:
            getattr(ws, op)(a, b)
    data = to_bytes(workbook)
    ret = check_bytes(data)
    assert_traceable(ret)
    if ret.cumulative_row:
        # Figures that survived the edit still come from a cell holding exactly that number.
        sheet = load_workbook(io.BytesIO(data), data_only=True)
        for figure in ret.cumulative_row.values():
            name, ref = figure.location.rsplit("!", 1)
            assert _same_raw(sheet[name][ref].value, figure.raw)


@fast(40)
@given(ops=layout_ops)
def test_moved_deleted_and_renamed_layouts_never_raise(base, ops):
    _layout_property(base, ops)


@pytest.mark.slow
@long(400)
@given(ops=layout_ops)
def test_layout_long_run(base, ops):
    _layout_property(base, ops)


# --- bytes ------------------------------------------------------------------------------------

byte_ops = st.lists(st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True), st.just(0)),
    st.tuples(st.just("drop"), st.floats(0, 1, exclude_max=True), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
), min_size=1, max_size=6)


def mutate(data: bytes, ops) -> bytes:
    """Apply byte-level damage: flips, a cut, dropped or inserted bytes."""
    out = bytearray(data)
    for op, where, arg in ops:
        if not out:
            break
        at = int(where * len(out))
        if op == "flip":
            out[at] ^= arg
        elif op == "cut":
            del out[at:]
        elif op == "drop":
            del out[at:at + arg]
        else:
            out[at:at] = bytes([arg]) * 4
    return bytes(out)


def _bytes_property(data: bytes, name: str, ops) -> None:
    ret = check_bytes(mutate(data, ops), name)
    assert_traceable(ret)


@pytest.fixture(scope="module")
def formats(base) -> dict[str, bytes]:
    return {"xlsx": base.read_bytes(), "xls": xls_from_xlsx(base), "ods": ods_from_xlsx(base)}


@fast(50)
@given(fmt=st.sampled_from(["xlsx", "xls", "ods"]), ops=byte_ops)
def test_damaged_bytes_never_raise(formats, fmt, ops):
    _bytes_property(formats[fmt], f"巴公镇12月份百日攻坚报表.{fmt}", ops)


@pytest.mark.slow
@long(2000)
@given(fmt=st.sampled_from(["xlsx", "xls", "ods"]), ops=byte_ops)
def test_damaged_bytes_long_run(formats, fmt, ops):
    _bytes_property(formats[fmt], f"巴公镇12月份百日攻坚报表.{fmt}", ops)


# --- damage inside a part: valid zip, broken XML ----------------------------------------------

PARTS = ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
         "[Content_Types].xml", "xl/styles.xml", "content.xml"]


def _part_property(formats: dict[str, bytes], fmt: str, part: str, ops) -> None:
    parts = zip_parts(formats[fmt])
    assume(part in parts)
    parts[part] = mutate(parts[part], ops)
    ret = check_bytes(make_zip(parts), f"巴公镇12月份百日攻坚报表.{fmt}")
    assert_traceable(ret)


@fast(30)
@given(fmt=st.sampled_from(["xlsx", "ods"]), part=st.sampled_from(PARTS), ops=byte_ops)
def test_damaged_xml_inside_a_valid_zip_never_raises(formats, fmt, part, ops):
    _part_property(formats, fmt, part, ops)


@pytest.mark.slow
@long(1500)
@given(fmt=st.sampled_from(["xlsx", "ods"]), part=st.sampled_from(PARTS), ops=byte_ops)
def test_damaged_xml_long_run(formats, fmt, part, ops):
    _part_property(formats, fmt, part, ops)


def test_the_fuzz_base_is_a_clean_return(base, formats):
    for fmt, data in formats.items():
        ret = check_bytes(data, f"巴公镇12月份百日攻坚报表.{fmt}")
        assert ret.ok, (fmt, [(f.code, f.message) for f in ret.findings])
        assert_traceable(ret, cells_of(data) if fmt == "xlsx" else None)
    with zipfile.ZipFile(io.BytesIO(formats["xlsx"])) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
