"""Zipped returns: opened in memory for merge and deadlines, safely; what cannot be opened is said, never dropped."""

import io
import json
import os
import struct
import time
import zipfile
import zlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.core.campaign import default_campaign
from bairi.intake.archives import Member, unpack
from bairi.merge.consolidate import consolidate
from bairi.state.standing import load_state
from build import write_return
from build_mail import message, write_eml, write_mbox

CAMPAIGN = default_campaign()
BEIJING = timezone(timedelta(hours=8))
runner = CliRunner()
ENCRYPTED = "文件已加密（设有密码），无法读取；请让该单位去掉密码或解压后直接发送报表文件"
RAR = "RAR 压缩包无法读取，请让该单位解压后直接发送报表文件（.xlsx/.xls）"


# --- real zip files, written byte by byte as other tools write them ----------------------------

def _zipcrypto(data: bytes, password: bytes, check: int) -> bytes:
    """Traditional PKWARE encryption (WinRAR, 7-Zip and 360压缩 'ZipCrypto'): 12-byte header, then the data."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def crc(value: int, byte: int) -> int:
        return zlib.crc32(bytes([byte]), value ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def update(byte: int) -> None:
        keys[0] = crc(keys[0], byte)
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = crc(keys[2], keys[1] >> 24)

    for byte in password:
        update(byte)
    out = bytearray()
    for byte in bytes(range(11)) + bytes([check]) + data:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


def raw_zip(entries: list[tuple[bytes, bytes]], *, utf8: bool = False, password: bytes | None = None,
            declared: int | None = None, deflate: bool = True) -> bytes:
    """A zip of (raw name bytes, data): names stored as given (GBK, as Chinese Windows writes them, unless utf8),
    optionally ZipCrypto-encrypted, optionally declaring a false uncompressed size."""
    local, central = bytearray(), bytearray()
    for name, data in entries:
        crc = zlib.crc32(data)
        body = zlib.compress(data, 9)[2:-4] if deflate else data
        flags = (0x800 if utf8 else 0) | (0x1 if password else 0)
        if password:
            body = _zipcrypto(body, password, crc >> 24)
        size = len(data) if declared is None else declared
        method = 8 if deflate else 0
        offset = len(local)
        local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0x5799, crc, len(body), size,
                             len(name), 0) + name + body
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0, 0x5799, crc, len(body),
                               size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0)
    return bytes(local + central + end)


def std_zip(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip as Python (and any UTF-8 aware tool) writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def town_return(folder: Path, town: str = "巴公镇", **kw) -> Path:
    return write_return(folder / f"{town}12月报表.xlsx", unit=f"{town}应急管理中心", **kw)


def gbk(name: str) -> bytes:
    return name.encode("gbk")


# --- unpack ------------------------------------------------------------------------------------

def test_gbk_member_names_from_chinese_windows_are_read(tmp_path):
    data = town_return(tmp_path).read_bytes()
    packed = raw_zip([(gbk("12月/巴公镇12月报表.xlsx"), data), (gbk("说明.docx"), b"doc")])
    assert zipfile.ZipFile(io.BytesIO(packed)).namelist()[0] != "12月/巴公镇12月报表.xlsx"  # cp437 mojibake
    found = unpack("巴公镇.zip", packed)
    assert found.members == [Member("12月/巴公镇12月报表.xlsx", data)]
    assert (found.problems, found.others) == ([], ["说明.docx"])
    # Flagged UTF-8 names (Python, 7-Zip) and unflagged UTF-8 (macOS) read the same.
    assert [m.name for m in unpack("a.zip", std_zip([("巴公镇12月报表.xlsx", data)])).members] == ["巴公镇12月报表.xlsx"]
    assert [m.name for m in unpack("a.zip", raw_zip([("南村镇.xlsx".encode(), data)])).members] == ["南村镇.xlsx"]


def test_name_tricks_are_only_names_and_junk_is_ignored(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    packed = std_zip([("../../etc/巴公镇.xlsx", b"PK1"), ("/abs/南村镇.xls", b"x2"), ("C:\\win\\x.ods", b"x3"),
                      ("__MACOSX/._巴公镇.xlsx", b"junk"), ("~$巴公镇.xlsx", b"lock"), ("folder/", b""),
                      ("folder/.~lock.x.xlsx#", b"lock"), ("folder/照片.jpg", b"jpg")])
    found = unpack("tricks.zip", packed)
    assert [m.name for m in found.members] == ["etc/巴公镇.xlsx", "abs/南村镇.xls", "win/x.ods"]
    assert (found.problems, found.others) == ([], ["folder/照片.jpg"])
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_zip_bombs_are_refused_quickly_with_a_reason():
    zeros = bytes(10 * 1024 * 1024)
    honest = raw_zip([(b"bomb.xlsx", zeros)])
    compressed = len(zlib.compress(zeros, 9)[2:-4])
    # The header lies: it declares 1,000 bytes for 10 MB of zeros.
    liar = raw_zip([(b"liar.xlsx", zeros)], declared=1000)
    huge = raw_zip([(b"huge.xls", b"x")], declared=60 * 1024 * 1024, deflate=False)
    started = time.perf_counter()
    results = [unpack("a.zip", honest), unpack("b.zip", liar), unpack("c.zip", huge)]
    assert time.perf_counter() - started < 0.5
    assert [(r.members, r.problems) for r in results] == [
        ([], [("bomb.xlsx", f"压缩比{len(zeros) // compressed}:1，疑似压缩炸弹，已拒绝解压")]),
        ([], [("liar.xlsx", "实际解压后超过声明的1000字节，疑似压缩炸弹，已拒绝解压")]),
        ([], [("huge.xls", "解压后60 MB，超出安全处理上限（50 MB）")]),
    ]


def test_encrypted_zip_is_refused_with_a_reason(tmp_path):
    data = town_return(tmp_path).read_bytes()
    packed = raw_zip([(gbk("巴公镇12月报表.xlsx"), data)], password=b"1234")
    # Really encrypted: the standard library opens it with the password.
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.read(archive.infolist()[0], pwd=b"1234") == data
    found = unpack("巴公镇.zip", packed)
    assert (found.members, found.unread) == ([], [("巴公镇12月报表.xlsx", ENCRYPTED)])


def test_rar_7z_corrupt_and_empty_archives_give_reasons():
    assert unpack("巴公镇.rar", b"Rar!\x1a\x07\x01\x00rest").unread == [("", RAR)]
    assert unpack("巴公镇.zip", b"Rar!\x1a\x07\x00rest").unread == [("", RAR)]  # renamed: what it is counts
    assert unpack("巴公镇.7z", b"7z\xbc\xaf\x27\x1c\x00\x04").unread == [
        ("", "7z 压缩包无法读取，请让该单位解压后直接发送报表文件（.xlsx/.xls）")]
    assert unpack("坏.zip", b"PK\x03\x04broken").unread == [("", "压缩包已损坏，无法打开（BadZipFile）")]
    assert unpack("方案.zip", std_zip([("巴公镇行动方案.docx", b"d"), ("图.png", b"p")])).unread == [
        ("", "压缩包中没有电子表格（内有：巴公镇行动方案.docx、图.png）")]
    assert unpack("空.zip", std_zip([])).unread == [("", "压缩包中没有任何文件")]


SEEDS = [std_zip([("a.xlsx", b"x" * 3000), ("内.zip", std_zip([("b.xls", bytes(range(256)) * 20)]))]),
         raw_zip([(gbk("巴公镇.xlsx"), b"y" * 2000)], password=b"1")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       cut=st.integers(0, 10**6))
def test_damaged_zips_give_reasons_never_exceptions(seed, edits, cut):
    data = bytearray(seed)
    for where, byte in edits:
        data[where % len(data)] = byte
    found = unpack("x.zip", bytes(data[:max(cut % (len(data) + 1), 1)]))
    assert all(isinstance(reason, str) and reason for _, reason in found.unread)


def test_one_nested_zip_is_opened_a_second_is_not(tmp_path):
    data = town_return(tmp_path).read_bytes()
    inner = std_zip([("巴公镇12月报表.xlsx", data), ("深.zip", std_zip([("南村镇.xlsx", b"x")]))])
    found = unpack("外.zip", std_zip([("内.zip", inner), ("x.rar", b"Rar!\x1a\x07\x00")]))
    assert found.members == [Member("内.zip/巴公镇12月报表.xlsx", data)]
    assert found.problems == [("内.zip/深.zip", "压缩包套压缩包超过两层，未打开；请让该单位解压后直接发送报表文件"),
                              ("x.rar", RAR)]


# --- merge -------------------------------------------------------------------------------------

def test_merge_accepts_a_zipped_mail_attachment_dated_by_the_mail(tmp_path):
    data = town_return(tmp_path / "src").read_bytes()
    inbox = tmp_path / "inbox"
    write_mbox(inbox / "campaign.mbox", [
        message([("南村镇.rar", b"Rar!\x1a\x07\x01\x00rest")], date="Sun, 24 Dec 2023 09:00:00 +0800"),
        message([("巴公镇.zip", raw_zip([(gbk("巴公镇12月报表.xlsx"), data)]))], date="Mon, 25 Dec 2023 23:30:00 +0800",
                encoding="rfc2047"),
        message([("大阳镇.zip", raw_zip([(gbk("大阳镇12月报表.xlsx"), data)], password=b"1"))],
                date="Mon, 25 Dec 2023 10:00:00 +0800"),
    ])
    out = tmp_path / "county.xlsx"
    result = runner.invoke(app(), ["merge", str(inbox), "-o", str(out), "-f", "json"])
    assert result.exit_code == 1, result.output  # 大阳镇's return came but cannot be opened: the clerk must act
    doc = json.loads(result.stdout)
    label = f"{inbox / 'campaign.mbox'}#2/巴公镇.zip/巴公镇12月报表.xlsx"
    assert [(a["town"], a["status"], a["received"], a["file"]) for a in doc["accepted"]] == [
        ("巴公镇", "incomplete", "2023-12-25T23:30:00+08:00", label)]
    assert doc["totals"]["period_row"]["enterprises"] == 25
    assert doc["skipped"] == [{"file": f"{inbox / 'campaign.mbox'}#1/南村镇.rar", "reason": f"压缩包“南村镇.rar”未计入：{RAR}"}]
    dayang = next(t for t in doc["towns"] if t["town"] == "大阳镇")
    assert (dayang["status"], dayang["reason"]) == ("to_verify", "收到但无法读取：" + ENCRYPTED)
    # Every figure is traced to the file inside the zip.
    trail = [[c.value for c in row[:4]] for row in load_workbook(out)["单元格来源"].iter_rows() if row[0].value == "巴公镇"]
    assert [row[1:] for row in trail] == [["冶金工贸", label, "Sheet1!B7:N7"], ["累计", label, "Sheet1!B8:N8"]]


def test_zip_in_a_folder_is_dated_like_the_zip_and_counted_once(tmp_path):
    folder = tmp_path / "收件箱"
    bagong = town_return(tmp_path / "src").read_bytes()
    nancun = town_return(tmp_path / "src", "南村镇").read_bytes()
    packed = folder / "巴公镇.zip"
    folder.mkdir()
    packed.write_bytes(std_zip([("巴公镇12月报表.xlsx", bagong), ("说明.docx", b"d")]))
    late = datetime(2023, 12, 26, 9, 0, tzinfo=BEIJING)
    os.utime(packed, (late.timestamp(), late.timestamp()))
    # 南村镇 sent its return loose and zipped: the same bytes, one return.
    (folder / "南村镇12月报表.xlsx").write_bytes(nancun)
    (folder / "南村镇.zip").write_bytes(std_zip([("南村镇12月报表.xlsx", nancun)]))
    (folder / "空.zip").write_bytes(std_zip([("说明.docx", b"d")]))
    merged = consolidate(load_state([folder], CAMPAIGN, date(2024, 2, 10), use_ledger=False))
    assert sorted(str(r.file) for r in merged.accepted) == [
        str(folder / "南村镇12月报表.xlsx"), str(folder / "巴公镇.zip" / "巴公镇12月报表.xlsx")]
    line = next(t for t in merged.towns if t.town == "巴公镇")
    assert (line.code, line.received) == ("late", late)
    assert [(Path(where).name, reason) for where, reason in merged.skipped] == [
        ("说明.docx", "“说明.docx”无法判断是什么材料（方案、总结、报表等），未计入"),
        ("说明.docx", "“说明.docx”无法判断是什么材料（方案、总结、报表等），未计入")]


def test_a_zip_in_a_folder_is_dated_by_the_ledgers_first_sighting_of_the_zip(tmp_path):
    import hashlib

    from bairi.intake.ledger import ledger_path, open_ledger

    packed = tmp_path / "in" / "巴公镇.zip"
    packed.parent.mkdir()
    packed.write_bytes(std_zip([("巴公镇12月报表.xlsx", town_return(tmp_path / "src").read_bytes())]))
    first = datetime(2023, 12, 25, 18, 0, tzinfo=BEIJING)
    book = open_ledger(ledger_path([packed.parent]))
    book.record(hashlib.sha256(packed.read_bytes()).hexdigest(), packed, packed.stat().st_size, first)
    book.close()
    result = runner.invoke(app(), ["merge", str(packed.parent), "-o", str(tmp_path / "c.xlsx"), "-f", "json"])
    (accepted,) = json.loads(result.stdout)["accepted"]
    assert (accepted["status"], accepted["received"]) == ("incomplete", "2023-12-25T18:00:00+08:00")


def test_a_zip_named_on_the_command_line_is_opened(tmp_path):
    data = town_return(tmp_path / "src").read_bytes()
    packed = tmp_path / "巴公镇.zip"
    packed.write_bytes(std_zip([("巴公镇12月报表.xlsx", data)]))
    state = load_state([packed], CAMPAIGN, date(2024, 2, 10), use_ledger=False)
    assert [(r.source, r.town, r.accepted) for r in state.receipts] == [(f"{packed}/巴公镇12月报表.xlsx", "巴公镇", True)]


# --- deadlines ---------------------------------------------------------------------------------

def test_deadlines_count_a_zipped_return_and_say_what_cannot_be_opened(tmp_path):
    data = town_return(tmp_path / "src", filled_on=date(2023, 12, 24)).read_bytes()
    inbox = tmp_path / "inbox"
    write_eml(inbox / "巴公镇.eml", message([("巴公镇.zip", raw_zip([(gbk("报表.xlsx"), data)]))],
                                          date="Mon, 25 Dec 2023 23:30:00 +0800", subject="12月报表"))
    write_eml(inbox / "南村镇.eml", message([("南村镇12月报表.rar", b"Rar!\x1a\x07\x01\x00")],
                                          date="Mon, 25 Dec 2023 10:00:00 +0800"))
    write_eml(inbox / "大箕镇.eml", message([("大箕镇行动方案.zip", std_zip([("方案.docx", b"d")]))],
                                          date="Wed, 08 Nov 2023 10:00:00 +0800"))
    result = runner.invoke(app(), ["deadlines", str(inbox), "--as-of", "2023-12-26", "--no-ledger", "-f", "json"])
    doc = json.loads(result.stdout)
    got = {(i["town"], i["deadline"]): (i["status"], i["received"], i["evidence"], i["source"]) for i in doc["items"]
           if (i["town"], i["deadline"]) in (("巴公镇", "2023-12"), ("大箕镇", "plan"), ("南村镇", "2023-12"))}
    assert got == {
        # On time, but only the return came: 缺件 once the day is past.
        ("巴公镇", "2023-12"): ("incomplete", "2023-12-25T23:30:00+08:00", "mail",
                              f"{inbox / '巴公镇.eml'}/巴公镇.zip/报表.xlsx"),
        ("大箕镇", "plan"): ("on_time", "2023-11-08T10:00:00+08:00", "mail", f"{inbox / '大箕镇.eml'}/大箕镇行动方案.zip/方案.docx"),
        # A .rar that says it is the return: it arrived, but cannot be opened — 待核实, not 未报.
        ("南村镇", "2023-12"): ("to_verify", "2023-12-25T10:00:00+08:00", "mail", f"{inbox / '南村镇.eml'}/南村镇12月报表.rar"),
    }
    nancun = next(i for i in doc["items"] if (i["town"], i["deadline"]) == ("南村镇", "2023-12"))
    assert [(f["code"], f["message"]) for f in nancun["findings"] if f["code"] == "D716"] == [
        ("D716", f"南村镇2023年12月报表：“南村镇12月报表.rar”收到但无法读取：{RAR}，待核实")]


def app():
    from bairi.cli import app as typer_app

    return typer_app


def test_a_workbook_renamed_to_zip_is_read_as_the_return(tmp_path):
    inbox = tmp_path / "收件箱"
    real = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    inbox.mkdir()
    renamed = inbox / "巴公镇12月份百日攻坚报表.zip"
    renamed.write_bytes(real.read_bytes())
    state = load_state([inbox], CAMPAIGN, date(2024, 2, 10), use_ledger=False)
    assert [(r.source, r.accepted) for r in state.receipts] == [(str(renamed), True)]
    assert state.findings == []
    merged = consolidate(state, "2023-12")
    assert merged.totals["period_row"]["enterprises"] == 25
