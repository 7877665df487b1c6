"""The Jinja environment: templates only loop and format; a misspelt variable is an error, said in Chinese."""

from __future__ import annotations

import re
import traceback
from collections.abc import Collection
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bairi.core.campaign import Campaign


# The longest text a template may build by repetition ("=" * 40 for a rule line is fine; "x" * 10**9 is not).
MAX_REPEAT = 100_000


def sandbox(**options: Any) -> Any:
    """The one Jinja environment every template renders in: sandboxed, strict, and no huge repetition.

    A template may come from anyone the clerk got it from: it loops and formats, it never reaches into Python
    (no attribute starting with "_", no function internals) and never builds a string or number too big to hold.
    """
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
                raise SecurityError("exponent too large")
            if operator == "*" and any(isinstance(a, (str, list, tuple)) for a in (left, right)):
                count = right if isinstance(right, int) else left if isinstance(left, int) else 0
                size = len(left) if isinstance(left, (str, list, tuple)) else len(right)
                if count * max(size, 1) > MAX_REPEAT:
                    raise SecurityError("repetition too large")
            return super().call_binop(context, operator, left, right)

    return Sandbox(undefined=StrictUndefined, **options)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import FileSystemLoader

    folder = Path(str(resources.files("bairi.templates")))
    environment = sandbox(loader=FileSystemLoader(str(folder)), keep_trailing_newline=True, trim_blocks=True,
                          lstrip_blocks=True, autoescape=False)
    environment.filters["toml"] = toml_string
    return environment


def toml_string(value: object) -> str:
    """A TOML basic string: what came from a notice or a list is data, its quotes and backslashes escaped."""
    import json

    return json.dumps(str(value), ensure_ascii=False)


def render(name: str, **context: Any) -> str:
    """Render the shipped template `name` with `context`."""
    from jinja2 import TemplateError

    try:
        template = _environment().get_template(name)
    except TemplateError as exc:
        raise _chinese(exc, name, context) from None
    return _run(template, name, context)


def render_file(path: Path, **context: Any) -> str:
    """Render a user's own template file with the same strict environment."""
    from jinja2 import TemplateError

    try:
        template = _environment().from_string(read_text(path))
    except TemplateError as exc:
        raise _chinese(exc, str(path), context) from None
    return _run(template, str(path), context)


def text_file(text: str) -> bytes:
    """A text file as Notepad and WPS open it on the clerk's Windows: UTF-8 with a BOM, CRLF line ends.

    Without the BOM, Notepad before Windows 10 1903 and WPS take the file for GBK and show mojibake; GBK
    itself cannot carry every name (生僻字 in a town or enterprise name, a mark like ✔). Before 1809,
    Notepad shows LF-only text as one line.
    """
    return ("\ufeff" + text.replace("\r\n", "\n").replace("\n", "\r\n")).encode("utf-8")


