"""``payback demo`` end to end through the CLI: files written, imported, summarised."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from payback.cli import main
from payback.demo import HEADLINE_METRICS, generate_shop, run_demo
from payback.errors import PaybackError
from payback.store import open_store


def test_demo_imports_everything(tmp_path, capsys):
    folder, db = tmp_path / "shop", tmp_path / "x.duckdb"
    code = main(["demo", "--customers", "2000", "--dir", str(folder), "--db", str(db),
                 "--format", "json"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads(out)
    shop = generate_shop(2000, seed=42)
    with open_store(db, read_only=True) as store:
        for name, count in shop.counts().items():
            assert store.row_count(name) == count, name
        orders = store.to_pyarrow(store.table("orders")).to_pandas()
        ads = store.to_pyarrow(store.table("ad_stats")).to_pandas()
    expected = shop.orders.to_pandas()
    assert orders["revenue"].sum() == pytest.approx(expected["revenue"].sum())
    assert ads["cost"].sum() == pytest.approx(shop.ad_stats.to_pandas()["cost"].sum())
    # the importer derived the same attribution the generator planned
    for column in ("platform", "campaign", "ad_group", "keyword", "partner_id"):
        got = orders[column].fillna("(none)").value_counts().sort_index()
        want = expected[column].fillna("(none)").value_counts().sort_index()
        assert got.to_dict() == want.to_dict(), column
    assert set(HEADLINE_METRICS) <= set(json.dumps(summary).replace('"', " ").split())
    assert (folder / "orders.csv").exists()


def test_fx_demo_converts_yandex(tmp_path):
    result = run_demo(tmp_path / "shop", customers=500, seed=3, fx=("yandex", "EUR"),
                      db=tmp_path / "fx.duckdb")  # fmt: skip
    shop = result.shop
    ads = shop.ad_stats.to_pandas().merge(shop.fx_rates.to_pandas()[["date", "rate"]], on="date")
    in_usd = (ads["cost"] * ads["rate"].where(ads["currency"] == "EUR", 1.0)).sum()
    with open_store(result.db, read_only=True) as store:
        stored = store.to_pyarrow(store.table("ad_stats")).to_pandas()
        assert store.base_currency == "USD"
    assert set(stored["currency"]) == {"USD"}
    assert stored["cost"].sum() == pytest.approx(in_usd, rel=1e-6)
    assert result.summary.frame is not None


def test_demo_refuses_a_store_with_other_data(tmp_path):
    db = tmp_path / "mine.duckdb"
    with open_store(db) as store:
        store.write({"customers": pa.table({"customer_id": ["mine"]})})
    with pytest.raises(PaybackError, match="--replace"):
        run_demo(tmp_path / "shop", customers=200, db=db)
    result = run_demo(tmp_path / "shop", customers=200, db=db, replace=True)
    with open_store(db, read_only=True) as store:
        assert store.row_count("customers") == 200
    # a demo store is simply refilled by the next demo
    run_demo(tmp_path / "shop", customers=300, db=db)
    with open_store(db, read_only=True) as store:
        assert store.row_count("customers") == 300
    assert result.imports


def test_no_import_lists_the_commands(tmp_path, capsys):
    code = main(["demo", "--customers", "300", "--dir", str(tmp_path), "--no-import"])
    assert code == 0
    err = capsys.readouterr().err
    assert "payback import orders" in err
    assert not (tmp_path / "payback.duckdb").exists()


@pytest.mark.parametrize("fx", ["yandex", "yandex:EURO", "tiktok:EUR"])
def test_bad_fx_option_is_refused(tmp_path, capsys, fx):
    code = main(["demo", "--customers", "200", "--dir", str(tmp_path), "--no-import",
                 "--fx", fx])  # fmt: skip
    assert code == 2
    assert "yandex:EUR" in capsys.readouterr().err
    assert not (tmp_path / "orders.csv").exists()
