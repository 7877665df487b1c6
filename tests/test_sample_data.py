"""sample_data/: every return gets exactly the findings sample_data/README.md promises, and the figures add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.check.rules import check_file
from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.core.findings import CATALOGUE, Severity
from bairi.core.form import NOTICE

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data"
README = SAMPLE / "README.md"
CAMPAIGN = default_campaign()
TOWNS = [u.name for u in CAMPAIGN.units]
PERIODS = ("2023-11", "2023-12", "2024-01")
FILES = sorted(p for p in SAMPLE.rglob("*") if p.suffix in (".xlsx", ".xls", ".ods"))


def _table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table under `heading` in the README, cells stripped of backticks."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("## ") and heading in line)
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return [row for row in rows[2:]]  # without the header and the |---| line


def promised() -> dict[str, list[tuple[str, str, str]]]:
    """README's findings table: file (relative to sample_data) → [(code, severity label, location)]."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for file, code, severity, location, _ in _table("应报告的全部问题"):
        found.setdefault(file, []).append((code, severity, location))
    return found


PROMISED = promised()
_CHECKED: dict[Path, object] = {}


def checked(path: Path):
    """check_file once per sample file for the whole session."""
    if path not in _CHECKED:
        _CHECKED[path] = check_file(path, CAMPAIGN)
    return _CHECKED[path]


def _rel(path: Path) -> str:
    return path.relative_to(SAMPLE).as_posix()


def test_sample_campaign_is_there_and_small():
    assert len(FILES) >= 40
    assert {p.parent.name for p in FILES} == set(PERIODS)
    assert {p.suffix for p in FILES} == {".xlsx", ".xls", ".ods"}
    assert sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()) < 2 * 1024 * 1024


def test_readme_names_only_files_that_exist_with_catalogue_severities():
    assert set(PROMISED) <= {_rel(p) for p in FILES}
    assert len(PROMISED) >= 15
    for entries in PROMISED.values():
        for code, severity, _ in entries:
            assert CATALOGUE[code].severity.label == severity, code


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_check_reports_what_the_readme_promises(path):
    ret = checked(path)
    got = sorted((f.code, f.severity.label, f.location) for f in ret.findings)
    if _rel(path) in PROMISED:
        assert got == sorted(PROMISED[_rel(path)])
    else:
        assert [f for f in got if f[1] != Severity.INFO.label] == []
        assert ret.ok


def test_period_is_the_folder_the_file_is_in():
    """Every return's period is its folder's, except those the README says have no month (E309), which have none."""
    no_month = {rel for rel, found in PROMISED.items() if any(code == "E309" for code, *_ in found)}
    assert no_month, "the sample data promises a return without a month"
    for path in FILES:
        expected = None if _rel(path) in no_month else path.parent.name
        assert checked(path).period == expected, path


def test_accepted_towns_per_month_match_the_readme():
    table = {row[0]: row for row in _table("各月报送情况")}
    for period in PERIODS:
        _, missing, rejected, *_ = table[period]
        missing_towns = set() if missing == "无" else set(missing.split("、"))
        rejected_towns = set() if rejected == "无" else set(rejected.split("、"))
        accepted = {checked(p).town for p in FILES if p.parent.name == period and checked(p).ok}
        sent = {checked(p).town for p in FILES if p.parent.name == period}
        assert accepted == set(TOWNS) - missing_towns - rejected_towns, period
        assert sent & missing_towns == set(), period


def _accepted(period: str) -> dict[str, object]:
    """Each town's accepted return of the period; a resubmission (later 填表日期) wins."""
    best: dict[str, object] = {}
    for path in FILES:
        ret = checked(path)
        if path.parent.name == period and ret.ok and ret.town:
            if ret.town not in best or ret.filled_on > best[ret.town].filled_on:
                best[ret.town] = ret
    return best


def test_cumulative_rows_add_up_month_to_month_in_every_layout_and_format():
    months = {period: _accepted(period) for period in PERIODS}
    for ret in months["2023-11"].values():
        assert ret.values("cumulative") == ret.values("period"), ret.file
    pairs = 0
    for before, after in zip(PERIODS, PERIODS[1:]):
        for town, ret in months[after].items():
            if town not in months[before]:
                continue
            previous = months[before][town].values("cumulative")
            now, period = ret.values("cumulative"), ret.values("period")
            assert {k: now[k] for k in NOTICE.keys} == {k: previous[k] + period[k] for k in NOTICE.keys}, ret.file
            pairs += 1
    assert pairs >= 15


def test_hazard_rows_equal_cumulative_major_hazards_with_their_text():
    for path in FILES:
        ret = checked(path)
        if not ret.ok or any(f.code == "W503" for f in ret.findings):
            continue
        assert len(ret.hazards) == ret.values("cumulative")["major_found"], path
        for hazard in ret.hazards:
            assert hazard.enterprise.endswith("有限公司") and "整改计划" in hazard.detail


def test_fines_are_exact_decimals():
    fines = [checked(p).values("period")["fines"] for p in FILES if checked(p).ok]
    assert all(f is not None and f == round(f, 4) for f in fines)
    assert any(f != int(f) for f in fines)


def test_check_december_folder_through_the_cli():
    result = CliRunner().invoke(app, ["check", str(SAMPLE / "2023-12"), "--format", "json"])
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert len(documents) == len([p for p in FILES if p.parent.name == "2023-12"])
    rejected = sorted(Path(d["file"]).name for d in documents if not d["ok"])
    assert rejected == sorted(Path(f).name for f in PROMISED if f.startswith("2023-12/") and any(
        sev == Severity.ERROR.label for _, sev, _ in PROMISED[f]))


def test_generator_rewrites_the_same_xlsx_bytes(tmp_path):
    script = ROOT / "scripts" / "make_sample_data.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path), "--no-convert"], check=True,
                   capture_output=True, timeout=120)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xlsx"))
    assert made == sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*.xlsx"))
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (SAMPLE / rel).read_bytes(), rel
    assert (tmp_path / "README.md").read_text(encoding="utf-8").split("<!--")[0] == README.read_text(
        encoding="utf-8").split("<!--")[0]
