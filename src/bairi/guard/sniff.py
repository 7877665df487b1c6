"""What a file really is: recognised by its content, dispatched to the scan of its format, refused with a reason."""

from __future__ import annotations

from bairi.guard.limits import MAX_FILE_BYTES, OLE_MAGIC, ZIP_MAGICS, Plan, Unreadable, corrupt, is_lock_name, too_big
from bairi.guard.package import Package, main_part
from bairi.guard.xlsx import inspect_xlsx


def inspect(name: str, data: bytes) -> Plan:
    """Recognise the file by its content and check it against every limit, before anything is read."""
    if not data:
        raise Unreadable("F106")
    lock_name = is_lock_name(name.replace("\\", "/").rsplit("/", 1)[-1])
    if _is_lock_file(data) or (lock_name and not data.startswith(ZIP_MAGICS + (OLE_MAGIC,))):
        raise Unreadable("F107")
    if len(data) > MAX_FILE_BYTES:
        raise too_big(f"文件大小超过{MAX_FILE_BYTES // 1024 // 1024} MB")
    if data.startswith(ZIP_MAGICS):
        return inspect_zip(data)
    if data.startswith(OLE_MAGIC):
        from bairi.guard.ole import inspect_ole

        return inspect_ole(data)
    if data.startswith(b"PK"):
        raise corrupt("压缩包文件头损坏")
    if data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04") and len(data) > 4 and data[2:4] in (
            b"\x04\x00", b"\x06\x00", b"\x08\x00", b"\x0a\x00", b"\x0c\x00", b"\x10\x00"):
        raise Unreadable("F104", fmt="早期 Excel（BIFF2-4，Excel 2.x-4.x）")
    if data.startswith(b"\x00\x00\x02\x00"):
        raise Unreadable("F104", fmt="Lotus 1-2-3（.wk1）")
    if data.startswith(b"%PDF"):
        raise Unreadable("F103", what="内容是 PDF 文档")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) or (data.startswith(b"BM") and data[6:10] == bytes(4)):
        raise Unreadable("F103", what="内容是图片")
    if data.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        raise Unreadable("F103", what="内容是压缩包（rar/7z/gz），请先解压")
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


def _is_lock_file(data: bytes) -> bool:
    """An Excel/WPS owner file (~$name.xlsx): the user name twice, padded to 162 or 165 bytes."""
    if len(data) not in (162, 165) or not 0 < data[0] <= 53:
        return False
    padding = data[1 + data[0]:54]
    return all(b in (0x20, 0) for b in padding)


def _decode(sample: bytes) -> str | None:
    """The sample as text in the encodings towns' files come in, or None when it is binary."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return sample[:len(sample) // 2 * 2].decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        # A multi-byte character cut at the end of the sample is not a decoding failure.
        for cut in (0, 1, 2, 3):
            try:
                return sample[:len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def _text_kind(head: bytes) -> str | None:
    """What a non-binary file is, by its first bytes: html, xml spreadsheets, csv or plain text."""
    text = _decode(head[:4096])
    if text is None:
        return None
    if "\x00" in text or sum(1 for ch in text if ch < " " and ch not in "\r\n\t\f") > len(text) // 20:
        return None
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "html"
    if lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "xml2003"
        if "urn:oasis:names:tc:opendocument" in lowered and "office:spreadsheet" in lowered or "opendocument.spreadsheet" in lowered:
            return "fods"
        if "<table" in lowered[:2000] or "<html" in lowered[:2000]:
            return "html"
        return "xml"
    if text.startswith("ID;P"):
        return "sylk"
    if "," in text or "\t" in text:
        return "csv"
    return "text"


def inspect_zip(data: bytes) -> Plan:
    """A zip package told apart (.xlsx, .ods, .xlsb, .docx, Numbers, a plain zip) and measured, or refused."""
    package = Package(data)
    names = set(package.names())
    if package.encrypted():
        raise Unreadable("F101")
    if "mimetype" in names or ("content.xml" in names and not package.has("[Content_Types].xml")):
        from bairi.guard.ods import inspect_ods

        return inspect_ods(package)
    main, main_type = main_part(package)
    lowered = (main_type or "").lower()
    if main and (main.lower().endswith(".bin") or "binary" in lowered):
        raise Unreadable("F104", fmt="Excel 二进制工作簿（.xlsb）")
    if "wordprocessingml" in lowered or (not main and any(n.startswith("word/") for n in names)):
        raise Unreadable("F103", what="内容是 Word 文档（.docx）")
    if "presentationml" in lowered or (not main and any(n.startswith("ppt/") for n in names)):
        raise Unreadable("F103", what="内容是 PowerPoint 演示文稿")
    if not main and "xl/workbook.bin" in names:
        raise Unreadable("F104", fmt="Excel 二进制工作簿（.xlsb）")
    if not main and "xl/workbook.xml" in names:
        main = "xl/workbook.xml"
    if main and package.has(main):
        return inspect_xlsx(package, main)
    if main:
        raise corrupt(f"缺少工作簿部件 {main}")
    if any(n.startswith("index/") and n.endswith(".iwa") for n in names):
        raise Unreadable("F104", fmt="Apple Numbers 表格（.numbers）")
    raise Unreadable("F103", what="内容是普通 zip 压缩包，不是 Excel 工作簿")


# OLE2 directories name their main stream in UTF-16: a workbook, a Word or PowerPoint file, an Outlook message.
_OLE_STREAMS = (("Workbook", ".xls"), ("Book", ".xls"), ("WordDocument", ".doc"), ("PowerPoint Document", ".ppt"),
                ("__substg1.0_", ".msg"))


def suffix_of(data: bytes) -> str:
    """The file extension the content itself says (".xlsx", ".xls", ".ods", ".zip", ".pdf", ".docx", ...), or ""
    when the bytes are not a file a town sends; cheap (magic numbers and a zip's list of names), never raises."""
    if data.startswith(OLE_MAGIC):
        for stream, suffix in _OLE_STREAMS:
            if stream.encode("utf-16-le") in data[:1 << 20]:
                return suffix
        return ".xls"
    if data.startswith(ZIP_MAGICS):
        try:
            names = Package(data).names()
        except Exception:  # noqa: BLE001 - a damaged zip is still a zip; reading it later says why
            return ".zip"
        lowered = [n.lower() for n in names]
        if "mimetype" in lowered:
            return ".odt" if any(n == "content.xml" for n in lowered) and b"opendocument.text" in data[:200] else ".ods"
        for folder, suffix in (("xl/", ".xlsx"), ("word/", ".docx"), ("ppt/", ".pptx")):
            if any(n.startswith(folder) for n in lowered):
                return suffix
        return ".zip"
    for magic, suffix in ((b"%PDF", ".pdf"), (b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"),
                          (b"Rar!", ".rar"), (b"7z\xbc\xaf", ".7z"), (b"{\\rtf", ".rtf"), (b"\x78\x9f\x3e\x22", ".dat")):
        if data.startswith(magic):
            return suffix
    return ""
