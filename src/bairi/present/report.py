"""Results as the JSON contract spells them, and as Rich tables for the clerk."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bairi.core.findings import Severity
from bairi.core.form import Form
from bairi.core.model import Return
from bairi.present.terminal import STYLE, escape

if TYPE_CHECKING:
    from bairi.present.documents import CheckDoc

# A file name's share of an 80-column table row, in terminal cells.
FILE_CELLS = 18

def jsonable(value: Any) -> Any:
    """Figures and dates as JSON values: ints stay ints, 万元 amounts become exact decimals."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def dumps(document: Any) -> str:
    """One JSON document, UTF-8 Chinese left readable."""
    return json.dumps(jsonable(document), ensure_ascii=False, indent=2)


def _row(ret: Return, which: str) -> dict[str, Any] | None:
    cells = ret.period_row if which == "period" else ret.cumulative_row
    if cells is None:
        return None
    return {key: (cells[key].value if key in cells else None) for key in ret.form.keys}


def check_document(ret: Return, reply: tuple[str | None, str | None] | None = None) -> CheckDoc:
    """The `bairi check` JSON document of one return (SPEC keys first), built as its model; `reply` is where its
    退回 draft went and the note on it (whose address, or why there is none)."""
    from bairi.present.documents import CellsDoc, CheckDoc, Figures, FindingDoc, HazardDoc

    def figures(which: str) -> Figures | None:
        row = _row(ret, which)
        return None if row is None else Figures.of(jsonable(row), ret.form)

    return CheckDoc(
        file=str(ret.file),
        ok=ret.ok,
        town=ret.town,
        period=ret.period,
        filled_on=ret.filled_on,
        period_row=figures("period"),
        cumulative_row=figures("cumulative"),
        hazards=[HazardDoc(**h.as_dict()) for h in ret.hazards],
        findings=[FindingDoc(code=f.code, severity=f.severity.value, location=f.location, message=f.message, hint=f.hint)
                  for f in ret.findings],
        unit=ret.unit_raw,
        filler=ret.filler,
        period_source=ret.period_source,
        format=ret.format,
        sha256=ret.sha256,
        readable=not ret.unreadable,
        cells=CellsDoc(period_row={k: f.location for k, f in (ret.period_row or {}).items()},
                       cumulative_row={k: f.location for k, f in (ret.cumulative_row or {}).items()}),
        counts={s.value: ret.count(s) for s in Severity},
        reply=reply[0] if reply else None,
        reply_note=reply[1] if reply else None,
    )


# The marks are √ and ×, not ✔ and ✘: a Chinese Windows writes redirected output in GBK, which has only these.
def verdict(ret: Return) -> str:
    """One line the clerk can act on: accept or send back, and why."""
    who = ret.town or "（单位未识别）"
    when = ret.period or "（报告期未定）"
    tally = f"错误 {ret.count(Severity.ERROR)} 处，警告 {ret.count(Severity.WARNING)} 处，提示 {ret.count(Severity.INFO)} 处"
    if ret.unreadable:
        why = next(f for f in ret.findings if f.unreadable)
        return f"[bold red]× 无法读取[/]：{escape(why.message)}"
    source = f"（报告期依据：{escape(ret.period_source)}）" if ret.period_source else ""
    if ret.ok:
        return f"[bold green]√ 可以接收[/]：{who} {when}{source}；{tally}"
    return f"[bold red]× 需退回修改[/]：{who} {when}{source}；{tally}"


def show_returns(console: Any, returns: list[Return]) -> None:
    """A findings table and a verdict line per file."""
    from rich.table import Table

    for ret in returns:
        console.rule(f"[bold]{escape(str(ret.file))}")
        if ret.findings:
            table = Table(show_lines=False, header_style="bold")
            table.add_column("位置", max_width=24, overflow="fold")
            table.add_column("级别", no_wrap=True)
            table.add_column("代码", no_wrap=True)
            table.add_column("说明", overflow="fold")
            for f in ret.findings:
                message = escape(f.message) + (f"\n[dim]{escape(f.hint)}[/]" if f.hint and f.severity is not Severity.INFO else "")
                where = "整个文件" if f.location in (ret.file.name, str(ret.file)) else f.location
                table.add_row(escape(where), f"[{STYLE[f.severity]}]{f.severity.label}[/]", f.code, message)
            console.print(table)
        console.print(verdict(ret))
    if len(returns) > 1:
        _summary(console, returns)


