"""Zip packages (.xlsx and .ods) opened by our own code before python-calamine reads them (the .xlsx sheets
are measured in xlsx.py, an .ods's content in ods.py).

Parts are inflated by our own code with a hard cap (declared sizes can lie); sheet XML is scanned
for the cells it really fills and the text it holds; DTDs and outside references are refused.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from bairi.guard.limits import (
    MAX_PART_BYTES,
    MAX_PART_RATIO,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    Unreadable,
    corrupt,
    inflate_capped,
    megabytes,
    member_bytes,
    too_big,
)

# --- zip packages (xlsx, ods) ------------------------------------------------------------------

class _Entry:
    """One entry of a zip's central directory: what `Package` uses of a zipfile.ZipInfo."""

    __slots__ = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")

    def __init__(self, filename: str, flag_bits: int, compress_type: int, crc: int, compress_size: int,
                 file_size: int, header_offset: int) -> None:
        self.filename = filename
        self.flag_bits = flag_bits
        self.compress_type = compress_type
        self.CRC = crc
        self.compress_size = compress_size
        self.file_size = file_size
        self.header_offset = header_offset


# zipfile's own numbers (ZIP_STORED, ZIP_DEFLATED, MAX_EXTRACT_VERSION): zipfile itself is imported only
# for the zips the quick reading below leaves to it, and for rewriting one.
_STORED, _DEFLATED, _MAX_EXTRACT_VERSION = 0, 8, 63
_END = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")


def _plain_directory(data: bytes) -> list[_Entry] | None:
    """The entries of a zip written the plain way (no archive comment, no zip64, no extra fields), read as
    zipfile reads them but several times faster; None for anything else, which zipfile itself then reads."""
    if len(data) < _END.size or data[-_END.size:-_END.size + 4] != b"PK\x05\x06" or data[-2:] != b"\0\0":
        return None
    locator = max(len(data) - _END.size - 20, 0)  # zipfile's seek stops at the start of a short file
    if data[locator:locator + 4] == b"PK\x06\x07":
        return None  # a zip64 locator: zipfile's own reading applies
    size_cd, offset_cd = _END.unpack_from(data, len(data) - _END.size)[5:7]
    start = len(data) - _END.size - size_cd  # where zipfile looks, whatever the offset says
    if start < 0:
        return None
    concat = start - offset_cd
    directory = data[start:start + size_cd]
    entries: list[_Entry] = []
    at = 0
    try:
        while at < size_cd:
            fields = _CENTRAL.unpack_from(directory, at)
            (signature, _, _, extract_version, _, flag_bits, compress_type, _, _, crc, compress_size, file_size,
             name_len, extra_len, comment_len, _, _, _, offset) = fields
            if signature != b"PK\x01\x02" or extra_len or extract_version > _MAX_EXTRACT_VERSION:
                return None
            raw = directory[at + _CENTRAL.size:at + _CENTRAL.size + name_len]
            name = raw.decode("utf-8") if flag_bits & 0x800 else raw.decode("cp437")
            if "\0" in name:
                name = name[:name.index("\0")]
            if os.sep != "/" and os.sep in name:
                name = name.replace(os.sep, "/")
            entries.append(_Entry(name, flag_bits, compress_type, crc, compress_size, file_size, offset + concat))
            at += _CENTRAL.size + name_len + extra_len + comment_len
    except (struct.error, UnicodeDecodeError):
        return None
    return entries


