"""Broken, disguised and hostile files: each gets its own clear answer, within bounded time and memory, and
nothing read from a return is silently changed or turned against the person who opens bairi's output.

Every file is built in the test (tests/hostile.py): bombs, encrypted containers, files renamed to .xlsx.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from bairi.guard.limits import MAX_FILE_BYTES
from bairi.read.grid import load_book
from bairi.write.layout import lay_form, save
from build import CUMULATIVE, HAZARDS, PERIOD, write_return
from hostile import (
    cfb,
    lock_file,
    make_zip,
    ods,
    ods_cell,
    ods_from_xlsx,
    replace_part,
    run_cli,
    sheet_with_rows,
    xls,
    xls_from_xlsx,
    zip_bomb,
    zip_parts,
)

CAMPAIGN = default_campaign()
SECONDS = 5.0
MEGABYTES = 300


def codes(ret):
    return [f.code for f in ret.findings]


def first_unreadable(ret):
    return next(f for f in ret.findings if f.unreadable)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """A clean return as towns fill it (openpyxl, the template's layout)."""
    return write_return(tmp_path_factory.mktemp("clean") / "巴公镇12月份百日攻坚报表.xlsx")


def figures(ret):
    return ret.values("period"), ret.values("cumulative")


# --- bounded resources: refused (or read) within 5 s and 300 MB, before anything is inflated ------

def sheet_rows(cells: list[tuple[str, str]]) -> str:
    """sheetData rows for (ref, number) pairs, one row element per cell."""
    out = []
    for ref, value in cells:
        row = int("".join(ch for ch in ref if ch.isdigit()))
        out.append(f'<row r="{row}"><c r="{ref}"><v>{value}</v></c></row>')
    return "".join(out)


def one_sheet_xlsx(base: bytes, rows_xml: str, dimension: str = "A1") -> bytes:
    return replace_part(base, "xl/worksheets/sheet1.xml", sheet_with_rows(rows_xml, dimension))


def many_sheets_xlsx(count: int) -> bytes:
    """A workbook of `count` small sheets, assembled directly as a package."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    sheet_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                      f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, count + 1)) + "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel_ns}><sheets>'
            + "".join(f'<sheet name="表{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, count + 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{sheet_rel}" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, count + 1)) + "</Relationships>"),
    }
    for i in range(1, count + 1):
        rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{i}表第{r}行</t></is></c>'
                       f'<c r="B{r}"><v>{r}</v></c></row>' for r in range(1, 21))
        parts[f"xl/worksheets/sheet{i}.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>{rows}</sheetData></worksheet>'
    return make_zip({name: text.encode("utf-8") for name, text in parts.items()})


def shared_string_bomb(base: bytes, copies: int, length: int) -> bytes:
    """One long shared string used by `copies` cells: small on disk, `copies × length` characters once read."""
    strings = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               f'count="{copies}" uniqueCount="1"><si><t>{"隐" * length}</t></si></sst>').encode()
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, copies + 1))
    data = replace_part(base, "xl/sharedStrings.xml", strings)
    data = replace_part(data, "xl/worksheets/sheet1.xml", sheet_with_rows(rows))
    parts = zip_parts(data)
    if b"sharedStrings" not in parts["xl/_rels/workbook.xml.rels"]:
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return make_zip(parts)


def ods_table(name: str, rows: str) -> str:
    return f'<table:table table:name="{name}">{rows}</table:table>'


def bounded_cases(base: bytes) -> dict[str, tuple[bytes, str, set[str]]]:
    """name → (bytes, file name, acceptable codes): every resource attack, built from a clean return."""
    far_xls = xls({"S": {(0, 0): "填报单位", (65535, 255): 1.0}})
    long_text = "x" * 8000
    sst_xls = xls({"S": {(r, 0): long_text for r in range(60000)}})
    return {
        "zip bomb, 1 GB sheet in a ~1 MB file": (zip_bomb(base), "bomb.xlsx", {"F105"}),
        "zip bomb that declares a small size": (zip_bomb(base, declared=40_000), "liar.xlsx", {"F105"}),
        "a million rows claimed (A1 and A1048576)": (
            one_sheet_xlsx(base, sheet_rows([("A1", "1"), ("A1048576", "2")]), "A1:A1048576"), "rows.xlsx",
            {"E201", "F105"}),
        "every cell of the grid claimed (A1 and XFD1048576)": (
            one_sheet_xlsx(base, sheet_rows([("A1", "1"), ("XFD1048576", "2")]), "A1:XFD1048576"), "grid.xlsx",
            {"F105"}),
        "16,384 columns": (
            one_sheet_xlsx(base, '<row r="1">' + "".join(f'<c r="{col}1"><v>1</v></c>' for col in _columns(16384))
                           + "</row>", "A1:XFD1"), "wide.xlsx", {"E201", "F105"}),
        "200 sheets": (many_sheets_xlsx(200), "many.xlsx", {"E201", "F105"}),
        "one long shared string in 20,000 cells": (shared_string_bomb(base, 20_000, 30_000), "strings.xlsx", {"F105"}),
        "ods repeats claiming 17 billion cells": (
            ods(ods_table("S", '<table:table-row table:number-rows-repeated="999999999">'
                          + ods_cell("X", repeat=999999) + "</table:table-row>")), "dos.ods", {"F105"}),
        "ods long text repeated 1000 × 1000": (
            ods(ods_table("S", '<table:table-row table:number-rows-repeated="1000">'
                          + ods_cell("长" * 10000, repeat=1000) + "</table:table-row>")), "text.ods", {"F105"}),
        "xls with cells at A1 and IV65536": (far_xls, "far.xls", {"F105"}),
        "xls with an 8,000-character shared string in 60,000 cells": (sst_xls, "sst.xls", {"F105"}),
    }


def _columns(count: int) -> list[str]:
    from bairi.core.refs import col_letters

    return [col_letters(i) for i in range(1, count + 1)]


@pytest.fixture(scope="module")
def bounded_runs(tmp_path_factory, clean):
    """Each attack checked by the real command in its own process, two at a time."""
    folder = tmp_path_factory.mktemp("bounded")
    cases = bounded_cases(clean.read_bytes())
    paths = {}
    for label, (data, name, _) in cases.items():
        path = folder / f"{len(paths):02d}_{name}"
        path.write_bytes(data)
        paths[label] = path
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(paths, pool.map(run_cli, paths.values())))
    assert list(cases) == ATTACKS
    return cases, paths, runs


ATTACKS = [
    "zip bomb, 1 GB sheet in a ~1 MB file", "zip bomb that declares a small size",
    "a million rows claimed (A1 and A1048576)", "every cell of the grid claimed (A1 and XFD1048576)",
    "16,384 columns", "200 sheets", "one long shared string in 20,000 cells", "ods repeats claiming 17 billion cells",
    "ods long text repeated 1000 × 1000", "xls with cells at A1 and IV65536",
    "xls with an 8,000-character shared string in 60,000 cells",
]


@pytest.mark.parametrize("label", ATTACKS)
def test_resource_attacks_are_refused_or_read_within_bounds(bounded_runs, label):
    cases, paths, runs = bounded_runs
    data, _, wanted = cases[label]
    run = runs[label]
    assert not run.problem, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    document = json.loads(run.stdout)
    found = [f["code"] for f in document["findings"]]
    assert wanted & set(found), (label, found)
    assert run.status == (2 if "F105" in found else 1)
    assert run.cpu_s < SECONDS, f"{label}: {run.cpu_s:.1f} s CPU"
    assert run.rss_mb < MEGABYTES, f"{label}: {run.rss_mb:.0f} MB"
    # Input files are never touched.
    assert hashlib.sha256(paths[label].read_bytes()).digest() == hashlib.sha256(data).digest()


FAR = '<row r="1"><c r="A1"><v>1</v></c></row>'
EVASIONS = {
    # Each of these places a filled cell at the far corner in a way calamine honours (checked by hand) and a
    # plain pattern would miss: the box must still be measured.
    "single-quoted reference": FAR + "<row r='1048576'><c r='XFD1048576'><v>2</v></c></row>",
    "cells without references after a far row": FAR + '<row r="1048575"/><row><c/><c/></row>'
                                                + '<row><c r="XFD1048576"><v>3</v></c></row>',
    "a formula cell far away": FAR + '<row r="1048576"><c r="XFD1048576"><f>1+1</f><v>2</v></c></row>',
}


@pytest.mark.parametrize("label", list(EVASIONS))
def test_a_far_cell_is_measured_however_it_is_written(clean, tmp_path, label):
    path = tmp_path / "far.xlsx"
    path.write_bytes(one_sheet_xlsx(clean.read_bytes(), EVASIONS[label]))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F105"]
    assert "1048576行 × 16384列" in ret.findings[0].message


def test_a_far_cell_under_a_non_ascii_namespace_prefix_is_measured(clean, tmp_path):
    xml = ('<?xml version="1.0"?><表:worksheet xmlns:表="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<表:sheetData><表:row r="1"><表:c r="A1"><表:v>1</表:v></表:c></表:row><表:row r="1048576">'
           '<表:c r="XFD1048576"><表:v>2</表:v></表:c></表:row></表:sheetData></表:worksheet>')
    path = tmp_path / "prefix.xlsx"
    path.write_bytes(replace_part(clean.read_bytes(), "xl/worksheets/sheet1.xml", xml.encode("utf-8")))
    assert codes(check_file(path, CAMPAIGN)) == ["F105"]


def test_ods_repeats_in_single_quotes_are_counted(tmp_path):
    path = tmp_path / "quotes.ods"
    path.write_bytes(ods("<table:table table:name='S'><table:table-row table:number-rows-repeated='99999'>"
                         "<table:table-cell office:value-type='float' office:value='1' table:number-columns-repeated="
                         "'9999'/></table:table-row></table:table>"))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F105"]
    assert "99999行 × 9999列" in ret.findings[0].message


def test_shared_strings_without_a_relationship_are_still_counted(clean, tmp_path):
    data = shared_string_bomb(clean.read_bytes(), 20_000, 30_000)
    parts = zip_parts(data)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    import re as _re

    parts["xl/_rels/workbook.xml.rels"] = _re.sub(r"<Relationship [^>]*sharedStrings[^>]*/>", "", rels).encode()
    path = tmp_path / "strings.xlsx"
    path.write_bytes(make_zip(parts))
    assert codes(check_file(path, CAMPAIGN)) == ["F105"]


def test_zip_bomb_is_small_on_disk_and_huge_inflated(clean):
    data = zip_bomb(clean.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert len(data) < 2 * 1024 * 1024
    assert info.file_size > 1024 ** 3


def test_bomb_is_refused_before_inflating(clean, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(clean.read_bytes()))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F105"]
    assert "xl/worksheets/sheet1.xml" in ret.findings[0].message
    assert ret.findings[0].location == "bomb.xlsx"


def test_a_lying_bomb_stops_inflating_just_past_what_it_declared(clean, tmp_path):
    path = tmp_path / "liar.xlsx"
    path.write_bytes(zip_bomb(clean.read_bytes(), declared=40_000))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F105"]
    assert "远超声明的40000字节" in ret.findings[0].message


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.xlsx"
    with open(path, "wb") as out:
        out.write(b"PK\x03\x04")
        out.truncate(MAX_FILE_BYTES + 10)
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F105"]


@pytest.mark.parametrize("part, doctype", [
    ("xl/sharedStrings.xml", '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                             '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'),
    ("xl/worksheets/sheet1.xml", '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    ("xl/workbook.xml", '<!doctype workbook SYSTEM "http://example.invalid/evil.dtd">'),
])
def test_xml_with_a_dtd_is_refused(clean, tmp_path, part, doctype):
    parts = zip_parts(clean.read_bytes())
    xml = parts.get(part, b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
    head, sep, rest = xml.partition(b"?>")
    parts[part] = head + sep + doctype.encode() + rest
    path = tmp_path / "entities.xlsx"
    path.write_bytes(make_zip(parts))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F110"]
    assert part in ret.findings[0].message


# --- encrypted files --------------------------------------------------------------------------

def test_encrypted_xlsx_is_an_ole_container_and_says_so(tmp_path):
    path = tmp_path / "巴公镇12月.xlsx"
    path.write_bytes(cfb({"EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>",
                          "EncryptedPackage": struct.pack("<Q", 9000) + bytes(9000)}))
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == ["F101"]
    assert ret.findings[0].message == "文件已加密（请去掉密码后重新发送）"


def test_encrypted_xls_has_a_filepass_record(tmp_path):
    path = tmp_path / "巴公镇12月.xls"
    path.write_bytes(xls({"Sheet1": {(0, 0): "填报单位"}}, filepass=struct.pack("<HHH", 0, 0x1234, 0x5678)))
    assert codes(check_file(path, CAMPAIGN)) == ["F101"]


def test_encrypted_ods_says_so(tmp_path):
    parts = zip_parts(ods(ods_table("S", "<table:table-row>" + ods_cell(1) + "</table:table-row>")))
    parts["META-INF/manifest.xml"] = parts["META-INF/manifest.xml"].replace(
        b'manifest:media-type="text/xml"/>',
        b'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry>')
    path = tmp_path / "巴公镇12月.ods"
    path.write_bytes(make_zip(parts))
    assert codes(check_file(path, CAMPAIGN)) == ["F101"]


# --- files that are not what their name says ------------------------------------------------

def test_an_xlsx_named_xls_is_read_with_a_note(clean, tmp_path):
    path = tmp_path / "巴公镇12月份百日攻坚报表.xls"
    path.write_bytes(clean.read_bytes())
    ret = check_file(path, CAMPAIGN)
    assert ret.ok and not ret.unreadable
    assert ("F108", "巴公镇12月份百日攻坚报表.xls") in [(f.code, f.location) for f in ret.findings]
    assert "实际内容是 Excel 工作簿（.xlsx）" in next(f.message for f in ret.findings if f.code == "F108")
    assert figures(ret) == figures(check_file(clean, CAMPAIGN))


def test_an_xls_named_xlsx_is_read_with_the_same_figures(clean, tmp_path):
    path = tmp_path / "巴公镇12月份百日攻坚报表.xlsx"
    path.write_bytes(xls_from_xlsx(clean))
    ret = check_file(path, CAMPAIGN)
    assert ret.format == "xls"
    assert "F108" in codes(ret) and ret.ok
    assert figures(ret) == figures(check_file(clean, CAMPAIGN))
    assert ret.values("cumulative")["fines"] == Decimal("3.25")
    assert ret.filled_on == date(2023, 12, 24)


def test_an_ods_named_xlsx_is_read_with_the_same_figures(clean, tmp_path):
    path = tmp_path / "巴公镇12月份百日攻坚报表.xlsx"
    path.write_bytes(ods_from_xlsx(clean))
    ret = check_file(path, CAMPAIGN)
    assert ret.format == "ods" and "F108" in codes(ret) and ret.ok
    assert figures(ret) == figures(check_file(clean, CAMPAIGN))


@pytest.mark.parametrize("codepage", [1252, 936, 0x8001])
def test_an_xls_whose_codepage_record_is_not_unicode_reads_its_text_as_written(clean, tmp_path, codepage):
    # BIFF8 strings are Unicode whatever the CODEPAGE record says; JExcelAPI writes 1252, Quattro Pro the
    # MS-XLS alias 0x8001. calamine decodes with the record, so unpatched every label gets NULs between letters.
    source = load_workbook(clean).active
    cells = {(c.row - 1, c.column - 1): c.value for row in source.iter_rows() for c in row if c.value not in (None, "")}
    path = tmp_path / "巴公镇12月份百日攻坚报表.xls"
    path.write_bytes(xls({"Sheet1": cells}, codepage=codepage))
    ret = check_file(path, CAMPAIGN)
    assert ret.ok, [(f.code, f.message) for f in ret.findings]
    assert figures(ret) == figures(check_file(clean, CAMPAIGN))
    assert ret.unit_raw == "巴公镇应急管理中心"
    assert [h.enterprise for h in ret.hazards] == [h["enterprise"] for h in HAZARDS]


CSV = "填报单位,巴公镇\n行业,成立督查组（个）,排查企业（家）\n冶金工贸,2,25\n累计,4,50\n".encode("gb18030")
HTML = ("<html><head><meta charset='utf-8'></head><body><table><tr><td>填报单位</td><td>巴公镇</td></tr>"
        "<tr><td>冶金工贸</td><td>2</td></tr></table></body></html>").encode()


def docx() -> bytes:
    return make_zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                               b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                               b'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                       b'officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                             "<w:body><w:p><w:r><w:t>巴公镇工作总结</w:t></w:r></w:p></w:body></w:document>".encode(),
    })


@pytest.mark.parametrize("name, data, code, words", [
    ("巴公镇12月.xlsx", CSV, "F103", "CSV"),
    ("巴公镇12月.xlsx", "\ufeff填报单位\t巴公镇\n冶金工贸\t2\n".encode("utf-16"), "F103", "CSV"),
    ("巴公镇12月.xls", HTML, "F103", "网页（HTML）"),
    ("巴公镇12月.xlsx", docx(), "F103", "Word 文档（.docx）"),
    ("巴公镇12月.xlsx", cfb({"WordDocument": bytes(5000)}), "F103", "Word 文档（.doc）"),
    ("巴公镇12月.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "F103", "PDF"),
    ("巴公镇12月.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(100), "F103", "图片"),
    ("巴公镇12月.xlsx", make_zip({"巴公镇.xlsx": b"x", "南村镇.xlsx": b"y"}), "F103", "zip 压缩包"),
    ("巴公镇12月.xlsx", b"", "F106", "为空"),
    ("~$巴公镇12月.xlsx", lock_file(), "F107", "锁定文件"),
    ("巴公镇12月.xlsx", lock_file("李四"), "F107", "锁定文件"),
    ("巴公镇12月.xlsx", bytes(range(256)) * 4, "F103", "无法识别"),
    ("巴公镇12月.xls", b"\x09\x04\x06\x00\x00\x00\x10\x00", "F104", "BIFF2-4"),
])
def test_files_that_are_not_what_their_name_says(tmp_path, name, data, code, words):
    path = tmp_path / name
    path.write_bytes(data)
    ret = check_file(path, CAMPAIGN)
    assert codes(ret) == [code]
    assert words in ret.findings[0].message
    assert ret.unreadable


def test_a_truncated_xlsx_is_corrupt(clean, tmp_path):
    data = clean.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        path = tmp_path / f"cut{cut}.xlsx"
        path.write_bytes(data[:cut])
        assert codes(check_file(path, CAMPAIGN)) == ["F102"], cut


def _cut_part(data: bytes, part: str, after: bytes) -> bytes:
    parts = zip_parts(data)
    xml = parts[part]
    parts[part] = xml[:xml.index(after) + len(after)]
    return make_zip(parts)


CUT_SHORT = {
    # calamine loops forever on this one (found by the fuzzer): it must be refused, and quickly.
    "ods content cut between two rows": ("ods", "content.xml", b"</table:table-row>"),
    # calamine fails on these with "Cannot detect file format"; the answer names the broken part instead.
    "shared strings cut inside a string": ("xlsx", "xl/sharedStrings.xml", "<t>隐隐".encode()),
    "sheet cut inside a row tag": ("xlsx", "xl/worksheets/sheet1.xml", b'<row r="7"'),
}


@pytest.mark.parametrize("label", list(CUT_SHORT))
def test_xml_cut_short_inside_a_valid_zip_is_corrupt(clean, tmp_path, label):
    fmt, part, after = CUT_SHORT[label]
    if fmt == "xlsx" and part == "xl/sharedStrings.xml":
        data = shared_string_bomb(clean.read_bytes(), 3, 10)  # openpyxl writes inline strings; Excel shares them
    elif fmt == "xlsx":
        data = clean.read_bytes()
    else:
        data = ods_from_xlsx(clean)
    path = tmp_path / f"巴公镇12月.{fmt}"
    path.write_bytes(_cut_part(data, part, after))
    run = run_cli(path, timeout=20)  # its own process: were the guard to fail, this test fails instead of hanging
    assert not run.problem, f"{label}: {run.problem}"
    document = json.loads(run.stdout)
    assert [f["code"] for f in document["findings"]] == ["F102"]
    assert part in document["findings"][0]["message"] and "XML 不完整" in document["findings"][0]["message"]
    assert run.status == 2


def test_a_flipped_byte_in_a_part_is_a_crc_error(clean, tmp_path):
    data = bytearray(clean.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + 40
    data[start] ^= 0x01
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(bytes(data))
    assert codes(check_file(path, CAMPAIGN)) == ["F102"]


# --- nothing silently changed ---------------------------------------------------------------

def test_a_formula_without_a_saved_result_is_unknown_not_zero(tmp_path):
    def edit(ws):
        ws["C7"] = "=10+15"  # openpyxl writes the formula with no cached value, like a generated file

    ret = check_file(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit), CAMPAIGN)
    assert ("E410", "Sheet1!C7") in [(f.code, f.location) for f in ret.findings]
    assert ret.values("period")["enterprises"] is None


def test_an_ods_formula_without_a_saved_result_is_unknown_not_zero(clean, tmp_path):
    data = zip_parts(ods_from_xlsx(clean))
    content = data["content.xml"].decode("utf-8")
    # Row 7 (冶金工贸), column C (排查企业): replace its value by a formula with no result.
    rows = content.split("<table:table-row>")
    cells = rows[7].split("<table:table-cell")
    cells[3] = ' table:formula="of:=10+15"/>'
    rows[7] = "<table:table-cell".join(cells)
    data["content.xml"] = "<table:table-row>".join(rows).encode("utf-8")
    path = tmp_path / "巴公镇12月.ods"
    path.write_bytes(make_zip(data))
    ret = check_file(path, CAMPAIGN)
    assert ("E410", "Sheet1!C7") in [(f.code, f.location) for f in ret.findings]
    assert ret.values("period")["enterprises"] is None


@pytest.mark.parametrize("raw, value, code", [
    (1e20, None, "E413"),
    (9.999999999999995e27, None, "E413"),  # found by the fuzzer: past Decimal's 28 digits, once a traceback
    ("1" + "0" * 40, None, "E413"),
    (12345678901234567890, None, "E413"),
    ("9007199254740993", None, "E413"),
    (datetime(2023, 12, 1), None, "E411"),
    ("1,234", 1234, "I414"),
    ("1 234", 1234, "I414"),
    ("２３", 23, "I404"),
    ("1,23", None, "E409"),
    ("12.0", 12, "I403"),
])
def test_figures_are_read_exactly_or_reported(tmp_path, raw, value, code):
    def edit(ws):
        ws["C8"] = raw

    ret = check_file(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit), CAMPAIGN)
    assert ret.values("cumulative")["enterprises"] == value
    assert (code, "Sheet1!C8") in [(f.code, f.location) for f in ret.findings]


def test_a_serial_number_with_a_date_format_in_a_count_column_is_reported(tmp_path):
    def edit(ws):
        ws["C8"] = 45261
        ws["C8"].number_format = "yyyy-mm-dd"  # Excel shows 2023-12-01: the figure 45261 is not what the town meant

    ret = check_file(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit), CAMPAIGN)
    assert ret.values("cumulative")["enterprises"] is None
    assert ("E411", "Sheet1!C8") in [(f.code, f.location) for f in ret.findings]


def test_a_date_in_a_count_column_of_an_xls_is_reported(clean, tmp_path):
    source = load_workbook(clean).active
    cells = {(c.row - 1, c.column - 1): c.value for row in source.iter_rows() for c in row if c.value not in (None, "")}
    cells[(7, 2)] = date(2023, 12, 1)
    path = tmp_path / "巴公镇12月.xls"
    path.write_bytes(xls({"Sheet1": cells}))
    ret = check_file(path, CAMPAIGN)
    assert ret.values("cumulative")["enterprises"] is None
    assert ("E411", "Sheet1!C8") in [(f.code, f.location) for f in ret.findings]


def test_every_reported_figure_is_the_cells_own_number(clean):
    ret = check_file(clean, CAMPAIGN)
    for row in (ret.period_row, ret.cumulative_row):
        for figure in row.values():
            assert Decimal(str(figure.raw)) == figure.value


# --- output that cannot be turned against its reader ---------------------------------------

DANGEROUS = ["=HYPERLINK(\"http://evil.invalid\",\"点击\")", "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0",
             "\t=1+1"]


def test_text_from_a_return_is_written_as_text_never_a_formula(tmp_path):
    hazards = [dict(HAZARDS[0], enterprise=name, supervisor=name, detail=name) for name in DANGEROUS]
    workbook = Workbook()
    lay_form(workbook.active, CAMPAIGN, unit="=1+1", filler="@me", period=PERIOD, cumulative=CUMULATIVE,
             hazards=hazards)
    path = tmp_path / "out.xlsx"
    save(workbook, path)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
        strings = archive.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in archive.namelist() else b""
    assert b"<f>" not in sheet and b"<f " not in sheet
    written = load_workbook(path).active
    values = [c.value for row in written.iter_rows() for c in row if isinstance(c.value, str)]
    for name in DANGEROUS:
        assert name in values
    assert all(written.cell(r, c).data_type == "s" for r in range(12, 12 + len(DANGEROUS)) for c in (2, 9, 11))
    assert b"HYPERLINK" in strings or b"HYPERLINK" in sheet


def test_names_that_look_like_formulas_survive_a_round_trip(tmp_path):
    hazards = [dict(HAZARDS[0], enterprise=name) for name in DANGEROUS[:4]]
    path = write_return(tmp_path / "巴公镇12月.xlsx", hazards=hazards,
                        cumulative=dict(CUMULATIVE, major_found=4))
    ret = check_file(path, CAMPAIGN)
    assert [h.enterprise for h in ret.hazards] == DANGEROUS[:4]


# --- inputs are never changed ---------------------------------------------------------------

def test_check_leaves_every_input_byte_identical(clean, tmp_path):
    files = {
        "clean.xlsx": clean.read_bytes(),
        "bomb.xlsx": zip_bomb(clean.read_bytes(), gigabytes=0.2),
        "return.xls": xls_from_xlsx(clean),
        "return.ods": ods_from_xlsx(clean),
        "locked.xls": xls({"S": {(0, 0): 1.0}}, filepass=b"\0" * 6),
        "text.xlsx": CSV,
        "~$clean.xlsx": lock_file(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    for path in sorted(tmp_path.iterdir()):
        check_file(path, CAMPAIGN)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before


def test_load_book_never_raises_anything_but_unreadable_on_garbage():
    from bairi.guard.limits import Unreadable

    for blob in (b"PK\x03\x04" + bytes(100), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), b"PK\x05\x06" + bytes(18)):
        with pytest.raises(Unreadable):
            load_book("x.xlsx", blob)
