"""The commands a clerk runs all day stay light: check and --help never import pandas, openpyxl, numpy or jinja2;
merge loads openpyxl only, to write the county's workbook.

Each probe runs bairi in a fresh interpreter, as the console script does, and reports which heavy
libraries ended up in sys.modules; importing any of them costs a tenth of a second or more.
"""

import json
import subprocess
import sys
from pathlib import Path

from build import write_return

HEAVY = ("pandas", "numpy", "openpyxl", "jinja2")
# What reads a mail, an archive, the ledger or the seals: checking one spreadsheet needs none. (The campaign home's
# few names are looked up: a return checked inside a home is read by the home's form.)
INTAKE = ("sqlite3", "bairi.intake.mail", "bairi.intake.archives", "bairi.intake.ledger", "bairi.merge.seal")
PROBE = """
import json, sys
from bairi.cli import app
try:
    app(sys.argv[1:], prog_name="bairi")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted(name for name in {watch!r} if name in sys.modules)
sys.stderr.write("\\nPROBE " + json.dumps({{"exit": code, "heavy": heavy}}) + "\\n")
"""


def probe(cwd: Path, *args: str, watch: tuple[str, ...] = HEAVY) -> tuple[dict, str]:
    """Run `bairi ARGS` in a fresh interpreter; what it reported about itself (which of `watch` it imported), and
    its stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(watch=watch), *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    line = next(line for line in reversed(done.stderr.splitlines()) if line.startswith("PROBE "))
    return json.loads(line[len("PROBE "):]), done.stdout


def test_check_imports_no_heavy_library(tmp_path):
    path = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    report, _ = probe(tmp_path, "check", str(path))
    assert report == {"exit": 0, "heavy": []}


def test_check_json_imports_no_heavy_library(tmp_path):
    path = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    report, stdout = probe(tmp_path, "check", "--format", "json", str(path))
    assert report == {"exit": 0, "heavy": []}
    document = json.loads(stdout)
    assert (document["ok"], document["town"], document["period"]) == (True, "巴公镇", "2023-12")


def test_check_of_a_file_imports_no_mail_archive_ledger_or_seal_module(tmp_path):
    path = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    report, _ = probe(tmp_path, "check", str(path), watch=INTAKE)
    assert report == {"exit": 0, "heavy": []}


def test_help_imports_no_heavy_library(tmp_path):
    report, stdout = probe(tmp_path, "--help")
    assert report == {"exit": 0, "heavy": []}
    assert "check" in stdout and "merge" in stdout


def test_merge_consolidates_with_pandas_and_deadlines_does_not_load_it(tmp_path):
    # merge adds the towns up in a pandas frame (the design's consolidation) and writes with openpyxl;
    # deadlines only decides states.
    inbox = tmp_path / "收件箱"
    write_return(inbox / "巴公镇12月份百日攻坚报表.xlsx")
    report, _ = probe(tmp_path, "merge", str(inbox), "-o", str(tmp_path / "泽州县.xlsx"), "--as-of", "2023-12-26")
    assert report["exit"] == 0 and {"pandas", "numpy", "openpyxl"} <= set(report["heavy"])
    assert (tmp_path / "泽州县.xlsx").stat().st_size > 0
    report, _ = probe(tmp_path, "deadlines", str(inbox), "--as-of", "2023-12-26", "--no-ledger")
    assert report == {"exit": 1, "heavy": []}  # 1: the November return and the plan are overdue
