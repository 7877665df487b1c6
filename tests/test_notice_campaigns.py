"""Two other real notices (tests/data/notices/README.md), each with an attachment form no built-in form has, go
through init → template → a filled return → check → merge: what the notice says is cited, what it does not is
filled in by the clerk, and the form as learnt drives every command."""

import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from notice_build import NOTICES

runner = CliRunner()


def _sheet(path: Path, title: str, fields: list[tuple[str, str]], top: list, sub: list, rows: list[str],
           hazards: tuple[str, list[str]] | None = None) -> Path:
    """An attachment as its author made it in Excel: title, fields, a two-row header with merged groups."""
    book = Workbook()
    ws = book.active
    ws.title = "附件"
    width = len(top)
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for cell, label in fields:
        ws[cell] = label
    c = 1
    while c <= width:
        value = top[c - 1]
        span = 1
        while c + span <= width and top[c + span - 1] is None:
            span += 1
        ws.cell(3, c, value)
        if span > 1:
            ws.merge_cells(start_row=3, start_column=c, end_row=3, end_column=c + span - 1)
            for k in range(span):
                ws.cell(4, c + k, sub[c + k - 1])
        else:
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
        c += span
    for r, label in enumerate(rows, start=5):
        ws.cell(r, 1, label)
    if hazards:
        ws.cell(8, 1, hazards[0])
        for c, header in enumerate(hazards[1], start=1):
            ws.cell(9, c, header)
    book.save(path)
    return path


def _fill(template: Path, out: Path, unit: str, period: list, cumulative: list, hazards: list[dict] = (),
          received: date = date(2023, 7, 3)) -> Path:
    """A town fills the blank template bairi made: the fields, the two rows, the detail rows by their headers;
    the file as received on `received` (its time)."""
    book = load_workbook(template)
    ws = book.active
    ws["C2"], ws["C3"], ws["C4"] = unit, "王五", date(2023, 7, 3)
    for row, values in ((7, period), (8, cumulative)):
        for col, value in enumerate(values, start=2):
            ws.cell(row, col).value = value
    heads = {str(ws.cell(11, c).value): c for c in range(1, ws.max_column + 1) if ws.cell(11, c).value}
    for n, hazard in enumerate(hazards, start=12):
        for header, value in hazard.items():
            ws.cell(n, heads[header]).value = value
    ws.protection.sheet = False
    book.save(out)
    stamp = datetime(received.year, received.month, received.day, 10, 0, tzinfo=UTC).timestamp()
    os.utime(out, (stamp, stamp))
    return out


def _filled_in(toml: Path, **facts: str) -> None:
    """The clerk writes in bairi.toml what the notice did not say, in place of each 【请填写】."""
    text = toml.read_text(encoding="utf-8")
    for key, value in facts.items():
        text = re.sub(rf'^{key} = "【请填写】"$', f"{key} = {value}", text, count=1, flags=re.M)
    toml.write_text(text, encoding="utf-8")


