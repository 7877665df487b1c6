"""bairi's benchmark: each command timed beside the baseline a user would write instead, in one run.

    python bench/run.py            # generate inputs once into bench/_work/, then measure
    python bench/run.py --fresh    # rebuild the inputs first

Every figure is the median wall time of whole processes started afresh (what a clerk waits for), and
every goal is a ratio to a baseline measured in the same run, interleaved with it, so that a slow or
busy machine slows both sides alike. See bench/README.md for what each line means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A real month as the towns sent it (16 towns, one of them twice, two in .xls): the county's everyday merge.
MONTH = HERE.parent / "sample_data" / "2023-12"
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (the bench folder is not a package)

PYTHON = sys.executable
# A run slower than this is "big": it gets --big-runs repeats instead of --runs.
BIG_SECONDS = 2.0
# A run slower than this is timed once: it is so far off every target that a median adds nothing.
HUGE_SECONDS = 30.0
# Children may cache bytecode as on any user's machine: with PYTHONDONTWRITEBYTECODE set (as in some
# sandboxes) an editable install would recompile bairi's own modules on every run.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Command:
    """One process to time: its argv, where it runs, and the exit status it must end with."""

    argv: list[str]
    cwd: Path
    rc: int = 0
    stdout: Path | None = None


@dataclass
class Timing:
    """Wall times and peak resident memory of the repeated runs of one command."""

    seconds: list[float] = field(default_factory=list)
    peak_kb: int = 0

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        """Largest peak resident set of any run, in MB."""
        return self.peak_kb / 1024


class BenchError(Exception):
    """A command did not behave (wrong exit status): the inputs or the install are broken."""


def run_once(command: Command) -> tuple[float, int]:
    """Run one process to completion; its wall time and its own peak RSS in KB (not its siblings')."""
    out = open(command.stdout, "wb") if command.stdout else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command.argv, cwd=command.cwd, stdout=out, stderr=subprocess.PIPE, env=CHILD_ENV)
        # Read stderr before waiting so a chatty child cannot block on a full pipe.
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        if command.stdout:
            out.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != command.rc:
        raise BenchError(f"{' '.join(command.argv)} (in {command.cwd}) exited {process.returncode}, "
                         f"expected {command.rc}:\n{stderr.decode('utf-8', 'replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def measure(commands: dict[str, Command], runs: int, big_runs: int, log, warm: bool = True) -> dict[str, Timing]:
    """Time the commands interleaved (A B C, A B C, ...), after one discarded warm-up round unless `warm`
    is False; `runs` rounds, `big_runs` when a command of the first round took BIG_SECONDS or more, and
    one when it took HUGE_SECONDS or more."""
    timings = {name: Timing() for name in commands}
    if warm:
        for command in commands.values():
            run_once(command)
    repeats, index = runs, 0
    while index < repeats:
        for name, command in commands.items():
            seconds, peak = run_once(command)
            timings[name].seconds.append(seconds)
            timings[name].peak_kb = max(timings[name].peak_kb, peak)
        if index == 0 and max(t.seconds[0] for t in timings.values()) >= HUGE_SECONDS:
            repeats = 1  # that far off any target, more runs would only make the benchmark slow
        elif index == 0 and max(t.seconds[0] for t in timings.values()) >= BIG_SECONDS:
            repeats = big_runs
        index += 1
        log(f"  {' / '.join(commands)}: run {index} of {repeats}")
    return timings


def bairi_argv() -> list[str]:
    """How to start bairi as a user does: the console script beside this Python, else python -m bairi."""
    script = Path(PYTHON).with_name("bairi")
    return [str(script)] if script.is_file() else [PYTHON, "-m", "bairi"]


def _totals_agree(got: dict, expected: dict) -> bool:
    for row in ("period_row", "cumulative_row"):
        for key, value in expected[row].items():
            if abs(float(got[row][key]) - float(value)) > 1e-6:
                return False
    return True


def fmt_s(seconds: float) -> str:
    """Seconds, three significant digits."""
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


@dataclass
class Line:
    """One line of the table."""

    measure: str
    bairi: str
    reference: str
    ratio: str
    target: str
    result: str


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def print_table(title: list[str], lines: list[Line]) -> str:
    """The table as text, columns aligned."""
    header = Line("measure", "bairi", "reference", "ratio", "target", "result")
    rows = [header, *lines]
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("measure", "bairi", "reference", "ratio", "target")]
    text = list(title)
    for row in rows:
        cells = [getattr(row, f).ljust(w) for f, w in zip(("measure", "bairi", "reference", "ratio", "target"), widths)]
        text.append("  ".join(cells + [row.result]).rstrip())
        if row is header:
            text.append("-" * (sum(widths) + 2 * len(widths) + 6))
    return "\n".join(text)


