"""The facts a notice states, each with the sentence it came from: name, authority, dates, deadlines, rules, contacts.

Every fact is found by the way notices of this kind word it (关于开展……的通知, 即日起至…, …前报送…, 每月…日前,
…底前全部整改到位, 每月至少检查…%), never by this campaign's own words; what is not found stays missing and is
said so, never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from bairi.notice.dates import DATE, Dates, full_dates, monthly_day, span
from bairi.notice.text import NoticeText

# What towns' offices append to their names (巴公镇应急管理中心 → 巴公镇); the notice's own word comes first.
UNIT_SUFFIXES = ("应急管理中心", "应急管理站", "应急管理办公室", "应急办", "安监站", "人民政府", "政府")
# The eight 工贸 industries (应急管理部 工贸行业分类): the hazard table's 行业类别 of a 工贸 campaign.
GONGMAO = ("冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸")


@dataclass(frozen=True)
class Fact:
    """One fact of the campaign: its key in bairi.toml, its Chinese name, its value, and where it came from."""

    key: str
    label: str
    value: object
    sentence: str = ""
    # How a fact not written as such was worked out (由行动起止日期推出), in Chinese.
    how: str = ""


@dataclass(frozen=True)
class Phase:
    """One stage of the campaign (动员部署阶段, 11-06 to 11-10)."""

    name: str
    start: date | None
    end: date | None
    sentence: str


@dataclass(frozen=True)
class Deliverable:
    """Something the towns send by a day: what, when, and the sentence."""

    what: str
    due: date | None
    monthly_day: int | None
    sentence: str


@dataclass
class Facts:
    """Everything found in a notice; `missing` names the facts it does not state."""

    facts: dict[str, Fact] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    deliverables: list[Deliverable] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, label: str, value: object, sentence: str = "", how: str = "") -> None:
        """Record a fact (the first one found stands)."""
        if key not in self.facts and value not in (None, "", [], ()):
            self.facts[key] = Fact(key, label, value, _short(sentence), how)

    def value(self, key: str, default: object = None) -> object:
        """The value of a fact, or `default` when it was not found."""
        fact = self.facts.get(key)
        return default if fact is None else fact.value


LABELS = {
    "name": "行动名称", "authority": "发文机关", "authority_short": "发文机关简称", "masthead": "发文机关标志",
    "document_code": "发文字号的机关代字", "start": "行动开始日期", "end": "行动结束日期", "plan_due": "行动方案截止日",
    "periods": "每月报表截止日", "monthly": "每月报送的材料", "summary_due": "工作总结截止日", "cases_due": "典型案例截止日",
    "rectify_by": "重大隐患整改到位日期", "inspect_share": "每月检查企业比例", "contact": "联系人", "copy_to": "抄送",
    "issuer": "印发机关", "unit_suffixes": "单位名称后缀", "categories": "行业类别", "issued": "印发日期",
}
# What a campaign needs from its notice: these missing are placeholders the clerk must fill in.
NEEDED = ("name", "authority", "authority_short", "start", "end", "periods")

_SENTENCE_END = re.compile(r"(?<=[。；;！？])")
_TITLE = re.compile(r"关于(?:组织|深入|全面|集中|进一步)?(?:开展|做好|实施|推进|印发|转发|报送|加强)?《?(?P<core>.+?)》?"
                    r"(?:工作方案|实施方案|方案|进展情况|情况|工作)?的(?:紧急)?通知")
_CODE = re.compile(r"^(?P<code>[\u4e00-\u9fff]{2,12})\s*[〔［\[(（]\s*(?P<year>\d{4})\s*[〕］\])）]\s*(?P<number>\d+)\s*号$")
_SHORT = re.compile(r"^(?P<place>.+?(?:自治区|自治县|自治州|省|县|市|区|旗|州|盟))(?![省县市区旗])(?=应急|安全|人民政府|政府|安委|委员会|[\u4e00-\u9fff]{0,6}局)")
_ISSUED = re.compile(r"(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印\s*发")
_ONLY_DATE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_THROUGH = r"\s*起?\s*(?:至|到|—|－|-|~|～)\s*"
_ANY_DATE = re.sub(r"\?P<\w+>", "?:", DATE.pattern)
_START_END = re.compile(rf"(?P<start>即日|{_ANY_DATE}){_THROUGH}(?P<until>{_ANY_DATE})")
_PHASE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]\s*(?P<name>[\u4e00-\u9fff]{2,10}阶段)\s*[（(](?P<span>[^）)]+)[）)]")
_SENDS = re.compile(r"(?:报送|上报|报|提交|报至|报县|报市)")
_SEND_AFTER = re.compile(r"\s*(?:前|之前|以前|为止)?\s*[，,]?\s*(?:(?:将|把)(?P<what>[^，。；]{1,40}?))?"
                         r"(?:报送|上报|提交|报)(?:至|到)?(?P<rest>.*)$")
_PERCENT = re.compile(r"每(?:个)?月\s*(?:至少|不少于|不低于)?\s*(?:检查|抽查|排查|督查|覆盖)[^。；]*?(?P<share>\d+(?:\.\d+)?)\s*[%％]")
_RECTIFY = re.compile(r"重大(?:事故)?隐患[^。；]*?(?:全部|全面|必须|要)?\s*(?:整改到位|整改完毕|完成整改|整改完成|清零)")
_CASE = re.compile(r"至少\s*(?:上报|报送|报|提交|推荐)?\s*(?:\d+|[一两二三四五])\s*[个件起篇]\S*?(?:典型)?案例")
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[-－—]?\d{7,8}|1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
# Words that end an office's name, not a person's (省应急厅 赵祥).
_OFFICE = re.compile(r"(厅|局|办|室|委|部|处|科|股|中心|队|站|所|组)$")
# 于6月份开始: the first day of that month.
_MONTH_START = re.compile(r"(?:自|从|于)\s*(?P<month>\d{1,2})\s*月份?\s*(?:起|开始)")


def _short(sentence: str) -> str:
    """A sentence as a cited line: one line, at most 160 characters."""
    line = re.sub(r"\s+", " ", sentence).strip()
    return line if len(line) <= 160 else line[:157] + "…"


def sentences(notice: NoticeText) -> list[str]:
    """The notice's sentences (a line is cut at 。；！？), in order."""
    found: list[str] = []
    for line in notice.lines:
        found.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return found


