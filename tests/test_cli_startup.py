"""``payback --help`` starts fast: importing the CLI loads no heavy library it does not need.

Heavy libraries are bound with ``payback._lazy.lazy_module`` (clv) or behind PEP 562
package exports and imports inside commands (the other capabilities), so the root command
only imports typer and the command modules: neither the web stack (fastapi, starlette,
uvicorn) and plotly, nor ibis, scipy and pandas (measured: `payback --help` 2.4 s ->
0.4 s once clv and economics were lazy).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "plotly", "ibis", "scipy", "pandas")


def modules_after(code: str, heavy: tuple[str, ...] = HEAVY) -> set[str]:
    """The heavy top-level modules in ``sys.modules`` after running ``code`` afresh."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(m for m in {heavy!r} if m in sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return set(done.stdout.split())


def test_importing_the_cli_loads_neither_the_web_stack_nor_plotly():
    loaded = modules_after("import payback.cli")
    assert not loaded & {"fastapi", "starlette", "uvicorn", "plotly"}, loaded


def test_importing_the_cli_loads_neither_ibis_nor_scipy_nor_pandas():
    loaded = modules_after("import payback.cli")
    assert not loaded & {"ibis", "scipy", "pandas"}, loaded


@pytest.mark.parametrize("package", ["payback.clv", "payback.economics", "payback.calc"])
def test_importing_clv_economics_calc_loads_nothing_heavy(package):
    assert modules_after(f"import {package}") == set()


def test_the_engine_loads_on_first_use():
    # clv binds scipy/pandas with payback._lazy.lazy_module: they load at the first call
    assert "scipy" not in modules_after("from payback.clv import fit_sbg")
    assert "scipy" in modules_after("from payback.clv import fit_sbg; fit_sbg([10, 5, 3])")
    assert "pandas" in modules_after("from payback.clv import sources; sources.pd.DataFrame")
    assert "pandas" in modules_after("from payback.economics import simulate")


def test_importing_the_cli_loads_not_even_numpy():
    assert modules_after("import payback.cli\nimport payback.clv", ("numpy",)) == set()


@pytest.mark.parametrize(
    "package", ["payback.demo", "payback.ingest", "payback.report", "payback.server"]
)
def test_importing_a_capability_package_loads_nothing_heavy(package):
    assert modules_after(f"import {package}") == set()


def test_importing_the_metrics_package_loads_nothing_heavy():
    # its catalogue (names, formulas, units) is plain Python; the engine needs ibis
    assert modules_after("import payback.metrics") == set()
    assert "ibis" in modules_after("from payback.metrics import compute_metrics")


@pytest.mark.parametrize(
    "package", ["demo", "ingest", "metrics", "report", "server", "clv", "economics", "calc"]
)
def test_every_public_name_still_resolves(package):
    import importlib

    module = importlib.import_module(f"payback.{package}")
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(value, "__module__", module.__name__).startswith("payback."), name
        assert name in dir(module)
    exec(f"from payback.{package} import *", namespace := {})
    assert set(module.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("module", ["payback.cli", "payback"])
def test_help_lists_every_command(module):
    """``python -m payback`` works as ``python -m payback.cli`` (it said "No module named
    payback.__main__")."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    for command in ("demo", "import", "metrics", "report", "serve", "ltv", "simulate", "calc"):
        assert f" {command} " in done.stdout, command
    assert f"Usage: python -m {module} " in done.stdout


def test_an_ads_import_into_a_store_loads_no_ibis(tmp_path):
    """The store's Ibis backend is made on first use (``payback.storage.DuckDBBackend``),
    and a new store builds its derived tables from their SQL as written out
    (:mod:`payback.store_derived`): making a store and importing ads into it run SQL only;
    a query loads Ibis, and sees the imported rows."""
    from pathlib import Path

    data = Path(__file__).parent / "data" / "ingest" / "google_ads_keywords.csv"
    db = tmp_path / "store.duckdb"
    opened = f"from payback.store import open_store\nstore = open_store({str(db)!r})"
    built = f"{opened}\nassert store._derived_current('acquisitions')\nstore.close()"
    assert "ibis" not in modules_after(built)  # a new store, its derived tables built
    imported = (
        f"{opened}\nfrom payback.ingest import import_file\n"
        f"assert import_file(store, 'ads', {str(data)!r}).rows_in_store == 6\nstore.close()"
    )
    assert "ibis" not in modules_after(imported)
    queried = f"{opened}\nassert store.row_count('ad_stats') == 6\nstore.close()"
    assert "ibis" in modules_after(queried)
