"""Every template a clerk is given renders in Jinja's sandbox: a template that reaches into Python is refused in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from bairi.cli import app
from build_mail import message, write_eml

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
REFUSED = "做了模板不允许的事"

# Each would run a command, read Python's internals or eat the memory if rendered outside the sandbox.
HOSTILE = [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ '{0.__class__.__base__}'.format(1) }}",
    "{{ (1).__class__ }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 9 ** 999999999 }}",
]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    write_eml(folder / "a.eml", message([("巴公镇行动方案.docx", b"plan")], date="Wed, 08 Nov 2023 10:00:00 +0800"))
    return folder


@pytest.mark.parametrize("body", HOSTILE)
def test_a_hostile_reminder_template_is_refused_in_chinese(tmp_path, inbox, body):
    marker = tmp_path / "ran"
    template = tmp_path / "催报.txt.j2"
    template.write_text("{{ town }}\n" + body.replace("MARKER", str(marker)), encoding="utf-8")
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-02-10", "--remind", str(tmp_path / "o"),
                                 "--remind-format", "txt", "--template", str(template)])
    assert result.exit_code == 2, result.output
    assert REFUSED in result.output and "第 2 行" in result.output
    assert "Traceback" not in result.output and not marker.exists()


def test_a_hostile_bulletin_template_is_refused_text_and_word(tmp_path):
    marker = tmp_path / "ran"
    text = tmp_path / "通报.txt.j2"
    text.write_text(HOSTILE[0].replace("MARKER", str(marker)), encoding="utf-8")
    result = runner.invoke(app, ["summary", str(SAMPLE), "--as-of", "2024-01-26", "--template", str(text)])
    assert (result.exit_code, REFUSED in result.output, marker.exists()) == (2, True, False)
    word = tmp_path / "通报.docx"
    doc = Document()
    doc.add_paragraph("{{ addressee }}" + HOSTILE[3].replace("MARKER", str(marker)))
    doc.save(str(word))
    result = runner.invoke(app, ["summary", str(SAMPLE), "--as-of", "2024-01-26", "--template", str(word),
                                 "-o", str(tmp_path / "out.docx")])
    assert (result.exit_code, REFUSED in result.output, marker.exists()) == (2, True, False)
    assert not (tmp_path / "out.docx").exists()


def test_an_honest_template_still_loops_and_formats(tmp_path, inbox):
    template = tmp_path / "催报.txt.j2"
    template.write_text("{{ town }}{{ '=' * 3 }}{% for i in range(2) %}{{ i }}{% endfor %}", encoding="utf-8")
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-02-10", "--remind", str(tmp_path / "o"),
                                 "--remind-format", "txt", "--template", str(template)])
    assert result.exit_code == 1, result.output
    assert (tmp_path / "o" / "催报_巴公镇.txt").read_text(encoding="utf-8-sig") == "巴公镇===01"

