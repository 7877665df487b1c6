"""On the clerk's Chinese Windows: output redirected to a file or pipe is GBK (cp936), text files open in Notepad.

The commands run as real processes with PYTHONIOENCODING set as Windows sets it for redirected output, so the
interpreter's own stream encoding is what bairi writes through, as on the clerk's machine.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bairi.present.render import read_text, text_file
from build import write_return

SAMPLE = Path(__file__).parent.parent / "sample_data"
# 𬌗 (U+2C317) is a real character of Chinese names that GBK does not have; ✔ neither.
ODD_NAME = "巴公镇 12月 ✔𬌗.xlsx"


def bairi(args: list[str], encoding: str, cwd: Path, columns: int = 100) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING=encoding, COLUMNS=str(columns))
    env.pop("PYTHONUTF8", None)
    # The console script, as the clerk runs .venv\\Scripts\\bairi.exe.
    script = Path(sys.executable).with_name("bairi")
    return subprocess.run([str(script), *args], capture_output=True, env=env, cwd=cwd, timeout=120, check=False)


def decoded(raw: bytes, encoding: str) -> str:
    """The bytes as the clerk's Notepad reads them: must be valid in the code page (strict)."""
    return raw.decode(encoding)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("收件 箱") / "12月 报表"
    folder.mkdir()
    write_return(folder / "巴公镇12月.xlsx")
    write_return(folder / ODD_NAME, unit="大阳镇应急管理中心", period={"teams": -1})
    return folder


@pytest.mark.parametrize("encoding", ["gbk", "cp936"])
def test_check_table_redirected_in_gbk(inbox, encoding, tmp_path):
    done = bairi(["check", str(inbox)], encoding, tmp_path)
    out, err = decoded(done.stdout, encoding), decoded(done.stderr, encoding)
    assert done.returncode == 1, err
    assert "内部错误" not in err and "Traceback" not in err
    assert "√ 可以接收：巴公镇 2023-12" in out
    assert "× 需退回修改：大阳镇 2023-12" in out
    # The name GBK cannot carry is shown with its two odd characters replaced, not lost with the output.
    assert "巴公镇 12月 ??.xlsx" in out
    assert "可以接收 1 份，需退回或无法读取 1 份。" in out


@pytest.mark.parametrize("encoding", ["gbk", "cp936"])
def test_check_json_redirected_in_gbk_keeps_the_file_name_exact(inbox, encoding, tmp_path):
    done = bairi(["check", str(inbox / ODD_NAME), "--format", "json"], encoding, tmp_path)
    assert done.returncode == 1, decoded(done.stderr, encoding)
    document = json.loads(decoded(done.stdout, encoding))
    assert document["file"] == str(inbox / ODD_NAME)
    assert (document["town"], document["ok"]) == ("大阳镇", False)


def test_check_json_stays_readable_chinese_when_the_console_can_carry_it(inbox, tmp_path):
    done = bairi(["check", str(inbox / "巴公镇12月.xlsx"), "-f", "json"], "gbk", tmp_path)
    text = decoded(done.stdout, "gbk")
    assert '"town": "巴公镇"' in text


@pytest.mark.parametrize("encoding", ["gbk", "cp936"])
def test_deadlines_redirected_in_gbk(encoding, tmp_path):
    done = bairi(["deadlines", str(SAMPLE), "--as-of", "2024/02/10", "--no-ledger"], encoding, tmp_path)
    out, err = decoded(done.stdout, encoding), decoded(done.stderr, encoding)
    assert done.returncode == 1, err
    assert "内部错误" not in err
    assert "√ 已报" in out and "× 需退回" not in out
    assert "截止" in out and "巴公镇" in out


def test_deadlines_json_in_gbk_takes_the_clerks_date(tmp_path):
    done = bairi(["deadlines", str(SAMPLE), "--as-of", "2024.02.10", "--no-ledger", "-f", "json"], "gbk", tmp_path)
    assert json.loads(decoded(done.stdout, "gbk"))["as_of"] == "2024-02-10"


def test_merge_and_summary_redirected_in_gbk(tmp_path):
    out = tmp_path / "县 汇总" / "泽州县_2023-12.xlsx"
    out.parent.mkdir()
    merged = bairi(["merge", str(SAMPLE / "2023-12"), "-o", str(out), "--as-of", "20231226", "-p", "2023年12月"],
                   "gbk", tmp_path)
    assert merged.returncode == 1, decoded(merged.stderr, "gbk")
    assert f"汇总表已写出：{out}" in decoded(merged.stdout, "gbk")
    bulletin = bairi(["summary", str(SAMPLE), "--as-of", "2023-12-26", "--no-ledger"], "gbk", tmp_path)
    assert bulletin.returncode == 0, decoded(bulletin.stderr, "gbk")
    assert decoded(bulletin.stdout, "gbk").startswith("关于泽州县冶金工贸行业安全生产“百日攻坚”冬季行动进展情况的通报")


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], ["check"], ["check", "x", "--format", "xml"],
                                  ["deadlines", "x", "--as-of", "2024-02-31"]])
