"""What `bairi fetch` tells: the JSON document and the lines for the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bairi.present.documents import FetchDoc

# Beyond this many, the mails not taken are counted on the terminal, not listed (the JSON lists them all).
SHOWN_PASSED = 30


def fetch_document(result: Any, output: Path) -> FetchDoc:
    """The `bairi fetch` JSON, built as its model."""
    from bairi.present.documents import FetchDoc

    return FetchDoc(fetched=len(result.files), skipped=result.skipped, known=result.known,
                    folder=result.folder, output=str(output), uidvalidity=result.uidvalidity,
                    uidvalidity_changed=result.reset, files=[str(p) for p in result.files],
                    passed=[{"sender": a, "subject": b, "reason": c} for a, b, c in result.passed])


def fetch_lines(result: Any, output: Path) -> list[str]:
    """`bairi fetch` on the terminal: what was saved where, the mails not taken and why, a rebuilt folder."""
    lines = [f"文件夹“{result.folder}”：新收取 {len(result.files)} 封，保存到 {output}；"
             f"此前已收取 {result.known} 封；与各镇无关的 {result.skipped} 封未取。"]
    lines += [f"未取：{sender}“{subject}”：{why}" for sender, subject, why in result.passed[:SHOWN_PASSED]]
    if len(result.passed) > SHOWN_PASSED:
        lines.append(f"……另有 {len(result.passed) - SHOWN_PASSED} 封未取（完整列表见 --format json）")
    if result.reset:
        lines.append("服务器上该文件夹已重建（UIDVALIDITY 变化），已逐封核对，已有的邮件未重复保存。")
    return lines


class MailProgress:
    """A progress bar for the mails being fetched, shown from the first one (only when enabled: a terminal)."""

    def __init__(self, console: Any, enabled: bool) -> None:  # noqa: D107
        self.console, self.enabled = console, enabled
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        return self.advance if self.enabled else None

    def advance(self, done: int, total: int) -> None:
        """Move the bar, opening it on the first call."""
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(console=self.console, transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task("收取邮件", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
