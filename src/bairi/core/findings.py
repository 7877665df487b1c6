"""The one catalogue of findings: stable codes, severities, Chinese messages and hints."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Severity(str, Enum):
    """How bad a finding is: an error rejects the return, a warning or info does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """The Chinese word shown to the clerk."""
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Entry:
    """One kind of finding: its severity, message template and how to fix it, for each of its two audiences.

    `template` and `hint` are the clerk's (terminal, JSON, the register): they may name files, cells, the
    configuration (行动配置 bairi.toml) and commands. What a town reads (reply drafts, reminders) is
    `town_template` (else `template`) and `town_hint` (else `hint`): no program words there — no cell
    references, file names, commands or configuration — and never anything about the county's own setup.
    Codes of the intake, the deadlines and the register (D7xx, H8xx) are the clerk's alone (`clerk_only`).
    tests/test_wording.py holds every entry to this."""

    severity: Severity
    template: str
    hint: str = ""
    # File-level problems mean the command could not read the input at all (exit status 2).
    unreadable: bool = False
    town_template: str = ""
    town_hint: str | None = None
    clerk_only: bool = False


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Entry] = {
    # --- the file itself (cannot be read) -------------------------------------------------
    "F101": Entry(E, "文件已加密（请去掉密码后重新发送）", "请对方在 Excel/WPS 中取消“打开密码”后另存再发送。", True,
                  town_hint="请在 Excel/WPS 中取消“打开密码”后另存，再重新发送。"),
    "F102": Entry(E, "文件已损坏，无法读取：{detail}", "请对方重新保存后再发送一份。", True,
                  town_template="文件已损坏，无法读取", town_hint="请重新保存后再发送一份。"),
    "F103": Entry(E, "不是电子表格：{what}", "请对方发送 Excel 工作簿（.xlsx/.xls）或 .ods 文件。", True,
                  town_template="附件不是电子表格", town_hint="请用 Excel/WPS 表格填写报表后发送。"),
    "F104": Entry(E, "{fmt} 格式暂不支持", "请对方在 Excel/WPS 中另存为 .xlsx 后重新发送。", True,
                  town_template="附件的文件格式无法读取", town_hint="请在 Excel/WPS 中另存为“Excel 工作簿”格式后重新发送。"),
    "F105": Entry(E, "文件超出安全处理上限，已拒绝读取：{detail}", "正常报表远小于该上限；请核实文件来源，或请对方重新保存。", True,
                  town_template="文件过大或结构异常，无法读取", town_hint="请重新保存后再发送。"),
    "F106": Entry(E, "文件为空（0字节）", "请对方重新发送附件。", True,
                  town_template="收到的附件是空文件", town_hint="请重新发送附件。"),
    "F107": Entry(E, "这是 Excel/WPS 打开文件时留下的临时锁定文件（~$ 开头），不是报表", "忽略此文件即可。", True,
                  town_template="收到的附件是 Excel/WPS 打开文件时留下的临时文件，不是报表", town_hint="请发送报表文件本身。"),
    "F108": Entry(I, "文件扩展名为 {ext}，实际内容是 {real}，已按实际格式读取", "建议请对方按正确格式保存。",
                  town_template="附件的文件类型与文件名不一致，已按实际格式读取", town_hint="建议今后按正确格式保存。"),
    "F109": Entry(E, "文件无法打开：{detail}", "请对方重新保存后再发送。", True,
                  town_template="文件无法打开", town_hint="请重新保存后再发送。"),
    "F110": Entry(E, "文件含有不安全的内容，已拒绝读取：{detail}",
                  "正常报表不含此类内容；请核实文件来源，或请对方用 Excel/WPS 重新保存后发送。", True,
                  town_template="文件含有不安全的内容，无法读取", town_hint="请用 Excel/WPS 重新保存后再发送。"),
    "F111": Entry(I, "工作簿中的 Excel 4.0宏表或对话框表 {names} 未读取", "", town_template="工作簿中的宏表未读取"),
    "F170": Entry(E, "“重大隐患明细”超过{limit}行，远多于任何单位的填报，已拒绝读取",
                  "请核实文件来源；如确有这么多项，请分成几个文件报送。", True,
                  town_hint="如确有这么多项，请分成几个文件报送。"),
    # --- layout of the form ---------------------------------------------------------------
    "E201": Entry(E, "未找到报告表的统计表（应有“成立督查组”“排查企业”“一般隐患”等表头），不是本表格式",
                  "请对方使用下发的报告表模板填报（bairi template 可生成空白模板，发给对方）。",
                  town_hint="请使用下发的报告表模板填报。"),
    "E202": Entry(E, "统计表缺少“{row}”行", "请在“{header}”列下保留“{period}”和“{cumulative}”两行。"),
    "E203": Entry(E, "统计表缺少“{column}”列", "请勿删除报告表的列，恢复模板原有列后再报。"),
    "E204": Entry(E, "未找到“{table}”表，但累计排查重大隐患{count}项", "请在报告表下方的{table}表中逐项填写。"),
    "E205": Entry(E, "统计表的“{period}”和“{cumulative}”两行全部为空，是未填写的空表", "请填写数字后再报送；没有发生的项目填0。"),
    "E206": Entry(E, "“{column}”列出现多次（{cells}），无法确定以哪一列为准", "请删除重复的列。",
                  town_template="“{column}”列出现多次，无法确定以哪一列为准"),
    "E207": Entry(E, "“{row}”行出现多次（{cells}），无法确定以哪一行为准", "请删除重复的行，只保留一行。",
                  town_template="“{row}”行出现多次，无法确定以哪一行为准"),
    "E208": Entry(E, "“{column}”单元格被合并单元格遮住（其中的值为{raw}，Excel 里看不到），数字无法确定",
                  "请取消该处的合并单元格，逐格填写数字。"),
    "W208": Entry(W, "统计表中多出一行“{label}”，未计入", "如该行数字应计入，请并入“{period}”或“{cumulative}”行。"),
    "I209": Entry(I, "明细表中的占位行“{text}”已忽略", ""),
    "W210": Entry(W, "未找到“{table}”表", "没有重大隐患也请保留该表。"),
    "I211": Entry(I, "工作簿中有{count}个报告表（{sheets}），按报告期{period}读取工作表“{sheet}”", "",
                  town_template="工作簿中有{count}个报告表，按报告期{period}读取其中对应的一张"),
    "I213": Entry(I, "明细表中的“{text}”一行表示没有重大隐患，不作为隐患计入", ""),
    "I290": Entry(I, "第{row}行{column}列有内容，远离报告表（中间隔着大片空白），未读取",
                  "多半是误操作留下的；请对方删除该单元格的内容后再保存。"),
    "I291": Entry(I, "另有{count}个远离报告表的单元格有内容，未读取", "请对方删除这些单元格的内容后再保存。"),
    "W215": Entry(W, "明细表“{column}”是错误值 {raw}（公式无法算出结果），内容未知", "请检查该单元格的公式，或直接填写内容。"),
    "W214": Entry(W, "明细表“{column}”单元格被合并单元格遮住（其中的“{raw}”在 Excel 里看不到），按合并单元格显示的“{shown}”读取",
                  "请取消该处的合并单元格并核对内容。"),
    "I216": Entry(I, "明细表第{rows}行的{columns}是合并单元格，按其显示的内容逐行读取", ""),
    "W212": Entry(W, "工作簿中有{count}个报告表（{sheets}），无法确定报的是哪个月，按工作表“{sheet}”读取",
                  "请只保留本月的工作表，或在文件名中注明月份（如“12月”）后重新发送。",
                  town_template="工作簿中有{count}个报告表，无法确定报的是哪个月",
                  town_hint="请只保留本月的报告表，或在标题中注明月份（如“12月”）后重新发送。"),
    # --- header fields and period ---------------------------------------------------------
    # The header fields are named by the form's own labels ({unit_label} 填报单位, {filler_label} 填表人,
    # {date_label} 填表日期 on the notice's form; 报送单位 … on another).
    "E301": Entry(E, "未填写{unit_label}", "请在“{unit_label}”处填写本单位名称，如“某某镇应急管理中心”。"),
    "E302": Entry(E, "{unit_label}“{unit}”不是本次行动的报送单位",
                  "请核对{unit_label}名称；如确为本次行动新增的报送单位，请在行动配置 bairi.toml 的 units 中增加。",
                  town_template="{unit_label}“{unit}”与本次行动的报送单位名称不符",
                  town_hint="请在“{unit_label}”处填写本单位全称，如“某某镇应急管理中心”。"),
    "I303": Entry(I, "{unit_label}“{raw}”按“{town}”统计", ""),
    "W304": Entry(W, "未填写{unit_label}，按文件名识别为“{town}”", "请在“{unit_label}”处填写本镇名称。"),
    "W305": Entry(W, "未填写{date_label}", "请填写{date_label}，如2023-12-24。"),
    "W306": Entry(W, "{date_label}“{raw}”无法识别为日期", "请按2023-12-24或2023年12月24日的格式填写。"),
    "I307": Entry(I, "{date_label}“{raw}”按{date}读取", ""),
    "W308": Entry(W, "{date_label}{date}不在行动期间（{start}至{end}）内", "请核对{date_label}。"),
    "E309": Entry(E, "无法确定报告期：文件名、标题中没有月份，也没有可识别的{date_label}",
                  "请在标题中写明报告月份（如“（2023年12月）”）并填写{date_label}后重新发送。"),
    "W310": Entry(W, "未填写{filler_label}", "请填写{filler_label}姓名，便于核对。"),
    "E311": Entry(E, "报告期{period}不是本次行动的报送期（{periods}）", "请核对标题或文件名中的月份后重新发送。"),
    "W312": Entry(W, "{date_label}{date}早于报告期{period}", "请核对{date_label}和报告月份。"),
    "W313": Entry(W, "{date_label}“{raw}”中的星期与日期不符，无法确定是哪一天", "请核对{date_label}，如2023年12月24日（星期日）。"),
    "W314": Entry(W, "文件名和标题中没有月份，报告期按{date_label}{date}推定为{period}",
                  "请在标题或文件名中写明报告月份（如“{month}月份”）；如这是{previous}的报表，请改正后重新发送。"),
    # --- values in the statistics table ---------------------------------------------------
    "I401": Entry(I, "“{column}”为空，按0计", ""),
    "I402": Entry(I, "“{column}”填写“{raw}”，按0计", ""),
    "I403": Entry(I, "“{column}”是文本“{raw}”，按数字{value}读取", ""),
    "I404": Entry(I, "“{column}”含全角数字“{raw}”，按{value}读取", ""),
    "I405": Entry(I, "“{column}”填写“{raw}”，去掉单位后按{value}读取", ""),
    "W406": Entry(W, "“{column}”填写“{raw}”（单位为{unit}），折合{value}{target}", "本列单位为“{target}”，请直接填写{target}数。"),
    "E407": Entry(E, "“{column}”为负数{value}", "数量不能为负，请核实。"),
    "E408": Entry(E, "“{column}”为小数{value}，应为整数", "个数、家数、项数应为整数。"),
    "E409": Entry(E, "“{column}”填写“{raw}”，不是数字", "请只填写数字；没有发生填0。"),
    "E410": Entry(E, "“{column}”是公式但没有保存计算结果，数值未知（不能按0计）",
                  "请在 Excel/WPS 中打开后重新计算并保存，或直接填写数字。"),
    "E411": Entry(E, "“{column}”是日期（{raw}），不是数字", "单元格被设成了日期格式，请改为“常规”后重新填写数字。"),
    "W412": Entry(W, "“{column}”为{value}，小数超过4位", "{column}以万元计，保留4位小数（即精确到元）。"),
    "E413": Entry(E, "“{column}”数值{raw}过大，无法准确读取", "请核实该数字。"),
    "I414": Entry(I, "“{column}”填写“{raw}”，去掉千位分隔符后按{value}读取", ""),
    "E415": Entry(E, "“{column}”是逻辑值 {raw}，不是数字", "请填写数字。", town_template="“{column}”填的是逻辑值（真或假），不是数字"),
    "E416": Entry(E, "“{column}”是错误值 {raw}（公式无法算出结果），数值未知（不能按0计）",
                  "请在 Excel/WPS 中检查该单元格的公式（常见原因：引用的工作表或单元格已被删除），改正后保存，或直接填写数字。"),
    "I417": Entry(I, "“{column}”按表头单位“{unit}”读取：“{raw}”折合{value}{target}", ""),
    "E418": Entry(E, "“{column}”填写“{raw}”（单位为{unit}），折合{value}{target}，超过{places}位小数，无法准确填报",
                  "本列以{target}计，最多保留{places}位小数，请核实金额和单位。"),
    "E419": Entry(E, "“{column}”表头单位为“{unit}”，不是金额单位，本列数字折合多少万元无法确定",
                  "本列应填写罚款金额（万元），请恢复模板表头“行政罚款（万）”并填写金额。"),
    "E420": Entry(E, "“{column}”填写“{raw}”，是约数或范围，不是确切的数字", "请填写确切的数字。"),
    "I421": Entry(I, "“{column}”填写中文数字“{raw}”，按{value}读取", ""),
    # --- consistency ----------------------------------------------------------------------
    "E501": Entry(E, "“{column}”累计{cumulative}小于本期{period}", "累计数应不小于本期数，请核对两行。"),
    "E502": Entry(E, "累计行“{fixed_label}”{fixed}大于“{found_label}”{found}", "已整改数不能超过排查数，请核对。"),
    "W503": Entry(W, "{table}{rows}行，与累计排查重大隐患{count}项不一致", "请逐项填写{table}，或核对累计数。"),
    "W504": Entry(W, "明细第{seq}行所在镇“{town}”不是填报单位“{unit}”", "请核对所在镇。"),
    "W508": Entry(W, "明细第{seq}行所在镇“{town}”不是本次行动的{units}个报送单位之一", "请核对所在镇。"),
    "W509": Entry(W, "行政罚款{value}万元异常大，是否按元填写了？（如是元，应为{yuan}万元）",
                  "本列单位为“万元”，请核实后按万元填写。"),
    "W510": Entry(W, "行政罚款{value}万元（{yuan}元）异常小，是否把万元数填在了以元为单位的表头下？",
                  "请核实金额和表头单位：本列以万元计。"),
    "W505": Entry(W, "明细第{seq}行行业类别“{category}”不在工贸行业类别（{allowed}）内", "请从下拉选项中选择行业类别。"),
    "W506": Entry(W, "明细第{seq}行未填写{fields}", "重大隐患须写明企业、挂牌督办单位及整改计划。"),
    "W507": Entry(W, "本期排查企业{value}家，少于辖区企业{total}家的一半（应至少{need}家）",
                  "按通知要求，各镇每月至少检查本辖区企业总数的50%。"),
    "W511": Entry(W, "本期排查企业{value}家，多于辖区企业{total}家",
                  "本期数为本月检查的企业家数（同一企业多次检查只计一家）；如辖区企业数有变化，请告知县局。"),
    # --- across returns (merge) -----------------------------------------------------------
    "W601": Entry(W, "“{column}”累计{cumulative}（{month}，{cell}）≠ 上次累计{previous}（{prev_month}，{prev_cell}）+ 本月{period}",
                  "请核对本月累计数：应等于该镇上一份合格报表的累计加本月数（其间漏报的月份另计）。",
                  town_template="“{column}”累计{cumulative}（{month}）不等于上次累计{previous}（{prev_month}）加本月{period}"),
    "W602": Entry(W, "“{column}”累计{cumulative}（{month}）低于上次累计{previous}（{prev_month}，{prev_cell}）",
                  "累计数不应减少，请核对。", town_template="“{column}”累计{cumulative}（{month}）低于上次累计{previous}（{prev_month}）"),
    "I603": Entry(I, "本文件已被 {newer} 取代（同一单位同一报告期的较新报表）：{changes}", "",
                  town_template="本报表已被同一单位同一报告期的较新报表取代：{changes}"),
    "W650": Entry(W, "“{column}”累计{cumulative}（{month}，{cell}）多于上次累计{previous}（{prev_month}，{prev_cell}）+ 本月{period}",
                  "本列按企业家数累计（同一企业只计一次），累计不应多于上次累计加本月数，请核对。",
                  town_template="“{column}”累计{cumulative}（{month}）多于上次累计{previous}（{prev_month}）加本月{period}"),
    "I651": Entry(I, "{town}本期{state}，县累计沿用其{month}累计（{file}），本期数不计入", "", clerk_only=True),
    # --- receipts and deadlines (deadlines) -----------------------------------------------
    "D701": Entry(W, "填表日期{filled_on}晚于收到时间{received}（依据：{evidence}）",
                  "请核对：可能填表日期填错，或收到时间的依据不可靠（如文件复制后修改时间变化）。"),
    "D702": Entry(W, "同一文件指向不同的镇：{claims}；按{chosen_by}计为“{town}”",
                  "请核对这份材料是哪个镇报送的；如填报单位写错，请退回修改。"),
    "D703": Entry(W, "{town}{label}已收到，但检查未通过（{problem}），已退回，不计入",
                  "请退回修改（bairi check 该文件 --reply 可写出退回邮件）；收到修改后的报表即按其收到时间计。"),
    "D704": Entry(W, "“{name}”无法判断{what}，未计入",
                  "在文件名或邮件主题中写明镇名和“方案”“总结”或“X月报表”即可识别；也可在行动配置 bairi.toml 中该镇的 emails 登记其发件邮箱。"),
    "D705": Entry(W, "邮件没有可识别的 Date 头（{raw}），收到时间改按{fallback}", "请从邮箱重新导出该邮件（.eml 或 .mbox）。"),
    "D706": Entry(I, "{town}{label}共收到{count}份不同的文件（{times}）：按最早一份合格的计收到时间，按最新一份合格的计数", ""),
    "D707": Entry(W, "邮件文件无法读取：{detail}", "请从邮箱重新导出（.eml 或 .mbox）。"),
    "D708": Entry(W, "收件台账 {path} 无法使用（{detail}），收到时间改按文件修改时间",
                  "台账损坏时可删除它，下次运行会重新建立（只丢失首次发现时间）；文件夹只读时可加 --no-ledger 或用 --ledger 另指位置。"),
    "D709": Entry(W, "{town}报表的报告期{period}不是本次行动的报送期（{periods}），未计入", "请核对文件名、标题或填表日期中的月份。"),
    "D710": Entry(W, "{town}报表无法确定报告期，未计入", "请在文件名或邮件主题中注明月份，如“12月份报表”。"),
    "D711": Entry(I, "这是{authority}自己的汇总表，不计入各镇报送", ""),
    "D712": Entry(W, "压缩包“{name}”未计入：{reason}",
                  "请让该单位解压后直接发送报表文件（.xlsx/.xls）；方案、总结在文件名中写明镇名和“方案”“总结”即可按名称计入。"),
    "D713": Entry(W, "压缩包“{name}”中的“{member}”未计入：{reason}", "请让该单位解压后直接发送该文件。"),
    "D714": Entry(W, "{evidence}{stamp}在行动结束一个多月之后，是复制或解压的时间，不是收到时间；已改按{used}（{day}）计",
                  "收到时间请以邮件（.eml/.mbox）或收件台账为准：把邮箱文件一并交给 bairi，或在收件当时就运行 bairi deadlines。"),
    "D715": Entry(W, "{town}报送的“{name}”与{others}报送的文件完全相同（字节一致），请核实是否转发或误发",
                  "同一份文件分别计入各自的单位；如是误发，请让该单位重新报送自己的材料。"),
    "D716": Entry(W, "{town}{label}：“{name}”{reason}，待核实",
                  "请与该单位核实；如确已报送，可在登记簿中登记（见 README“县局登记簿”）。"),
    "D717": Entry(I, "{town}{label}依据{cite}计为收到（{how}）", ""),
    "D718": Entry(W, "{town}{label}已过截止日，仍缺少{missing}", "请催报所缺材料；材料的文件名或邮件主题写明镇名和材料名称即可识别。"),
    "D720": Entry(I, "隐藏文件夹 {path} 未读取（其中{count}个文件）", "如其中有应计入的材料，请移到普通文件夹中。"),
    "D721": Entry(I, "{path} 是 Excel/WPS 打开文件时留下的临时锁定文件，未读取", ""),
    "D722": Entry(I, "{path} 不是报表、文档或邮件，未读取", ""),
    "D723": Entry(I, "{path} 是指向其他位置的文件夹链接，未跟随读取", "如需读取，请直接把该文件夹作为输入。"),
    "D725": Entry(I, "{town}{label}截止日依据{cite}延至{until}", ""),
    "D790": Entry(I, "{path} 是{labels}，不是工作报告表，未按报表检查", ""),
    "D791": Entry(I, "{path} 不是电子表格，未按报表检查", "如这是报表，请对方发送 Excel/WPS 工作簿（.xlsx/.xls/.et）。"),
    "D727": Entry(I, "{town}{label}的警告 {warning} 已接受该镇的说明：{cite}", ""),
    # --- channels: the logbook beside a file, receipt evidence, origin, attachments, links (D740–D769) ---
    "D740": Entry(I, "{town}{label}既有文件“{name}”（{file_time}收到）又有县局登记（{entry_time}）：数字取自文件，"
                     "是否按时以较早的{decided}为准", ""),
    "D741": Entry(I, "邮件 Date 头“{raw}”没有写时区，按本次行动的时区（UTC{offset}）计", ""),
    "D742": Entry(W, "发信电脑的时钟不准：邮件 Date 头“{raw}”比{evidence}（{received}）{way}{gap}小时；收到时间以{evidence}为准",
                  "请提醒该镇校准电脑时间（收到时间不受影响）。"),
    "D743": Entry(W, "{reason}，待核实", "请向该单位核实实际发送时间，或在登记簿中登记收到日期。"),
    "D744": Entry(W, "邮件附件“{name}”无法打开：{reason}；邮件主题和文件名也看不出是哪项材料，未计入",
                  "请对方直接附上 Excel 文件重新发送（Outlook 请改用 HTML 或纯文本格式，不用 RTF 格式）。"),
    "D745": Entry(W, "{town}{label}：“{name}”来自未登记的发件地址 {sender}（本镇登记的邮箱：{emails}），已计入",
                  "如该地址确属本镇，可在登记簿中登记 [[sender]]（always = true 即今后都算本镇的）。"),
    "D746": Entry(W, "{reason}，待核实", "核实后在登记簿中登记 [[sender]] 认可该地址（always = true 即加入本镇邮箱）。"),
    "D748": Entry(I, "{town}{label}来自 {sender} 的报送已依据{cite}认可", ""),
    "D770": Entry(I, "{town}的“{name}”{stamp}才收到（{evidence}），在{as_of}之后，本次不计入",
                  "按收到那天或之后的日期运行（--as-of）即计入。"),
    "D771": Entry(I, "报告期{period}没有任何镇的报表；输入中有报表的报告期：{periods}", "请核对 --period，或检查收件箱是否选对。"),
    "D726": Entry(W, "登记簿中的“{town}”“{deadline}”不是本次行动的报送单位或截止项，未使用",
                  "截止项写报告期（如2023-12）或 plan、summary、case。"),
    # --- the major-hazard register (hazards) ---------------------------------------------
    "H801": Entry(W, "{town}{period}“{enterprise}”的重大隐患与{prev_period}“{prev_enterprise}”的一项相近（相似度{score}），"
                     "暂按同一项（{id}）跟踪",
                  "请核实后在台账“匹配确认”列填写“确认”或“否定”；否定的下次运行分为两项。"),
    "H802": Entry(I, "重大隐患（{id}）各月的企业名称写法不同（“{names}”），按同一企业跟踪", ""),
    "H803": Entry(W, "{town}“{enterprise}”的重大隐患（{id}）在{last}之后未再列入明细（{periods}），也未说明已整改",
                  "请向该镇核实；如已整改，请在台账“核查结果”“销号日期”列登记。"),
    "H804": Entry(I, "{town}“{enterprise}”的重大隐患（{id}）{period}未再列入明细，累计重大隐患已整改由{before}项"
                     "（{prev_period}）增至{after}项，按已整改计", ""),
    "H805": Entry(W, "{town}台账中未整改的重大隐患{open}项，与{period}报表累计重大隐患排查{found}项 − 已整改{fixed}项"
                     " = {expected}项不一致",
                  "请向该镇核实明细和累计数，或在台账中登记核查结果。"),
    "H806": Entry(I, "{town}{period}报表检查未通过，其重大隐患明细仍计入台账", ""),
    "H807": Entry(W, "上次台账中的 {id}（{town}“{enterprise}”）本次输入中没有，按上次台账保留",
                  "如输入不全（如只给了部分月份），请给出全部月份的报表；如确属登记错误，可在台账中删除该行。"),
    "H808": Entry(I, "{town}“{enterprise}”的重大隐患（{id}）整改期限由{old}改为{new}（{period}），按原期限{old}计", ""),
    "H850": Entry(W, "{town}“{enterprise}”的重大隐患（{id}）整改计划日期{plan}早于首次报告（{first}），不作整改期限，按{due}计",
                  "请向该镇核实整改计划的日期（可能年份或月份写错）。"),
    "H851": Entry(W, "{town}“{enterprise}”的重大隐患（{id}）整改计划日期{plan}晚于整改期限{due}，县局未登记“五到位”延期，"
                     "按{due}计（计划晚于整改期限）",
                  "通知要求原则上12月底前整改到位；确因特殊原因不能按期的，须措施、责任、资金、时限、预案五到位："
                  "在台账中填写五个“到位”列即按计划日期计。"),
}