class Package:
    """A zip read with its own inflater: sizes are checked as declared and again as actually inflated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        # Either our quick reader's entries or zipfile's: both have the attributes used below.
        self.infos: list[Any]
        infos = _plain_directory(data)
        if infos is not None:
            self.infos = infos
        else:
            import zipfile

            try:
                self.infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, IndexError,
                    NotImplementedError) as exc:
                # NotImplementedError: a version-needed field past what zipfile knows (a damaged header).
                raise corrupt(f"压缩结构损坏（{type(exc).__name__}）") from None
        if not self.infos:
            raise corrupt("压缩包是空的")
        if len(self.infos) > MAX_ZIP_ENTRIES:
            raise too_big(f"压缩包内有{len(self.infos)}个部件")
        self.by_name: dict[str, list[Any]] = {}
        # Parts whose checksum and size an earlier file of the run had too: only those are worth remembering
        # (a return's own sheet is new every time and would only push the template's parts out).
        self.familiar: set[int] = set()
        if len(_SEEN) > 4096:
            _SEEN.clear()
        total = 0
        for info in self.infos:
            self.by_name.setdefault(self.key(info.filename), []).append(info)
            sign = (info.CRC, info.file_size)
            if sign in _SEEN:
                self.familiar.add(id(info))
            _SEEN[sign] = True
            total += info.file_size
            if info.file_size > MAX_PART_BYTES:
                raise too_big(f"部件 {info.filename} 解压后{megabytes(info.file_size)}")
            if info.file_size > 1024 * 1024 and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1):
                raise too_big(f"部件 {info.filename} 压缩比{info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹")
        if total > MAX_UNZIPPED_BYTES:
            raise too_big(f"解压后共{megabytes(total)}")
        self.inflated = 0
        self.counted: set[int] = set()
        self.checked: set[str] = set()

    @staticmethod
    def key(name: str) -> str:
        """A part name as a lookup key: forward slashes, no leading slash, case folded."""
        key = _KEYS.get(name)
        if key is None:
            key = name.replace("\\", "/").lstrip("/").lower()
            if len(name) <= 256:
                if len(_KEYS) >= 4096:
                    _KEYS.clear()
                _KEYS[name] = key
        return key

    def has(self, name: str) -> bool:
        """True when the package holds a part of that name."""
        return self.key(name) in self.by_name

    def names(self) -> list[str]:
        """Every part name, as lookup keys."""
        return list(self.by_name)

    def encrypted(self) -> bool:
        """True when any entry uses zip-level (password) encryption."""
        return any(info.flag_bits & 0x1 for info in self.infos)

    def read(self, name: str) -> bytes:
        """A part's bytes, inflated under the caps (the last of duplicate entries, as zip readers take it)."""
        return self.read_all(name)[-1]

    def read_all(self, name: str) -> list[bytes]:
        """Every entry stored under that name (duplicates are checked, not guessed between)."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise corrupt(f"缺少部件 {name}")
        return [self.inflate(info) for info in infos]

    def read_xml(self, name: str) -> bytes:
        """A part that an XML parser will read: refused if it declares a DTD or entities."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise corrupt(f"缺少部件 {name}")
        blobs = [self.inflate(info) for info in infos]
        for info, blob in zip(infos, blobs):
            if recall(_SOUND, blob) is None:
                refuse_entities(info.filename, blob)
                well_formed(info.filename, blob)
                if id(info) in self.familiar:
                    remember(_SOUND, blob, True)
        self.checked.add(self.key(name))
        return blobs[-1]

    def inflate(self, info: Any) -> bytes:
        """Inflate one entry ourselves, stopping at the cap whatever the headers claim."""
        try:
            raw = member_bytes(self.data, info.header_offset, info.compress_size)
        except ValueError as exc:
            raise corrupt(f"部件 {info.filename} " + ("的文件头损坏" if str(exc) == "header" else "被截断")) from None
        first = id(info) not in self.counted
        # Declared sizes were checked against the limits; a part may not inflate much past what it declared
        # (a lying header is how a bomb slips past such checks), and never past our own caps.
        slack = info.file_size + 65536
        cap = min(MAX_PART_BYTES, (MAX_UNZIPPED_BYTES - self.inflated) if first else MAX_PART_BYTES, slack)
        crc = None
        if info.compress_type == _STORED:
            out = raw
        elif info.compress_type == _DEFLATED:
            known = recall(_INFLATED, raw)
            if known is not None:
                # The same compressed bytes always inflate to the same part; the caps below still apply.
                out, crc = known
                if len(out) > cap:
                    if cap == slack:
                        raise too_big(f"部件 {info.filename} 实际解压后远超声明的{info.file_size}字节，疑似压缩炸弹") from None
                    raise too_big(f"部件 {info.filename} 解压后超过{megabytes(cap)}") from None
            else:
                try:
                    out = inflate_capped(raw, cap)
                except zlib.error:
                    raise corrupt(f"部件 {info.filename} 的压缩数据损坏") from None
                except OverflowError:
                    if cap == slack:
                        raise too_big(f"部件 {info.filename} 实际解压后远超声明的{info.file_size}字节，疑似压缩炸弹") from None
                    raise too_big(f"部件 {info.filename} 解压后超过{megabytes(cap)}") from None
                crc = zlib.crc32(out)
                if len(out) <= _REMEMBER_BYTES and id(info) in self.familiar:
                    remember(_INFLATED, raw, (out, crc))
        else:
            raise corrupt(f"部件 {info.filename} 使用了不支持的压缩方式（{info.compress_type}）")
        if len(out) != info.file_size:
            raise corrupt(f"部件 {info.filename} 的大小与声明不符")
        if (zlib.crc32(out) if crc is None else crc) != info.CRC:
            raise corrupt(f"部件 {info.filename} 校验错误（CRC）")
        if first:
            self.counted.add(id(info))
            self.inflated += len(out)
        return out


