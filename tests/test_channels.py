"""What comes in through the channels towns really use: the logbook beside a file, the receipt time the county
can stand behind, the sender's address, attachments known by their content, links instead of files."""

import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from bairi.cli import app

runner = CliRunner()
ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def readme_logbook() -> str:
    """The sample 登记簿 the README shows the clerk, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```toml\n(\[\[received\]\].*?)```", text, re.S)[1]  # type: ignore[index]


def test_the_readme_logbook_never_takes_a_file_out_of_the_totals(tmp_path):
    box = tmp_path / "2023-12"
    shutil.copytree(ROOT / "sample_data" / "2023-12", box)
    args = ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger"]
    _, plain = run(*args, "-o", str(tmp_path / "a.xlsx"))
    (tmp_path / "登记簿.toml").write_text(readme_logbook(), encoding="utf-8")
    _, booked = run(*args, "-o", str(tmp_path / "b.xlsx"), "--logbook", str(tmp_path / "登记簿.toml"))
    assert booked["totals"] == plain["totals"]
    assert sorted(a["file"] for a in booked["accepted"]) == sorted(a["file"] for a in plain["accepted"])
    shanhe = next(t for t in booked["towns"] if t["town"] == "山河镇")
    # The file's time (its 填表日期, 12-18: the sample's files carry no receipt time) is earlier than the paper's 12-24.
    assert (shanhe["status"], shanhe["file"], shanhe["received"], shanhe["evidence"]) == (
        "on_time", str(box / "山河镇工作报告表.xlsx"), "2023-12-18T12:00:00+08:00", "filled")
    _, dl = run("deadlines", str(box), "--as-of", "2023-12-26", "--no-ledger", "--logbook", str(tmp_path / "登记簿.toml"))
    item = next(i for i in dl["items"] if (i["town"], i["deadline"]) == ("山河镇", "2023-12"))
    assert item["counted"] == str(box / "山河镇工作报告表.xlsx")
    assert [f["message"] for f in item["findings"] if f["code"] == "D740"] == [
        "山河镇2023年12月报表既有文件“山河镇工作报告表.xlsx”（2023-12-18 12:00 收到）又有县局登记（2023-12-24）："
        "数字取自文件，是否按时以较早的文件（报表的填表日期）为准"]
    text = runner.invoke(app, ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger", "-o", str(tmp_path / "c.xlsx"),
                               "--logbook", str(tmp_path / "登记簿.toml")]).stdout
    assert "数字取自文件，是否按时以较早的文件（报表的填表日期）为准" in text
