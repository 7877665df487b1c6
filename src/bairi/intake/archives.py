"""Archives (.zip, and .rar/.7z that can only be named) → the spreadsheets packed inside, in memory.

Towns zip their return before mailing it. Everything here happens in memory: member names are
only names (``../`` and absolute paths are never written anywhere), sizes are checked as declared
and again while inflating with our own capped inflater (declared sizes can lie, and the standard
library's bzip2/lzma readers cannot be capped, so only stored and deflated members are read).
Every problem is a reason in Chinese, never an exception.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field

from bairi.guard.limits import (
    MAX_FILE_BYTES,
    MAX_PART_RATIO,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    inflate_capped,
    is_lock_name,
    megabytes,
    member_bytes,
)
from bairi.intake.discover import ARCHIVE_SUFFIXES, SPREADSHEET_SUFFIXES

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
RAR_MAGIC = b"Rar!\x1a\x07"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
MAX_DEPTH = 1  # a zip inside the zip is opened; a zip inside that is not

UNREADABLE_KINDS = {
    "rar": "RAR 压缩包无法读取，请让该单位解压后直接发送报表文件（.xlsx/.xls）",
    "7z": "7z 压缩包无法读取，请让该单位解压后直接发送报表文件（.xlsx/.xls）",
}


@dataclass(frozen=True)
class Member:
    """One spreadsheet found in an archive: its path there (through a nested zip, if any) and its bytes.

    The name is empty when the "archive" is itself a workbook under another name.
    """

    name: str
    data: bytes


@dataclass
class Unpacked:
    """What an archive held: the spreadsheets read, what could not be read and why, and the other files."""

    members: list[Member] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path inside, '' for the archive itself; reason)
    others: list[str] = field(default_factory=list)  # documents, pictures: not spreadsheets, not read

    @property
    def unread(self) -> list[tuple[str, str]]:
        """Every (path inside, reason) the clerk must hear about, including an archive with no spreadsheet at all."""
        if self.members or self.problems:
            return list(self.problems)
        if self.others:
            shown = "、".join(self.others[:5]) + (f" 等{len(self.others)}个文件" if len(self.others) > 5 else "")
            return [("", f"压缩包中没有电子表格（内有：{shown}）")]
        return [("", "压缩包中没有任何文件")]


def kind_of(name: str, data: bytes) -> str:
    """'zip', 'rar' or '7z' by content (a renamed archive is still what it is), else by the name."""
    if data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if data.startswith(RAR_MAGIC):
        return "rar"
    if data.startswith(SEVEN_ZIP_MAGIC):
        return "7z"
    lowered = name.lower()
    return "rar" if lowered.endswith(".rar") else "7z" if lowered.endswith(".7z") else "zip"


def unpack(name: str, data: bytes) -> Unpacked:
    """The spreadsheets inside an archive (one nested zip level deep), with a reason for each thing not read."""
    found = Unpacked()
    _unpack(name, data, "", 0, found, [0])
    return found


def clean_name(raw: str) -> str:
    """A member's path as a plain relative name: no drive, no leading slash, no '.' or '..' parts."""
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":
        parts = parts[1:]
    return "/".join("".join(ch for ch in p if ch.isprintable()) for p in parts)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author saw it.

    Without the UTF-8 flag zipfile decodes names as cp437, but Chinese Windows writes GBK and macOS
    writes UTF-8 without setting the flag; recover the bytes and try those first.
    """
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def _ignored(path: str) -> bool:
    """macOS resource forks and Excel/WPS lock files hold no data."""
    parts = path.split("/")
    base = parts[-1]
    return "__MACOSX" in parts or is_lock_name(base) or base.startswith("._") or base in (".DS_Store", "Thumbs.db")


def _unpack(name: str, data: bytes, prefix: str, depth: int, found: Unpacked, budget: list[int]) -> None:
    kind = kind_of(name, data)
    if kind != "zip":
        found.problems.append((prefix.rstrip("/"), UNREADABLE_KINDS[kind]))
        return
    if len(data) > MAX_FILE_BYTES:
        found.problems.append((prefix.rstrip("/"), f"压缩包超过{megabytes(MAX_FILE_BYTES)}，超出安全处理上限"))
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # zipfile's errors on hostile bytes are not all documented; none may escape
        found.problems.append((prefix.rstrip("/"), f"压缩包已损坏，无法打开（{type(exc).__name__}）"))
        return
    if len(infos) > MAX_ZIP_ENTRIES:
        found.problems.append((prefix.rstrip("/"), f"压缩包内有{len(infos)}个文件，超出安全处理上限"))
        return
    if depth == 0 and _is_spreadsheet_package(infos):
        # An .xlsx or .ods renamed to .zip (a mail system that blocks .xlsx does this): it is the return itself.
        found.members.append(Member("", data))
        return
    wanted: list[tuple[str, zipfile.ZipInfo, bool]] = []
    for info in infos:
        path = clean_name(member_name(info))
        if info.is_dir() or not path or _ignored(path):
            continue
        lowered = path.lower()
        nested = lowered.endswith(ARCHIVE_SUFFIXES)
        if nested or lowered.endswith(SPREADSHEET_SUFFIXES):
            wanted.append((path, info, nested))
        else:
            found.others.append(prefix + path)
    for path, info, nested in wanted:
        label = prefix + path
        reason = _refusal(info, nested, depth)
        if reason is not None:
            found.problems.append((label, reason))
            continue
        try:
            body = _inflate(data, info, min(MAX_FILE_BYTES, MAX_UNZIPPED_BYTES - budget[0]))
        except _Refused as exc:
            found.problems.append((label, str(exc)))
            continue
        budget[0] += len(body)
        if nested:
            _unpack(path, body, label + "/", depth + 1, found, budget)
        else:
            found.members.append(Member(label, body))


def _is_spreadsheet_package(infos: list[zipfile.ZipInfo]) -> bool:
    """True for the parts of an .xlsx/.xlsm or .ods workbook, whatever the file is called."""
    names = {info.filename.lower() for info in infos}
    return ("[content_types].xml" in names and any(n.startswith("xl/") for n in names)) or (
        "mimetype" in names and "content.xml" in names)


def _refusal(info: zipfile.ZipInfo, nested: bool, depth: int) -> str | None:
    """Why a member is not inflated at all, judged from its headers alone; None when it may be read."""
    if nested and depth >= MAX_DEPTH:
        return "压缩包套压缩包超过两层，未打开；请让该单位解压后直接发送报表文件"
    if info.flag_bits & 0x1 or info.compress_type == 99:
        return "文件已加密（设有密码），无法读取；请让该单位去掉密码或解压后直接发送报表文件"
    if info.file_size > MAX_FILE_BYTES:
        return f"解压后{megabytes(info.file_size)}，超出安全处理上限（{megabytes(MAX_FILE_BYTES)}）"
    if info.file_size > 1024 * 1024 and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1):
        return f"压缩比{info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹，已拒绝解压"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return f"使用了不常见的压缩方式（{info.compress_type}），无法读取；请让该单位解压后直接发送报表文件"
    return None


class _Refused(Exception):
    """A member that turned out unreadable while inflating; the message is the reason."""


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One member's bytes, inflated by us and never past its declared size, the per-file cap or the archive's budget."""
    try:
        raw = member_bytes(data, info.header_offset, info.compress_size)
    except ValueError as exc:
        raise _Refused("文件头损坏，无法读取" if str(exc) == "header" else "压缩数据被截断，无法读取") from None
    if info.file_size > budget:
        raise _Refused(f"压缩包内文件解压后合计超过{megabytes(MAX_UNZIPPED_BYTES)}，超出安全处理上限")
    # A header may understate the size to slip past the checks above: stop just past what it declared.
    cap = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    else:
        try:
            out = inflate_capped(raw, cap)
        except zlib.error:
            raise _Refused("压缩数据已损坏，无法读取") from None
        except OverflowError:
            raise _Refused(f"实际解压后超过声明的{info.file_size}字节，疑似压缩炸弹，已拒绝解压") from None
    if len(out) != info.file_size:
        raise _Refused("解压后的大小与声明不符，文件已损坏")
    if zlib.crc32(out) != info.CRC:
        raise _Refused("校验错误（CRC），文件已损坏")
    return out
