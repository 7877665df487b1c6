"""Bytes → sheets of cells: recognise what a file really is, refuse what is unsafe, read the rest.

This module judges only whether a file can be read at all. Every problem is an `Unreadable`
carrying a catalogue code, so one bad attachment never stops a run.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

# Limits checked before anything is inflated. A real return is a few tens of KB; a province's
# merged return with thousands of hazard rows stays far below these.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_PART_RATIO = 200
MAX_ZIP_ENTRIES = 5000
MAX_SHEETS = 300
MAX_CELLS = 3_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


class Unreadable(Exception):
    """The file cannot be read as a spreadsheet; `code` and `fields` name the finding."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


@dataclass
class Sheet:
    """One worksheet: its name and a dense grid of raw values from A1."""

    name: str
    rows: list[list[object]]
    hidden: bool = False
    # Cells (like "C7") holding a formula whose result was never saved: their value is unknown.
    uncached: set[str] = field(default_factory=set)


@dataclass
class Book:
    """A workbook's sheets and what format it really was."""

    format: str
    sheets: list[Sheet]
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)


FORMAT_NAMES = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "ods": "OpenDocument 表格（.ods）",
}


def _ole_streams(data: bytes) -> set[str]:
    """Names found in an OLE2 directory (a cheap scan for UTF-16 entry names)."""
    names = set()
    for name in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument",
                 "PowerPoint Document", "DataSpaces", "NativeContent_MAIN", "Quill"):
        if name.encode("utf-16-le") in data:
            names.add(name)
    return names


def _text_kind(head: bytes) -> str | None:
    """What a non-binary file is, by its first bytes: html, xml spreadsheets, csv or plain text."""
    sample = head[:4096]
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = sample.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    lowered = text.lstrip().lower()
    if "\x00" in text:
        return None
    if lowered.startswith(("<!doctype html", "<html")) or "<table" in lowered[:2000]:
        return "html"
    if lowered.startswith("<?xml") or lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "xml2003"
        if "opendocument" in lowered:
            return "fods"
        return "xml"
    if text.startswith("ID;P"):
        return "sylk"
    if "," in text or "\t" in text:
        return "csv"
    return "text"


def detect(name: str, data: bytes) -> str:
    """The real format of `data` ('xlsx', 'xls' or 'ods'), or raise Unreadable saying what it is."""
    if not data:
        raise Unreadable("F106")
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if base.startswith("~$"):
        raise Unreadable("F107")
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable("F105", detail=f"文件大小 {len(data) // 1024 // 1024} MB")
    if data.startswith(ZIP_MAGICS):
        return _detect_zip(data)
    if data.startswith(OLE_MAGIC):
        streams = _ole_streams(data)
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            raise Unreadable("F101")
        if "Workbook" in streams or "Book" in streams:
            return "xls"
        if "WordDocument" in streams:
            raise Unreadable("F103", what="内容是 Word 文档（.doc）")
        if "PowerPoint Document" in streams:
            raise Unreadable("F103", what="内容是 PowerPoint 演示文稿")
        raise Unreadable("F104", fmt="该 OLE 复合文档（非 Excel 工作簿，可能是 Quattro Pro 等）")
    if data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04") and len(data) > 4:
        raise Unreadable("F104", fmt="早期 Excel（BIFF2-4，Excel 2.x-4.x）")
    if data.startswith(b"\x00\x00\x02\x00"):
        raise Unreadable("F104", fmt="Lotus 1-2-3（.wk1）")
    if data.startswith(b"%PDF"):
        raise Unreadable("F103", what="内容是 PDF 文档")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        raise Unreadable("F103", what="内容是图片")
    if data.startswith(b"{\\rtf"):
        raise Unreadable("F103", what="内容是 RTF 文档")
    kind = _text_kind(data)
    if kind == "html":
        raise Unreadable("F103", what="内容是网页（HTML），常见于网上系统导出的“伪 Excel”；请用 Excel 打开后另存为 .xlsx")
    if kind == "xml2003":
        raise Unreadable("F104", fmt="Excel 2003 XML 表格")
    if kind == "fods":
        raise Unreadable("F104", fmt="单文件 OpenDocument 表格（.fods）")
    if kind == "sylk":
        raise Unreadable("F104", fmt="SYLK 文本表格")
    if kind == "csv":
        raise Unreadable("F103", what="内容是 CSV 文本（以逗号或制表符分隔），不是 Excel 工作簿；请用 Excel 打开后另存为 .xlsx")
    if kind in ("text", "xml"):
        raise Unreadable("F103", what="内容是纯文本" if kind == "text" else "内容是 XML 文本")
    raise Unreadable("F103", what="无法识别的文件内容")