def _squeeze(text: str) -> str:
    """Chinese text without the spaces a layout put into it (“百日攻坚” 冬季 → “百日攻坚”冬季)."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).strip()


def read_facts(notice: NoticeText) -> Facts:
    """The facts of a notice, each with its sentence; `missing` for each needed one it does not state."""
    facts = Facts()
    lines = notice.lines
    all_sentences = sentences(notice)
    anchor = _anchor(lines, facts)
    dates = Dates(anchor or date(2000, 1, 1))
    _masthead(lines, facts)
    _title(lines, facts)
    _start_end(all_sentences, lines, dates, anchor, facts)
    _deliverables(all_sentences, dates, facts)
    _rules(all_sentences, dates, facts)
    derive_periods(facts)
    _contacts(lines, facts)
    _addressees(lines, facts)
    if "工贸" in str(facts.value("name", "")):
        facts.add("categories", LABELS["categories"], list(GONGMAO), "", "工贸行业的八个行业类别（冶金、有色、建材、机械、轻工、纺织、烟草、商贸）")
    for key in NEEDED:
        if key not in facts.facts:
            facts.missing[key] = LABELS[key]
    return facts


def _anchor(lines: list[str], facts: Facts) -> date | None:
    """The notice's own date: its signing date (a line that is only a date), else its 印发 date."""
    issued: date | None = None
    for line in lines:
        match = _ISSUED.search(line)
        if match:
            issued = full_dates(match["date"])[0]
            facts.add("issued", LABELS["issued"], issued, line)
            before = line[: match.start()].strip()
            index = lines.index(line)
            issuer = before or (lines[index - 1] if index else "")
            if issuer and len(issuer) <= 30 and not full_dates(issuer):
                facts.add("issuer", LABELS["issuer"], _squeeze(issuer), f"{issuer} {match['date']}印发" if not before else line)
    signed = [full_dates(line)[0] for line in lines if _ONLY_DATE.match(line)]
    if signed:
        return signed[0]
    if issued:
        return issued
    everything = full_dates("\n".join(lines))
    if everything:
        return everything[0]
    # No date at all: the year of the document's number (〔2017〕27号), from its first day.
    coded = re.search(r"[〔［\[(（]\s*(\d{4})\s*[〕］\])）]\s*\d+\s*号", "\n".join(lines[:12]))
    return date(int(coded[1]), 1, 1) if coded else None


def _masthead(lines: list[str], facts: Facts) -> None:
    for line in lines[:8]:
        squeezed = _squeeze(line)
        if squeezed.endswith("文件") and 4 < len(squeezed) <= 30:
            facts.add("masthead", LABELS["masthead"], squeezed, line)
            break
    for line in lines[:12]:
        match = _CODE.match(_squeeze(line))
        if match:
            facts.add("document_code", LABELS["document_code"], match["code"], line)
            break


