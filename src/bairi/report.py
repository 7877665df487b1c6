"""Results as the JSON contract spells them, and as Rich tables for the clerk."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bairi.findings import Severity
from bairi.form import KEYS
from bairi.model import Return


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
    return {key: (cells[key].value if key in cells else None) for key in KEYS}


def return_dict(ret: Return) -> dict[str, Any]:
    """The `bairi check` JSON for one return (SPEC keys first)."""
    return {
        "file": str(ret.file),
        "ok": ret.ok,
        "town": ret.town,
        "period": ret.period,
        "filled_on": ret.filled_on,
        "period_row": _row(ret, "period"),
        "cumulative_row": _row(ret, "cumulative"),
        "hazards": [h.as_dict() for h in ret.hazards],
        "findings": [f.as_dict() for f in ret.findings],
        "unit": ret.unit_raw,
        "filler": ret.filler,
        "period_source": ret.period_source,
        "format": ret.format,
        "sha256": ret.sha256,
        "readable": not ret.unreadable,
        "cells": {
            "period_row": {k: f.location for k, f in (ret.period_row or {}).items()},
            "cumulative_row": {k: f.location for k, f in (ret.cumulative_row or {}).items()},
        },
        "counts": {s.value: ret.count(s) for s in Severity},
    }


STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def verdict(ret: Return) -> str:
    """One line the clerk can act on: accept or send back, and why."""
    from rich.markup import escape

    who = ret.town or "（单位未识别）"
    when = ret.period or "（报告期未定）"
    tally = f"错误 {ret.count(Severity.ERROR)} 处，警告 {ret.count(Severity.WARNING)} 处，提示 {ret.count(Severity.INFO)} 处"
    if ret.unreadable:
        return f"[bold red]✘ 无法读取[/]：{escape(ret.findings[0].message)}"
    source = f"（报告期依据：{escape(ret.period_source)}）" if ret.period_source else ""
    if ret.ok:
        return f"[bold green]✔ 可以接收[/]：{who} {when}{source}；{tally}"
    return f"[bold red]✘ 需退回修改[/]：{who} {when}{source}；{tally}"


def show_returns(console: Any, returns: list[Return]) -> None:
    """A findings table and a verdict line per file."""
    from rich.markup import escape
    from rich.table import Table

    for ret in returns:
        console.rule(f"[bold]{escape(str(ret.file))}")
        if ret.findings:
            table = Table(show_lines=False, header_style="bold")
            table.add_column("位置", no_wrap=True)
            table.add_column("级别", no_wrap=True)
            table.add_column("代码", no_wrap=True)
            table.add_column("说明", overflow="fold")
            for f in ret.findings:
                message = escape(f.message) + (f"\n[dim]{escape(f.hint)}[/]" if f.hint and f.severity is not Severity.INFO else "")
                table.add_row(escape(f.location), f"[{STYLE[f.severity]}]{f.severity.label}[/]", f.code, message)
            console.print(table)
        console.print(verdict(ret))