# Towns fill one template, so most parts of their returns (styles, theme, relationships, the workbook) are
# the same bytes file after file. What was learnt from such bytes (how they inflate, that they are sound
# XML, their attributes) is kept for the rest of the run: it depends on nothing but the bytes. Small parts
# only, and few of them (a few MB at most), the least recently used dropped first.
_REMEMBER_BYTES = 64 * 1024
_REMEMBER_ENTRIES = 32
_INFLATED: dict[bytes, tuple[bytes, int]] = {}
_SOUND: dict[bytes, bool] = {}
_ATTRS: dict[bytes, dict[str, str]] = {}
# Relationship and content-type parts as read, by ("rels", folder, bytes) and ("types", "", bytes).
PARSED: dict[tuple[str, str, bytes], object] = {}
NO_ENTITIES: dict[bytes, bool] = {}
_KEYS: dict[str, str] = {}
# Checksum and size of the parts of the files read so far (a few bytes each; see Package.familiar).
_SEEN: dict[tuple[int, int], bool] = {}


def recall(memo: dict, key: Any) -> Any:
    """What `memo` keeps for `key` (now the most recently used), or None."""
    value = memo.pop(key, None)
    if value is not None:
        memo[key] = value
    return value


def remember(memo: dict, key: Any, value: object, size: int | None = None) -> None:
    """Keep `value` for `key` (`size` bytes long), dropping the least recently used entry when the memo is full."""
    if (len(key) if size is None else size) > _REMEMBER_BYTES:
        return
    if len(memo) >= _REMEMBER_ENTRIES:
        try:
            del memo[next(iter(memo))]
        except (StopIteration, KeyError, RuntimeError):  # emptied or changed meanwhile (another thread)
            memo.clear()
    memo[key] = value


_DOCTYPE = re.compile(rb"<!(?i:doctype|entity)")
EXTERNAL = re.compile(rb"""(?:schemaLocation|href|src)\s*=\s*["']\s*(?:https?|ftp|file|jar|gopher):""", re.I)


def refuse_entities(name: str, xml: bytes) -> None:
    """XML with a DTD can expand entities (a 'billion laughs') or fetch external ones; no real workbook has one."""
    if _DOCTYPE.search(xml):
        raise Unreadable("F110", detail=f"部件 {name} 含 DTD/实体声明（可能是实体炸弹或外部实体攻击）")


