"""``model="auto"``: the count models compared on a calibration/holdout split.

On the CDNOW 1/10 sample held out from week 40 (1997-10-01) to 1998-06-30 the
customers made 1,882 repeat purchases; fitted on the first 39 weeks, BG/NBD forecasts
-12.1 %, Pareto/NBD -11.5 %, MBG/NBD -16.2 % (issue 10): auto picks Pareto/NBD and
says why. Each number is recomputed here from the calibration fits themselves.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from payback.cli import main
from payback.clv import (
    choose_model,
    compress,
    customer_summary,
    fit_bgnbd,
    fit_mbgnbd,
    fit_pareto_nbd,
    holdout_check,
    predict_ltv,
)

#: holds out weeks 40-78: 272 of the 545 days from 1997-01-01 to 1998-06-30 calibrate
CDNOW_SPLIT = 1 - 272 / 545


@pytest.fixture(scope="module")
def sample_db(cdnow_orders, tmp_path_factory):
    from payback.store import open_store

    orders = cdnow_orders[cdnow_orders.customer_id != "10244"]  # the sample alone
    path = tmp_path_factory.mktemp("sample") / "cdnow.duckdb"
    with open_store(path) as store:
        store.write({"orders": pa.Table.from_pandas(orders, preserve_index=False)})
    return str(path)


def test_auto_picks_pareto_on_the_cdnow_holdout(sample_db):
    from payback.store import open_store

    with open_store(sample_db, read_only=True) as store:
        choice = choose_model(store, holdout_share=CDNOW_SPLIT)
        summary = store.execute(customer_summary(store, calibration_end="1997-09-30"))
    assert str(choice.calibration_end) == "1997-09-30"
    errors = {}
    for name, fitter in [("bgnbd", fit_bgnbd), ("mbgnbd", fit_mbgnbd), ("pareto", fit_pareto_nbd)]:
        total = holdout_check(fitter(compress(summary)), summary).frame.iloc[-1]
        assert total.actual_total == 1882
        errors[name] = total.predicted_total / total.actual_total - 1
    table = choice.table.frame.set_index("model")
    boundary = table.error[["bgnbd_fixed", "nbd"]].round(3).to_dict()
    assert boundary == {"bgnbd_fixed": -0.256, "nbd": 0.557}  # compared, not chosen
    # the Gamma/Gompertz/NBD is tried and refused: its maximum is the Pareto/NBD limit
    assert pd.isna(table.error["ggomnbd"]) and "Pareto/NBD limit" in table.note["ggomnbd"]
    published = table.error.drop(["mbgcnbd", "bgnbd_fixed", "nbd", "ggomnbd"]).to_dict()
    assert published == pytest.approx(errors, rel=1e-6)
    assert {k: round(v, 3) for k, v in errors.items()} == {
        "bgnbd": -0.121,
        "mbgnbd": -0.162,
        "pareto": -0.115,
    }
    # MBG/CNBD-k: k = 1 on CDNOW, the MBG/NBD (BTYDplus: no regularity in CDNOW)
    assert table.error["mbgcnbd"] == pytest.approx(errors["mbgnbd"], abs=1e-6)
    assert choice.ranking == ("pareto", "bgnbd", "mbgnbd", "mbgcnbd", "bgnbd_fixed", "nbd")
    assert "chose pareto" in choice.why and "-11.5%" in choice.why and "bgnbd -12.1%" in choice.why


def test_predict_auto_uses_the_choice_and_says_why(sample_db, capsys):
    from payback.store import open_store

    with open_store(sample_db, read_only=True) as store:
        result = predict_ltv(store, model="auto")
        choice = choose_model(store)  # the default split: the last third held out
    assert result.model == choice.ranking[0]
    assert result.model_choice.ranking == choice.ranking
    got = result.model_choice.table.frame.error.dropna().tolist()
    assert got == pytest.approx(choice.table.frame.error.dropna().tolist())
    assert result.warnings[0].startswith(f"model auto chose {result.model}")
    assert main(["ltv", "predict", "--db", sample_db, "--model", "auto", "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert f"model auto chose {result.model}" in out.err


def test_weekly_predictions_are_the_weekly_model(sample_db):
    from payback.store import open_store

    with open_store(sample_db, read_only=True) as store:
        result = predict_ltv(store, freq="W", horizon_months=12)
        weekly = store.execute(customer_summary(store, freq="W"))
    fit = fit_bgnbd(compress(weekly))
    assert result.fits["pooled"][0].params == pytest.approx(fit.params, rel=1e-9)
    weeks = 365.25 / 7  # 12 months in weeks
    expected = fit.expected_purchases(weeks, weekly.frequency, weekly.recency, weekly["T"])
    assert result.by_source.frame.expected_purchases_per_customer.iloc[0] == pytest.approx(
        float(expected.mean()), rel=1e-9
    )
