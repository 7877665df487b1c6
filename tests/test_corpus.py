"""Every real spreadsheet in the shared corpus gets a clear answer from `bairi check`: no traceback, exit 1 or 2,
one JSON document, and a finding that names the real problem — within bounded time and memory.

The corpus lives beside the repository (../shared/corpus/real-spreadsheets), never in it; without it these
tests skip. Files are checked in two worker processes (this file run as a script), each under an
address-space limit, with a timeout per file: a reader that panics, aborts or allocates without bound kills
only its worker, which the test records as a failure for that file and replaces. The hostile files are also
run through the real console entry point, one process each, as the clerk would run them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import queue
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hostile import Run, limit_memory, run_cli

HERE = Path(__file__).resolve()
CANDIDATES = [
    Path(os.environ["BAIRI_CORPUS"]) if os.environ.get("BAIRI_CORPUS") else None,
    HERE.parents[2] / "shared" / "corpus" / "real-spreadsheets",
    HERE.parents[1].parent / "shared" / "corpus" / "real-spreadsheets",
]
CORPUS = next((c for c in CANDIDATES if c is not None and (c / "MANIFEST.tsv").is_file()), None)

TIMEOUT_S = 20
MAX_RSS_MB = 300
MAX_CPU_S = 5.0

# What each kind of file (the `kind:` prefix of MANIFEST.tsv's what_it_is) must be answered with.
NOT_THE_FORM = {"E201"}
EXPECTED_BY_KIND_PREFIX = [
    ("encrypted-", {"F101"}),
    ("corrupt-", {"F102", "F103"}),  # F103 for a text file named .xls: "not a spreadsheet" is the better answer
    ("empty-", {"F106", "F102"}),
    ("hostile-xml-", {"F110", "F105"}),
    ("other-", {"F104", "F103"}),
    ("xlsb", {"F104"}),
    ("fods", {"F104"}),
    ("xls-biff2", {"F104"}),
    ("xls-biff3", {"F104"}),
    ("xls-biff4", {"F104"}),
]
# Files whose answer differs from their kind's, and why.
EXCEPTIONS = {
    # Repeat counts claim 17 billion cells: refused before anything is built.
    "tafia-calamine__tests_issue_594_dos.ods": {"F105"},
    # xlrd rejects it (the root mini-stream chain runs on into the Workbook stream), but the Workbook stream
    # itself is whole and every cell is read exactly; it is simply not the form.
    "python-excel-xlrd__tests_samples_corrupted_error.xls": NOT_THE_FORM,
}
MESSAGE_WORDS = {
    "F101": "已加密", "F102": "已损坏", "F103": "不是电子表格", "F104": "暂不支持", "F105": "安全处理上限",
    "F106": "为空", "F110": "不安全", "E201": "不是本表格式",
}
# Run through the real console entry point too: bombs, panics, huge allocations, the largest sheets.
HOSTILE = [
    "apache-poi__test-data_spreadsheet_poc-xmlbomb.xlsx",
    "apache-poi__test-data_spreadsheet_xxe_in_schema.xlsx",
    "tafia-calamine__tests_issue_594_dos.ods",
    "tafia-calamine__tests_OOM_alloc.xls",
    "apache-poi__test-data_spreadsheet_Simple.xlsb",
    "apache-poi__test-data_spreadsheet_clusterfuzz-testcase-minimized-POIHSSFFuzzer-5816431116615680.xls",
    "apache-poi__test-data_spreadsheet_57893-many-merges.xlsx",
    "tafia-calamine__tests_issue_174.xlsx",
    "ToucanToco-fastexcel__tests_fixtures_infer-dtypes-fallback.xlsx",
    "SheetJS-test_files__large_strings.xlsx",
    "tafia-calamine__tests_pass_protected.xlsx",
    "dimastbk-python-calamine__tests_data_empty_file.xlsx",
]


def expected_codes(name: str, kind: str) -> set[str]:
    """The finding codes that name this file's real problem."""
    if name in EXCEPTIONS:
        return EXCEPTIONS[name]
    for prefix, codes in EXPECTED_BY_KIND_PREFIX:
        if kind.startswith(prefix):
            return codes
    return NOT_THE_FORM


def _manifest_rows() -> list[dict[str, str]]:
    if CORPUS is None:
        return []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _manifest_rows()
KINDS = {row["file"]: row["what_it_is"].split(":", 1)[0].strip() for row in ROWS}
pytestmark = pytest.mark.skipif(CORPUS is None, reason="../shared/corpus/real-spreadsheets is not beside the repository")


# --- the worker: this file run as a script ----------------------------------------------------

def _peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        return int(re.search(r"VmHWM:\s+(\d+)", handle.read())[1])


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        pass


