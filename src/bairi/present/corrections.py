"""Seals and corrections as the clerk and the city see them: the 更正说明 sheet and text, the JSON, the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bairi.core.calendar import month_text
from bairi.core.form import Form
from bairi.core.values import plain
from bairi.merge.seal import ROW_WORDS, Correction, Seal, changed_totals
from bairi.present.terminal import escape

if TYPE_CHECKING:
    from bairi.present.documents import CorrectionDoc, SealedDoc, SealOutput

SHEET = "更正说明"
USES = {"counted": "计入", "superseded": "被取代", "rejected": "退回", "unreadable": "无法读取", "material": "其他材料"}


def _column(key: str, form: Form) -> str:
    column = form.by_key.get(key)
    return column.short if column is not None else key


def _shown(value: Any) -> str:
    return plain(value) if value is not None else "空"


def seal_words(seal: Seal) -> str:
    """The seal in one phrase: 第1次封存（2023-12-27 10:05，截至2023-12-26，封存人 申晋钢）."""
    correcting = f"，更正第{seal.round - 1}次" if seal.corrects else ""
    return (f"第{seal.round}次封存（{seal.at.strftime('%Y-%m-%d %H:%M')}，截至{seal.as_of.isoformat()}，"
            f"封存人 {seal.by}{correcting}）")


def sealed_document(seal: Seal, form: Form) -> SealedDoc:
    """The seal as merge's JSON carries it (`sealed`), built as its model (its totals by `form`'s columns)."""
    from bairi.present.documents import SealedDoc

    return SealedDoc(**_sealed_fields(seal, form))


def _sealed_fields(seal: Seal, form: Form) -> dict[str, Any]:
    from bairi.present.documents import Figures, SealedTotalsDoc
    from bairi.present.report import jsonable

    totals = SealedTotalsDoc(**{name: Figures.of(jsonable(dict(values)), form) for name, values in seal.totals.items()})
    return {"at": seal.at.isoformat(), "totals": totals, "id": seal.id, "round": seal.round,
            "corrects": seal.corrects, "as_of": seal.as_of, "by": seal.by, "workbook": seal.workbook,
            "workbook_sha256": seal.workbook_sha256, "workbook_state": seal.workbook_state(), "intact": seal.intact}


def correction_document(item: Correction) -> CorrectionDoc:
    """One correction as the JSON contract spells it, built as its model."""
    from bairi.present.documents import CorrectionDoc
    from bairi.present.report import jsonable

    return CorrectionDoc(town=item.town, row=item.row, key=item.key, old=jsonable(item.old), new=jsonable(item.new),
                         file=item.file, cell=item.cell)


def seal_document(seal: Seal, new: bool, found: list[Correction], message: str, form: Form) -> SealOutput:
    """`bairi seal --format json`: the seal (new or the latest one kept) and what it corrects."""
    from bairi.present.documents import SealDoc, SealInputDoc, SealOutput, SealTownDoc

    return SealOutput(SealDoc(**_sealed_fields(seal, form), period=seal.period, new=new, message=message,
                              towns=[SealTownDoc(town=t, status=s) for t, s in seal.towns.items()],
                              inputs=[SealInputDoc(**vars(i)) for i in seal.inputs], figures=len(seal.figures),
                              corrections=[correction_document(c) for c in found]))


def seals_document(seals: list[Seal], ledger: str, form: Form) -> SealOutput:
    """`bairi seal --list --format json` (the totals by `form`'s columns)."""
    from bairi.present.documents import ListedSealDoc, SealOutput, SealsDoc

    return SealOutput(SealsDoc(ledger=ledger, seals=[ListedSealDoc(**_sealed_fields(s, form), period=s.period)
                                                     for s in seals]))


def correction_lines(found: list[Correction], form: Form) -> list[str]:
    """Each correction in words: 巴公镇 累计·排查企业（Sheet1!C8）：50 → 52（文件 …）."""
    return [f"{c.town} {ROW_WORDS[c.row]}·{_column(c.key, form)}（{c.cell}）：{_shown(c.old)} → {_shown(c.new)}"
            f"（{c.file.replace(chr(92), '/').rsplit('/', 1)[-1]}）" for c in found]


def report_note(seal: Seal, found: list[Correction]) -> str:
    """The line under the form's rows of a corrected county return."""
    return (f"注：本表为更正表，更正{seal.at.strftime('%Y年%m月%d日')}封存上报的第{seal.round}次报表，"
            f"共{len(found)}处，详见“{SHEET}”。")


def correction_text(seal: Seal, found: list[Correction], totals: dict[str, Any], authority: str, form: Form) -> str:
    """The short 更正说明 for the city, as text."""
    from bairi.present.render import render

    year, month = seal.period.split("-")
    return render("corrections.txt.j2", authority=authority, year=year, month=int(month), seal=seal,
                  sealed_on=seal.at.strftime("%Y年%m月%d日"), seal_words=seal_words(seal), sheet=SHEET,
                  lines=correction_lines(found, form),
                  totals=[f"{ROW_WORDS[row]}·{_column(key, form)}：{_shown(old)} → {_shown(new)}"
                          for row, key, old, new in changed_totals(seal, totals, form)])


def correction_sheet(seal: Seal, found: list[Correction], totals: dict[str, Any], authority: str, form: Form):
    """A function adding the 更正说明 sheet (second, after 报告表) to the county workbook."""
    from bairi.write.county import _table
    from bairi.write.layout import NOTE, box

    def add(book: Any) -> None:
        ws = book.create_sheet(SHEET, 1)
        year, month = seal.period.split("-")
        rows = [[n, c.town, ROW_WORDS[c.row], _column(c.key, form), c.cell, c.old, c.new,
                 c.file.replace("\\", "/").rsplit("/", 1)[-1]] for n, c in enumerate(found, start=1)]
        last = _table(ws, 1, ["序号", "单位", "行", "项目", "单元格", "原报数", "更正后", "来源文件"], rows,
                      [6, 12, 8, 26, 16, 10, 10, 44], title=f"{authority}{month_text(seal.period)}报表更正说明")
        box(ws, last + 2, 1, last + 2, 8, f"更正对象：{seal_words(seal)}上报的报表；汇总表 SHA-256 {seal.workbook_sha256}。", NOTE)
        changed = [[ROW_WORDS[row], _column(key, form), old, new]
                   for row, key, old, new in changed_totals(seal, totals, form)]
        _table(ws, last + 4, ["行", "项目", "原报合计", "更正后合计"], changed, [6, 12, 8, 26], title="合计变化",
               freeze=False, titles=False)

    return add


def _unit(column: Any) -> str:
    return "万元" if column.unit == "万" else column.unit


def sealed_lines(merged: Any) -> list[str]:
    """What a seal froze, said plainly: complete or not, who is not in it and why, and the totals sent up."""
    counted = [line.town for line in merged.towns if line.ret is not None]
    groups = (("退回", "rejected"), ("待核实", "to_verify"), ("未报", "missing"), ("未到期", "not_due"))
    lines = [f"封存的汇总表{'完整' if merged.complete else '不完整'}：{len(merged.towns)} 个单位中 {len(counted)} 个的报表计入汇总"]
    for word, code in groups:
        towns = [line.town for line in merged.towns if line.ret is None and line.code == code]
        if towns:
            lines.append(f"  {word}（{len(towns)} 个，数字未计入）：{'、'.join(towns)}")
    others = [line.town for line in merged.towns if line.ret is None and line.code not in {c for _, c in groups}]
    if others:
        lines.append(f"  无报表可计入（{len(others)} 个）：{'、'.join(others)}")
    for row, words in ROW_WORDS.items():
        values = merged.totals.get(f"{row}_row") or {}
        shown = "，".join(f"{column.short} {_shown(values.get(column.key))}{_unit(column)}" for column in merged.form.columns)
        lines.append(f"合计（{words}）：{shown}")
    return lines


def show_seal_state(console: Any, seal: Seal, found: list[Correction], form: Form) -> None:
    """What merge says of a sealed period: the seal, then every figure that changed since."""
    console.print(f"[bold yellow]本期已封存上报：[/]{escape(seal_words(seal))}；汇总表 {escape(seal.workbook)}"
                  f"（{seal.workbook_state()}）")
    if not seal.intact:
        console.print("[bold red]注意：[/]收件台账中的这次封存记录与其校验值不符，可能在 bairi 之外被改动过。")
    if not found:
        console.print("封存以后没有任何数字变化。")
        return
    console.print(f"[bold]封存以后有 {len(found)} 处数字变化（须向市局报送更正说明）：[/]")
    for line in correction_lines(found, form):
        console.print(f"  [yellow]更正[/] {escape(line)}")


def show_seals(console: Any, seals: list[Seal], ledger: str) -> None:
    """The seals kept, one line each."""
    from rich.table import Table

    if not seals:
        console.print(f"收件台账 {escape(ledger)} 中还没有任何封存。")
        return
    table = Table(header_style="bold", title="封存记录")
    for header in ("编号", "报告期", "次", "更正", "封存时间", "截至", "封存人", "汇总表", "文件状态"):
        table.add_column(header, overflow="fold")
    for s in seals:
        state = s.workbook_state() + ("" if s.intact else "；记录与校验值不符")
        table.add_row(str(s.id), s.period, str(s.round), f"第 {s.round - 1} 次" if s.corrects else "",
                      s.at.strftime("%Y-%m-%d %H:%M"), s.as_of.isoformat(), escape(s.by), escape(s.workbook), state)
    console.print(table)
    for s in seals:
        if not s.intact:
            console.print(f"[bold red]注意：[/]{s.period} 第 {s.round} 次封存的记录与其校验值不符，可能在 bairi 之外被改动过。")
        if s.workbook_state() == "已改动":
            console.print(f"[bold yellow]注意：[/]{s.period} 第 {s.round} 次封存的汇总表 {escape(s.workbook)} "
                          "已不是封存时的文件（SHA-256 不同）。")


def merge_parts(found: Any, authority: str, totals: dict[str, Any], form: Form) -> tuple[list[str], Any]:
    """What a merge of a sealed period adds to the county workbook: the note under the form, the 更正说明 sheet
    (nothing when no figure changed since the seal)."""
    if found is None or not found.corrections:
        return [], None
    return [report_note(found.seal, found.corrections)], correction_sheet(found.seal, found.corrections, totals,
                                                                          authority, form)


def text_path(output: Any) -> Any:
    """Where the 更正说明 text goes: beside the workbook, 泽州县_2023-12_更正说明.txt."""
    from pathlib import Path

    output = Path(output)
    return output.with_name(f"{output.stem}_{SHEET}.txt")


def write_text(output: Any, found: Any, authority: str, totals: dict[str, Any], form: Form) -> Any:
    """Write the 更正说明 text beside the workbook (UTF-8 with BOM, CRLF, as Notepad opens it); its path."""
    from bairi.core.atomic import write_atomic
    from bairi.present.render import text_file

    path = text_path(output)
    write_atomic(path, text_file(correction_text(found.seal, found.corrections, totals, authority, form)))
    return path
