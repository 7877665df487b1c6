"""`bairi summary` in the core: the request checked, the bulletin's context built, the bulletin written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


class SummaryRefused(Exception):
    """The bulletin cannot be written as asked (said in Chinese, printed as text; exit 2)."""


def summary_request(output: Path | None, template_file: Path | None, pdf: bool) -> bool:
    """Check -o, --template and --pdf against each other (and LibreOffice for a PDF); True for a Word bulletin."""
    from bairi.present.word import is_word
    from bairi.write.office import soffice

    if template_file is not None and not template_file.is_file():
        raise SummaryRefused(f"通报模板不存在：{template_file}")
    if output is not None and output.suffix.lower() not in (".txt", ".docx", ".pdf"):
        raise SummaryRefused(f"通报只能写成 .txt（文字）、.docx（公文格式 Word）或 .pdf，不能写成 "
                             f"{output.suffix or '无扩展名的文件'}：{output.name}")
    word = output is not None and output.suffix.lower() in (".docx", ".pdf")
    if template_file is not None and is_word(template_file) != word:
        raise SummaryRefused(f"模板 {template_file.name} 是{'Word' if is_word(template_file) else '文字'}模板，"
                             f"-o 应为 {'.docx 或 .pdf' if is_word(template_file) else '文字文件（如 .txt）'}")
    if pdf and (output is None or output.suffix.lower() != ".docx"):
        raise SummaryRefused("--pdf 须与 -o 通报.docx 一起使用（或直接 -o 通报.pdf）")
    if (pdf or (output is not None and output.suffix.lower() == ".pdf")) and soffice() is None:
        raise SummaryRefused("本机没有安装 LibreOffice（soffice），无法写出 PDF；请安装 LibreOffice，"
                             "或写出 .docx 后用 Word/WPS 另存为 PDF")
    return word


@dataclass
class Bulletin:
    """What the bulletin says: the period chosen, its merge and the template's variables."""

    period: str
    merged: Any
    context: dict[str, Any]

    def message(self, day: date) -> str | None:
        """Why no bulletin is written (no return to add up), or None when there is something to say."""
        if self.merged.accepted:
            return None
        # Nothing to add up: a bulletin would claim totals of zero and every hazard rectified. Say so instead.
        return (f"截至 {day.isoformat()} 没有任何单位 {self.period} 的报表可以汇总（未报、退回或无法读取），未写通报；"
                "可用 bairi deadlines 查看报送情况。")


def bulletin_for(state: Any, campaign: Any, period: str | None, number: str | None, attachment: list[str] | None,
                 signed: date | None) -> Bulletin:
    """The bulletin's period (given, else the one due by the state's day), its merge and its variables."""
    from bairi.deadlines.schedule import assess
    from bairi.merge.consolidate import MergeRefused, consolidate
    from bairi.present.bulletin import bulletin_context, period_on
    from bairi.present.word import signing

    day = state.as_of
    chosen = period or period_on(campaign, day)
    try:
        merged = consolidate(state, chosen)
    except MergeRefused as exc:
        raise SummaryRefused(str(exc)) from None
    context = bulletin_context(merged, assess(state), campaign, number, attachment)
    context.update(signing(signed or day))
    return Bulletin(chosen, merged, context)


def write_bulletin(bulletin: Bulletin, output: Path | None, template_file: Path | None, word: bool,
                   pdf: bool) -> tuple[str, list[Path]]:
    """The bulletin's text, and the files written when -o is given (the .docx, the PDF)."""
    from jinja2 import TemplateError

    from bairi.present.bulletin import render_bulletin
    from bairi.present.word import TemplateProblem, write_summary
    from bairi.write.office import ConversionFailed, OfficeMissing

    try:
        text = render_bulletin(bulletin.context, None if word else template_file)
    except TemplateError as exc:
        raise SummaryRefused(f"通报模板有误：{exc}") from None
    if output is None:
        return text, []
    try:
        return text, write_summary(output, bulletin.context, text, template_file if word else None, pdf)
    except (TemplateProblem, OfficeMissing, ConversionFailed) as exc:
        raise SummaryRefused(str(exc)) from None
    except OSError as exc:
        raise SummaryRefused(f"无法写出 {output}：{exc.strerror or exc}") from None


def summary_document(bulletin: Bulletin, day: date, output: Path | None, text: str | None, written: list[Path],
                     message: str | None = None) -> Any:
    """The `bairi summary` JSON, built as its model."""
    from bairi.present.documents import SummaryDoc
    from bairi.present.report import jsonable

    if message is not None:
        return SummaryDoc(as_of=day, period=bulletin.merged.period, output=None, text=None, message=message,
                          variables=jsonable(bulletin.context))
    return SummaryDoc(as_of=day, period=bulletin.merged.period, output=str(output) if output else None, text=text,
                      files=[str(p) for p in written], variables=jsonable(bulletin.context))