def well_formed(name: str, xml: bytes) -> None:
    """Refuse XML that is cut short or broken, naming the part: calamine only says "cannot detect file format",
    and loops forever on an .ods content.xml that ends between two rows (found by fuzzing)."""
    from xml.parsers import expat

    def refuse(*_: object) -> None:
        raise Unreadable("F110", detail=f"部件 {name} 含 DTD/实体声明（可能是实体炸弹或外部实体攻击）")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise corrupt(f"部件 {name} 的 XML 不完整或有误（第{exc.lineno}行第{exc.offset + 1}列）") from None
    except (LookupError, ValueError, UnicodeError):
        # An encoding declaration no codec knows (expat asks Python's codecs for it).
        raise corrupt(f"部件 {name} 声明了无法识别的字符编码") from None


_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^<>]*)>")
_OVERRIDE_TAG = re.compile(rb"<(?:[\w.-]+:)?Override\b([^<>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attrs_of(raw: bytes) -> dict[str, str]:
    """Attributes of one tag by local name (prefixes dropped), values unescaped."""
    known = recall(_ATTRS, raw)
    if known is not None:
        return dict(known)
    found = _parse_attrs(raw)
    remember(_ATTRS, raw, dict(found))
    return found


def _parse_attrs(raw: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        key = match[1].decode("ascii", "replace")
        local = key.rsplit(":", 1)[-1]
        value = match[2] if match[2] is not None else match[3]
        found.setdefault(local, _unescape(value.decode("utf-8", "replace")))
        found.setdefault(key, found[local])
    return found


def _resolve(base_dir: str, target: str) -> str:
    """A relationship target as a part name, relative to the source part's folder unless absolute."""
    target = target.replace("\\", "/")
    parts = [] if target.startswith("/") else [p for p in base_dir.split("/") if p]
    for piece in target.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
            continue
        parts.append(piece)
    return "/".join(parts)


def part_rels(package: Package, part: str) -> list[dict[str, str]]:
    """The relationships of `part` (its _rels/NAME.rels), targets resolved to part names."""
    folder, _, base = part.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if not package.has(rels_name):
        return []
    xml = package.read_xml(rels_name)
    known = recall(PARSED, ("rels", folder, xml))
    if known is None:
        known = list[dict[str, str]]()
        for match in _REL_TAG.finditer(xml):
            attrs = attrs_of(match[1])
            if attrs.get("TargetMode", "").lower() == "external":
                continue
            attrs["part"] = _resolve(folder, attrs.get("Target", ""))
            known.append(attrs)
        remember(PARSED, ("rels", folder, xml), known, len(xml))
    return [dict(attrs) for attrs in known]


def main_part(package: Package) -> tuple[str | None, str | None]:
    """The package's main document (from _rels/.rels) and its content type (from [Content_Types].xml)."""
    main = None
    for rel in part_rels(package, ""):
        if rel.get("Type", "").endswith("/officeDocument"):
            main = rel["part"]
            break
    content_type = None
    if package.has("[Content_Types].xml"):
        types = package.read_xml("[Content_Types].xml")
        overrides = recall(PARSED, ("types", "", types))
        if overrides is None:
            overrides = dict[str, str]()
            for match in _OVERRIDE_TAG.finditer(types):
                attrs = attrs_of(match[1])
                overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
            remember(PARSED, ("types", "", types), overrides, len(types))
        if main:
            content_type = overrides.get(main.lower())
        else:
            for part, kind in overrides.items():
                if kind.endswith(".main+xml") or kind.endswith(".main"):
                    main, content_type = part, kind
                    break
    return main, content_type


PREFIX = rb"(?:[^\s<>/:=\"'!?]+:)?"


def _unescape(text: str) -> str:
    """XML character references resolved (html is imported only for text that has any)."""
    if "&" not in text:
        return text
    import html

    return html.unescape(text)


def attr(pattern: re.Pattern[bytes], attrs: bytes) -> str | None:
    """One attribute's value, whichever quotes it uses, with XML character references resolved."""
    found = pattern.search(attrs)
    if not found:
        return None
    raw = found[1] if found[1] is not None else found[2]
    return _unescape(raw.decode("utf-8", "replace"))
