"""The commands that read a store but do not analyse it (``simulate --*-from-store``,
``payback imports``, ``payback store export``) open it through ``open_reading`` like every
analysis: on a lake and on Delta tables they give the store file's answers, or say in one
line why they cannot. On Spark: tests/spark/test_engines.py."""

from __future__ import annotations

import json

import pytest

from payback.cli import main

#: The simulator with both fits on the store (sBG retention, response curve).
SIMULATE = ["simulate", "--response-from-store", "--retention-from-store", "--price", "50",
            "--cogs", "20", "--months", "6", "--budget", "5000", "--json"]  # fmt: skip


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, str]:
    """The 300-customer demo shop as a store file, a lake and Delta tables."""
    from payback.demo import generate_shop
    from payback.lake import export_store
    from payback.lake_delta import export_delta
    from payback.store import open_store

    folder = tmp_path_factory.mktemp("stores")
    shop = generate_shop(300, seed=42)
    with open_store(folder / "shop.duckdb") as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
        export_store(store, folder / "lake")
        export_delta(store, folder / "delta")
    return {
        "file": str(folder / "shop.duckdb"),
        "lake": f"parquet:{folder / 'lake'}",
        "delta": f"delta:{folder / 'delta'}",
    }


def _out(capsys, args: list[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.mark.parametrize("kind", ["lake", "delta"])
def test_simulate_fits_on_a_lake_as_on_the_file(stores, capsys, kind):
    file = json.loads(_out(capsys, [*SIMULATE, "--db", stores["file"]]))
    other = json.loads(_out(capsys, [*SIMULATE, "--db", stores[kind]]))
    fitted = file["fitted_from_store"]
    assert fitted["retention"]["subscriptions"] > 10 and fitted["response"]["months"] > 6
    assert json.dumps(other, sort_keys=True) == json.dumps(file, sort_keys=True)


def test_export_reads_a_lake_or_delta_and_writes_another(stores, tmp_path, capsys):
    """Lake -> lake and Delta -> lake: the same tables, rows and metrics as the file."""
    reference = _out(capsys, ["metrics", "--by", "platform", "-f", "csv", "--db", stores["file"]])
    from_file = _out(capsys, ["store", "export", "--db", stores["file"], "--to",
                              f"parquet:{tmp_path / 'file'}"])  # fmt: skip
    for kind in ("lake", "delta"):
        target = f"parquet:{tmp_path / kind}"
        said = _out(capsys, ["store", "export", "--db", stores[kind], "--to", target])
        assert int(said.split()[1].replace(",", "")) > 10_000
        assert said.split()[1:5] == from_file.split()[1:5]  # "wrote N rows of 11 tables"
        args = ["metrics", "--by", "platform", "-f", "csv", "--db", target]
        assert _out(capsys, args) == reference


def test_export_of_a_spark_catalog_needs_spark(capsys):
    assert main(["store", "export", "--db", "spark-catalog:shop", "--to", "parquet:x"]) != 0
    err = capsys.readouterr().err
    assert "--engine spark" in err and len(err.strip().splitlines()) == 1


def test_export_to_delta_on_spark_says_duckdb_writes_it(stores, tmp_path, capsys):
    args = ["store", "export", "--db", stores["lake"], "--engine", "spark",
            "--to", f"delta:{tmp_path / 'd'}"]  # fmt: skip
    assert main(args) != 0  # refused before any Spark session starts
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Fix: drop --engine spark" in err
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("kind", ["lake", "delta"])
def test_imports_on_a_lake_say_it_keeps_no_log(stores, capsys, kind):
    listed = _out(capsys, ["imports", "--db", stores["file"], "-f", "csv"])
    assert listed.splitlines()[0].startswith("id,")  # the file's (empty) ledger
    assert main(["imports", "--db", stores[kind]]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "keeps no import log" in err and "payback imports --db FILE.duckdb" in err


def test_a_lake_computes_a_shared_value_once_per_opening(stores):
    """A lake is read-only: while it is open, a value shared by a command's parts (the
    cohort cells, a model fit, a table's currencies) is computed once; a new opening
    reads the data again, and drops the older opening's values."""
    from payback.cache import is_file_version, per_store_version, store_version
    from payback.store import open_store

    calls: list[int] = []
    with open_store(stores["lake"], read_only=True) as first:
        version = store_version(first)
        assert version is not None and not is_file_version(version)
        assert store_version(first) == version and store_version(first.cursor()) == version
        for _ in range(3):
            assert per_store_version(first, ("test.rows",), lambda: calls.append(1) or 7) == 7
        assert len(calls) == 1
        assert first.currencies("orders") == ("USD",)
    with open_store(stores["lake"], read_only=True) as second:
        assert store_version(second) != version
        per_store_version(second, ("test.rows",), lambda: calls.append(1) or 7)
    assert len(calls) == 2
    with open_store(stores["file"], read_only=True) as file:
        assert is_file_version(store_version(file))
    with open_store(":memory:") as memory:
        assert store_version(memory) is None