def _detect_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Unreadable("F102", detail=f"压缩结构损坏（{type(exc).__name__}）") from None
    names = {i.filename.replace("\\", "/") for i in infos}
    _check_zip_limits(infos)
    if "xl/workbook.bin" in names:
        raise Unreadable("F104", fmt="Excel 二进制工作簿（.xlsb）")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names or "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
        except Exception:
            mimetype = b""
        if b"spreadsheet" in mimetype or ("content.xml" in names and not mimetype):
            if "META-INF/manifest.xml" in names and _ods_encrypted(archive):
                raise Unreadable("F101")
            return "ods"
        if b"text" in mimetype:
            raise Unreadable("F103", what="内容是 OpenDocument 文字文档（.odt）")
    if any(n.startswith("word/") for n in names):
        raise Unreadable("F103", what="内容是 Word 文档（.docx）")
    if any(n.startswith("ppt/") for n in names):
        raise Unreadable("F103", what="内容是 PowerPoint 演示文稿")
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names):
        raise Unreadable("F104", fmt="Apple Numbers 表格（.numbers）")
    if not names:
        raise Unreadable("F102", detail="压缩包是空的")
    raise Unreadable("F103", what="内容是普通 zip 压缩包，不是 Excel 工作簿")


def _ods_encrypted(archive: zipfile.ZipFile) -> bool:
    try:
        with archive.open("META-INF/manifest.xml") as handle:
            return b"encryption-data" in handle.read(1 << 20)
    except Exception:
        return False


def _check_zip_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise Unreadable("F105", detail=f"压缩包内有 {len(infos)} 个部件")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.compress_size and info.file_size / info.compress_size > MAX_PART_RATIO:
            raise Unreadable("F105", detail=f"部件 {info.filename} 压缩比 {info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹")
    if total > MAX_UNZIPPED_BYTES:
        raise Unreadable("F105", detail=f"解压后共 {total // 1024 // 1024} MB")


_SHEET_TARGET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def _xml_unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _xlsx_inspect(data: bytes) -> dict[str, set[str]]:
    """Per sheet name, the cells whose formula has no saved result; refuses DOCTYPE-bearing XML."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    uncached: dict[str, set[str]] = {}
    try:
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(info) as handle:
                    head = handle.read(2048)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise Unreadable("F105", detail=f"部件 {info.filename} 含 XML 实体声明（可能是实体炸弹或外部实体攻击）")
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in archive.namelist() else b""
        targets = {}
        for match in _REL.finditer(rels):
            rid, target = (match[1], match[2]) if match[1] else (match[4], match[3])
            targets[rid] = target.decode("utf-8", "replace").lstrip("/")
        for match in _SHEET_TARGET.finditer(workbook):
            target = targets.get(match[2])
            if not target:
                continue
            part = target if target.startswith("xl/") else f"xl/{target}"
            try:
                xml = archive.read(part)
            except KeyError:
                continue
            if b"<f" not in xml:
                continue
            missing = set()
            for cell in _CELL.finditer(xml):
                body = cell[3] or b""
                if b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                    ref = _REF.search(cell[1])
                    if ref:
                        missing.add(ref[1].decode())
            if missing:
                uncached[_xml_unescape(match[1])] = missing
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise Unreadable("F102", detail=f"压缩部件损坏（{type(exc).__name__}）") from None
    return uncached


def _calamine_error(exc: BaseException) -> Unreadable:
    name = type(exc).__name__
    text = str(exc)
    lowered = text.lower()
    if name == "PasswordError" or "password" in lowered or "encrypt" in lowered:
        return Unreadable("F101")
    if "unsupported" in lowered or "not supported" in lowered:
        return Unreadable("F104", fmt=f"该文件的格式变体（{text[:60]}）")
    return Unreadable("F102", detail=f"{name}: {text[:120]}" if text else name)


def load_book(name: str, data: bytes) -> Book:
    """All sheets of a workbook given its name and bytes, or raise Unreadable."""
    real = detect(name, data)
    notes: list[tuple[str, dict[str, object]]] = []
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in ("xlsx", "xlsm", "xls", "ods", "xltx", "xltm") and ext.replace("xlsm", "xlsx").replace("xltx", "xlsx").replace("xltm", "xlsx") != real:
        notes.append(("F108", {"ext": f".{ext}", "real": FORMAT_NAMES[real]}))
    uncached = _xlsx_inspect(data) if real == "xlsx" else {}
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = workbook.sheets_metadata
        if len(metadata) > MAX_SHEETS:
            raise Unreadable("F105", detail=f"共 {len(metadata)} 个工作表")
        sheets = []
        for meta in metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.height * sheet.width > MAX_CELLS:
                raise Unreadable("F105", detail=f"工作表“{meta.name}”有 {sheet.height} 行 × {sheet.width} 列")
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(Sheet(meta.name, rows, "Visible" not in str(meta.visible), uncached.get(meta.name, set())))
    except Unreadable:
        raise
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # python-calamine panics raise PanicException, a BaseException.
        raise _calamine_error(exc) from None
    return Book(real, sheets, notes)