def _title(lines: list[str], facts: Facts) -> None:
    """The campaign's name and authority from the title (关于开展……的通知), within the notice's head."""
    head = lines[:15]
    for index, line in enumerate(head):
        if "关于" not in line or "《" in line:
            continue
        text = _squeeze(line)
        # A title broken over lines: joined until it reaches 通知.
        extra = index + 1
        while "通知" not in text and extra < min(len(head), index + 3):
            text += _squeeze(head[extra])
            extra += 1
        match = _TITLE.search(text)
        if not match:
            continue
        # 某办公室转发某部关于…的通知: the authority is the one that forwards.
        before = re.split(r"转发", text[: match.start()])[0].strip()
        authority = before or _authority_from_masthead(facts)
        if authority:
            facts.add("authority", LABELS["authority"], authority, text)
        short = _SHORT.match(authority or "")
        if short:
            facts.add("authority_short", LABELS["authority_short"], short["place"], text, "发文机关名称中的地名")
        core = re.sub(r"^全(县|市|区|旗)", "", match["core"])
        place = short["place"] if short else ""
        name = core if not place or core.startswith(place) else place + core
        facts.add("name", LABELS["name"], name, text)
        return


def _authority_from_masthead(facts: Facts) -> str:
    masthead = str(facts.value("masthead", ""))
    return masthead[:-2] if masthead.endswith("文件") else ""


def _start_end(all_sentences: list[str], lines: list[str], dates: Dates, anchor: date | None, facts: Facts) -> None:
    """Start and end (即日起至…), and the phases with their spans."""
    for line in lines:
        match = _PHASE.match(_squeeze(line))
        if match:
            first, last = span(match["span"], dates)
            if first is None and re.match(r"^即日", match["span"]):
                first = anchor
            facts.phases.append(Phase(match["name"], first, last, _short(line)))
    for sentence in all_sentences:
        if not re.search(r"行动|活动|攻坚|整治|检查|专项", sentence):
            continue
        match = _START_END.search(_squeeze(sentence))
        if not match:
            continue
        end = dates.all_in(match["until"])
        if not end:
            continue
        if match["start"] == "即日":
            if anchor is None:
                continue
            facts.add("start", LABELS["start"], anchor, sentence, "“即日起”即发文之日")
        else:
            start = dates.all_in(match["start"])
            if not start:
                continue
            facts.add("start", LABELS["start"], start[0][0], sentence)
        facts.add("end", LABELS["end"], end[0][0], sentence)
        break
    for sentence in all_sentences:
        match = _MONTH_START.search(_squeeze(sentence))
        if match and anchor is not None and 1 <= int(match["month"]) <= 12:
            month = int(match["month"])
            year = anchor.year + (1 if month < anchor.month - 1 else 0)
            facts.add("start", LABELS["start"], date(year, month, 1), sentence, f"{month}月份开始，即{month}月1日")
            break
    if facts.phases:
        opening, closing = facts.phases[0], facts.phases[-1]
        if opening.start:
            facts.add("start", LABELS["start"], opening.start, opening.sentence, "第一阶段的开始日")
        if closing.end:
            facts.add("end", LABELS["end"], closing.end, closing.sentence, "最后阶段的结束日")


def _clauses(sentence: str) -> list[str]:
    """A sentence cut where a new date starts a new request (…前报送方案，每月25日前报送…)."""
    return [part for part in re.split(r"[，,；;](?=[^，,；;]*?(?:\d|每月|[一二三四五六七八九十]+月))", sentence) if part]


def _deliverables(all_sentences: list[str], dates: Dates, facts: Facts) -> None:
    """Each …前报送… and 每月…日前报送…, then the plan, summary and monthly return among them."""
    for sentence in all_sentences:
        for clause in _clauses(sentence):
            text = _squeeze(clause)
            day = monthly_day(text)
            if day is not None and _SENDS.search(text):
                what = re.split(r"[日号]\s*(?:前|之前|以前)?\s*(?:报送|上报|提交|报)", text, maxsplit=1)[-1]
                facts.deliverables.append(Deliverable(what.rstrip("。；;"), None, day, sentence))
                continue
            found = dates.all_in(text)
            if not found:
                continue
            due, match = found[-1]
            sends = _SEND_AFTER.match(text[match.end():])
            if sends:
                # …前报送行动方案, or …前将行动方案报送县局: what is due either way.
                what = sends["what"] or sends["rest"]
                facts.deliverables.append(Deliverable(what.rstrip("。；;"), due, None, sentence))
    for item in facts.deliverables:
        if item.due and re.search(r"方案", item.what):
            facts.add("plan_due", LABELS["plan_due"], item.due, item.sentence)
        elif item.due and re.search(r"总结", item.what):
            facts.add("summary_due", LABELS["summary_due"], item.due, item.sentence)
        elif item.monthly_day:
            facts.add("monthly_day", "每月报送日", item.monthly_day, item.sentence)
            facts.add("monthly_what", "每月报送的材料", item.what, item.sentence)