# The receipts, deadlines and register series speak of mails, files, the ledger and the logbook: the clerk's alone.
CATALOGUE = {code: replace(entry, clerk_only=True) if code[0] in "DH" else entry for code, entry in CATALOGUE.items()}


class Finding(BaseModel):
    """One problem or note about a return, located at a cell, a sheet or the file."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[A-Z]\d{3}$", description="问题代码，如 E407")
    severity: Severity
    location: str = Field(description="位置，如 Sheet1!C7")
    message: str
    hint: str = ""
    # What a town reads of it (the catalogue's town texts): never in the JSON, which is the clerk's.
    town_message: str = ""
    town_hint: str = ""

    @property
    def cell(self) -> str:
        """The location; named for the tests that read like `(f.code, f.cell)`."""
        return self.location

    @property
    def unreadable(self) -> bool:
        """True when the file could not be read at all."""
        return CATALOGUE[self.code].unreadable

    def as_dict(self) -> dict[str, str]:
        """The finding as the JSON contract spells it."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "location": self.location,
            "message": self.message,
            "hint": self.hint,
        }


def finding(code: str, location: str, **fields: object) -> Finding:
    """A finding of catalogue entry `code`, its message (and a hint with fields, such as an example date of the
    return's own month) filled from `fields`."""
    entry = CATALOGUE[code]
    hint = entry.hint.format(**fields) if "{" in entry.hint else entry.hint
    message = entry.template.format(**fields)
    town_hint = hint if entry.town_hint is None else entry.town_hint.format(**fields)
    town_message = entry.town_template.format(**fields) if entry.town_template else message
    return Finding(code=code, severity=entry.severity, location=location, message=message, hint=hint,
                   town_message=town_message, town_hint=town_hint)