REGISTER_ROWS = (250, 1000)


def hazard_months(rows: int) -> Path:
    """Two months of `rows` hazard rows across the built-in towns (bench/hazard_months.py), made once."""
    import hazard_months as months

    folder = corpus.WORK / "hazards" / str(rows)
    if not folder.is_dir():
        months.write_months(folder, rows)
    return folder


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the inputs, time everything, print the table; exit 1 when a target fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the inputs in bench/_work/ first")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of quick commands (default 5)")
    parser.add_argument("--big-runs", type=int, default=3,
                        help=f"timed runs of commands slower than {BIG_SECONDS:g} s (default 3)")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))

    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        print("the baselines need pandas: pip install -e '.[test]'", file=sys.stderr)
        return 2
    started = time.perf_counter()
    manifest = corpus.generate(fresh=args.fresh, log=log)
    work = corpus.WORK
    paths = {key: work / value for key, value in manifest["paths"].items()}
    config = str(paths["config"])
    bairi = bairi_argv()
    out = work / "out"
    out.mkdir(exist_ok=True)

    def py(script: str, *rest: str | Path, rc: int = 0, stdout: Path | None = None) -> Command:
        return Command([PYTHON, str(HERE / script), *map(str, rest)], work, rc, stdout)

    def tool(*rest: str | Path, rc: int = 0, stdout: Path | None = None) -> Command:
        return Command([*bairi, *map(str, rest)], work, rc, stdout)

    def merge(size: int, *extra: str, stdout: Path | None = None) -> Command:
        return tool("merge", paths[f"returns_{size}"], "-o", out / f"merged_{size}.xlsx", "--config", config,
                    "--as-of", "2023-12-26", *extra, stdout=stdout)

    # Correctness first: the merged totals must be the generator's, and so must the baseline's.
    log("verifying inputs: bairi merge --format json and the baseline script on 1,000 returns ...")
    expected = manifest["expected"][str(corpus.RETURNS)]
    run_once(merge(corpus.RETURNS, "--format", "json", stdout=out / "merge.json"))
    merged = json.loads((out / "merge.json").read_text(encoding="utf-8"))
    run_once(py("baseline_merge.py", paths[f"returns_{corpus.RETURNS}"], stdout=out / "baseline.json"))
    baseline = json.loads((out / "baseline.json").read_text(encoding="utf-8"))
    problems = []
    if len(merged["accepted"]) != corpus.RETURNS or merged["rejected"]:
        problems.append(f"bairi accepted {len(merged['accepted'])} and rejected {len(merged['rejected'])} "
                        f"of {corpus.RETURNS} returns")
    if not _totals_agree(merged["totals"], expected):
        problems.append("bairi merge totals differ from the generated figures")
    if not _totals_agree(baseline, expected):
        problems.append("the baseline's totals differ from the generated figures")
    if problems:
        raise BenchError("; ".join(problems))

    r, b = args.runs, args.big_runs
    log("timing bairi --help ...")
    helps = measure({"help": tool("--help"), "python": Command([PYTHON, "-c", "pass"], work)}, r, b, log)
    log("timing check of one return ...")
    checks = measure({
        "small": tool("check", paths["check_small"]),
        "baseline": py("baseline_check.py", paths["check_small"]),
        "floor": py("floor_typer.py", "check", paths["check_small"]),
        "big": tool("check", paths["check_big"]),
        "baseline_big": py("baseline_check.py", paths["check_big"]),
    }, r, b, log)
    province = measure({
        "small": tool("check", "--config", config, next(iter(sorted(paths["returns_10"].glob("*.xlsx"))))),
        "big": tool("check", "--config", config, paths["check_province_big"]),
    }, r, b, log)
    log("timing merge of 1,000 returns beside the baseline and the unzip floor ...")
    # The verification runs above already warmed the files and the bytecode.
    big = measure({
        "bairi": merge(1000),
        "baseline": py("baseline_merge.py", paths["returns_1000"]),
        "floor": py("floor_unzip.py", paths["returns_1000"]),
    }, r, b, log, warm=False)
    log("timing merge of a 16-town month beside the naive pandas script that writes its totals with to_excel ...")
    month = measure({
        "bairi": tool("merge", MONTH, "-o", out / "month.xlsx", "--as-of", "2023-12-26", rc=1),
        "baseline": py("baseline_month.py", MONTH, out / "month_pandas.xlsx"),
    }, r, b, log)
    log("timing deadlines and summary of the same 1,000 returns ...")
    states = measure({
        "deadlines": tool("deadlines", paths["returns_1000"], "--config", config, "--as-of", "2023-12-26", "--no-ledger",
                          rc=1),
        "summary": tool("summary", paths["returns_1000"], "--config", config, "--as-of", "2023-12-26", "--no-ledger"),
    }, r, b, log, warm=True)
    log("timing merge of 10 and 100 returns ...")
    growth = measure({"10": merge(10), "100": merge(100)}, r, b, log, warm=False)
    log("timing the hazard register over two months of 250 and 1,000 rows ...")
    register = measure({str(rows): tool("hazards", hazard_months(rows), "--as-of", "2024-01-31", "--no-ledger", rc=1)
                        for rows in REGISTER_ROWS}, r, b, log)

    lines: list[Line] = []
    c, base = checks["small"].median, checks["baseline"].median
    lines.append(Line("check, 1 return (5 hazard rows)", fmt_s(c), f"pandas {fmt_s(base)}", f"{c / base:.2f}x",
                      "<= 0.7x", verdict(c / base <= 0.7)))
    cf = checks["floor"].median
    lines.append(Line("check, 1 return vs the stack's floor", fmt_s(c), f"typer+pydantic {fmt_s(cf)}", f"{c / cf:.2f}x",
                      "<= 1.5x", verdict(c / cf <= 1.5)))
    m, mb, fl = big["bairi"].median, big["baseline"].median, big["floor"].median
    lines.append(Line("merge, 1,000 returns", fmt_s(m), f"pandas {fmt_s(mb)}", f"{m / mb:.2f}x", "<= 0.8x",
                      verdict(m / mb <= 0.8)))
    mm, mp = month["bairi"].median, month["baseline"].median
    lines.append(Line("merge, a 16-town month", fmt_s(mm), f"pandas+to_excel {fmt_s(mp)}", f"{mm / mp:.2f}x",
                      "<= 1.0x", verdict(mm / mp <= 1.0)))
    # Re-based on the design's stack (issue 11): openpyxl's writing alone is several times the unzip floor, so
    # the floor is shown, not targeted; the naive script (which writes no workbook at all) is the target.
    lines.append(Line("merge, 1,000 returns vs floor", fmt_s(m), f"unzip {fmt_s(fl)}", f"{m / fl:.1f}x", "", "info"))
    for name in ("deadlines", "summary"):
        seconds = states[name].median
        lines.append(Line(f"{name}, the same 1,000 returns", fmt_s(seconds), f"merge {fmt_s(m)}", f"{seconds / m:.2f}x",
                          "<= 1.5x", verdict(seconds / m <= 1.5)))
    peak = big["bairi"].peak_mb
    lines.append(Line("merge, 1,000 returns: peak memory", f"{peak:.0f} MB",
                      f"pandas {big['baseline'].peak_mb:.0f} MB", "", "< 200 MB", verdict(peak < 200)))
    t10, t100, t1000 = growth["10"].median, growth["100"].median, m
    for size, seconds in ((10, t10), (100, t100), (1000, t1000)):
        lines.append(Line(f"merge growth: {size:,} returns", fmt_s(seconds), f"{seconds / size * 1000:.1f} ms/file", "",
                          "", ""))
    early, late = (t100 - t10) / 90, (t1000 - t100) / 900
    lines.append(Line("merge growth: cost per added file", f"{late * 1000:.2f} ms",
                      f"10->100: {early * 1000:.2f} ms", f"{late / early:.2f}x" if early > 0 else "-",
                      "<= 1.5x", verdict(late <= 1.5 * max(early, 0) + 0.0002)))
    small_rows, big_rows = REGISTER_ROWS
    rs, rb = register[str(small_rows)].median, register[str(big_rows)].median
    lines.append(Line(f"hazards, 2 months of {small_rows:,} rows", fmt_s(rs), "", "", "", "info"))
    # N log N would be a little over 4x for 4x the rows; N x entries (the old matching) was about 16x.
    grown = rb / rs
    lines.append(Line(f"hazards, 2 months of {big_rows:,} rows", fmt_s(rb), f"{small_rows:,} rows {fmt_s(rs)}",
                      f"{grown:.1f}x", "<= 8x", verdict(grown <= 8)))
    cb = checks["big"].median
    lines.append(Line("check, 2,000 vs 5 hazard rows", fmt_s(cb), f"5 rows {fmt_s(c)}", f"{cb / c:.2f}x", "<= 2x",
                      verdict(cb / c <= 2)))
    ps, pb = province["small"].median, province["big"].median
    lines.append(Line("  same, 1,200-unit config", fmt_s(pb), f"5 rows {fmt_s(ps)}", f"{pb / ps:.2f}x", "<= 2x",
                      f"({verdict(pb / ps <= 2)})"))
    lines.append(Line("  check 1 return, 1,200-unit config", fmt_s(ps), f"pandas {fmt_s(base)}", f"{ps / base:.2f}x",
                      "<= 0.7x", f"({verdict(ps / base <= 0.7)})"))
    lines.append(Line("  pandas on the 2,000-row return", fmt_s(checks["baseline_big"].median), "", "", "", "info"))
    h, bare = helps["help"].median, helps["python"].median
    lines.append(Line("bairi --help", fmt_s(h), f"python -c pass {fmt_s(bare)}", f"{h / bare:.1f}x", "", "info"))

    runs_note = (f"medians of {r} runs ({b} for commands over {BIG_SECONDS:g} s, 1 over {HUGE_SECONDS:g} s), "
                 "interleaved with their references")
    title = [
        f"bairi benchmark - Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}",
        runs_note,
        f"inputs: {corpus.RETURNS:,} returns (0-5 hazard rows each) under a {corpus.UNITS:,}-unit config; "
        f"checks under the built-in campaign",
        "",
    ]
    table = print_table(title, lines)
    print(table)
    failed = [line.measure.strip() for line in lines if line.result == "FAIL"]
    summary = (f"{sum(line.result in ('PASS', 'FAIL') for line in lines) - len(failed)} of "
               f"{sum(line.result in ('PASS', 'FAIL') for line in lines)} targets met"
               + (f"; failed: {'; '.join(failed)}" if failed else "")
               + " (in parentheses: the same threshold on a harder case, for information)"
               + f"; benchmark took {time.perf_counter() - started:.0f} s")
    print("\n" + summary, flush=True)
    (work / "last.txt").write_text(table + "\n\n" + summary + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        if exc.name != "bairi":
            raise
        print("bairi is not installed in this Python: run `pip install -e .` in the repository first", file=sys.stderr)
        sys.exit(2)