def test_help_and_usage_errors_in_gbk(args, tmp_path):
    done = bairi(args, "gbk", tmp_path)
    text = decoded(done.stdout + done.stderr, "gbk")
    assert done.returncode == (0 if "-h" in args else 2)
    assert text.startswith("用法：bairi")


def test_an_error_message_keeps_a_windows_path_as_typed(tmp_path):
    typed = "D:\\收件箱\\[12月] 报表\\巴公镇.xlsx"
    done = bairi(["check", typed], "gbk", tmp_path)
    assert done.returncode == 2
    assert decoded(done.stderr, "gbk").strip() == f"错误：找不到文件或文件夹：{typed}"


def test_files_bairi_writes_open_in_notepad(tmp_path):
    """Bulletin and reminders: UTF-8 with BOM (Notepad and WPS then never guess GBK), CRLF line ends."""
    bulletin = tmp_path / "通报 12月.txt"
    done = bairi(["summary", str(SAMPLE), "--as-of", "2023-12-26", "--no-ledger", "-o", str(bulletin)], "gbk", tmp_path)
    assert done.returncode == 0, decoded(done.stderr, "gbk")
    reminders = tmp_path / "催 报"
    bairi(["deadlines", str(SAMPLE), "--as-of", "2024-01-26", "--no-ledger", "--remind", str(reminders)], "gbk", tmp_path)
    written = [bulletin, *sorted(reminders.glob("*.txt"))]
    assert len(written) > 2
    for path in written:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), path
        # The 短信 text beside each 催报 is one line (for a work group or an SMS), the others whole notices.
        lines = 1 if path.stem.endswith("_短信") else 4
        assert data.count(b"\n") == data.count(b"\r\n") >= lines, path
        text = data[3:].decode("utf-8")
        assert "\ufeff" not in text
    assert read_text(bulletin).startswith("关于泽州县冶金工贸行业安全生产")


def test_text_file_bytes():
    assert text_file("甲\n乙\r\n") == "\ufeff甲\r\n乙\r\n".encode()


def test_a_template_saved_by_old_notepad_is_read(tmp_path):
    utf8_bom, gbk = tmp_path / "a.j2", tmp_path / "b.j2"
    utf8_bom.write_bytes("\ufeff截至{{ as_of }}".encode())
    gbk.write_bytes("截至{{ as_of }}".encode("gbk"))
    assert read_text(utf8_bom) == read_text(gbk) == "截至{{ as_of }}"


def test_a_workbook_that_cannot_be_replaced_is_said_in_chinese(tmp_path):
    # A file made immutable refuses the replace as Windows refuses one open in WPS or Excel: PermissionError.
    out = tmp_path / "泽州县_2023-12.xlsx"
    out.write_bytes(b"old")
    subprocess.run(["chattr", "+i", str(out)], check=True)
    try:
        done = bairi(["merge", str(SAMPLE / "2023-12"), "-o", str(out), "--as-of", "2023-12-26"], "gbk", tmp_path)
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert done.returncode == 2
    assert decoded(done.stderr, "gbk").strip() == (f"错误：无法写出 {out}：没有权限替换“泽州县_2023-12.xlsx”"
                                                   "（文件或文件夹被设为只读或不可修改）")
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


@given(st.text(alphabet="\\[]ab/#@1月 =:", max_size=16))
def test_markup_escape_shows_any_path_as_it_is(text):
    from rich.markup import render

    from bairi.present.terminal import escape

    assert render(f"[bold]{escape(text)}[/]", emoji=False).plain == text  # bairi's consoles print no emoji codes


def test_a_folder_named_like_a_windows_path_is_shown_as_it_is(tmp_path):
    folder = tmp_path / "D:\\收件箱\\[12月]\\"
    folder.mkdir()
    write_return(folder / "巴公镇[12月] 报表.xlsx")
    done = bairi(["check", str(folder)], "gbk", tmp_path, columns=300)
    assert done.returncode == 0, decoded(done.stderr, "gbk")
    assert f"{folder}/巴公镇[12月] 报表.xlsx" in decoded(done.stdout, "gbk")
