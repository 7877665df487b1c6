"""The TOML files the clerk edits (bairi.toml, 登记簿.toml, form files): read, and their mistakes said in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# What `bairi init --from` writes where the notice did not say: every command refuses to run past it.
PLACEHOLDER = "【请填写】"


def placeholders(data: object, where: str = "") -> list[str]:
    """The keys (units.0.name) whose value still holds the 【请填写】 placeholder."""
    if isinstance(data, str):
        return [where or "?"] if PLACEHOLDER in data else []
    if isinstance(data, dict):
        return [k for key, value in data.items() for k in placeholders(value, f"{where}.{key}" if where else str(key))]
    if isinstance(data, list):
        return [k for i, value in enumerate(data) for k in placeholders(value, f"{where}.{i}")]
    return []


def refuse_placeholders(data: dict[str, Any], path: Path, what: str, error: type[Exception]) -> None:
    """Raise `error` naming every key still marked 【请填写】 (a campaign set up from a notice that did not say)."""
    left = placeholders(data)
    if left:
        raise error(f"{what} {path} 中还有未填写的项：{'、'.join(left)}（标着{PLACEHOLDER}）。"
                    f"请用记事本打开，按通知填写后再运行")


# What the clerk is told for each kind of pydantic error (the field's path is said before it).
_WORDS = {
    "missing": "缺少此项", "extra_forbidden": "不认识的键（拼写错误？）",
    "string_type": "应为文字（加引号）", "int_type": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "bool_type": "应为 true 或 false", "list_type": "应为列表，如 [\"甲\", \"乙\"]",
    "date_type": "应为日期，如 2023-12-25（不加引号）", "date_from_datetime_inexact": "应为日期，不带时刻",
    "date_from_datetime_parsing": "应为日期，不带时刻", "model_type": "应为一个表（[[...]] 或 {...}）",
    "model_attributes_type": "应为一个表（[[...]] 或 {...}）", "dict_type": "应为一个表（[[...]] 或 {...}）",
    "too_short": "至少要有一项",
}


def pydantic_words(item: Any) -> str:
    """One pydantic error in the clerk's words, after its key path (units.8.name：不能为空)."""
    where = ".".join(str(p) for p in item["loc"])
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", item["msg"]))  # the campaign's own cross-field rules, already in words
    if kind == "string_pattern_mismatch":
        word = "应为 YYYY-MM，如 2023-12" if "0[1-9]" in str(ctx.get("pattern", "")) else "不能为空"
    elif kind in ("greater_than_equal", "less_than_equal"):
        field = where.rsplit(".", 1)[-1]
        word = {"utc_offset_hours": "应在 -12 到 14 之间", "inspect_share": "应在 0 到 1 之间"}.get(field, "不能小于 0")
    elif kind == "datetime_type" or (kind == "date_type" and "datetime" in str(item.get("input", "").__class__)):
        word = "应为日期，不带时刻"
    else:
        # Never pydantic's English: an error this table does not know is still said in the clerk's words.
        word = _WORDS.get(kind, "取值不对，请对照说明修改")
    return f"{where}：{word}" if where else word


# tomllib's messages (Python 3.11-3.13), and what they mean for someone editing bairi.toml in Notepad.
_TOML_MESSAGES = (
    (r"Expected newline or end of document after a statement", "一行只能写一项（键 = 值），这一行在值后面还有多余的内容"),
    (r"Invalid value", "值的写法不对：文字要用英文双引号括起来（如 \"巴公镇\"），日期写成 2023-12-25，数字不加引号"),
    (r"Invalid statement", "这一行不是“键 = 值”，也不是 [节名]"),
    (r"Expected '=' after a key in a key/value pair", "键的后面缺少 =（文字值要加英文双引号）"),
    (r"Invalid initial character for a key part", "键名写法不对（键名用英文字母、数字、下划线，如 name）"),
    (r"Unterminated string", "引号没有配对（缺少结尾的英文双引号）"),
    (r"Unclosed array", "列表 [ … ] 没有闭合（缺少 ]，或两项之间缺少英文逗号）"),
    (r"Unclosed inline table", "{ … } 没有闭合（缺少 }，或两项之间缺少英文逗号）"),
    (r"Expected ']' at the end of a table declaration", "节名 [ … ] 缺少结尾的 ]"),
    (r"Expected ']]' at the end of an array declaration", "[[ … ]] 缺少结尾的 ]]"),
    (r"Cannot declare (.*) twice", "{0} 写了两次"),
    (r"Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot (?:mutate immutable namespace|redefine namespace) (.*)", "{0} 与前面的内容重复"),
    (r"Duplicate inline table key '?(.*?)'?", "{{ … }} 里的 {0} 写了两次"),
    (r"Invalid date or datetime", "日期不对（应为日历上有的日子，如 2023-12-25）"),
    (r"Illegal character '\\n'", "引号没有配对（这一行缺少结尾的英文双引号）"),
    (r"Found invalid character '(.*)'", "有不允许的字符 {0}"),
    (r"Illegal character '(.*)'", "有不允许的字符 {0}（可能是从别处复制来的控制字符）"),
    (r"Unescaped '\\' in a string|Invalid hex value|Escaped character is not a Unicode scalar value",
     "双引号里的反斜杠 \\ 要写成两个（\\\\）；Windows 路径可改用英文单引号，如 'D:\\收件箱'"),
    (r"Expected '(.*)'", "这里缺少 {0}"),
)


def read_toml(path: Path, what: str, error: type[Exception]) -> dict[str, Any]:
    """A TOML file the clerk edits (bairi.toml, 登记簿.toml, a form): its data, or `error` in Chinese naming the
    file and, for a syntax error, the line and what is written there."""
    import tomllib

    text = ""
    try:
        # utf-8-sig: Notepad's "UTF-8 with BOM" is still UTF-8; tomllib itself would call the BOM an invalid statement.
        text = path.read_text(encoding="utf-8-sig")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise error(f"{what}不存在：{path}") from None
    except UnicodeDecodeError:
        raise error(f"{what} {path} 不是 UTF-8 编码：请用记事本打开，“另存为”时编码选 UTF-8 后再试") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} 格式错误：{toml_problem(exc, text)}") from None
    except OSError as exc:
        raise error(f"{what} {path} 无法读取：{exc.strerror or exc}") from None


def toml_problem(exc: Exception, text: str) -> str:
    """A TOML syntax error said in Chinese, with its line and what is written there."""
    import re

    message = str(exc)
    where = re.search(r"\(at (?:line (\d+), column (\d+)|end of document)\)$", message)
    line = int(where[1]) if where and where[1] else getattr(exc, "lineno", None)
    column = int(where[2]) if where and where[2] else getattr(exc, "colno", None)
    bare = getattr(exc, "msg", None) or re.sub(r"\s*\(at [^)]*\)$", "", message)
    reason = "写法不对"
    for pattern, template in _TOML_MESSAGES:
        match = re.fullmatch(pattern, bare)
        if match:
            reason = template.format(*match.groups())
            break
    lines = text.splitlines()
    if line and 0 < line <= len(lines):
        return f"第 {line} 行第 {column} 列：{reason}。该行是：{lines[line - 1].strip()}"
    return f"文件末尾：{reason}"
