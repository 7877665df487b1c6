"""Every command, in every --format json mode, prints one document that validates against `bairi schema COMMAND`.

The schema is printed from the document models; each output is read back by the model the schema was made
from (pydantic's model_validate_json), so a key, a type or a mode the schema does not describe fails here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.form import NOTICE
from bairi.present.documents import DOCUMENTS, schema
from build import HAZARDS, put, write_return
from build_mail import message, write_eml
from notice_build import SEED, towns_list

runner = CliRunner()


def _return(folder: Path, town: str, **kw) -> Path:
    return write_return(folder / f"{town}12月份百日攻坚报表.xlsx", unit=f"{town}应急管理中心",
                        hazards=[dict(h, town=town) for h in HAZARDS], **kw)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("json") / "收件箱"
    _return(folder, "巴公镇")
    _return(folder, "南村镇")
    _return(folder / "退回", "高都镇", edit=put(H7=-1))
    data = _return(folder.parent / "mail", "周村镇").read_bytes()
    write_eml(folder / "周村镇.eml", message([("周村镇12月份百日攻坚报表.xlsx", data)], date="Mon, 25 Dec 2023 09:00:00 +0800"))
    return folder


def _valid(command: str, *args: str, codes=(0, 1), env=None) -> object:
    result = runner.invoke(app, [command, *args, "--format", "json"], env=env)
    assert result.exit_code in codes, result.output
    # The schema is what `bairi schema` prints; the output is validated by the model that printed it, its rows of
    # figures by the form the run used.
    printed = json.loads(runner.invoke(app, ["schema", command]).stdout)
    assert printed == schema(command, NOTICE)
    DOCUMENTS[command].model_validate_json(result.stdout, context={"form": NOTICE})
    return json.loads(result.stdout)


def test_check_one_file_several_and_with_replies(inbox, tmp_path):
    one = _valid("check", str(inbox / "巴公镇12月份百日攻坚报表.xlsx"))
    assert isinstance(one, dict) and one["ok"] is True
    several = _valid("check", str(inbox))
    assert isinstance(several, list) and len(several) == 4
    replied = _valid("check", str(inbox), "--reply", str(tmp_path / "退回"))
    assert [d["reply"] is not None for d in replied if not d["ok"]] == [True]
    printed = json.loads(runner.invoke(app, ["schema", "check"]).stdout)
    assert any(branch.get("type") == "array" for branch in printed["anyOf"])


def test_merge_seal_list_and_merge_against_the_seal(inbox, tmp_path):
    ledger = ["--ledger", str(tmp_path / "台账.sqlite")]
    merged = _valid("merge", str(inbox), "-o", str(tmp_path / "county.xlsx"), "--csv", str(tmp_path / "t.csv"),
                    "--as-of", "2023-12-26", *ledger)
    assert len(merged["accepted"]) == 3
    sealed = _valid("seal", "2023-12", str(inbox), "-o", str(tmp_path / "sealed.xlsx"), "--as-of", "2023-12-26", *ledger)
    assert sealed["new"] is True
    listed = _valid("seal", "--list", *ledger)
    assert [s["period"] for s in listed["seals"]] == ["2023-12"]
    again = _valid("merge", str(inbox), "-o", str(tmp_path / "county2.xlsx"), "--as-of", "2023-12-26", *ledger)
    assert again["sealed"] is not None and again["corrections"] == []


def test_deadlines_plain_and_with_reminders(inbox, tmp_path):
    plain = _valid("deadlines", str(inbox), "--as-of", "2023-12-26", "--no-ledger")
    assert {i["status"] for i in plain["items"]} >= {"incomplete", "missing", "rejected"}
    reminded = _valid("deadlines", str(inbox), "--as-of", "2023-12-26", "--no-ledger", "--remind", str(tmp_path / "催报"),
                      "--remind-format", "txt")
    assert reminded["items"] == plain["items"]


def test_summary_text_file_and_nothing_to_add_up(inbox, tmp_path):
    shown = _valid("summary", str(inbox), "--as-of", "2023-12-26", "--no-ledger")
    assert shown["text"]
    written = _valid("summary", str(inbox), "--as-of", "2023-12-26", "--no-ledger", "-o", str(tmp_path / "通报.txt"))
    assert written["files"] == [str(tmp_path / "通报.txt")]
    empty = _valid("summary", str(inbox), "--as-of", "2023-12-26", "--no-ledger", "--period", "2023-11")
    assert empty["text"] is None and empty["message"]


def test_hazards_shown_and_written(inbox, tmp_path):
    shown = _valid("hazards", str(inbox), "--as-of", "2024-01-31", "--no-ledger")
    assert len(shown["hazards"]) == 8
    written = _valid("hazards", str(inbox), "--as-of", "2024-01-31", "--no-ledger", "-o", str(tmp_path / "台账.xlsx"))
    assert [h["enterprise"] for h in written["hazards"]] == [h["enterprise"] for h in shown["hazards"]]


def test_fetch(pymap_server, tmp_path):
    pymap_server.seed("INBOX", [message([("巴公镇12月份报表.xlsx", b"PK")], date="Mon, 25 Dec 2023 09:00:00 +0800",
                                        sender="bgz@163.com")])
    fetched = _valid("fetch", pymap_server.url(), "-o", str(tmp_path / "收件箱"), "--all",
                     env={"BAIRI_IMAP_PASSWORD": pymap_server.password})
    assert fetched["fetched"] == 1


def test_every_command_with_a_document_is_covered():
    assert set(DOCUMENTS) == {"check", "merge", "deadlines", "summary", "hazards", "fetch", "seal", "status", "init"}


def test_paths_with_brackets_and_backslashes_print_as_written(inbox, tmp_path):
    # The one escape for terminal text: a folder named like D:\收件箱\[12月] keeps its backslash and brackets.
    folder = tmp_path / "收件箱\\[12月]"
    folder.mkdir()
    register = folder / "台账[1].xlsx"
    shown = runner.invoke(app, ["hazards", str(inbox), "--as-of", "2024-01-31", "--no-ledger", "-o", str(register)])
    assert f"已写出重大隐患台账 {register}" in shown.stdout
    bulletin = folder / "通报[12月].txt"
    written = runner.invoke(app, ["summary", str(inbox), "--as-of", "2023-12-26", "--no-ledger", "-o", str(bulletin)])
    assert f"已写出通报 {bulletin}（2023-12，截至 2023-12-26）" in written.stdout


def test_status_in_a_home(inbox, tmp_path):
    home = tmp_path / "百日攻坚"
    assert runner.invoke(app, ["init", str(home)]).exit_code == 0
    shutil.copytree(inbox, home / "收件箱", dirs_exist_ok=True)
    today = _valid("status", "--home", str(home), "--as-of", "2023-12-26")
    assert "reply" in {item["kind"] for item in today["todo"]}


def test_init_from_the_notice(tmp_path):
    found = _valid("init", str(tmp_path / "百日攻坚"), "--from", str(SEED), "--units", str(towns_list(tmp_path / "t.txt")),
                   "--yes")
    assert found["missing"] == [] and found["form"]["builtin"] is True
