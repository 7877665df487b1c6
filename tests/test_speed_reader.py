"""The reader's shortcuts give the answers of the long way round, and never let a bad part through.

Reading a return was made several times faster by one-pass scans of the sheet XML, a quick reading of
the zip directory, memos of parts seen before (towns fill one template) and indexes built once per
sheet. Each test here sets a shortcut beside the plain definition it replaces, on real files built in
the test and on damaged copies of them, and asserts the same result.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from decimal import Decimal

import pytest

from bairi.core.campaign import Unit
from bairi.core.names import resolve_unit
from bairi.core.values import read_figure, whole_count
from bairi.guard import package
from bairi.guard import xlsx as xlsx_scan
from bairi.guard.limits import MAX_CELLS, Scan, read_input
from bairi.guard.package import _plain_directory
from bairi.guard.xlsx import (
    _ANY_PREFIXED,
    _PLAIN,
    _PREFIXED,
    _S_CELL,
    _cdata_bytes,
    _scan_xlsx_sheet,
    _sheet_text,
    _walk_xlsx_sheet,
    _widest,
)
from bairi.read.grid import Sheet
from build import CAMPAIGN, check, codes, write_return
from hostile import make_zip, replace_part, sheet_with_rows, zip_parts


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return write_return(tmp_path_factory.mktemp("speed") / "巴公镇12月份百日攻坚报表.xlsx")


# --- the sheet scan -----------------------------------------------------------------------------

def general_scan(xml: bytes, string_sizes: list[int]) -> Scan:
    """The scan by the general patterns alone, as it was before the one-pass reading of plain cells."""
    patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    scan = Scan()
    scan.records = len(patterns.cell.findall(xml))
    if scan.records > 1_000_000:
        return scan
    rows = patterns.row_of_cell.findall(xml)
    if len(rows) == scan.records:
        scan.rows = max(map(int, rows), default=0)
        scan.cols = _widest(xml, patterns)
        scan.cells = scan.rows * scan.cols
    if len(rows) != scan.records or scan.cells > MAX_CELLS or patterns.formula.search(xml):
        _walk_xlsx_sheet(xml, scan, patterns.token)
    scan.text = sum(m.end(1) - m.start(1) for m in patterns.value.finditer(xml))
    scan.text += sum(m.end(1) - m.start(1) for m in patterns.text.finditer(xml))
    scan.text += _cdata_bytes(xml)
    count, longest = len(string_sizes), max(string_sizes, default=0)
    indexes = patterns.shared_index.findall(xml)
    scan.text += sum(string_sizes[int(i)] for i in indexes if int(i) < count)
    scan.text += max(len(_S_CELL.findall(xml)) - len(indexes), 0) * longest
    return scan


def measured(scan: Scan) -> tuple:
    return scan.records, scan.rows, scan.cols, scan.cells, scan.text, sorted(scan.uncached)


CELLS = [
    '<c r="A1" t="inlineStr"><is><t>填报单位</t></is></c>',
    '<c r="B2" s="3" t="s"><v>1</v></c>',
    '<c r="AB7"><v>12</v></c>',
    '<c r="c3" t="str"><f>A1</f><v></v></c>',
    '<c r="D4"><f>SUM(A1:A3)</f></c>',
    '<c r="E5" x:r="ZZZ9"/>',                    # a second reference-like attribute: the general patterns apply
    '<c r="F6" foo="r=\'AAA1\'"/>',
    '<c r="G7" rr="1" ar="2"/>',
    '<c t="n"><v>5</v></c>',                     # no reference at all
    '<c r="8"/>',
    '<c  r="H9"/>',
    '<c r = "I10"/>',
    '<c r="XFD1048576"/>',
    '<c r="J11"><is><t><![CDATA[文字]]></t></is></c>',
    '<c r="K12" t="s"><v>99</v></c>',            # an index past the shared strings
]


def test_the_one_pass_scan_gives_the_general_patterns_answer_on_hand_made_sheets():
    rnd = random.Random(5)
    sizes = [4, 30, 7]
    for _ in range(400):
        cells = "".join(rnd.choice(CELLS) for _ in range(rnd.randint(0, 8)))
        xml = sheet_with_rows(f'<row r="1">{cells}</row>')
        assert measured(_scan_xlsx_sheet(xml, sizes)) == measured(general_scan(xml, sizes)), xml


def test_the_one_pass_scan_gives_the_general_patterns_answer_on_damaged_returns(clean):
    xml = zip_parts(clean.read_bytes())["xl/worksheets/sheet1.xml"]
    assert measured(_scan_xlsx_sheet(xml, [])) == measured(general_scan(xml, []))
    inserts = [b' r="ZZZ9"', b" r='AB12'", b' xr="A1"', b' x:r="AAA7"', b' r = "B3"', b' t="s"', b'<c r="AB1"/>',
               b'<c r="a1">', b'<c/>', b'<f>1</f>', b'<x:c r="A1"/>', b'"s"', b'<c r="B2" r="ZZ3"/>', b'<c r="B0002"/>']
    rnd = random.Random(7)
    tags = [m.start() for m in re.finditer(rb"<c[ >/]", xml)]
    for _ in range(300):
        damaged = bytearray(xml)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.choice(tags) + rnd.randint(2, 12) if rnd.random() < 0.7 else rnd.randrange(len(damaged))
            if rnd.random() < 0.8:
                damaged[at:at] = rnd.choice(inserts)
            else:
                del damaged[at:at + rnd.randint(1, 9)]
        damaged = bytes(damaged)
        assert measured(_scan_xlsx_sheet(damaged, [5, 9])) == measured(general_scan(damaged, [5, 9])), damaged


def test_a_bounded_text_is_measured_when_the_bounds_reach_the_limit(clean, monkeypatch):
    data = clean.read_bytes()
    xml = zip_parts(data)["xl/worksheets/sheet1.xml"]
    assert not re.search(rb"s[\"']", xml)  # inline strings only: the scan bounds the text rather than measure it
    exact = _sheet_text(xml, [])
    assert _scan_xlsx_sheet(xml, [], bound_text=True).text == 3 * len(xml) > exact
    path = clean.parent / "边界.xlsx"
    path.write_bytes(data)
    monkeypatch.setattr(xlsx_scan, "MAX_TEXT_BYTES", exact)
    assert codes(check(path), skip=("I303", "W304", "E301", "E309", "W314")) == []
    monkeypatch.setattr(xlsx_scan, "MAX_TEXT_BYTES", exact - 1)
    assert [f.code for f in check(path).findings] == ["F105"]


# --- the zip directory --------------------------------------------------------------------------

def zipfile_entries(data: bytes):
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception as exc:  # noqa: BLE001 - the test compares against whatever zipfile does
        return type(exc).__name__
    return [(i.filename, i.flag_bits, i.compress_type, i.CRC, i.compress_size, i.file_size, i.header_offset)
            for i in infos]


def test_the_quick_directory_reads_what_zipfile_reads(clean):
    data = clean.read_bytes()
    entries = _plain_directory(data)
    assert entries is not None
    assert [(e.filename, e.flag_bits, e.compress_type, e.CRC, e.compress_size, e.file_size, e.header_offset)
            for e in entries] == zipfile_entries(data)
    rnd = random.Random(11)
    directory = data.find(b"PK\x01\x02")
    read = 0
    for _ in range(600):
        damaged = bytearray(data)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(directory if rnd.random() < 0.8 else 0, len(damaged))
            if rnd.random() < 0.7:
                damaged[at] = rnd.randrange(256)
            else:
                del damaged[at:at + rnd.randint(1, 6)]
        damaged = bytes(damaged)
        quick = _plain_directory(damaged)
        if quick is not None:
            read += 1
            assert [(e.filename, e.flag_bits, e.compress_type, e.CRC, e.compress_size, e.file_size, e.header_offset)
                    for e in quick] == zipfile_entries(damaged)
    assert read > 100


def test_the_quick_directory_uses_zipfiles_own_numbers():
    assert (package._STORED, package._DEFLATED) == (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    assert package._MAX_EXTRACT_VERSION == zipfile.MAX_EXTRACT_VERSION


def test_zips_the_quick_directory_leaves_to_zipfile(clean):
    data = clean.read_bytes()
    commented = data[:-2] + b"\x03\x00abc"
    assert _plain_directory(commented) is None and zipfile_entries(commented) != "BadZipFile"
    assert _plain_directory(b"PK\x05\x06" + bytes(18)) == []
    with_extra = io.BytesIO()
    with zipfile.ZipFile(with_extra, "w") as archive:
        info = zipfile.ZipInfo("a.xml")
        info.extra = struct.pack("<HH", 0x5455, 1) + b"\x01"
        archive.writestr(info, b"<a/>")
    assert _plain_directory(with_extra.getvalue()) is None


def test_a_zip_needing_a_newer_version_is_reported_as_damaged(clean, tmp_path):
    data = bytearray(clean.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 92  # version needed to extract: 9.2, past what zipfile reads
    path = tmp_path / "巴公镇12月份百日攻坚报表.xlsx"
    path.write_bytes(bytes(data))
    ret = check(path)
    assert [(f.code, f.message) for f in ret.findings] == [
        ("F102", "文件已损坏，无法读取：压缩结构损坏（NotImplementedError）")]


# --- parts seen before --------------------------------------------------------------------------

def test_parts_seen_before_are_checked_again_when_they_differ(clean, tmp_path):
    data = clean.read_bytes()
    styles = zip_parts(data)["xl/styles.xml"]
    hostile = replace_part(data, "xl/styles.xml",
                           b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + styles.split(b"?>", 1)[-1])
    broken = replace_part(data, "xl/styles.xml", styles[:-40])
    runs = []
    for label, blob in [("clean", data), ("clean", data), ("hostile", hostile), ("hostile", hostile),
                        ("broken", broken), ("clean", data), ("broken", broken)]:
        path = tmp_path / f"{len(runs)}" / "巴公镇12月份百日攻坚报表.xlsx"
        path.parent.mkdir()
        path.write_bytes(blob)
        runs.append((label, [f.code for f in check(path).findings if f.code != "I303"]))
    assert runs == [("clean", []), ("clean", []), ("hostile", ["F110"]), ("hostile", ["F110"]),
                    ("broken", ["F102"]), ("clean", []), ("broken", ["F102"])]


def test_a_part_inflated_before_still_meets_the_size_checks(clean, tmp_path):
    parts = zip_parts(clean.read_bytes())
    first = tmp_path / "a" / "巴公镇12月份百日攻坚报表.xlsx"
    first.parent.mkdir()
    first.write_bytes(make_zip(parts))
    assert check(first).ok and check(first).ok  # seen twice: its parts are now kept
    # The same compressed bytes under a header that declares less: refused although inflated before.
    data = bytearray(first.read_bytes())
    name = b"xl/styles.xml"
    central = data.find(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    size = struct.unpack_from("<L", data, central + 24)[0]
    struct.pack_into("<L", data, central + 24, size - 1)
    second = tmp_path / "b" / "巴公镇12月份百日攻坚报表.xlsx"
    second.parent.mkdir()
    second.write_bytes(bytes(data))
    assert [f.message for f in check(second).findings] == ["文件已损坏，无法读取：部件 xl/styles.xml 的大小与声明不符"]


# --- indexes built once -------------------------------------------------------------------------

def test_covered_cells_follow_the_first_merged_range_that_holds_them():
    rnd = random.Random(3)
    for _ in range(200):
        merged = []
        for _ in range(rnd.randint(0, 6)):
            r1, c1 = rnd.randint(0, 6), rnd.randint(0, 6)
            merged.append(((r1, c1), (r1 + rnd.randint(-1, 3), c1 + rnd.randint(-1, 3))))
        sheet = Sheet("S", [], merged=merged)
        for row in range(-1, 11):
            for col in range(-1, 11):
                first = next(((r1, c1) for (r1, c1), (r2, c2) in merged if r1 <= row <= r2 and c1 <= col <= c2), None)
                assert sheet.covered(row, col) == (first is not None and first != (row, col)), (merged, row, col)
                assert sheet.merged_in_row(row) == any(r1 <= row <= r2 for (r1, _), (r2, _) in merged)


def test_a_unit_is_found_in_text_as_by_walking_every_name():
    units = list(CAMPAIGN.units) + [Unit(name="南岭乡", aliases=["南岭"]), Unit(name="南岭镇", aliases=["南岭", "岭"]),
                                    Unit(name="大东沟镇", aliases=["东沟", "大东沟镇人民政府办公室"])]
    # Overlapping names on purpose (a config would refuse the repeated ones): built without validation.
    fields = {name: getattr(CAMPAIGN, name) for name in type(CAMPAIGN).model_fields}
    campaign = type(CAMPAIGN).model_construct(**{**fields, "units": units})
    candidates = campaign.unit_index.candidates
    names = [name for unit in units for name in [unit.name, *unit.aliases]]
    rnd = random.Random(9)
    for _ in range(3000):
        text = "".join(rnd.choice(names)[:rnd.randint(1, 5)] + rnd.choice(["", "应急管理中心", "（盖章）", "村"])
                       for _ in range(rnd.randint(1, 4)))
        expected = campaign.authority if campaign.authority in text else None
        if expected is None:
            expected = next((unit for candidate, unit in candidates if candidate == text), None)
        if expected is None:
            expected = next((unit for candidate, unit in candidates if candidate in text), None)
        assert resolve_unit(text, campaign) == expected, text


def test_a_plain_whole_number_is_counted_as_read_figure_counts_it():
    for raw in [0.0, -0.0, 1.0, 25.0, 999999999999.0, 1e12, 2.5, -3.0, float("nan"), float("inf"), 7, True, "8", None]:
        count = whole_count(raw)
        if count is not None:
            reading = read_figure(raw, "count")
            assert (count, reading.notes) == (reading.value, []), raw
    assert [whole_count(raw) for raw in (1e12, 2.5, -3.0, 7, True)] == [None] * 5
    assert read_figure(3.0, "amount").value == Decimal(3)


def test_read_input_stops_one_byte_past_the_limit(tmp_path, monkeypatch):
    from bairi.guard import limits as sheets

    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 100)
    small, large = tmp_path / "small.xlsx", tmp_path / "large.xlsx"
    small.write_bytes(bytes(range(60)))
    large.write_bytes(bytes(range(250)) * 4)
    assert read_input(small) == bytes(range(60))
    assert read_input(large) == (bytes(range(250)) * 4)[:101]
