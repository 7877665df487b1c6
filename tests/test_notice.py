"""bairi init DIR --from NOTICE: the seed notice (as text and as Word) gives exactly the built-in campaign and
form, every fact cited with its sentence; what a notice does not say is a placeholder every command refuses."""

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import default_campaign, load_campaign
from bairi.core.form import NOTICE
from bairi.notice.dates import Dates, monthly_day, span
from bairi.notice.learn import learn_form
from bairi.notice.setup import learn_campaign
from bairi.notice.text import NoticeError, read_notice
from notice_build import NOTICES, SEED, seed_docx, towns_list

runner = CliRunner()


def _form_words(form):
    return (form.title, form.hazard_title, form.row_label_header, [(f.key, f.label) for f in form.fields],
            form.period_row.label, form.cumulative_row.label,
            [(c.key, c.group, c.header, c.unit, c.kind) for c in form.columns], form.found_fixed,
            [(h.key, h.header) for h in form.hazard_columns])


@pytest.fixture(params=["txt", "docx"])
def seed(request, tmp_path):
    return SEED if request.param == "txt" else seed_docx(tmp_path / "通知.docx")


def test_the_seed_notice_gives_exactly_the_built_in_campaign(seed, tmp_path):
    learnt = learn_campaign(seed, None, towns_list(tmp_path / "各镇.txt"))
    assert learnt.missing == {}
    assert learnt.campaign == default_campaign()


def test_the_seed_notice_gives_exactly_the_built_in_form(seed):
    learnt = learn_form(read_notice(seed), None)
    assert learnt is not None and learnt.builtin
    assert learnt.notes == []
    assert _form_words(learnt.form()) == _form_words(NOTICE)
    # Read as learnt, not taken from the built-in form: the same words, kinds and order from the table itself.
    data = learnt.data
    assert [(c["key"], c.get("group", ""), c["header"], c["unit"], c["kind"]) for c in data["columns"]] == [
        (c.key, c.group, c.header, c.unit, c.kind) for c in NOTICE.columns]
    assert [h["header"] for h in data["hazard_columns"]] == ["序号", "企业名称", "所在镇", "行业类别", "挂牌督办单位",
                                                            "重大隐患明细及整改计划"]


def test_every_fact_carries_the_sentence_it_came_from(seed, tmp_path):
    facts = learn_campaign(seed, None, towns_list(tmp_path / "各镇.txt")).facts.facts
    cited = {key: (fact.value, fact.sentence) for key, fact in facts.items()}
    assert cited["plan_due"] == (date(2023, 11, 9), "各镇应急管理中心要于11月9日前报送“百日攻坚”冬季行动方案；")
    assert cited["summary_due"] == (date(2024, 2, 6), "2024年2月6日前报送安全生产“百日攻坚”冬季行动工作总结。")
    assert cited["end"] == (date(2024, 2, 10), "全县安全生产“百日攻坚”冬季行动从即日起至2024年2月10日结束。")
    assert cited["rectify_by"][0] == date(2023, 12, 31)
    assert cited["rectify_by"][1].startswith("对专项行动期间发现的重大隐患原则上12月底前全部整改到位")
    assert cited["inspect_share"][0] == 0.5 and "每月至少检查本辖区企业总数的50%" in cited["inspect_share"][1]
    assert cited["cases_due"] == (date(2024, 2, 10), "各镇行动期间至少上报1个安全生产重大隐患执法典型案例。")
    assert cited["document_code"] == ("泽应急发", "泽应急发〔2023〕332号")
    assert cited["copy_to"] == (["市应急管理局", "县人民政府"], "抄送：市应急管理局、县人民政府。")
    assert cited["issuer"][0] == "泽州县应急管理局办公室"
    assert cited["periods"][0] == [("2023-11", date(2023, 11, 25)), ("2023-12", date(2023, 12, 25)),
                                   ("2024-01", date(2024, 1, 25))]


def test_the_phases_are_read_with_their_spans():
    learnt = learn_campaign(SEED)
    assert [(p.name, p.start, p.end) for p in learnt.facts.phases] == [
        ("动员部署阶段", date(2023, 11, 6), date(2023, 11, 10)),
        ("排查治理阶段", date(2023, 11, 11), date(2024, 1, 31)),
        ("督查检查阶段", date(2023, 11, 11), date(2024, 1, 31)),
        ("总结提升阶段", date(2024, 2, 1), date(2024, 2, 10))]


