"""The campaign config: bairi init round trip, ./bairi.toml picked up, bad config named clearly."""

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import ConfigError, default_campaign, load_campaign
from bairi.present.render import campaign_toml
from build import write_return

runner = CliRunner()


def test_init_writes_a_config_that_reproduces_the_builtin_campaign(tmp_path):
    target = tmp_path / "bairi.toml"
    result = runner.invoke(app, ["init", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "# " in target.read_text(encoding="utf-8")
    assert load_campaign(target) == default_campaign()
    assert runner.invoke(app, ["init", "-o", str(target)]).exit_code == 2  # no silent overwrite


def test_bairi_toml_in_working_directory_is_used(tmp_path, monkeypatch):
    text = campaign_toml(default_campaign()).replace('name = "巴公镇"', 'name = "巴公新镇"')
    (tmp_path / "bairi.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    campaign = load_campaign()
    assert "巴公新镇" in [u.name for u in campaign.units]


def test_bad_key_is_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(campaign_toml(default_campaign()).replace("inspect_share = 0.5", "inspect_share = 5"), encoding="utf-8")
    with pytest.raises(ConfigError, match="inspect_share"):
        load_campaign(bad)
    path = write_return(tmp_path / "巴公镇12月.xlsx")
    result = runner.invoke(app, ["check", str(path), "--config", str(bad)])
    assert result.exit_code == 2
    assert "inspect_share" in result.output


def test_unknown_key_and_bad_period_are_named(tmp_path):
    bad = tmp_path / "bad.toml"
    text = campaign_toml(default_campaign()).replace('period = "2023-12"', 'period = "2023-13"')
    bad.write_text(text + "\nunknown_key = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(bad)
    assert "periods.1.period" in str(info.value) and "unknown_key" in str(info.value)


def test_missing_config_file_is_an_operator_error(tmp_path):
    with pytest.raises(ConfigError, match="不存在"):
        load_campaign(tmp_path / "nope.toml")


def test_builtin_campaign_passes_its_own_validation():
    from bairi.core.campaign import validate

    built = default_campaign()
    assert validate(built.model_dump()) == built
    assert len(built.units) == 16 and [p.period for p in built.periods] == ["2023-11", "2023-12", "2024-01"]


@pytest.mark.parametrize("old, new, key", [
    ('name = "巴公镇"', 'name = "  "', "units.8.name：不能为空"),
    ("enterprises = 45", "enterprises = -1", "units.8.enterprises：不能小于 0"),
    ("utc_offset_hours = 8", "utc_offset_hours = 20", "utc_offset_hours：应在 -12 到 14 之间"),
    ('name = "巴公镇"', 'name = "南村镇"', "units：单位重复：南村镇"),
    ('period = "2023-12"', 'period = "2023-11"', "periods：报告期重复"),
    ("end = 2024-02-10", "end = 2023-01-01", "end：早于 start"),
    ("enterprises = 45", 'enterprises = "四十五"', "units.8.enterprises：应为整数"),
    ("enterprises = 45", "enterprises = true", "units.8.enterprises：应为整数"),
    ("enterprises = 45", "enterprises = 4.5", "units.8.enterprises：应为整数"),
    ("start = 2023-11-06", 'start = "2023-11-06"', "start：应为日期，如 2023-12-25（不加引号）"),
    ("start = 2023-11-06", "start = 2023-11-06T08:00:00", "start：应为日期，不带时刻"),
    ("due_inclusive = true", "due_inclusive = 1", "due_inclusive：应为 true 或 false"),
    ("inspect_share = 0.5", 'inspect_share = "一半"', "inspect_share：应为数字"),
    ('name = "巴公镇"', "name = 3", "units.8.name：应为文字（加引号）"),
])
def test_each_rule_of_the_config_is_named(tmp_path, old, new, key):
    text = campaign_toml(default_campaign())
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(bad)
    assert key in str(info.value)


def test_missing_keys_and_empty_lists_are_named_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nauthority = "甲县应急管理局"\nunits = []\nperiods = "2023-12"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(bad)
    message = str(info.value)
    for part in ("authority_short：缺少此项", "start：缺少此项", "categories：缺少此项", "units：至少要有一项",
                 "periods：应为列表"):
        assert part in message, part


def test_units_and_periods_are_found_by_name():
    campaign = default_campaign()
    assert campaign.unit("巴公镇").enterprises == 45
    assert campaign.unit("巴公") is None
    assert campaign.period("2023-12").due.day == 25 and campaign.period("2023-10") is None
    changed = campaign.with_changes(units=[*campaign.units[:2]])
    assert changed.unit("巴公镇") is None and changed.unit("南村镇").enterprises == 38