def _summary(console: Any, returns: list[Return]) -> None:
    """One line per file at the end, so a folder's verdicts can be read at a glance."""
    from rich.table import Table

    from bairi.present.terminal import middle

    table = Table(title=f"共 {len(returns)} 份", header_style="bold")
    table.add_column("文件", no_wrap=True)
    for header in ("单位", "报告期", "结论", "错误", "警告"):
        table.add_column(header, overflow="fold")
    for ret in returns:
        state = "[red]无法读取[/]" if ret.unreadable else ("[green]可以接收[/]" if ret.ok else "[red]需退回[/]")
        table.add_row(escape(middle(ret.file.name, FILE_CELLS * 3 // 2)), ret.town or "", ret.period or "", state,
                      str(ret.count(Severity.ERROR)), str(ret.count(Severity.WARNING)))
    console.print(table)
    bad = sum(1 for r in returns if not r.ok)
    console.print(f"可以接收 {len(returns) - bad} 份，需退回或无法读取 {bad} 份。")


def _two_lines(words: str) -> str:
    """A heading broken where a person would break it (排查\n企业), so the figures under it keep to one line."""
    return f"{words[:2]}\n{words[2:]}" if len(words) >= 4 else words


def _key_figures(form: Form) -> list[tuple[str, Any]]:
    """The merge table's figure columns: enterprises inspected, each found/fixed pair, the fines — those of them the
    form has; a form with none of them shows its first four columns."""
    from bairi.core.values import plain

    def one(key: str) -> Any:
        return lambda v: plain(v.get(key))

    def pair(found: str, fixed: str) -> Any:
        return lambda v: f"{plain(v.get(found))}/{plain(v.get(fixed))}"

    columns = form.by_key
    shown: list[tuple[str, Any]] = []
    if "enterprises" in columns:
        shown.append((_two_lines(columns["enterprises"].short), one("enterprises")))
    for found, fixed in form.found_fixed:
        a, b = columns[found], columns[fixed]
        # The pair's own words, 已 dropped to keep the column narrow: 排查/整改, 发现/销号.
        shown.append((f"{a.group}\n{a.header}/{b.header.removeprefix('已')}" if a.group else f"{a.short}/\n{b.short}",
                      pair(found, fixed)))
    if "fines" in columns:
        shown.append((f"罚款\n({columns['fines'].unit})", one("fines")))
    if not shown:
        shown = [(f"{c.short}\n({c.unit})", one(c.key)) for c in form.columns[:4]]
    return shown


def show_merge(console: Any, merged: Any, output: Any, own: Any = (), csv: Any = None) -> None:
    """Towns with status and key figures, the totals, what was left out, where the workbook went."""
    from rich.table import Table


    console.print(f"报告期：[bold]{merged.period}[/]（{escape(merged.period_source)}）")
    from bairi.present.terminal import middle

    table = Table(header_style="bold", title="各单位报表")
    shown = _key_figures(merged.form)
    table.add_column("单位", min_width=8, overflow="fold")
    # Headings break where a person would break them, so the figures below keep to one line in 80 columns.
    for header in ("状态", *(h for h, _ in shown)):
        table.add_column(header, no_wrap=True)
    # A long file name is shortened in the middle (town at the start, month and extension at the end), never folded.
    table.add_column("文件", no_wrap=True)
    colour = {"已报": "green", "迟报": "yellow", "退回": "red", "未报": "dim", "待核实": "magenta", "缺件": "yellow",
              "未到期": "dim"}
    lines = merged.towns
    hidden = 0
    if len(lines) > 40:
        # A province has a thousand units: show the ones that need the clerk, count the rest.
        needing = [line for line in lines if line.status != "已报"]
        hidden = len(lines) - len(needing[:30])
        lines = needing[:30]
    for line in lines:
        ret = line.ret
        if ret:
            v = ret.values("period")
            table.add_row(line.town, f"[{colour[line.status]}]{line.status}[/]", *(show(v) for _, show in shown),
                          escape(middle(ret.file.name, FILE_CELLS)))
        else:
            name = escape(middle(line.rejected.file.name, FILE_CELLS)) if line.rejected else ""
            table.add_row(line.town, f"[{colour[line.status]}]{line.status}[/]", *[""] * len(shown), name)
    t = merged.totals["period_row"]
    table.add_row("[bold]合计[/]", f"{len(merged.accepted)}/{len(merged.towns)}", *(show(t) for _, show in shown), "")
    console.print(table)
    if hidden:
        console.print(f"（另有 {hidden} 个单位未列出：已按时报送，或超出显示上限；完整名单见汇总表“分镇明细”）")
    for ret in merged.rejected[:100]:
        errors = [f for f in ret.findings if f.severity is Severity.ERROR]
        console.print(f"[red]退回[/] {escape(str(ret.file))}：" + "；".join(escape(f"{f.location} {f.message}") for f in errors[:5])
                      + (f" 等 {len(errors)} 处" if len(errors) > 5 else ""))
    for item in merged.superseded:
        console.print(f"[yellow]已被取代[/] {escape(item.old.file.name)} → {escape(item.new.file.name)}："
                      + escape("；".join(item.changes) or "数字无变化"))
    for ret, f in merged.cross_month:
        console.print(f"[yellow]跨月核对[/] {escape(ret.town or '')} {escape(f.location)}：{escape(f.message)}")
    for line in merged.towns:
        standing = line.standing
        if standing is not None and line.code == "to_verify":
            console.print(f"[magenta]待核实[/] {escape(line.town)}：{escape(standing.reason)}")
        if standing is not None and standing.missing and standing.past_due:
            console.print(f"[yellow]缺件[/] {escape(line.town)}：缺少{escape('、'.join(standing.missing))}")
        for entry in standing.logbook if standing is not None else []:
            console.print(f"[cyan]登记[/] {escape(line.town)}：{escape(entry.cite)}")
        for note in standing.findings if standing is not None else []:
            if note.code == "D740":
                console.print(f"[cyan]登记[/] {escape(note.message)}")
    for _ret, note in merged.notes:
        console.print(f"[cyan]沿用[/] {escape(note.message)}")
    for f in own:
        console.print(f"[yellow]县报告表[/] {escape(f.location)}：{escape(f.message)}")
    for where, reason in merged.skipped:
        console.print(f"[dim]跳过 {escape(str(where))}：{escape(reason)}[/]")
    if merged.missing_towns:
        names = merged.missing_towns
        listed = "、".join(names[:200]) + (f" 等 {len(names)} 个" if len(names) > 200 else "")
        console.print(f"[bold yellow]未汇总的单位（{len(names)} 个）：[/]" + listed)
    state = "[bold green]完整[/]" if merged.complete else "[bold yellow]不完整[/]"
    console.print(f"汇总表已写出：[bold]{escape(str(output))}[/]（{state}）")
    if csv is not None:
        console.print(f"明细长表（CSV）已写出：{escape(str(csv))}")
