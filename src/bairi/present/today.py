"""`bairi status` shown: the day's list as the clerk reads it, and its JSON document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bairi.deadlines.today import KIND_WORDS, Today

if TYPE_CHECKING:
    from bairi.present.documents import StatusDoc


def status_document(day: Today) -> StatusDoc:
    """The JSON document of `bairi status`."""
    from bairi.present.documents import StatusDoc, TodoDoc

    return StatusDoc(as_of=day.as_of, overdue=day.overdue,
                     todo=[TodoDoc(kind=t.kind, kind_label=KIND_WORDS[t.kind], town=t.town, deadline=t.deadline,
                                   text=t.text, command=t.command, overdue=t.overdue) for t in day.todo])


def show_today(console: Any, day: Today) -> None:
    """The list, numbered in the order to act, each line with the command that does it."""
    from rich.markup import escape

    console.print(f"[bold]今日待办（截至 {day.as_of.isoformat()}）[/]")
    if not day.todo:
        console.print("没有需要处理的事项：各镇材料齐全，上报已封存，没有逾期的重大隐患。")
        return
    for number, item in enumerate(day.todo, start=1):
        mark = "[red]逾期[/] " if item.overdue else ""
        console.print(f"{number}. [bold]【{KIND_WORDS[item.kind]}】[/]{mark}{escape(item.text)}")
        if item.command:
            console.print(f"   [cyan]{escape(item.command)}[/]")