def test_chinese_dates_in_every_form_the_notices_use():
    dates = Dates(date(2023, 11, 6))
    assert [d for d, _ in dates.all_in("11月9日前；12月底前；2024年2月6日前；1月31日；十二月二十五日")] == [
        date(2023, 11, 9), date(2023, 12, 31), date(2024, 2, 6), date(2024, 1, 31), date(2023, 12, 25)]
    assert span("2024年2月1日—10日", dates) == (date(2024, 2, 1), date(2024, 2, 10))
    assert span("即日起—11月10日", dates) == (None, date(2023, 11, 10))
    assert monthly_day("每月25日前报送") == 25 and monthly_day("每月5号前上报") == 5
    assert dates.all_in("2月30日") == []


def test_init_from_a_notice_as_json_without_yes_shows_the_facts_and_writes_nothing(tmp_path):
    home = tmp_path / "百日攻坚"
    result = runner.invoke(app, ["init", str(home), "--from", str(SEED), "--units", str(towns_list(tmp_path / "t.txt")),
                                 "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["written"] == [] and document["missing"] == []
    assert {f["key"]: f["value"] for f in document["facts"]}["plan_due"] == "2023-11-09"
    assert "未写出任何文件" in result.stderr and "--yes" in result.stderr
    assert not home.exists()


def test_init_writes_the_home_with_each_fact_cited(tmp_path):
    home = tmp_path / "百日攻坚"
    result = runner.invoke(app, ["init", str(home), "--from", str(SEED), "--units", str(towns_list(tmp_path / "t.txt")),
                                 "--yes"])
    assert result.exit_code == 0, result.output
    # The campaign's home, and no form file: the notice's form is the built-in one.
    assert sorted(p.name for p in home.iterdir()) == ["bairi.toml", "上报", "今日待办.bat", "收件箱", "登记簿.toml", "看板.bat"]
    assert load_campaign(home / "bairi.toml") == default_campaign()
    text = (home / "bairi.toml").read_text(encoding="utf-8")
    assert "# 通知原文：各镇应急管理中心要于11月9日前报送“百日攻坚”冬季行动方案；\nplan_due = 2023-11-09" in text
    assert "# 名单第 16 行\nname = \"川底镇\"" in text
    assert "# 附件表式取自 泽应急发2023-332.txt，与内置的通知表式相同\n" in text
    assert "与内置的通知表式相同" in result.output


def test_init_json_prints_what_was_found_and_the_evidence(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "h"), "--from", str(SEED), "--yes", "--format", "json"])
    assert result.exit_code == 1  # no units list and none named in the notice: a placeholder is left
    document = json.loads(result.stdout)
    facts = {f["key"]: f for f in document["facts"]}
    assert facts["start"]["value"] == "2023-11-06" and facts["start"]["how"] == "“即日起”即发文之日"
    assert document["missing"] == [{"key": "units", "label": "报送单位"}]
    assert document["form"]["builtin"] is True and document["form"]["file"] is None
    assert [c["key"] for c in document["form"]["columns"]][:3] == ["teams", "enterprises", "general_found"]
    schema = json.loads(runner.invoke(app, ["schema", "init"]).stdout)
    assert set(schema["required"]) >= {"facts", "missing", "form", "units", "written"}


def test_what_the_notice_does_not_say_is_a_placeholder_every_command_refuses(tmp_path, monkeypatch):
    text = SEED.read_text(encoding="utf-8").replace("从即日起至2024年2月10日结束", "持续开展")
    text = re.sub(r"阶段（[^）]*）", "阶段", text)
    notice = tmp_path / "通知.txt"
    notice.write_bytes(text.encode("gbk"))  # Notepad's ANSI on a Chinese Windows
    home = tmp_path / "h"
    result = runner.invoke(app, ["init", str(home), "--from", str(notice), "--units",
                                 str(towns_list(tmp_path / "t.txt")), "--yes"])
    assert result.exit_code == 1, result.output
    written = (home / "bairi.toml").read_text(encoding="utf-8")
    assert 'start = "【请填写】"' in written and 'end = "【请填写】"' in written and 'period = "【请填写】"' in written
    monkeypatch.chdir(home)
    refused = runner.invoke(app, ["deadlines", str(tmp_path), "--as-of", "2023-12-01"])
    assert refused.exit_code == 2
    assert "还有未填写的项：start、end、periods.0.period、periods.0.due（标着【请填写】）" in refused.output


