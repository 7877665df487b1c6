"""The campaign's home: one folder holding the config, the logbook, the inbox and what was sent up.

A command run in the home or anywhere below it finds it by walking up, as git finds its repository; given
no input it reads the inbox, and its outputs given no `-o` go to 上报/ under the names a clerk would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

CONFIG_NAME = "bairi.toml"
LOGBOOK_NAME = "登记簿.toml"
INBOX_NAME = "收件箱"
OUTBOX_NAME = "上报"
# Double-clicked on the clerk's Windows PC. ASCII only: cmd.exe reads a .bat in the console's code page
# (GBK on a Chinese Windows) before `chcp` runs, so no byte of it may depend on the encoding.
SCRIPTS = {
    "今日待办.bat": "bairi status",
    "看板.bat": "bairi board --open",
}


class HomeError(Exception):
    """The home cannot be made or is not one (an operator mistake, exit status 2)."""


@dataclass(frozen=True)
class Home:
    """Where one campaign lives on the clerk's disk."""

    root: Path

    @property
    def config(self) -> Path:
        """bairi.toml."""
        return self.root / CONFIG_NAME

    @property
    def logbook(self) -> Path:
        """登记簿.toml."""
        return self.root / LOGBOOK_NAME

    @property
    def inbox(self) -> Path:
        """收件箱/: everything the towns sent, as files, mails and archives."""
        return self.root / INBOX_NAME

    @property
    def outbox(self) -> Path:
        """上报/: what the county wrote, and the ledger."""
        return self.root / OUTBOX_NAME


def is_home(folder: Path) -> bool:
    """True when `folder` holds a campaign (bairi.toml beside 收件箱/)."""
    return (folder / CONFIG_NAME).is_file() and (folder / INBOX_NAME).is_dir()


def find_home(start: Path | None = None, named: Path | None = None) -> Home | None:
    """The home named (it must be one), else the first folder from `start` upward that is one, else None."""
    if named is not None:
        if not is_home(named):
            raise HomeError(f"{named} 不是百日攻坚的工作文件夹（其中应有 {CONFIG_NAME} 和 {INBOX_NAME}/）；"
                            f"可用 bairi init {named} 建立")
        return Home(named)
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if is_home(folder):
            return Home(folder)
    return None


def _script(command: str) -> bytes:
    lines = ["@echo off", "chcp 65001 >nul", 'cd /d "%~dp0"', command, "pause", ""]
    return "\r\n".join(lines).encode("ascii")


def logbook_template() -> str:
    """The commented 登记簿.toml a new home starts with (shipped with the templates)."""
    from importlib import resources

    return (resources.files("bairi.templates") / "登记簿.toml.j2").read_text(encoding="utf-8")


def create_home(folder: Path, campaign_toml: str, force: bool = False) -> list[Path]:
    """Make the home at `folder` with the campaign's bairi.toml text; what was written.

    A folder that already holds a campaign is refused unless `force`; even then the clerk's 登记簿.toml
    and everything in 收件箱/ and 上报/ are kept: only bairi.toml and the scripts are written again.
    """
    from bairi.core.atomic import write_atomic

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise HomeError(f"{folder} 是一个文件，不能作为工作文件夹")
    if not force and ((folder / CONFIG_NAME).exists() or (folder / LOGBOOK_NAME).exists()):
        raise HomeError(f"{folder} 中已有行动配置（{CONFIG_NAME} 或 {LOGBOOK_NAME}）；如要重写配置请加 --force"
                        f"（登记簿和收件箱不会被改动）")
    home = Home(folder)
    written: list[Path] = []
    try:
        for sub in (home.inbox, home.outbox):
            sub.mkdir(parents=True, exist_ok=True)
        write_atomic(home.config, campaign_toml.encode("utf-8"))
        written.append(home.config)
        if not home.logbook.exists():
            # The clerk's own file: a new one has only comments, an old one is never written over.
            write_atomic(home.logbook, logbook_template().encode("utf-8"))
            written.append(home.logbook)
        for name, command in SCRIPTS.items():
            write_atomic(folder / name, _script(command))
            written.append(folder / name)
    except OSError as exc:
        raise HomeError(f"无法在 {folder} 中建立工作文件夹：{exc.strerror or exc}") from None
    return written


def default_name(what: str, short: str = "", period: str | None = None, day: date | None = None,
                 suffix: str = "") -> str:
    """The file name a clerk would give an output: 泽州县_2023-12.xlsx, 通报_2024-01-26.docx, ..."""
    stamp = day.isoformat() if day else ""
    names = {
        "merge": f"{short}_{period}.xlsx",
        "summary": f"通报_{stamp}{suffix or '.docx'}",
        "hazards": f"重大隐患台账_{stamp}.xlsx",
        "board": f"报送情况_{stamp}{suffix or '.html'}",
    }
    return names[what]


@dataclass(frozen=True)
class Run:
    """What one command reads: its inputs, config, ledger and logbook — as given, else the home's."""

    home: Home | None
    inputs: list[Path]
    config: Path | None
    ledger: Path | None
    logbook: Path | None

    @property
    def reads_inbox(self) -> bool:
        """True when the run reads the home's whole inbox (no input given)."""
        return self.home is not None and self.inputs == [self.home.inbox]


def run_in(home: Home | None, paths: list[Path] | None, config: Path | None, ledger: Path | None,
           logbook: Path | None, ledger_name: str) -> Run:
    """This run's inputs and files: given inputs behave as ever; no input in a home reads its 收件箱 with the
    ledger in 上报/; in a home the home's bairi.toml and 登记簿.toml are used unless others are named."""
    given = list(paths or [])
    if home is None:
        if not given:
            raise HomeError("缺少输入：请给出收件文件夹（或报表、邮件），如 bairi deadlines 收件箱/；"
                            "或在 bairi init 建立的工作文件夹（及其子文件夹）中运行，不写输入即读其中的收件箱")
        return Run(None, given, config, ledger, logbook)
    # Inputs inside the home's own inbox are the home's: its ledger keeps their receipts and seals, where status
    # and seal --list look (a seal of `收件箱/` must not be recorded beside it, unseen by them).
    inbox = not given or all(_within(path, home.inbox) for path in given)
    return Run(home, given or [home.inbox], config or home.config,
               ledger or (home.outbox / ledger_name if inbox else None),
               logbook or (home.logbook if home.logbook.is_file() else None))


def _within(path: Path, folder: Path) -> bool:
    here, there = path.absolute(), folder.absolute()
    return here == there or there in here.parents


def output_in(run: Run, output: Path | None, name: str, what: str) -> Path:
    """The output named with -o, else `name` in the home's 上报/; outside a home -o is required (HomeError)."""
    if output is not None:
        return output
    if run.home is None:
        raise HomeError(f"缺少选项 --output/-o：{what}，如 {name}。（在 bairi init 建立的工作文件夹中可不写，写到 上报/）")
    try:
        run.home.outbox.mkdir(exist_ok=True)
    except OSError as exc:
        raise HomeError(f"无法建立 {run.home.outbox}：{exc.strerror or exc}") from None
    return run.home.outbox / name


def latest_output(home: Home, prefix: str, suffix: str) -> Path | None:
    """The newest earlier output named prefix…suffix in 上报/ (a dated register whose clerk's columns carry on)."""
    found = sorted(p for p in home.outbox.glob(f"{prefix}*{suffix}") if p.is_file() and not p.name.startswith("~$"))
    return found[-1] if found else None
