"""Small things the clerk hits: a mistyped output folder, zip attachments to check, a month only inferred,
more enterprises inspected than the town has, findings that point at the cell to fill."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app

runner = CliRunner()
SAMPLE = Path(__file__).parent.parent / "sample_data"


@pytest.mark.parametrize("args, name", [
    (["merge", str(SAMPLE / "2023-12"), "--no-ledger"], "县.xlsx"),
    (["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "通报.txt"),
    (["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "通报.docx"),
    (["hazards", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger"], "台账.xlsx"),
    (["template"], "模板.xlsx"),
    (["init"], "bairi.toml"),
])
def test_an_output_into_a_folder_that_does_not_exist_is_refused_not_made(tmp_path, args, name):
    target = tmp_path / "没有这个文件夹" / name
    result = runner.invoke(app, [*args, "-o", str(target)])
    assert result.exit_code == 2, result.output
    said = "".join(result.output.split())  # the console wraps long lines
    assert f"文件夹“{target.parent}”不存在：请先建好它，或检查输出路径是否写错" in said
    assert "Traceback" not in result.output
    assert not target.parent.exists()


def test_a_folder_of_reminders_is_made_as_the_option_means(tmp_path):
    folder = tmp_path / "新建" / "催报"
    result = runner.invoke(app, ["deadlines", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger",
                                 "--remind", str(folder), "--remind-format", "txt"])
    assert result.exit_code == 1
    assert len(list(folder.glob("*.txt"))) == 11