def test_a_scanned_pdf_is_refused_in_chinese(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan = tmp_path / "扫描件.pdf"
    with open(scan, "wb") as handle:
        writer.write(handle)
    with pytest.raises(NoticeError, match="是扫描件（没有文字层）"):
        read_notice(scan)
    result = runner.invoke(app, ["init", str(tmp_path / "h"), "--from", str(scan), "--yes"])
    assert result.exit_code == 2 and "扫描件" in result.output


def test_an_existing_home_is_not_overwritten_without_force(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / "bairi.toml").write_text("# 已有\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(home), "--from", str(SEED), "--yes"])
    assert result.exit_code == 2 and "已有行动配置" in result.output and "--force" in result.output
    assert (home / "bairi.toml").read_text(encoding="utf-8") == "# 已有\n"


def test_the_confirm_step_changes_a_fact_and_the_periods_follow():
    from bairi.present.notice import confirm

    answers = iter(["7", "20", ""])  # 7 = 每月报送日
    printed = []

    class Console:
        def print(self, *items, **_):
            printed.append(items)

    learnt = confirm(learn_campaign(SEED), Console(), lambda question, default: next(answers))
    assert [(p.period, p.due) for p in learnt.campaign.periods] == [
        ("2023-11", date(2023, 11, 20)), ("2023-12", date(2023, 12, 20)), ("2024-01", date(2024, 1, 20))]
    assert learnt.facts.facts["monthly_day"].how == "由使用者确认时修改"


def test_a_pdf_with_a_text_layer_gives_the_campaigns_dates_rules_and_contacts():
    # tests/data/notices/泽应急发2023-332.pdf: the Word notice printed by LibreOffice (python tests/notice_build.py).
    learnt = learn_campaign(NOTICES / "泽应急发2023-332.pdf")
    built_in = default_campaign()
    same = ("authority", "authority_short", "start", "end", "periods", "plan_due", "summary_due", "rectify_by",
            "cases_due", "inspect_share", "monthly", "masthead", "document_code", "copy_to", "issuer", "categories")
    assert {key: getattr(learnt.campaign, key) for key in same} == {key: getattr(built_in, key) for key in same}
    assert learnt.campaign.contact.phones == ["0356-2066363", "0356-2061506"]
    assert learnt.campaign.contact.emails == ["zzxajjgmfm@163.com", "zzyjyzg@163.com"]
    # What the text layer loses: the quotation marks (set in a Latin font, placed apart from their words) and
    # the space between two names; the table is text, so the form is the built-in one, said so.
    assert learnt.campaign.name == "泽州县冶金工贸行业安全生产百日攻坚冬季行动"
    assert learnt.campaign.contact.people == []
    assert learnt.form is None and "沿用内置的通知表式" in " ".join(learnt.notes)


@pytest.mark.parametrize("name, data, said", [
    ("通知.docx", b"PK\x03\x04" + b"\x00" * 40, "不是完好的 Word 文件"),
    ("通知.docx", b"just text, not a zip", "不是完好的 Word 文件"),
    ("通知.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 60, "是旧版 Word 文件，请用 Word 或 WPS 另存为 .docx"),
    ("通知.pdf", b"%PDF-1.4 broken", "不是完好的 PDF 文件"),
    ("通知.txt", b"\xff\xfe\x00\xd8" * 8, "的文字编码无法识别"),
])
def test_a_notice_that_cannot_be_read_is_said_in_chinese(tmp_path, name, data, said):
    notice = tmp_path / name
    notice.write_bytes(data)
    result = runner.invoke(app, ["init", str(tmp_path / "h"), "--from", str(notice), "--yes"])
    assert result.exit_code == 2 and said in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "h").exists()


def test_the_ways_notices_word_a_deadline():
    from bairi.notice.facts import read_facts
    from bairi.notice.text import NoticeText

    lines = ["某县安全生产委员会办公室关于开展安全生产大排查大整治行动的通知", "各乡镇人民政府：",
             "行动自2024年3月1日起至6月30日止。",
             "各乡镇于3月10日前将实施方案报送县安委办；6月20日前把工作总结上报县安委办。",
             "4月底前，排查出的重大事故隐患要全部整改到位。", "各乡镇每月至少检查辖区企业的30%。",
             "2024年2月28日"]
    facts = read_facts(NoticeText("通知.txt", lines)).facts
    found = {key: facts[key].value for key in ("name", "start", "end", "plan_due", "summary_due", "rectify_by",
                                               "inspect_share", "unit_suffixes")}
    assert found == {"name": "某县安全生产大排查大整治行动", "start": date(2024, 3, 1), "end": date(2024, 6, 30),
                     "plan_due": date(2024, 3, 10), "summary_due": date(2024, 6, 20), "rectify_by": date(2024, 4, 30),
                     "inspect_share": 0.3,
                     "unit_suffixes": ["人民政府", "应急管理中心", "应急管理站", "应急管理办公室", "应急办", "安监站", "政府"]}
