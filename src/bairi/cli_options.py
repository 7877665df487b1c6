"""What the clerk types on the command line and reads in `--help`: every option and argument of the commands,
declared once with its Chinese help, and the parsers that read a value as the clerk types it."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Format(str, Enum):
    """Output format."""

    table = "table"
    json = "json"


def day_value(value: str | date | None) -> date | None:
    """A day option as typed (core.values.parse_day); a Chinese usage error when it is not one."""
    if value is None or isinstance(value, date):
        return value
    from bairi.core.values import parse_day

    try:
        return parse_day(str(value))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def period_value(value: str | None) -> str | None:
    """A reporting month option as typed (core.values.parse_period); a Chinese usage error when it is not one."""
    if value is None:
        return None
    from bairi.core.values import parse_period

    try:
        return parse_period(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


Paths = Annotated[list[Path], typer.Argument(help="报表文件或文件夹（文件夹会递归查找）", show_default=False,
                                             metavar="文件或文件夹")]
OutputFormat = Annotated[Format, typer.Option("--format", "-f", help="输出格式：table（表格）或 json")]
AsOf = Annotated[date | None, typer.Option("--as-of", help="以该日期为准，如 2023-12-31 或 2023/12/31（默认今天）",
                                               parser=day_value, metavar="<日期>")]
Period = Annotated[str | None, typer.Option("--period", "-p", help="报告期，如 2023-12 或 2023年12月",
                                                   callback=period_value, metavar="<年-月>")]
Config = Annotated[Path | None, typer.Option("--config", "-c", help="行动配置文件（默认当前目录的 bairi.toml，否则内置通知配置）",
                                                   metavar="<文件>")]
Home = Annotated[Path | None, typer.Option(
    "--home", help="百日攻坚工作文件夹（bairi init 建立；默认从当前文件夹向上查找）", metavar="<文件夹>")]
Inputs = Annotated[list[Path] | None, typer.Argument(
    help="收件文件夹、报表文件、邮件（.eml/.mbox）；在工作文件夹中不写即读其中的收件箱", show_default=False,
    metavar="文件或文件夹")]
Reply = Annotated[str | None, typer.Option(
    "--reply", help="为每份需退回的报表写一封退回通知邮件草稿：写到此文件夹（.eml），或 imaps://邮箱（放进草稿箱）")]
Notice = Annotated[Path | None, typer.Option("--from", help="从行动通知（.docx、.txt 或带文字层的 .pdf）读出行动配置",
                                                   metavar="<通知>")]
Attachment = Annotated[Path | None, typer.Option("--form", help="通知的附件报表（.xlsx 等表格文件）；不给则用通知中的表格",
                                                       metavar="<附件>")]
Units = Annotated[Path | None, typer.Option("--units", help="报送单位名单：每行一个，可在名称后写企业数和旧称，如“南岭镇 6 李寨乡”",
                                                  metavar="<名单>")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="不逐项确认，直接采用从通知读出的内容")]
Csv = Annotated[Path | None, typer.Option("--csv", help="同时写出明细长表（CSV：镇、报告期、行、项目、代码、数值、文件、单元格），供市局分析")]
Ledger = Annotated[Path | None, typer.Option("--ledger", help="收件台账文件（默认第一个输入文件夹中的 .bairi-ledger.sqlite）")]
NoLedger = Annotated[bool, typer.Option("--no-ledger", help="不读写收件台账，普通文件的收到时间按修改时间")]
Logbook = Annotated[Path | None, typer.Option("--logbook", help="县局登记簿（电话、微信、纸质报送和延期等；默认当前文件夹或第一个输入文件夹中的 登记簿.toml）")]
FormFile = Annotated[Path | None, typer.Option(
    "--form", help="市局下发的报表模板（.xlsx）：按模板中的栏目名填写全县数字，保留其格式（也可在 bairi.toml 中指定；默认用通知的附件格式）")]
Remind = Annotated[str | None, typer.Option(
    "--remind", help="为每个逾期、未报、缺件或退回未补报的镇写一份催报通知到此文件夹（已配置邮箱的镇另有邮件草稿 .eml）；"
                     "或 imaps://邮箱：催报邮件草稿放进草稿箱")]
Signed = Annotated[date | None, typer.Option(
    "--date", help="成文日期（签发日），如 2024-02-11；默认同 --as-of", parser=day_value, metavar="<日期>", show_default=False)]
TemplateOutput = Annotated[Path, typer.Option("--output", "-o", help="输出文件（.xlsx）；配合 --all 时为文件夹")]
TemplateTown = Annotated[str | None, typer.Option("--town", help="预先填好填报单位，如 巴公镇")]
TemplateAllTowns = Annotated[bool, typer.Option("--all", help="为每个镇各生成一份")]
InitFolder = Annotated[Path | None, typer.Argument(
        help="建立工作文件夹：配置、登记簿、收件箱/、上报/ 和双击即用的“今日待办”“看板”两个批处理文件", show_default=False,
        metavar="[文件夹]")]
InitOutput = Annotated[Path, typer.Option("--output", "-o", help="只写配置文件时的路径（不给文件夹时）")]
InitForce = Annotated[bool, typer.Option("--force", help="覆盖已有的配置（登记簿和收件箱不会被改动）")]
MergeOutput = Annotated[Path | None, typer.Option(
        "--output", "-o", help="汇总表输出文件（.xlsx），如 泽州县_2023-12.xlsx（在工作文件夹中默认写到 上报/）")]
Filler = Annotated[str | None, typer.Option("--filler", help="汇总表的填表人（默认取配置）")]
SealArgs = Annotated[list[str] | None, typer.Argument(help="报告期和收件文件夹（或报表、邮件），如 2023-12 收件箱/",
                                                        show_default=False, metavar="报告期 文件或文件夹")]
SealOutput = Annotated[Path | None, typer.Option("--output", "-o", help="封存上报的汇总表（.xlsx），即报送市局的文件")]
SealBy = Annotated[str | None, typer.Option("--by", help="封存人（默认取配置的填表人）")]
SealShowList = Annotated[bool, typer.Option("--list", help="列出收件台账中的封存记录（可只给报告期或文件夹）")]
DeadlinesRemindFormat = Annotated[str | None, typer.Option(
        "--remind-format", help="催报通知写成 docx（公文格式 Word）、txt（文字）或 both（默认两种都写；给了 --template 时随模板）",
        show_default=False)]
DeadlinesTemplateFile = Annotated[Path | None, typer.Option(
        "--template", help="自定义催报模板：Word（.docx，默认 remind.docx）或文字（Jinja，默认 remind.txt.j2）")]
SummaryTemplateFile = Annotated[Path | None, typer.Option(
        "--template", help="自定义通报模板：文字（Jinja，默认 summary.txt.j2）或 Word（.docx，默认 summary.docx）")]
SummaryOutput = Annotated[Path | None, typer.Option(
        "--output", "-o", help="通报保存到此文件：.docx 公文格式 Word，.pdf 经 LibreOffice 转成 PDF，其他为文字（默认显示在屏幕上）")]
SummaryPdf = Annotated[bool, typer.Option("--pdf", help="另在 -o 的 .docx 旁写一份 PDF（需安装 LibreOffice）")]
SummaryNumber = Annotated[str | None, typer.Option(
        "--number", help="发文字号：序号（如 12 → 泽应急发〔2024〕12号）或完整字号；不给时留空待填", show_default=False)]
SummaryAttachment = Annotated[list[str] | None, typer.Option(
        "--attachment", help="附件名称（写进附件说明；可多次给出）", show_default=False)]
HazardsOutput = Annotated[Path | None, typer.Option("--output", "-o", help="台账文件（.xlsx）；已存在时读回县局登记的各列并保留")]
SchemaCommand = Annotated[str | None, typer.Argument(help="命令名：check、merge、deadlines、summary、hazards、status 等；不写则全部输出",
                                                     show_default=False)]
FetchUrl = Annotated[str, typer.Argument(metavar="邮箱地址", help="邮箱地址 imaps://用户名@服务器[:端口][/文件夹]，如 imaps://zzxajjgmfm@163.com@imap.163.com/INBOX",
                                       show_default=False)]
FetchOutput = Annotated[Path | None, typer.Option("--output", "-o", help="保存邮件（.eml）的文件夹（在工作文件夹中默认为收件箱）")]
FetchSince = Annotated[date | None, typer.Option("--since", help="只取该日期以后的邮件，如 2023-11-06（默认行动开始日）",
                                                  parser=day_value)]
FetchTakeAll = Annotated[bool, typer.Option("--all", help="取所有邮件（默认只取带附件或来自各镇邮箱的邮件）")]
LogKind = Annotated[str, typer.Argument(
        help="收到（电话、微信、纸质报送）、延期、接受（接受警告的说明）、发件人（认可的发件邮箱）", show_default=False,
        metavar="种类")]
LogTown = Annotated[str | None, typer.Argument(help="镇，如 巴公镇", show_default=False, metavar="镇")]
LogDeadline = Annotated[str | None, typer.Argument(
        help="截止项：报告期如 2023-12，或 方案、总结、案例", show_default=False, metavar="截止项")]
LogOn = Annotated[date | None, typer.Option("--on", help="收到日期（默认登记当天）", parser=day_value, metavar="<日期>")]
LogHow = Annotated[str | None, typer.Option("--how", help="报送方式：电话确认、微信、纸质等")]
LogMaterial = Annotated[list[str] | None, typer.Option(
        "--material", help="收到的材料，如 月报表、阶段性进展、三清单（默认该截止项的主要材料；可多次给出）")]
LogUntil = Annotated[date | None, typer.Option("--until", help="延期至", parser=day_value, metavar="<日期>")]
LogCode = Annotated[str | None, typer.Option("--code", help="接受说明的警告代码，如 W507")]
LogAddress = Annotated[str | None, typer.Option("--address", help="认可的发件邮箱")]
LogAlways = Annotated[bool, typer.Option("--always", help="发件人：今后该地址的来信都算本镇的（相当于加入本镇邮箱）")]
LogNote = Annotated[str | None, typer.Option("--note", help="原因或说明")]
LogBy = Annotated[str | None, typer.Option("--by", help="登记人（默认取配置的填表人）")]
BoardOutput = Annotated[Path | None, typer.Option(
        "--output", "-o", help="看板文件：网页（默认，在工作文件夹中写到 上报/）或 .pdf（一页 A4 横向）")]
BoardPdf = Annotated[bool, typer.Option("--pdf", help="写成 PDF（经本机浏览器打印，或 LibreOffice），便于在手机上看")]
BoardOpenIt = Annotated[bool, typer.Option("--open", help="写出后用默认浏览器打开")]
