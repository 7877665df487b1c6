"""A broken template or bairi.toml is said in Chinese, naming the file, the line and what is wrong there."""

import re
from pathlib import Path

import pytest
from jinja2 import TemplateError
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import (
    ConfigError,
    default_campaign,
    load_campaign,
)
from bairi.present.render import campaign_toml, render_file

SAMPLE = Path(__file__).parent.parent / "sample_data"
runner = CliRunner()


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    return lines[0]


def no_english(text: str, *names: str) -> list[str]:
    for name in names:
        text = text.replace(name, " ")
    return re.findall(r"[A-Za-z]{2,}", text)


TEMPLATES = [
    ("截至 {{ as_of }}\n{{ foo }}\n", "第 2 行用了不存在的变量“foo”（可用的变量："),
    ("{{ as_of.bar }}", "第 1 行用了不存在的一项“bar”"),
    ("{% for t in towns %}\n{{ t }}\n", "第 2 行：{{ t }}——模板在这里结束了，但前面的块没有结束（{% for %} 块要用 {% endfor %} 结束）"),
    ("甲\n{{ }}", "第 2 行：{{ }}——{{ }} 或 {% %} 里缺少变量名或表达式"),
    ("{% if x %}a{% endfor %}", "第 1 行：{% if x %}a{% endfor %}——多了一个 {% endfor %}，或它前面的块还没有结束（{% if %} 块要用 {% endif %} 结束）"),
    ("{% endfo %}", "第 1 行：{% endfo %}——不认识的标签“endfo”"),
    ("{{ x | nofilter }}", "第 1 行：{{ x | nofilter }}——没有名为“nofilter”的过滤器"),
    ("{# 注释", "第 1 行：{# 注释——注释 {# … 没有用 #} 结束"),
    ("\n\n{{ 1 // 0 }}", "第 3 行除数为零"),
    ("{{ x + '个' }}", "第 1 行类型不符（如数字与文字相加）"),
]


@pytest.mark.parametrize("source, message", TEMPLATES)
def test_a_broken_template_is_said_in_chinese(source, message, tmp_path):
    path = tmp_path / "我的 模板.j2"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        render_file(path, x=1, as_of="2023-12-26", towns=["甲镇"])
    text = str(caught.value)
    assert text.startswith(f"模板 {path} {message}")
    assert no_english(text, str(path), "as_of", "towns", "foo", "bar", "endfor", "endif", "endfo", "for", "if",
                      "nofilter", "x", "templates/README.md", "bairi") == []


def test_summary_with_a_misspelt_variable_names_file_line_and_the_variables(tmp_path):
    template = tmp_path / "通报.j2"
    template.write_text("截至 {{ as_of }}\n{{ toal }}\n", encoding="utf-8")
    result = runner.invoke(app, ["summary", str(SAMPLE), "--as-of", "2023-12-26", "--no-ledger", "--template", str(template)])
    line = error_line(result)
    assert line.startswith(f"错误：通报模板有误：模板 {template} 第 2 行用了不存在的变量“toal”（可用的变量：")
    assert "、total、" in line


def test_deadlines_reminder_template_with_a_syntax_error(tmp_path):
    template = tmp_path / "催报.j2"
    template.write_text("{{ town }}\n{% if overdue %}\n逾期\n", encoding="utf-8")
    result = runner.invoke(app, ["deadlines", str(SAMPLE), "--as-of", "2024-01-26", "--no-ledger",
                                 "--remind", str(tmp_path / "out"), "--template", str(template)])
    assert error_line(result) == (f"错误：催报通知写出失败：模板 {template} 第 3 行：逾期——模板在这里结束了，"
                                  "但前面的块没有结束（{% if %} 块要用 {% endif %} 结束）")


CONFIGS = [
    ("name = 巴公镇\n", ("第 1 行第 8 列：值的写法不对：文字要用英文双引号括起来（如 \"巴公镇\"），日期写成 2023-12-25，数字不加引号。"
                        "该行是：name = 巴公镇")),
    ('a = "x" b\n', "第 1 行第 9 列：一行只能写一项（键 = 值），这一行在值后面还有多余的内容。该行是：a = \"x\" b"),
    ("[units\n", "第 1 行第 7 列：节名 [ … ] 缺少结尾的 ]。该行是：[units"),
    ('a = "abc\n', "第 1 行第 9 列：引号没有配对（这一行缺少结尾的英文双引号）。该行是：a = \"abc"),
    ("a = [1, 2\n", "文件末尾：列表 [ … ] 没有闭合（缺少 ]，或两项之间缺少英文逗号）"),
    ("a = 1\na = 2\n", "第 2 行第 6 列：同一个键写了两次。该行是：a = 2"),
    ("d = 2023-02-30\n", "第 1 行第 5 列：日期不对（应为日历上有的日子，如 2023-12-25）。该行是：d = 2023-02-30"),
    ('inbox = "D:\\收件箱"\n', ("第 1 行第 14 列：双引号里的反斜杠 \\ 要写成两个（\\\\）；Windows 路径可改用英文单引号，"
                              "如 'D:\\收件箱'。该行是：inbox = \"D:\\收件箱\"")),
]


@pytest.mark.parametrize("source, message", CONFIGS)
def test_a_broken_config_is_said_in_chinese(source, message, tmp_path):
    path = tmp_path / "bairi.toml"
    path.write_text(source, encoding="utf-8")
    result = runner.invoke(app, ["check", "x.xlsx", "--config", str(path)])
    assert error_line(result) == f"错误：配置文件 {path} 格式错误：{message}"


def test_a_config_saved_by_notepad_with_a_bom_is_read(tmp_path):
    path = tmp_path / "bairi.toml"
    path.write_bytes(b"\xef\xbb\xbf" + campaign_toml(default_campaign()).encode("utf-8"))
    assert [u.name for u in load_campaign(path).units] == [u.name for u in default_campaign().units]


def test_a_config_in_gbk_says_how_to_save_it(tmp_path):
    path = tmp_path / "bairi.toml"
    path.write_bytes(campaign_toml(default_campaign()).encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_campaign(path)
    assert str(caught.value) == f"配置文件 {path} 不是 UTF-8 编码：请用记事本打开，“另存为”时编码选 UTF-8 后再试"
