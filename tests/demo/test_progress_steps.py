"""``payback demo``'s progress bar total is the number of steps ``run_demo`` reports.

The CLI hard-coded 14 write and 13 import steps beside the generator's phases, while
``run_demo`` reports one step for the ad exports, one per table file and one for the
truth files: the total was 4 too high with every file written.
``payback.demo.runner.progress_steps`` is now the one count.
"""

from __future__ import annotations

from payback.demo.exports import AD_FILES, TABLE_FILES
from payback.demo.generator import PHASES
from payback.demo.runner import progress_steps, run_demo


def _steps(files, do_import: bool) -> int:
    """Counted by hand from run_demo: the generator's 7 phases; the ad exports (one
    step), each table file, the truth files; then one import per file and the summary."""
    tables = sum(f.kind != "ads" for f in files)
    return len(PHASES) + 1 + tables + 1 + ((len(files) + 1) if do_import else 0)


def test_with_every_file_the_total_is_every_step_run_demo_reports(tmp_path):
    calls: list[str] = []
    result = run_demo(tmp_path / "shop", customers=2000, fx=("yandex", "EUR"),
                      db=tmp_path / "demo.duckdb", progress=calls.append)  # fmt: skip
    assert len(result.files) == len(AD_FILES) + len(TABLE_FILES) == 13  # fx: FX rates too
    assert calls[: len(PHASES)] == list(PHASES) and calls[-1] == "summary"
    assert len(calls) == _steps(result.files, True) == progress_steps() == 7 + 11 + 14


def test_without_import_or_fx_the_total_is_an_upper_bound(tmp_path):
    calls: list[str] = []
    result = run_demo(tmp_path / "shop", customers=200, do_import=False, progress=calls.append)
    assert len(calls) == _steps(result.files, False) <= progress_steps(do_import=False) == 7 + 11