def test_yunnan_a_group_of_penalties_fines_in_yuan_and_the_detail_in_its_own_order(tmp_path):
    notice = NOTICES / "云应急函2023-104.txt"
    form = _sheet(tmp_path / "附件.xlsx", "工贸行业重大事故隐患专项排查整治2023行动进展情况统计表",
                  [("A2", "单位名称："), ("D2", "报送人："), ("F2", "报送日期：")],
                  ["行业", "检查企业（家）", "重大事故隐患", None, "行政处罚", None, "停产整顿（家）"],
                  [None, None, "排查（项）", "已整改（项）", "立案（起）", "罚款金额（元）", None], ["工贸行业", "累计"],
                  ("重大事故隐患明细", ["序号", "企业名称", "行业类别", "所在州市", "隐患内容", "挂牌督办单位"]))
    units = tmp_path / "州市.txt"
    units.write_text("昆明市应急管理局 120\n曲靖市应急管理局 80\n", encoding="utf-8")
    home = tmp_path / "专项排查整治"
    result = runner.invoke(app, ["init", str(home), "--from", str(notice), "--form", str(form), "--units", str(units),
                                 "--yes", "--format", "json"])
    assert result.exit_code == 1, result.output  # the excerpt says no span and no monthly day: left to the clerk
    document = json.loads(result.stdout)
    assert [m["key"] for m in document["missing"]] == ["start", "end", "periods"]
    facts = {f["key"]: (f["value"], f["sentence"]) for f in document["facts"]}
    assert facts["name"][0] == "云南省工贸行业重大事故隐患专项排查整治2023行动"
    assert facts["document_code"] == ("云应急函", "云应急函〔2023〕104号")
    assert facts["contact"][0] == {"people": ["赵祥"], "phones": ["0871-68523592", "0871-63515683"],
                                   "emails": ["aq0871@163.com"]}
    assert [(c["key"], c["label"], c["kind"]) for c in document["form"]["columns"]] == [
        ("enterprises", "检查企业（家）", "count"), ("hazards_found", "重大事故隐患/排查（项）", "count"),
        ("hazards_fixed", "重大事故隐患/已整改（项）", "count"), ("cases_filed", "行政处罚/立案（起）", "count"),
        ("fines", "行政处罚/罚款金额（元）", "amount"), ("suspended", "停产整顿（家）", "count")]
    assert document["form"]["found_fixed"] == [["hazards_found", "hazards_fixed"]]
    assert document["form"]["hazard_columns"] == ["序号", "企业名称", "行业类别", "所在州市", "隐患内容", "挂牌督办单位"]
    assert {"bairi.toml", "表式.toml", "登记簿.toml", "收件箱", "上报"} <= {p.name for p in home.iterdir()}
    config = home / "bairi.toml"
    refused = runner.invoke(app, ["template", "-o", str(tmp_path / "x.xlsx"), "--config", str(config)])
    assert refused.exit_code == 2 and "还有未填写的项：start、end、periods.0.period、periods.0.due" in refused.output
    _filled_in(config, start="2023-05-15", end="2023-12-31")
    text = config.read_text(encoding="utf-8").replace('period = "【请填写】"\ndue = "【请填写】"',
                                                      'period = "2023-06"\ndue = 2023-07-05')
    config.write_text(text, encoding="utf-8")

    blank = tmp_path / "模板.xlsx"
    made = runner.invoke(app, ["template", "-o", str(blank), "--config", str(config)])
    assert made.exit_code == 0, made.output
    ws = load_workbook(blank).active
    assert [ws.cell(11, c).value for c in (1, 2, 5, 7, 9, 13)] == ["序号", "企业名称", "行业类别", "所在州市", "隐患内容",
                                                                  "挂牌督办单位"]
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    _fill(blank, inbox / "昆明市6月.xlsx", "昆明市应急管理局", [30, 2, 1, 3, 12500, 1], [30, 2, 1, 3, 12500, 1],
          [{"企业名称": "昆明某钢铁有限公司", "行业类别": "冶金", "所在州市": "昆明市", "隐患内容": "煤气区域未设报警装置",
            "挂牌督办单位": "昆明市应急管理局"}])
    _fill(blank, inbox / "曲靖市6月.xlsx", "曲靖市应急管理局", [20, 1, 1, 1, 3000, 0], [20, 1, 1, 1, 3000, 0])
    checked = runner.invoke(app, ["check", str(inbox / "昆明市6月.xlsx"), "--config", str(config), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    doc = json.loads(checked.stdout)
    assert [(f["code"], f["location"]) for f in doc["findings"] if f["severity"] != "info"] == []
    assert (doc["town"], doc["period"], doc["period_row"]["fines"], doc["period_row"]["cases_filed"]) == (
        "昆明市", "2023-06", 12500, 3)  # the form's own 元, not converted to 万元
    assert (doc["filler"], doc["filled_on"]) == ("王五", "2023-07-03")  # under the form's own labels 报送人, 报送日期
    assert [(h["enterprise"], h["town"], h["detail"]) for h in doc["hazards"]] == [
        ("昆明某钢铁有限公司", "昆明市", "煤气区域未设报警装置")]
    out = tmp_path / "汇总.xlsx"
    merged = runner.invoke(app, ["merge", str(inbox), "-o", str(out), "--config", str(config), "--as-of", "2023-07-05",
                                 "--format", "json"])
    assert merged.exit_code == 0, merged.output
    totals = json.loads(merged.stdout)["totals"]
    assert totals["period_row"] == {"enterprises": 50, "hazards_found": 3, "hazards_fixed": 2, "cases_filed": 4,
                                    "fines": 15500, "suspended": 1}
    assert totals["rates"] == {"hazards_rate": 66.7}
    deadlines = runner.invoke(app, ["deadlines", str(inbox), "--config", str(config), "--as-of", "2023-07-06",
                                    "--format", "json"])
    assert deadlines.exit_code == 0, deadlines.output
    assert {(i["town"], i["status"]) for i in json.loads(deadlines.stdout)["items"]} == {
        ("昆明市", "on_time"), ("曲靖市", "on_time")}


def test_zhejiang_a_form_without_hazards_merges_and_is_summed_up(tmp_path):
    notice = NOTICES / "浙安委办2015-进展情况.txt"
    form = _sheet(tmp_path / "附件1.xlsx", "乡镇、行政村“五覆盖”落实情况汇总表",
                  [("A2", "填报单位："), ("D2", "填报人："), ("F2", "填报日期：")],
                  ["项目", "乡镇", None, "行政村", None, "专职安全监管人员（人）", "安全生产工作经费（万元）"],
                  [None, "总数（个）", "已落实“五覆盖”（个）", "总数（个）", "已落实“五覆盖”（个）", None, None],
                  ["本月", "累计"])
    units = tmp_path / "各市.txt"
    units.write_text("杭州市\n宁波市安全生产委员会办公室\n", encoding="utf-8")
    home = tmp_path / "五覆盖"
    result = runner.invoke(app, ["init", str(home), "--from", str(notice), "--form", str(form), "--units", str(units),
                                 "--yes"])
    assert result.exit_code == 1, result.output
    config = home / "bairi.toml"
    text = config.read_text(encoding="utf-8")
    assert "# 通知原文：请各市安委办于6月份开始,在每月7日前将进展情况(含纸质传真和电子版)报送至省安委办。\n" in text
    assert "start = 2015-06-01" in text and 'end = "【请填写】"' in text
    assert 'name = "宁波市"' in text  # the office's words taken off: 宁波市安全生产委员会办公室 → 宁波市
    assert 'people = ["洪亮"]' in text and 'phones = ["0571-87052855"]' in text
    _filled_in(config, end="2015-12-31")
    config.write_text(config.read_text(encoding="utf-8").replace(
        'period = "【请填写】"\ndue = "【请填写】"', 'period = "2015-06"\ndue = 2015-07-07'), encoding="utf-8")
    form_text = (home / "表式.toml").read_text(encoding="utf-8")
    assert "found_fixed = []" in form_text and "明细表没有" not in form_text
    assert "表式中没有重大隐患明细表，沿用通知表式的明细表" in form_text

    blank = tmp_path / "模板.xlsx"
    assert runner.invoke(app, ["template", "-o", str(blank), "--config", str(config)]).exit_code == 0
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    _fill(blank, inbox / "杭州市6月.xlsx", "杭州市安全生产委员会办公室", [190, 150, 2000, 1500, 300, 12.5],
          [190, 150, 2000, 1500, 300, 12.5], received=date(2015, 7, 6))
    _fill(blank, inbox / "宁波市6月.xlsx", "宁波市", [150, 150, 2500, 2400, 260, 8], [150, 150, 2500, 2400, 260, 8],
          received=date(2015, 7, 6))
    checked = runner.invoke(app, ["check", str(inbox / "杭州市6月.xlsx"), "--config", str(config), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    doc = json.loads(checked.stdout)
    assert (doc["town"], doc["period"]) == ("杭州市", "2015-06")
    assert doc["period_row"] == {"towns_total": 190, "towns_done": 150, "villages_total": 2000, "villages_done": 1500,
                                 "staff": 300, "funds": 12.5}
    out = tmp_path / "汇总.xlsx"
    merged = runner.invoke(app, ["merge", str(inbox), "-o", str(out), "--config", str(config), "--as-of", "2015-07-07",
                                 "--format", "json"])
    assert merged.exit_code == 0, merged.output
    document = json.loads(merged.stdout)
    assert document["totals"]["cumulative_row"]["villages_done"] == 3900
    assert document["totals"]["rates"] == {}
    summary = runner.invoke(app, ["summary", str(inbox), "--config", str(config), "--as-of", "2015-07-07"])
    assert summary.exit_code == 0, summary.output
    assert "累计乡镇总数340个，乡镇已落实“五覆盖”300个，行政村总数4500个" in summary.output
    assert "本次报表没有重大隐患栏目" in summary.output
    word = runner.invoke(app, ["summary", str(inbox), "--config", str(config), "--as-of", "2015-07-07",
                               "-o", str(tmp_path / "通报.docx")])
    assert word.exit_code == 0, word.output
    import docx

    text = "".join(p.text for p in docx.Document(str(tmp_path / "通报.docx")).paragraphs)
    assert "累计乡镇总数340个，乡镇已落实“五覆盖”300个" in text and "1．杭州市：累计乡镇总数190个" in text and "2．宁波市：累计乡镇总数150个" in text  # the campaign's order
    # The Word 通报 says what the text says, sentence for sentence, in the same order (its 版头 and 版记 aside).
    def same(line: str) -> str:
        return re.sub(r"\s+", "", line).replace("．", ".").replace("\u2060", "")

    word_lines = [same(p.text) for p in docx.Document(str(tmp_path / "通报.docx")).paragraphs if same(p.text)]
    text_lines = [same(x) for x in summary.output.splitlines() if same(x)]
    at = [word_lines.index(line) for line in text_lines]
    assert at == sorted(at) and len(text_lines) > 20
    assert "据截至" not in text and "已退回修改的：" not in text


def test_an_amount_is_read_in_its_own_columns_unit():
    from decimal import Decimal

    from bairi.core.values import read_figure

    # Under 罚款金额（元）: 12500 stays 12500; 1.5万元 written in the cell becomes 15000 元, said; a bare figure is as written.
    assert read_figure(12500, "amount", unit="元", target="元").value == 12500
    reading = read_figure("1.5万元", "amount", unit="元", target="元")
    assert (reading.value, reading.notes) == (15000, [("W406", {"raw": "1.5万元", "unit": "万元", "value": "15000",
                                                                "target": "元"})])
    assert read_figure("0.005", "amount", unit="元", target="元").value == Decimal("0.005")
    assert read_figure("5厘", "amount", unit="元", target="元").notes[0][0] == "E409"
    # The notice's form is in 万: a header in 元 is converted as before.
    assert read_figure(12500, "amount", unit="元", target="万").value == Decimal("1.25")


def test_what_a_notice_says_is_data_in_bairi_toml_never_toml(tmp_path):
    # A title with a straight quote and a backslash, a contact line broken over two lines: still one valid file.
    notice = tmp_path / "通知.txt"
    notice.write_text(
        '某县应急管理局文件\n某应急发〔2024〕5号\n某县应急管理局关于开展"夏季\\攻坚"行动的通知\n各乡镇应急管理站：\n'
        "全县“夏季攻坚”行动从即日起至2024年9月30日结束。\n各乡镇要于每月5日前报送进展情况和报表。\n"
        "大河镇、小岭乡要于6月10日前报送实施方案。\n联系人：张三\n联系电话：0351-1234567\n2024年6月1日\n", encoding="utf-8")
    units = tmp_path / "乡镇.txt"
    units.write_text("大河镇 12\n东山镇应急管理站 3 东山乡\n", encoding="utf-8")
    home = tmp_path / "h"
    result = runner.invoke(app, ["init", str(home), "--from", str(notice), "--units", str(units), "--yes",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    from bairi.core.campaign import load_campaign

    campaign = load_campaign(home / "bairi.toml")
    assert campaign.name == '某县"夏季\\攻坚"行动'
    assert (campaign.start, campaign.end, campaign.plan_due) == (date(2024, 6, 1), date(2024, 9, 30), date(2024, 6, 10))
    assert [(p.period, p.due) for p in campaign.periods] == [
        ("2024-06", date(2024, 6, 5)), ("2024-07", date(2024, 7, 5)), ("2024-08", date(2024, 8, 5)),
        ("2024-09", date(2024, 9, 5))]
    assert [(u.name, u.enterprises, u.aliases) for u in campaign.units] == [("大河镇", 12, []), ("东山镇", 3, ["东山乡"])]
    document = json.loads(result.stdout)
    cited = {u["name"]: u["sentence"] for u in document["units"]}
    assert cited == {"大河镇": "大河镇、小岭乡要于6月10日前报送实施方案。", "东山镇": ""}
    assert "通知中提到、单位名单中没有的：小岭乡" in document["notes"]
    assert campaign.unit_suffixes[0] == "应急管理站" and campaign.categories == []
