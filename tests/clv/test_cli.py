"""`payback ltv ...` end to end on a demo store: every command, every format, the errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from payback.cli import main
from payback.clv import cohort_ltv, compress, customer_summary, fit_bgnbd, fit_sbg


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path_factory.mktemp("ltv") / "shop.duckdb"
    shop = generate_shop(1200, seed=21)
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    return str(path)


def run(capsys, *args):
    code = main(["ltv", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_csv_equals_the_api(capsys, db):
    from payback.store import open_store

    code, out, _ = run(capsys, "summary", "--db", db, "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    with open_store(db, read_only=True) as store:
        api = store.execute(customer_summary(store).order_by("customer_id"))
    assert frame.customer_id.tolist() == api.customer_id.tolist()
    assert frame.frequency.tolist() == api.frequency.tolist()
    code, out, _ = run(capsys, "summary", "--db", db, "--compressed", "--format", "json")
    payload = json.loads(out)
    assert sum(r["weights"] for r in payload["rows"]) == len(api)


def test_fit_json_equals_the_api(capsys, db):
    from payback.store import open_store

    code, out, _ = run(capsys, "fit", "--model", "bgnbd", "--db", db, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    estimates = {r["parameter"]: r["estimate"] for r in payload["rows"]}
    with open_store(db, read_only=True) as store:
        api = fit_bgnbd(compress(store.execute(customer_summary(store))))
    assert estimates == pytest.approx(api.params, rel=1e-9)
    assert "BG/NBD (per day): log-likelihood" in payload["title"]
    assert payload["period"] == "day"


@pytest.mark.parametrize("model", ["mbgnbd", "pareto", "bgbb", "gg", "sbg"])
def test_fit_every_model(capsys, db, model):
    code, out, err = run(capsys, "fit", "--model", model, "--db", db, "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert (frame.estimate > 0).all() and (frame.std_error > 0).all()


@pytest.mark.parametrize("model", ["nbd", "bgnbd_fixed", "bgnbd", "pareto"])
def test_a_count_model_is_fitted_on_every_customer(capsys, db, model):
    # every count model (not the spend model) sees the customers without repeat purchases
    from payback.clv.layouts import COUNT_MODELS, fit_table
    from payback.store import open_store

    assert model in COUNT_MODELS
    code, out, err = run(capsys, "fit", "--model", model, "--db", db, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    with open_store(db, read_only=True) as store:
        summary = store.execute(customer_summary(store))
    assert (summary.frequency == 0).any()  # one-time buyers are there to be counted
    assert f"{len(summary):,} customers" in payload["title"]
    estimates = {r["parameter"]: r["estimate"] for r in payload["rows"]}
    assert estimates == pytest.approx(fit_table(compress(summary), model).params, rel=1e-6)


def test_fit_from_a_file(capsys, tmp_path):
    survivors = tmp_path / "survivors.csv"
    pd.DataFrame({"survivors": [1000, 631, 468, 382, 326, 289, 262, 241]}).to_csv(
        survivors, index=False
    )
    code, out, _ = run(capsys, "fit", "--model", "sbg", "--input", str(survivors), "-f", "json")
    assert code == 0
    rows = {r["parameter"]: r["estimate"] for r in json.loads(out)["rows"]}
    expected = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241]).params
    assert rows == pytest.approx(expected)
    assert round(rows["alpha"], 3) == 0.704


def test_predict_by_channel_says_which_sources_are_pooled(capsys, db):
    code, out, err = run(
        capsys,
        "predict",
        "--horizon",
        "12m",
        "--discount",
        "10%",
        "--margin",
        "30%",
        "--by",
        "channel",
        "--min-customers",
        "300",
        "--db",
        db,
        "--format",
        "json",
    )
    assert code == 0
    payload = json.loads(out)
    rows = pd.DataFrame(payload["rows"])
    pooled = rows[rows.model_fit == "pooled"].source.tolist()
    assert pooled, "the demo shop has channels under 300 customers"
    assert "pooled fit" in payload["reasons"]["model_fit"]
    for source in pooled:
        assert f"note: {source}: " in err
    assert "margin, discount 10% a year" in payload["title"]
    code, table, _ = run(capsys, "predict", "--by", "channel", "--min-customers", "300", "--db", db)
    assert "pooled" in table and "google" in table


def test_predict_per_customer_and_horizon_units(capsys, db):
    code, out, _ = run(capsys, "predict", "--customers", "--horizon", "1y", "--db", db, "-f", "csv")
    assert code == 0
    a = pd.read_csv(io.StringIO(out))
    code, out, _ = run(
        capsys, "predict", "--customers", "--horizon", "12m", "--db", db, "-f", "csv"
    )
    assert code == 0
    b = pd.read_csv(io.StringIO(out))
    pd.testing.assert_frame_equal(a, b)
    assert a.p_alive.between(0, 1).all()


def test_predict_titles_the_horizon_and_discount_as_given(capsys, db):
    """`--horizon 18 --discount 7.5%` was titled "over 18 (..., discount 8% a year ...)":
    the rate rounded to a whole percent and a horizon without its unit (months). The
    values are the API's at 7.5 % over 18 months."""
    from payback.clv import predict_ltv
    from payback.store import open_store

    code, out, _ = run(capsys, "predict", "--horizon", "18", "--discount", "7.5%", "--db", db,
                       "-f", "json")  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["title"].startswith(
        "LTV by all customers over 18 months (revenue, discount 7.5% a year, model bgnbd"
    )
    with open_store(db, read_only=True) as store:
        api = predict_ltv(store, horizon_months=18, annual_discount_rate=0.075)
    assert doc["rows"][0]["predicted_ltv"] == pytest.approx(
        float(api.by_source.frame["predicted_ltv"].iloc[0]), rel=1e-12
    )
    code, out, _ = run(capsys, "predict", "--customers", "--horizon", "1y", "--discount",
                       "12.25%", "--db", db, "-f", "json")  # fmt: skip
    assert json.loads(out)["title"] == "customer value over 1y (revenue, discount 12.25% a year)"


