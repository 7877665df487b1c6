"""`check` walks its inputs through the one intake merge uses: the same returns, the same skipped files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from bairi.cli import app
from build import HAZARDS, put, write_return
from build_mail import message, write_eml

runner = CliRunner()


def _return(folder: Path, town: str, **kw) -> Path:
    return write_return(folder / f"{town}12月份百日攻坚报表.xlsx", unit=f"{town}应急管理中心",
                        hazards=[dict(h, town=town) for h in HAZARDS], **kw)


def _inbox(tmp_path: Path) -> Path:
    """A folder as a clerk's inbox looks: a hidden folder, a lock file, a zip, a mail, a material, a stray file."""
    inbox = tmp_path / "收件箱"
    _return(inbox, "巴公镇")
    _return(inbox / ".old", "南村镇")  # hidden: neither command reads it
    (inbox / "~$巴公镇12月份百日攻坚报表.xlsx").write_bytes(b"\x05owner" + b" " * 160)
    packed = _return(tmp_path / "zipped", "周村镇")
    with zipfile.ZipFile(inbox / "周村镇报送材料.zip", "w") as z:
        z.write(packed, "周村镇12月份百日攻坚报表.xlsx")
    mailed = _return(tmp_path / "mailed", "高都镇", edit=put(H7=-1)).read_bytes()
    write_eml(inbox / "高都镇来信.eml", message([("高都镇12月份百日攻坚报表.xlsx", mailed)],
                                              date="Mon, 18 Dec 2023 09:00:00 +0800", subject="高都镇12月报表"))
    lists = Workbook()
    lists.active.append(["序号", "问题", "整改措施", "责任人"])
    lists.active.append([1, "除尘系统未验收", "12月底前验收", "李四"])
    lists.save(inbox / "巴公镇12月三清单.xlsx")
    (inbox / "说明.bin").write_bytes(b"\x00\x01stray")
    return inbox


def test_check_and_merge_account_for_the_same_returns(tmp_path):
    inbox = _inbox(tmp_path)
    checked = runner.invoke(app, ["check", str(inbox), "--format", "json", "--reply", str(tmp_path / "退回")])
    merged = runner.invoke(app, ["merge", str(inbox), "-o", str(tmp_path / "county.xlsx"), "--period", "2023-12",
                                 "--as-of", "2023-12-26", "--no-ledger", "--format", "json"])
    assert (checked.exit_code, merged.exit_code) == (1, 1), checked.output + merged.output
    documents = json.loads(checked.stdout)
    merge_doc = json.loads(merged.stdout)
    by_check = {(d["file"], d["ok"]) for d in documents}
    by_merge = {(a["file"], True) for a in merge_doc["accepted"]} | {(r["file"], False) for r in merge_doc["rejected"]}
    assert by_check == by_merge == {
        (str(inbox / "巴公镇12月份百日攻坚报表.xlsx"), True),
        (str(inbox / "周村镇报送材料.zip/周村镇12月份百日攻坚报表.xlsx"), True),
        (str(inbox / "高都镇来信.eml/高都镇12月份百日攻坚报表.xlsx"), False),
    }
    # What the walk left out, said by check as merge says it.
    skipped = {Path(s["file"]).name for s in merge_doc["skipped"]}
    assert skipped == {".old", "~$巴公镇12月份百日攻坚报表.xlsx", "说明.bin"}
    assert checked.stderr.splitlines() == [
        f"未检查 隐藏文件夹 {inbox / '.old'} 未读取（其中1个文件）",
        f"未检查 {inbox / '~$巴公镇12月份百日攻坚报表.xlsx'} 是 Excel/WPS 打开文件时留下的临时锁定文件，未读取",
        f"未检查 {inbox / '说明.bin'} 不是报表、文档或邮件，未读取",
        f"未检查 {inbox / '巴公镇12月三清单.xlsx'} 是三清单，不是工作报告表，未按报表检查",
    ]
    # One 退回 draft: the broken return from the mail, none for the material.
    drafts = sorted(p.name for p in (tmp_path / "退回").iterdir())
    assert len(drafts) == 1 and "高都镇" in drafts[0]
    assert [d.get("reply") is not None for d in documents if not d["ok"]] == [True]


def test_check_one_file_is_one_document_and_a_material_is_not_a_return(tmp_path):
    inbox = _inbox(tmp_path)
    one = runner.invoke(app, ["check", str(inbox / "巴公镇12月份百日攻坚报表.xlsx"), "--format", "json"])
    assert one.exit_code == 0 and one.stderr == ""
    assert json.loads(one.stdout)["file"] == str(inbox / "巴公镇12月份百日攻坚报表.xlsx")
    material = runner.invoke(app, ["check", str(inbox / "巴公镇12月三清单.xlsx")])
    assert material.exit_code == 0
    assert "是三清单，不是工作报告表" in material.stdout and "需退回" not in material.stdout
    # A lock file named on purpose is read, and refused as what it is (as before).
    lock = runner.invoke(app, ["check", str(inbox / "~$巴公镇12月份百日攻坚报表.xlsx"), "--format", "json"])
    assert (lock.exit_code, [f["code"] for f in json.loads(lock.stdout)["findings"]]) == (2, ["F107"])


def test_check_opens_a_zip_as_merge_does(tmp_path):
    book = write_return(tmp_path / "b" / "周村镇12月报表.xlsx", unit="周村镇应急管理中心", edit=put(H7=-1))
    packed = tmp_path / "in" / "周村镇报送材料.zip"
    packed.parent.mkdir()
    with zipfile.ZipFile(packed, "w") as z:
        z.write(book, "12月/周村镇12月报表.xlsx")
        z.writestr("周村镇行动方案.docx", b"plan")
    for target in (packed, packed.parent):  # named, or found in a folder
        result = runner.invoke(app, ["check", str(target), "--format", "json"])
        assert result.exit_code == 1, result.output
        doc = json.loads(result.stdout)
        assert (doc["file"], doc["town"], doc["period"]) == (f"{packed}/12月/周村镇12月报表.xlsx", "周村镇", "2023-12")
        assert [(f["code"], f["location"]) for f in doc["findings"] if f["severity"] == "error"] == [("E407", "Sheet1!H7")]
    empty = tmp_path / "只有方案.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("周村镇行动方案.docx", b"plan")
    result = runner.invoke(app, ["check", str(empty), "--format", "json"])
    # A zip holding only the plan is the plan, as the state counts it: no return in it, nothing to send back.
    assert (result.exit_code, json.loads(result.stdout), result.stderr) == (2, [], "")
