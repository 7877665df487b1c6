"""The clerk's config (bairi.toml) and logbook (登记簿.toml) checked as a whole, in Chinese, naming key and town."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bairi.core.campaign import ConfigError, default_campaign, load_campaign
from bairi.present.render import campaign_toml
from bairi.state.logbook import LogbookError, load_logbook


def _config(tmp_path: Path, *changes: tuple[str, str]) -> str:
    text = campaign_toml(default_campaign())
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "bairi.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return str(info.value)


@pytest.mark.parametrize(("changes", "said"), [
    # An alias two towns answer to, or an alias that is another town's name.
    ([('name = "巴公镇"\naliases = []', 'name = "巴公镇"\naliases = ["川底乡"]')],
     "units.aliases：“川底乡”同时是巴公镇、川底镇的名称或别名"),
    ([('name = "巴公镇"\naliases = []', 'name = "巴公镇"\naliases = ["南村镇"]')],
     "units.aliases：“南村镇”同时是南村镇、巴公镇的名称或别名"),
    ([('monthly = ["return", "progress", "lists"]', 'monthly = ["progress", "lists"]')], "monthly：应包含 return"),
    ([("due = 2023-11-25", "due = 2023-10-25")], "periods.0.due（2023-11）：截止日 2023-10-25 早于行动开始日 start 2023-11-06"),
    ([("due = 2023-12-25", "due = 2023-11-20")], "periods.1.due（2023-12）：截止日 2023-11-20 早于该月开始"),
    ([("due = 2023-12-25", "due = 2024-01-28")], "periods：2023-12 的截止日 2024-01-28 晚于 2024-01 的截止日 2024-01-25"),
    ([("plan_due = 2023-11-09", "plan_due = 2023-10-09")], "plan_due：2023-10-09 早于行动开始日 start 2023-11-06"),
    ([("plan_due = 2023-11-09", "plan_due = 2024-02-09")],
     "summary_due：工作总结截止日 2024-02-06 早于行动方案截止日 plan_due 2024-02-09"),
    ([('name = "巴公镇"\naliases = []\nenterprises = 45\nemails = []',
       'name = "巴公镇"\naliases = []\nenterprises = 45\nemails = ["bg\\u0007@163.com"]')],
     "units.8.emails.0（巴公镇）：含有看不见的控制字符 U+0007"),
    ([('name = "巴公镇"', 'name = "巴公\\u200b镇"')], "units.8.name（巴公镇）：含有看不见的控制字符 U+200B"),
    ([('authority = "泽州县应急管理局"', 'authority = "泽州县\\t应急管理局"')], "authority：含有看不见的控制字符 U+0009"),
])
def test_each_whole_config_rule_is_named(tmp_path, changes, said):
    message = _config(tmp_path, *changes)
    assert said in message, message


def test_every_problem_is_said_at_once(tmp_path):
    message = _config(tmp_path, ('monthly = ["return", "progress", "lists"]', 'monthly = ["progress"]'),
                      ("due = 2023-11-25", "due = 2023-10-25"), ('name = "巴公镇"', 'name = "巴公镇\\u0001"'))
    assert message.count("；") == 3 and "monthly" in message and "periods.0.due" in message and "units.8.name" in message


def _logbook(tmp_path: Path, text: str):
    path = tmp_path / "登记簿.toml"
    path.write_text(text, encoding="utf-8")
    return load_logbook(path)


ENTRY = '[[received]]\ntown = "巴公镇"\ndeadline = "2023-12"\nnote = "电话确认"\nby = "申晋钢"\nhow = "电话"\n'


@pytest.mark.parametrize(("typed", "day"), [
    ('"2023/12/24"', date(2023, 12, 24)), ('"2023.12.24"', date(2023, 12, 24)),
    ('"2023年12月24日"', date(2023, 12, 24)), ('"2023/12/24 10:30"', date(2023, 12, 24)),
    ("2023-12-24T10:30:00", date(2023, 12, 24)), ("2023-12-24", date(2023, 12, 24)), ('"2023-1-5"', date(2023, 1, 5)),
])
def test_logbook_dates_as_the_clerk_types_them(tmp_path, typed, day):
    book = _logbook(tmp_path, ENTRY + f"entered = {typed}\non = {typed}\n")
    assert (book.received[0].entered, book.received[0].on) == (day, day)


@pytest.mark.parametrize(("lines", "said"), [
    ('entered = "昨天"\non = 2023-12-24\n', "received.0.entered（巴公镇）：“昨天”不是日期：请写成 2024-01-25、2024/1/25 或 2024年1月25日"),
    ('entered = "2023/13/24"\non = 2023-12-24\n', "received.0.entered（巴公镇）：“2023/13/24”不是日期"),
    ('entered = 2023-12-20\non = 2023-12-24\n', "received.0（巴公镇）：登记日期 entered 2023-12-20 早于收到日期 on 2023-12-24"),
    ('entered = 2023-12-24\non = 2023-12-24\nhow = "电\\u0007话"\n', "received.0.how（巴公镇）：含有看不见的控制字符"),
])
def test_logbook_mistakes_are_said_in_chinese_with_key_and_town(tmp_path, lines, said):
    text = ENTRY.replace('how = "电话"\n', "") if "how" in lines else ENTRY
    with pytest.raises(LogbookError) as info:
        _logbook(tmp_path, text + lines)
    message = str(info.value)
    assert said in message, message
    assert not any(word in message for word in ("Input should", "Value error", "valid date"))


def test_an_unknown_warning_code_in_an_accepted_entry_is_named(tmp_path):
    text = ('[[accepted]]\ntown = "高都镇"\ndeadline = "2023-12"\nnote = "有说明"\nby = "申晋钢"\n'
            'entered = 2023-12-26\ncode = "W999"\n')
    with pytest.raises(LogbookError) as info:
        _logbook(tmp_path, text)
    assert "accepted.0.code（高都镇）：没有警告代码 W999" in str(info.value)
    assert _logbook(tmp_path, text.replace("W999", "W503")).accepted[0].code == "W503"
