"""``payback demo`` end to end: generate, write the files, import them, summarise.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> result = run_demo(folder / "shop", customers=200, do_import=False)
>>> result.files[0].kind, result.imports
('ads', ())
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from payback.demo.exports import AD_FILES, TABLE_FILES, DemoFile, write_shop
from payback.demo.generator import DEFAULT_START, PHASES, Shop, generate_shop
from payback.errors import PaybackError

#: the headline metrics ``payback demo`` prints, by platform
HEADLINE_METRICS = ("cost", "revenue", "orders", "new_customers", "cpo", "cac", "drr", "romi")
_DEMO_KEY = "demo_seed"


@dataclass(frozen=True)
class DemoResult:
    """What ``payback demo`` did.

    Attributes
    ----------
    directory : Path
        Where the files were written.
    shop : Shop
        The generated tables (in memory).
    files : tuple of DemoFile
        The files, in import order.
    db : str or None
        The store imported into (None with ``do_import=False``).
    imports : tuple
        One ``payback.ingest.ImportResult`` per file.
    summary : payback.metrics.MetricsResult or None
        :data:`HEADLINE_METRICS` by platform, with a totals row.
    seconds : dict
        Wall time of each step (generate, write, import, summary).
    """

    directory: Path
    shop: Shop
    files: tuple[DemoFile, ...]
    db: str | None = None
    imports: tuple[Any, ...] = ()
    summary: Any = None
    seconds: dict[str, float] = field(default_factory=dict)


def run_demo(
    directory: str | Path = "payback-demo",
    *,
    customers: int = 10_000,
    seed: int = 42,
    start: date = DEFAULT_START,
    years: int = 2,
    fx: tuple[str, str] | None = None,
    db: str | Path | None = None,
    do_import: bool = True,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Generate the demo shop, write its files into ``directory`` and import them.

    Parameters
    ----------
    directory : path
        Folder for the CSV/TSV files (created).
    customers, seed, start, years, fx
        Passed to :func:`payback.demo.generate_shop`.
    db : path, optional
        The store to import into (default ``$PAYBACK_DB`` or ``./payback.duckdb``).
    do_import : bool
        Import the files with ``payback.ingest.import_file`` and compute the summary.
    replace : bool
        Empty a store that holds other (non-demo) data first; without it such a store
        is refused. A store filled by an earlier demo is always emptied first.
    progress : callable, optional
        Called with the name of each step as it starts.

    Raises
    ------
    PaybackError
        When the store holds data that did not come from the demo and ``replace`` is off.
    """
    step = progress or (lambda name: None)
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    shop = generate_shop(customers, seed, start, years, fx=fx, progress=step)
    seconds["generate"] = time.perf_counter() - clock
    clock = time.perf_counter()
    files = write_shop(shop, directory, progress=lambda name: step(f"writing {name}"))
    seconds["write"] = time.perf_counter() - clock
    if not do_import:
        return DemoResult(Path(directory), shop, files, seconds=seconds)

    from payback.ingest import import_file
    from payback.store import default_db_path, open_store

    path = str(db) if db is not None else default_db_path()
    clock = time.perf_counter()
    imports = []
    with open_store(path) as store:
        _empty(store, path, replace)
        for f in files:
            step(f"importing {f.path.name}")
            imports.append(import_file(store, f.kind, f.path, currency=f.currency))
        store.set_meta(_DEMO_KEY, str(seed))
        seconds["import"] = time.perf_counter() - clock
        clock = time.perf_counter()
        step("summary")
        summary = headline(store)
        seconds["summary"] = time.perf_counter() - clock
    return DemoResult(Path(directory), shop, files, path, tuple(imports), summary, seconds)


def progress_steps(*, do_import: bool = True) -> int:
    """How many times :func:`run_demo` calls ``progress`` at most: a progress bar's total.

    steps = the generator's phases + 1 (the ad exports) + 1 per table file written + 1
    (the truth files) (+ 1 per file imported, ad exports and tables, + 1 for the summary,
    when importing). A platform or table without rows writes no file (FX rates only
    with ``fx``), hence "at most".

    >>> from payback.demo.generator import PHASES
    >>> progress_steps(do_import=False) == len(PHASES) + 1 + 9 + 1  # 9 table files
    True
    >>> progress_steps() - progress_steps(do_import=False)  # 4 ad files + 9 tables + summary
    14
    """
    steps = len(PHASES) + 1 + len(TABLE_FILES) + 1
    return steps + (len(AD_FILES) + len(TABLE_FILES) + 1 if do_import else 0)


def _empty(store, path: str, replace: bool) -> None:
    from payback.schema import TABLES

    counts = {name: store.row_count(name) for name in TABLES}
    if not any(counts.values()):
        return
    if store.meta(_DEMO_KEY) is None and not replace:
        held = ", ".join(f"{n:,} {name}" for name, n in counts.items() if n)
        raise PaybackError(
            f"the store {path} already holds data that did not come from the demo ({held}): "
            f"the demo would mix with it. Use --db to choose another file (e.g. --db demo.duckdb) "
            f"or --replace to empty this store first"
        )
    for name, n in counts.items():
        if n:
            store.clear(name)


def headline(store) -> Any:
    """:data:`HEADLINE_METRICS` by platform with a totals row (``payback.metrics``)."""
    from payback.metrics import compute_metrics

    return compute_metrics(store, by=("platform",), metrics=HEADLINE_METRICS)
