"""`ltv predict --margin`: predicted and historical margin LTV on one basis, labelled."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from payback.clv import ltv_by_source


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path_factory.mktemp("basis") / "shop.duckdb"
    store = open_store(path)
    shop = generate_shop(1500, seed=4)
    store.write(shop.tables, meta={"base_currency": shop.currency})
    store.close()
    return path


def _table(path, margin):
    from payback.store import open_store

    store = open_store(path, read_only=True)
    try:
        return ltv_by_source(store, "channel", min_customers=300, margin=margin)
    finally:
        store.close()


def test_margin_given_applies_to_history_and_prediction(store_path):
    revenue_table, kept_table = _table(store_path, None), _table(store_path, 0.3)
    revenue, kept = revenue_table.frame, kept_table.frame
    known = revenue.historical_ltv.notna()
    assert known.any()
    # historical margin LTV = historical revenue LTV x the margin given, not the data's cogs
    assert kept.historical_margin_ltv[known].astype(float).tolist() == pytest.approx(
        (revenue.historical_ltv[known].astype(float) * 0.3).tolist(), rel=1e-12
    )
    assert kept.predicted_ltv.astype(float).tolist() == pytest.approx(
        (revenue.predicted_ltv.astype(float) * 0.3).tolist(), rel=1e-9
    )
    basis = kept_table.notes["basis"]
    assert basis["historical_margin_ltv"] == "revenue x 30% (the margin given)"
    assert basis["predicted_ltv"] == "revenue x 30% (the margin given)"


def test_without_margin_history_keeps_the_data_margin(store_path):
    table = _table(store_path, None)
    revenue = table.frame
    known = revenue.historical_ltv.notna()
    ratio = revenue.historical_margin_ltv[known].astype(float) / revenue.historical_ltv[known]
    # the demo's cogs are a real share of revenue: margin strictly between 0 and revenue
    assert ((ratio > 0) & (ratio < 1)).all()
    basis = table.notes["basis"]
    assert basis["predicted_ltv"] == "revenue"
    assert basis["historical_margin_ltv"] == "revenue - cogs (the data's margin)"


def test_margin_out_of_range_is_refused(store_path):
    from payback.errors import InputError

    with pytest.raises(InputError, match=r"margin must be a fraction in \(0, 1\]"):
        _table(store_path, 30.0)


def test_cli_json_and_table_name_the_basis(store_path):
    from payback.cli import app

    args = ["ltv", "predict", "--by", "channel", "--min-customers", "300", "--db", str(store_path)]
    out = CliRunner().invoke(app, [*args, "--margin", "30%", "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout.splitlines()[0])
    assert doc["basis"]["historical_margin_ltv"] == "revenue x 30% (the margin given)"
    rows = [r for r in doc["rows"] if r["historical_ltv"] is not None]
    assert rows and all(
        r["historical_margin_ltv"] == pytest.approx(r["historical_ltv"] * 0.3) for r in rows
    )
    table = CliRunner().invoke(app, [*args, "--margin", "30%"])
    assert "historical_margin_ltv: revenue x 30% (the margin given)" in table.stdout
