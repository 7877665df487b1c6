"""Chinese typography of what bairi writes for towns and for the county: numbers against the Chinese.

GB/T 15834/15835 usage, as in every 公文 the bureau signs: an Arabic numeral, a date or a percentage sits directly
against Han characters and full-width punctuation ("逾期26天", never "逾期 26 天"). Spaces stay only where they part
things that are not running text: an e-mail address, a cell reference, a file name or path, a command line."""

from __future__ import annotations

import html
import re
from pathlib import Path

from openpyxl import load_workbook

CHINESE = r"\u4e00-\u9fff，。；：、（）“”《》【】"
SPACED_NUMBER = re.compile(rf"[{CHINESE}] +[-+]?\d|[\d%] +[{CHINESE}]")
NOT_RUNNING_TEXT = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"\bbairi [^\n；。]*"),
    # Sheet1!C7, 报表!F10, 高都镇12月!D8, C7:N7: the sheet's name ends at the "!".
    re.compile(r"(?<![A-Za-z0-9])(?:[^\s!：，、（）“”]+!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?\b"),
    re.compile(r"[^\s“”（）：，、；。]+\.(?:xlsx|xlsm|xls|et|ods|docx?|pdf|eml|mbox|txt|csv|html|jpe?g|png|zip|rar|7z"
               r"|toml|sqlite)\b"),
    re.compile(r"(?<!\S)/\S+"),
]


def spaced_numbers(text: str) -> list[str]:
    """Each place in `text` where a space parts a number from the Chinese beside it, with a little context."""
    for kind in NOT_RUNNING_TEXT:
        text = kind.sub("X", text)
    return [text[max(0, m.start() - 10):m.end() + 10] for m in SPACED_NUMBER.finditer(text)]


def workbook_texts(path: Path) -> dict[str, str]:
    """Every text of a workbook by where it is: its cells' strings and its input prompts and error messages."""
    texts: dict[str, str] = {}
    for ws in load_workbook(path):
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts[f"{ws.title}!{cell.coordinate}"] = cell.value
        for n, rule in enumerate(ws.data_validations.dataValidation):
            for name in ("promptTitle", "prompt", "errorTitle", "error"):
                if getattr(rule, name):
                    texts[f"{ws.title} 有效性{n}.{name}"] = getattr(rule, name)
    return texts


def page_text(page: str) -> str:
    """What a reader sees of an HTML page: its text without the style sheet and the tags."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))
