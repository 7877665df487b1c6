"""Every command has Chinese help with an example, and bad arguments exit 2 without a traceback."""

import pytest
from typer.testing import CliRunner

from bairi.cli import app

runner = CliRunner()
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def test_all_commands_are_registered():
    assert sorted(COMMANDS) == ["check", "deadlines", "fetch", "hazards", "init", "merge", "schema", "summary",
                               "template"]


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_an_example(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0
    assert "Example: bairi " + name in result.output


@pytest.mark.parametrize("argv", [
    ["check", "x.xlsx", "--period", "2023-13"],
    ["merge", "nowhere", "-o", "out.xlsx"],
    ["deadlines", "nowhere", "--as-of", "2024-02-31"],
    ["check"],
])
def test_bad_arguments_exit_2(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