def test_cohorts_and_parquet_output(capsys, db, tmp_path):
    from payback.store import open_store

    target = tmp_path / "cohorts.parquet"
    code, _, _ = run(
        capsys,
        "cohorts",
        "--by",
        "partner",
        "--max-months",
        "6",
        "--db",
        db,
        "--format",
        "parquet",
        "--output",
        str(target),
    )
    assert code == 0
    frame = pd.read_parquet(target)
    with open_store(db, read_only=True) as store:
        api = cohort_ltv(store, "partner", max_months=6).frame
    assert frame.revenue_per_customer.tolist() == pytest.approx(api.revenue_per_customer.tolist())
    code, out, _ = run(capsys, "cohorts", "--db", db)
    # with the small column the table is wider than the console: headers wrap
    assert code == 0 and "acquisition" in out and "small" in out
    code, out, _ = run(capsys, "cohorts", "--db", db, "--format", "csv")
    assert out.splitlines()[0].startswith("cohort,months_since_acquisition,customers,")
    assert out.splitlines()[0].endswith(",gross_margin_per_customer,small")


def test_check_holdout_and_distribution(capsys, db):
    code, out, _ = run(
        capsys, "check", "--calibration-end", "2025-06-30", "-m", "bgnbd", "--db", db, "-f", "json"
    )
    assert code == 0
    rows = json.loads(out)["rows"]
    assert rows[-1]["frequency"] == "all"
    assert rows[-1]["predicted"] > 0
    code, out, _ = run(
        capsys,
        "check",
        "--calibration-end",
        "2025-06-30",
        "--distribution",
        "--db",
        db,
        "-f",
        "json",
    )
    payload = json.loads(out)
    assert "chi-square" in payload["title"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "--model", "ggg"], "unknown model 'ggg'"),
        (["predict", "--horizon", "soon"], "--horizon 'soon'"),
        (["predict", "--discount", "ten"], "--discount"),
        (["predict", "--margin", "150%"], "margin must be a fraction"),
        (["predict", "--by", "month"], "unknown source 'month'"),
        (["cohorts", "--by", "fruit"], "unknown cohort grouping 'fruit'"),
        (["summary", "--freq", "Y"], "freq must be 'D', 'W' or 'M'"),
    ],
)
def test_errors_exit_2_with_a_message(capsys, db, args, message):
    code, _, err = run(capsys, *args, "--db", db)
    assert code == 2
    assert message in err