def read_text(path: Path) -> str:
    """A text file the clerk edited: UTF-8 (with or without the BOM Notepad may add), else GBK as older Notepad saves."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: on a Chinese Windows the only other encoding a text editor writes is the ANSI code page.
        return data.decode("gb18030")


def _run(template: Any, where: str, context: dict[str, Any]) -> str:
    from jinja2 import TemplateError

    try:
        return template.render(**context)
    except TemplateError as exc:
        raise _chinese(exc, where, context, _template_line(exc, template)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        from jinja2 import TemplateRuntimeError

        line = _template_line(exc, template)
        at = f"第 {line} 行" if line else ""
        kind = next((word for cls, word in _RUNTIME if isinstance(exc, cls)), "运算出错")
        raise TemplateRuntimeError(f"模板 {where} {at}{kind}：请检查该行的表达式和过滤器"
                                   "（模板只负责排版，数字已由 bairi 算好）") from None


_RUNTIME = ((ZeroDivisionError, "除数为零"), (TypeError, "类型不符（如数字与文字相加）"), (LookupError, "找不到这一项"),
            (AttributeError, "没有这一项"), (ValueError, "取值不对"))


def _template_line(exc: BaseException, template: Any) -> int | None:
    """The template line a render error happened on, from the frames Jinja maps back onto the template."""
    names = {template.filename or "<template>", "<template>"}
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename in names]
    return lines[-1] if lines else None


_SYNTAX = (
    (r"^unexpected end of template", "模板在这里结束了，但前面的块没有结束"),
    (r"^encountered unknown tag '(end(?:for|if|block|macro|raw|set|with|filter|call|autoescape|trans))'", "多了一个 {{% {0} %}}，或它前面的块还没有结束"),
    (r"^encountered unknown tag '(.*?)'", "不认识的标签“{0}”"),
    (r"^expected an expression", "{{{{ }}}} 或 {{% %}} 里缺少变量名或表达式"),
    (r"^unexpected 'end of (?:print statement|statement block)'", "表达式没有写完"),
    (r"^expected token '(.*?)', got '(.*?)'", "在“{1}”附近写法不对"),
    (r"^unexpected char '(.*?)'", "出现了不该有的字符“{0}”"),
    (r"^unexpected '(.*?)'", "多了一个“{0}”"),
    (r"^tag name expected", "{{% %}} 里缺少标签名"),
    (r"^no filter named '(.*?)'", "没有名为“{0}”的过滤器"),
    (r"^no test named '(.*?)'", "没有名为“{0}”的测试"),
    (r"^missing end of comment tag", "注释 {{# … 没有用 #}} 结束"),
)


def _chinese(exc: Exception, where: str, context: dict[str, Any], line: int | None = None) -> Exception:
    """A Jinja error as a Chinese message naming the template file and line; still a jinja2.TemplateError."""
    from jinja2 import (
        TemplateError,
        TemplateNotFound,
        TemplateSyntaxError,
        UndefinedError,
    )
    from jinja2.exceptions import SecurityError

    message = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, TemplateNotFound):
        return TemplateError(f"找不到模板 {exc.name}")
    if isinstance(exc, TemplateSyntaxError):
        reason = "写法不对"
        for pattern, template in _SYNTAX:
            match = re.match(pattern, message, re.IGNORECASE)
            if match:
                reason = template.format(*match.groups())
                break
        block = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
        if block:
            reason += f"（{{% {block[1]} %}} 块要用 {{% end{block[1]} %}} 结束）"
        source = exc.source.splitlines() if exc.source else []
        shown = f"：{source[exc.lineno - 1].strip()}" if 0 < exc.lineno <= len(source) else ""
        return TemplateError(f"模板 {where} 第 {exc.lineno} 行{shown}——{reason}")
    at = f"第 {line} 行" if line else ""
    if isinstance(exc, SecurityError) or isinstance(getattr(exc, "__cause__", None), SecurityError):
        return TemplateError(f"模板 {where} {at}做了模板不允许的事（访问内部属性、调用不安全的函数或生成过大的内容），"
                             "已拒绝；模板只能使用给出的变量排版（说明见 templates/README.md）")
    if isinstance(exc, UndefinedError):
        names = "、".join(sorted(context)) or "（无）"
        match = re.match(r"^'(.*?)' is undefined$", message)
        if match:
            return TemplateError(f"模板 {where} {at}用了不存在的变量“{match[1]}”（可用的变量：{names}；说明见 templates/README.md）")
        match = re.match(r"^'(.*?)' has no attribute '(.*?)'$", message)
        if match:
            return TemplateError(f"模板 {where} {at}用了不存在的一项“{match[2]}”（说明见 templates/README.md）")
        return TemplateError(f"模板 {where} {at}用了不存在的变量或项（可用的变量：{names}）")
    return TemplateError(f"模板 {where} {at}出错，请检查该行")


def campaign_toml(campaign: Campaign, evidence: dict[str, list[str]] | None = None, missing: Collection[str] = (),
                  unit_notes: dict[str, list[str]] | None = None) -> str:
    """An editable, commented bairi.toml that reproduces `campaign`; each key's `evidence` (the notice's sentence)
    as its comment, and the `missing` keys as 【请填写】 placeholders."""
    from bairi.core.tomlfile import PLACEHOLDER

    return render("bairi.toml.j2", campaign=campaign, evidence=_one_line(evidence or {}), missing=set(missing),
                  unit_notes=_one_line(unit_notes or {}), placeholder=PLACEHOLDER)


def _one_line(cited: dict[str, list[str]]) -> dict[str, list[str]]:
    """Comment lines that stay comments: a line break in a cited sentence would end the comment."""
    return {key: [" ".join(line.split()) for line in lines] for key, lines in cited.items()}


def form_toml(data: dict[str, Any], evidence: list[tuple[str, str]], notes: list[str], source: str) -> str:
    """A form file (as core/form.toml) for the form learnt from a notice's attachment, with what it was read from."""
    return render("form.toml.j2", form=data, evidence=[(a, " ".join(b.split())) for a, b in evidence],
                  notes=[" ".join(n.split()) for n in notes], source=" ".join(source.split()))