def _release_memory() -> None:
    """Give freed heap back to the system, so the next file's peak RSS is its own (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def worker() -> None:
    """Read paths on stdin; for each, run `bairi check PATH --format json` in-process and answer one JSON line."""
    from typer.testing import CliRunner

    from bairi.cli import app

    runner = CliRunner()
    for line in sys.stdin:
        path = line.rstrip("\n")
        _reset_peak()
        start, usage = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
        result = runner.invoke(app, ["check", path, "--format", "json"])
        after = resource.getrusage(resource.RUSAGE_SELF)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        trace = ""
        if crashed:
            import traceback

            trace = "Traceback (in-process)\n" + "".join(traceback.format_exception(*result.exc_info))
        answer = {
            "status": result.exit_code, "stdout": result.stdout, "stderr": result.stderr + trace,
            "wall_s": time.monotonic() - start,
            "cpu_s": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
            "rss_mb": _peak_rss_kb() / 1024,
        }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        _release_memory()


class Worker:
    """A worker process and a thread reading its answers; replaced whenever it dies or hangs."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, str(HERE), "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, preexec_fn=limit_memory,
                                     text=True, encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def check(self, path: Path) -> Run:
        """Ask the worker to check one file; a timeout or a dead worker becomes a failed Run."""
        start = time.monotonic()
        try:
            self.proc.stdin.write(f"{path}\n")
            self.proc.stdin.flush()
            line = self.lines.get(timeout=TIMEOUT_S)
        except (BrokenPipeError, queue.Empty):
            line = None
        if line is None:
            problem = "timed out" if self.proc.poll() is None else f"worker died ({self.proc.poll()})"
            self.close()
            self.stderr.seek(0)
            tail = self.stderr.read()[-3000:].decode("utf-8", "replace")
            return Run(path.name, None, "", tail, time.monotonic() - start, 0.0, 0.0, problem)
        answer = json.loads(line)
        return Run(path.name, answer["status"], answer["stdout"], answer["stderr"], answer["wall_s"],
                   answer["cpu_s"], answer["rss_mb"])

    def close(self) -> None:
        """Stop this worker (it is ours, started above)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def check_all(paths: list[Path]) -> list[Run]:
    """Check `paths` in one worker, starting a fresh one after any crash."""
    runs: list[Run] = []
    current = Worker()
    for path in paths:
        run = current.check(path)
        runs.append(run)
        if run.problem:
            current = Worker()
    current.proc.stdin.close()
    current.close()
    return runs


# --- the tests --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_runs() -> dict[str, Run]:
    """Every corpus file checked once, in two workers."""
    names = sorted(KINDS, key=lambda n: (CORPUS / n).stat().st_size)
    halves = [[CORPUS / n for n in names[0::2]], [CORPUS / n for n in names[1::2]]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [run for part in pool.map(check_all, halves) for run in part]
    return {run.name: run for run in runs}


@pytest.fixture(scope="module")
def cli_runs() -> dict[str, Run]:
    """The hostile files, each through the console entry point in its own process."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {run.name: run for run in pool.map(run_cli, [CORPUS / n for n in HOSTILE])}


def assert_answered(run: Run, kind: str) -> None:
    """No traceback, exit 1 or 2, one JSON document, a finding naming the real problem, bounded cost."""
    assert not run.problem, f"{run.name}: {run.problem}\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.status in (1, 2), (run.status, run.stderr[-800:])
    document = json.loads(run.stdout)
    codes = [f["code"] for f in document["findings"]]
    wanted = expected_codes(run.name, kind)
    named = [f for f in document["findings"] if f["code"] in wanted]
    assert named, f"{run.name} ({kind}): expected one of {sorted(wanted)}, got {codes}"
    assert MESSAGE_WORDS[named[0]["code"]] in named[0]["message"]
    assert run.status == (2 if named[0]["code"].startswith("F") else 1)
    assert document["ok"] is False
    assert run.rss_mb < MAX_RSS_MB, f"{run.name}: peak RSS {run.rss_mb:.0f} MB"
    assert run.cpu_s < MAX_CPU_S, f"{run.name}: {run.cpu_s:.1f} s of CPU"


def test_manifest_lists_every_file():
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name not in ("MANIFEST.tsv", "README.md")}
    assert on_disk == set(KINDS)
    assert len(KINDS) == 194


@pytest.mark.parametrize("name", sorted(KINDS))
def test_corpus_file_is_answered(corpus_runs, name):
    assert_answered(corpus_runs[name], KINDS[name])


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_corpus_file_through_the_cli(cli_runs, name):
    assert_answered(cli_runs[name], KINDS[name])


def test_corpus_costs_are_reported(corpus_runs, cli_runs, capsys):
    runs = list(corpus_runs.values())
    with capsys.disabled():
        print(f"\ncorpus: {len(runs)} files checked in-process by two workers, "
              f"{sum(r.wall_s for r in runs):.1f} s of checking in total")
        for label, key in (("slowest (CPU)", lambda r: r.cpu_s), ("most memory (peak RSS)", lambda r: r.rss_mb)):
            print(f"  {label}:")
            for r in sorted(runs, key=key, reverse=True)[:5]:
                print(f"    {r.cpu_s:5.2f} s CPU  {r.wall_s:5.2f} s wall  {r.rss_mb:6.1f} MB  {r.name}")
        print("  hostile files, one process each (CPU, peak RSS):")
        for r in sorted(cli_runs.values(), key=lambda r: r.rss_mb, reverse=True):
            print(f"    {r.cpu_s:5.2f} s CPU  {r.rss_mb:6.1f} MB  {r.name}")
    assert len(runs) == len(KINDS)


def test_inputs_are_not_changed_by_check(corpus_runs, cli_runs):
    """`bairi check` only reads: every corpus file still has the sha256 the manifest records."""
    changed = [row["file"] for row in ROWS
               if hashlib.sha256((CORPUS / row["file"]).read_bytes()).hexdigest() != row["sha256"]]
    assert changed == []


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    worker()