def derive_periods(facts: Facts) -> None:
    """The monthly periods: each month of the campaign whose due day (每月N日) falls within it."""
    start, end, day = facts.value("start"), facts.value("end"), facts.value("monthly_day")
    if not (isinstance(start, date) and isinstance(end, date) and isinstance(day, int)):
        return
    periods = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = calendar.monthrange(year, month)[1]
        due = date(year, month, min(day, last))
        if start <= due <= end:
            periods.append((f"{year:04d}-{month:02d}", due))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    monthly = facts.facts["monthly_day"]
    facts.add("periods", LABELS["periods"], periods, monthly.sentence,
              f"行动期间（{start.isoformat()} 至 {end.isoformat()}）每月{day}日，在行动期内的各月")


def _rules(all_sentences: list[str], dates: Dates, facts: Facts) -> None:
    """The rectification day of major hazards, the monthly share of enterprises inspected, the typical case."""
    for sentence in all_sentences:
        text = _squeeze(sentence)
        match = _RECTIFY.search(text)
        if match and "rectify_by" not in facts.facts:
            # The day may stand before the hazards (12月底前，重大隐患要全部整改到位) or among them.
            found = [d for d, m in dates.all_in(text[: match.end()])]
            if found:
                facts.add("rectify_by", LABELS["rectify_by"], found[-1], sentence)
        match = _PERCENT.search(text)
        if match and "inspect_share" not in facts.facts:
            share = float(match["share"]) / 100
            if 0 < share <= 1:
                facts.add("inspect_share", LABELS["inspect_share"], share, sentence)
        match = _CASE.search(text)
        if match and "cases_due" not in facts.facts:
            before = [d for d, m in dates.all_in(text[: match.end()])]
            if before:
                facts.add("cases_due", LABELS["cases_due"], before[-1], sentence)
            elif "end" in facts.facts:
                facts.add("cases_due", LABELS["cases_due"], facts.value("end"), sentence, "行动期间，即行动结束日")


def _contacts(lines: list[str], facts: Facts) -> None:
    """联系人, 联系电话 and 邮箱 from the contact block (up to 附件 or 抄送), and the 抄送 list."""
    for index, full in enumerate(lines):
        at = re.search(r"[（(]?联\s*系\s*人", full)
        if not at:
            continue
        line = full[at.start():]
        block = [line]
        for following in lines[index + 1: index + 8]:
            if re.match(r"^(附\s*件|抄\s*送|[一二三四五六七八九十]+、)", following) or _ONLY_DATE.match(following):
                break
            block.append(following)
        text = "\n".join(block)
        names_part = re.split(r"[：:]", line, maxsplit=1)[-1]
        names_part = re.split(r"(?:联系)?电话|手机|(?:电子)?邮\s*箱|[；;。]", names_part)[0]
        people = [p for p in re.split(r"[\s、，,/]+", names_part) if _PERSON.match(p) and not _OFFICE.search(p)]
        phones = list(dict.fromkeys(re.sub(r"[－—]", "-", p) for p in _PHONE.findall(text)))
        emails = list(dict.fromkeys(_EMAIL.findall(text)))
        if people or phones or emails:
            facts.add("contact", LABELS["contact"], {"people": people, "phones": phones, "emails": emails},
                      " ".join(block))
        break
    for line in lines:
        match = re.match(r"^抄\s*送\s*[：:]\s*(?P<to>.+)$", line)
        if match:
            to = [t.strip() for t in re.split(r"[、，,；;]", match["to"].rstrip("。. ")) if t.strip()]
            facts.add("copy_to", LABELS["copy_to"], to, line)
            break


def _addressees(lines: list[str], facts: Facts) -> None:
    """The word the towns' offices carry (各镇应急管理中心 → 应急管理中心), from the line the notice is addressed to."""
    for line in lines[:15]:
        if not re.match(r"^各.*[：:]$", line):
            continue
        for item in re.split(r"[，,]", line.rstrip("：:")):
            match = re.match(r"^各\s*[乡镇县市区州旗街道（）()、]{1,9}(?P<suffix>[\u4e00-\u9fff]{2,12})$", item.strip())
            if match and "企业" not in match["suffix"] and "单位" not in match["suffix"]:
                suffixes = [match["suffix"], *(s for s in UNIT_SUFFIXES if s != match["suffix"])]
                facts.add("unit_suffixes", LABELS["unit_suffixes"], suffixes, line)
                return
    facts.add("unit_suffixes", LABELS["unit_suffixes"], list(UNIT_SUFFIXES), "", "常见的乡镇机构名称后缀")
