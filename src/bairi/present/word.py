"""Word documents from the same contexts as the text ones: docxtpl renders templates/summary.docx and
remind.docx (or the clerk's own copy), laid out as official documents (GB/T 9704).

The templates only loop and format; every figure arrives computed in the context. A misspelt variable or a
broken tag is a TemplateProblem whose message names it in Chinese (the CLI exits 2 with it).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from bairi.core.calendar import day_text

SUMMARY_DOCX = "summary.docx"
SUMMARY_FORM_DOCX = "summary_form.docx"
REMIND_DOCX = "remind.docx"
_TAG = re.compile(r"\{[{%#]|[}%#]\}")
# Characters XML 1.0 cannot hold (a vertical tab typed into an Excel cell, say). docxtpl parses what it rendered
# with a recovering parser, which on meeting one also drops the escaped < > & around it: they go first.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class TemplateProblem(Exception):
    """A Word template that cannot be used: not a Word file, an unknown variable, or broken Jinja."""


def shipped(name: str) -> Path:
    """The path of a template that ships with bairi."""
    return Path(str(resources.files("bairi.templates").joinpath(name)))


def is_word(path: Path | str) -> bool:
    """Whether a template or output path names a Word document (the suffix decides)."""
    return Path(path).suffix.lower() == ".docx"


def _environment():
    from bairi.present.render import sandbox

    return sandbox(autoescape=True)


def _unreadable() -> tuple[type[Exception], ...]:
    """What python-docx raises for a file that is not a Word document."""
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    return (zipfile.BadZipFile, KeyError, ValueError, OSError, PackageNotFoundError, XMLSyntaxError)


def _tag_texts(template: Path) -> list[str]:
    """Every paragraph of the template (body, tables, headers, footers) that carries a Jinja tag."""
    from docx import Document

    doc = Document(str(template))
    found: list[str] = []

    def walk(paragraphs, tables) -> None:
        for paragraph in paragraphs:
            if _TAG.search(paragraph.text):
                found.append(paragraph.text)
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell.paragraphs, cell.tables)

    walk(doc.paragraphs, doc.tables)
    for section in doc.sections:
        for part in (section.header, section.footer, section.even_page_footer, section.even_page_header):
            walk(part.paragraphs, part.tables)
    return list(dict.fromkeys(found))


def _where(template: Path, needle: str) -> str:
    """The first paragraph of the template that contains `needle`, quoted, for an error message."""
    try:
        texts = _tag_texts(template)
    except _unreadable():
        return ""
    for text in texts:
        if needle and needle in text:
            shown = text if len(text) <= 60 else text[:57] + "……"
            return f"，在“{shown}”一段"
    return ""


def _broken_paragraph(template: Path) -> str:
    """A paragraph whose {{ }} or {% %} do not pair up: where broken Jinja most likely is."""
    try:
        texts = _tag_texts(template)
    except _unreadable():
        return ""
    for text in texts:
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            shown = text if len(text) <= 60 else text[:57] + "……"
            return f"，出错的段落：“{shown}”"
    return ""


def _xml_safe(value: Any) -> Any:
    """The context with every text made fit for XML (the words of a return reach the document as typed)."""
    if isinstance(value, str):
        return _NOT_XML.sub(" ", value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    return value


def render_word(template: Path, context: dict[str, Any]) -> bytes:
    """The .docx bytes of `template` rendered with `context`; TemplateProblem names what is wrong."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    template = Path(template)
    doc = DocxTemplate(str(template))
    try:
        doc.render(_xml_safe(context), jinja_env=_environment(), autoescape=True)
    except _unreadable() as exc:
        raise TemplateProblem(f"模板 {template.name} 不是可用的 Word（.docx）文件：{exc}") from None
    except SecurityError:
        raise TemplateProblem(f"模板 {template.name} 做了模板不允许的事（访问内部属性、调用不安全的函数或生成过大的内容），"
                              "已拒绝；模板只能使用给出的变量排版（说明见 templates/README.md）") from None
    except UndefinedError as exc:
        text = str(exc)
        name = re.search(r"'(\w+)' is undefined|has no attribute '(\w+)'", text)
        word = next((g for g in name.groups() if g), text) if name else text
        raise TemplateProblem(f"模板 {template.name} 中的变量 {word} 不存在（变量名写错了？可用的变量见 "
                              f"templates/README.md）{_where(template, word)}") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"模板 {template.name} 的 Jinja 写法有误：{exc.message}"
                              f"{_broken_paragraph(template)}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"模板 {template.name} 无法套用：{exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        raise TemplateProblem(f"模板 {template.name} 中的表达式或过滤器无法计算（模板只负责排版，数字已由 bairi 算好）") from None
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def signing(day: date, issued: date | None = None) -> dict[str, Any]:
    """The 成文日期 (the signing day) and the 印发日期 of a document, as the templates write them."""
    return {"signed": day, "signed_text": day_text(day), "issued_text": day_text(issued or day)}



def _names(context: dict[str, Any]) -> list[str]:
    """The places a document names (its towns, its addressee): words a title may not be broken inside."""
    names = [context.get("town"), context.get("authority"), context.get("addressee")]
    names += [row.get("town") for row in context.get("ranking") or [] if isinstance(row, dict)]
    return [n for n in names if isinstance(n, str) and n]


def laid_out(template: Path, context: dict[str, Any]) -> bytes:
    """The template rendered and laid out (present/layout.py): signed on `as_of` unless the context says otherwise."""
    from bairi.present.layout import lay_out

    if "signed_text" not in context and isinstance(context.get("as_of"), date):
        context = {**context, **signing(context["as_of"])}
    data, _ = lay_out(render_word(template, context), _names(context))
    return data


def summary_docx(context: dict[str, Any], template: Path | None = None) -> bytes:
    """The 通报 as a Word document (templates/summary.docx or the clerk's own)."""
    # Another form than the notice's: the 通报 that says its figures in the form's own words.
    default = SUMMARY_DOCX if context.get("notice_form", True) else SUMMARY_FORM_DOCX
    return laid_out(template or shipped(default), context)


def reminder_docx(context: dict[str, Any], template: Path | None = None) -> bytes:
    """One town's 催报通知 as a Word document (templates/remind.docx or the clerk's own)."""
    return laid_out(template or shipped(REMIND_DOCX), context)


def write_summary(output: Path, context: dict[str, Any], text: str, template: Path | None = None,
                  pdf: bool = False) -> list[Path]:
    """Write the 通报 where -o says, its suffix deciding: .docx Word, .pdf Word through LibreOffice, else the
    text; `pdf` adds a PDF beside the .docx. Each file atomically; the files written."""
    from bairi.core.atomic import write_atomic
    from bairi.present.render import text_file
    from bairi.write.office import docx_to_pdf

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        write_atomic(output, text_file(text))
        return [output]
    data = summary_docx(context, template)
    written = []
    # The PDF first: when LibreOffice fails, nothing is half-written.
    if suffix == ".pdf" or pdf:
        target = output.with_suffix(".pdf")
        converted = docx_to_pdf(data)
        write_atomic(target, converted)
        written.append(target)
    if suffix == ".docx":
        write_atomic(output, data)
        written.insert(0, output)
    return written


REMIND_FORMATS = {"docx": ("docx",), "txt": ("txt",), "both": ("docx", "txt")}


def remind_formats(choice: str | None, template: Path | None) -> tuple[str, ...]:
    """What --remind writes: as chosen; else as the --template's kind; else both, the Word notice to print and
    seal and the text to paste into a message. TemplateProblem when the choice and the template disagree."""
    if choice is not None and choice not in REMIND_FORMATS:
        raise TemplateProblem(f"--remind-format 应为 docx、txt 或 both，而不是“{choice}”")
    if template is None:
        return REMIND_FORMATS[choice or "both"]
    kind = "docx" if is_word(template) else "txt"
    if choice is not None and kind not in REMIND_FORMATS[choice]:
        raise TemplateProblem(f"模板 {Path(template).name} 是{'Word' if kind == 'docx' else '文字'}模板，"
                              f"不能写出 --remind-format {choice} 的催报通知")
    return REMIND_FORMATS[choice or kind]
